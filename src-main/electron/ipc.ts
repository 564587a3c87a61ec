/**
 * The IPC adapter: one ipcMain handler per row of the command table (channel `lab:<name>`).
 * Each handler checks that the call comes from our window's top frame at our origin,
 * validates the argument with the row's validator (the same as the HTTP host's), and
 * answers { ok, value } or { ok: false, error } so the renderer shows the lab's own
 * message. Export and Open take no path from the window: they ask in a dialog (`runs`).
 * LabService events are forwarded to the window.
 */
import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { BRIDGE_EVENT_CHANNELS, type IpcReply } from '../api/bridge';
import { COMMAND_NAMES, channelOf, type HostedLab } from '../api/commands';
import type { DesktopRuns } from './desktop-runs';
import { dispatchDesktop, originOf } from './ipc-dispatch';

export { originOf };

/** NO_DIALOGS: without dialogs, Export and Open over IPC are refused (never done with a path from the window). */
const NO_DIALOGS: DesktopRuns = {
  exportRun: () => Promise.reject(new Error('Export run… needs the desktop app’s dialogs')),
  openRun: () => Promise.reject(new Error('Open run… needs the desktop app’s dialogs')),
};

/** isOurs: the call comes from our window's main frame, loaded from our own origin. */
export function isOurs(e: IpcMainInvokeEvent, win: BrowserWindow | null, origin: string): boolean {
  if (!win || win.isDestroyed() || e.sender.id !== win.webContents.id) return false;
  const frame = e.senderFrame;
  if (!frame || frame !== win.webContents.mainFrame) return false;
  return originOf(frame.url) === origin;
}

/** registerIpc installs the handlers and event forwarding; returns the function that removes them. */
export function registerIpc(
  lab: HostedLab,
  getWindow: () => BrowserWindow | null,
  origin: string,
  runs: DesktopRuns = NO_DIALOGS,
): () => void {
  for (const cmd of COMMAND_NAMES) {
    ipcMain.handle(channelOf(cmd), async (e, arg: unknown): Promise<IpcReply> => {
      if (!isOurs(e, getWindow(), origin)) return { ok: false, error: 'refused: not the Quorum Lab window' };
      try {
        return { ok: true, value: await dispatchDesktop(lab, runs, cmd, arg) };
      } catch (err) {
        return { ok: false, error: err instanceof Error ? err.message : String(err) };
      }
    });
  }
  const off = lab.on((ev) => {
    const w = getWindow();
    if (w && !w.isDestroyed()) w.webContents.send(BRIDGE_EVENT_CHANNELS.event, ev);
  });
  return () => {
    off();
    for (const cmd of COMMAND_NAMES) ipcMain.removeHandler(channelOf(cmd));
  };
}
