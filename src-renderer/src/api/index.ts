/** The renderer's LabClient, picked by transport: window.lab (desktop) or HTTP (browser). */
import type { LabBridge } from '../../../src-main/api/bridge';
import { HttpTransport, type OpenSocket } from './http-transport';
import { ipcTransport } from './ipc-transport';
import { takePageToken } from './page-token';
import type { LabClient } from './lab-client';
import { TableClient } from './table-client';

export * from './lab-client';
export { TableClient } from './table-client';

declare global {
  interface Window {
    lab?: LabBridge;
  }
}

/** browserSocket opens the event stream with the browser's WebSocket. */
const browserSocket: OpenSocket = (url, on, protocols) => {
  const ws = new WebSocket(url, protocols);
  ws.onopen = () => on.open();
  ws.onmessage = (m) => on.message(m.data);
  ws.onclose = () => on.close();
  return ws;
};

/** createLabClient returns the client over IPC when the preload exposed window.lab, else over HTTP. */
export function createLabClient(): LabClient {
  if (typeof window === 'undefined') return new TableClient(new HttpTransport());
  if (window.lab) return new TableClient(ipcTransport(window.lab));
  // The token comes with the address `quorum-lab serve` printed; read before anything else looks at the URL.
  const token = takePageToken({ location: window.location, history: window.history, storage: sessionStorageOrNull() });
  return new TableClient(new HttpTransport({ pageUrl: window.location.href, openSocket: browserSocket, token }));
}

/** sessionStorageOrNull is the tab's sessionStorage, or null where the browser refuses it. */
function sessionStorageOrNull(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
