/** The renderer's LabClient, picked by transport: window.lab (desktop) or HTTP (browser). */
// eslint-disable-next-line no-restricted-imports -- until the renderer reaches the lab only through src-main/api (structure work in progress)
import type { LabBridge } from '../../../src-main/electron/ipc-commands';
import { HttpLabClient } from './http-client';
import { IpcLabClient } from './ipc-client';
import type { LabClient } from './lab-client';

export * from './lab-client';

declare global {
  interface Window {
    lab?: LabBridge;
  }
}

/** createLabClient returns the IPC client when the preload exposed window.lab, else HTTP. */
export function createLabClient(): LabClient {
  if (typeof window !== 'undefined' && window.lab) return new IpcLabClient(window.lab);
  return new HttpLabClient();
}
