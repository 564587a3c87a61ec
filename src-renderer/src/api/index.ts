/** The renderer's LabClient, picked by transport: window.lab (desktop) or HTTP (browser). */
import type { LabBridge } from '../../../src-main/api/bridge';
import { HttpTransport, type OpenSocket } from './http-transport';
import { ipcTransport } from './ipc-transport';
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
const browserSocket: OpenSocket = (url, on) => {
  const ws = new WebSocket(url);
  ws.onopen = () => on.open();
  ws.onmessage = (m) => on.message(m.data);
  ws.onclose = () => on.close();
  return ws;
};

/** createLabClient returns the client over IPC when the preload exposed window.lab, else over HTTP. */
export function createLabClient(): LabClient {
  if (typeof window === 'undefined') return new TableClient(new HttpTransport());
  if (window.lab) return new TableClient(ipcTransport(window.lab));
  return new TableClient(new HttpTransport({ pageUrl: window.location.href, openSocket: browserSocket }));
}
