/**
 * The IPC adapter: one ipcMain handler per LabApi command. Each handler checks that the
 * call comes from our window's top frame at our origin, validates the argument with the
 * same schemas as the HTTP host, and answers { ok, value } or { ok: false, error } so the
 * renderer shows the lab's own message. LabService events are forwarded to the window.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import type { LabService } from '../lab/lab-service';
import { IPC_CHANNEL_PREFIX, IPC_COMMANDS, type IpcReply } from './ipc-commands';
import { dispatch, originOf } from './ipc-dispatch';

export { originOf };

/** isOurs: the call comes from our window's main frame, loaded from our own origin. */
export function isOurs(e: IpcMainInvokeEvent, win: BrowserWindow | null, origin: string): boolean {
  if (!win || win.isDestroyed() || e.sender.id !== win.webContents.id) return false;
  const frame = e.senderFrame;
  if (!frame || frame !== win.webContents.mainFrame) return false;
  return originOf(frame.url) === origin;
}

/** registerIpc installs the handlers and event forwarding; returns the function that removes them. */
export function registerIpc(lab: LabService, getWindow: () => BrowserWindow | null, origin: string): () => void {
  for (const cmd of IPC_COMMANDS) {
    ipcMain.handle(IPC_CHANNEL_PREFIX + cmd, async (e, arg: unknown): Promise<IpcReply> => {
      if (!isOurs(e, getWindow(), origin)) return { ok: false, error: 'refused: not the Quorum Lab window' };
      try {
        return { ok: true, value: await dispatch(lab, cmd, arg) };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    });
  }
  const off = lab.on((ev) => {
    const w = getWindow();
    if (w && !w.isDestroyed()) w.webContents.send('lab:event', ev);
  });
  return () => {
    off();
    for (const cmd of IPC_COMMANDS) ipcMain.removeHandler(IPC_CHANNEL_PREFIX + cmd);
  };
}
