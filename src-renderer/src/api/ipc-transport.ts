/**
 * The desktop transport: commands and events over the preload's window.lab bridge. Each
 * command goes to the bridge method of the same name with its wire argument; the main
 * process validates it with the table's validator and answers { ok, value | error }.
 */
import type { LabBridge } from '../../../src-main/api/bridge';
import { Emitter } from './emitter';
import { LabError, isLabEvent, type Connection, type LabTransport } from './lab-client';

/** ipcTransport carries the LabClient over `bridge` (window.lab). */
export function ipcTransport(bridge: LabBridge): LabTransport {
  const conn = new Emitter<Connection>();
  return {
    kind: 'ipc',
    async send(name, wire) {
      const reply = await bridge[name](wire);
      if (!reply.ok) throw new LabError(reply.error);
      return reply.value;
    },
    onEvent(cb) {
      // IPC is always connected while the window lives; say so once for the status badge.
      queueMicrotask(() => conn.emit('open'));
      return bridge.on('event', (e) => {
        if (isLabEvent(e)) cb(e);
      });
    },
    onConnection: (cb) => conn.on(cb),
    onMenu: (cb) => bridge.on('menu', cb),
  };
}
