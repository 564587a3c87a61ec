/**
 * The native dialogs behind Export run… and Open run…: the user picks the folder, in the
 * main process, so the window never hands the lab a path. Export is a save dialog (the user
 * names a new folder, in Documents by default); Open is a folder picker (in the lab's data
 * folder by default).
 */
import { dialog, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import type { FolderPicker } from './desktop-runs';

/** dialogPicker asks through Electron's dialogs, attached to the window when there is one. */
export function dialogPicker(
  getWindow: () => BrowserWindow | null,
  where: { documents: string; data: string },
): FolderPicker {
  const parent = (): BrowserWindow | null => {
    const w = getWindow();
    return w && !w.isDestroyed() ? w : null;
  };
  return {
    async exportTarget(defaultName) {
      const opts: Electron.SaveDialogOptions = {
        title: 'Export the run to a new folder',
        buttonLabel: 'Export',
        defaultPath: join(where.documents, defaultName),
        properties: ['createDirectory', 'showOverwriteConfirmation'],
      };
      const w = parent();
      const r = w ? await dialog.showSaveDialog(w, opts) : await dialog.showSaveDialog(opts);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    async runFolder() {
      const opts: Electron.OpenDialogOptions = {
        title: 'Open a saved run',
        properties: ['openDirectory'],
        defaultPath: where.data,
      };
      const w = parent();
      const r = w ? await dialog.showOpenDialog(w, opts) : await dialog.showOpenDialog(opts);
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  };
}

/** dialogConfirm asks in a native warning box whether to delete something; Cancel is the default. */
export function dialogConfirm(
  getWindow: () => BrowserWindow | null,
): (message: string, detail: string) => Promise<boolean> {
  return async (message, detail) => {
    const opts: Electron.MessageBoxOptions = {
      type: 'warning',
      buttons: ['Delete', 'Cancel'],
      defaultId: 1,
      cancelId: 1,
      title: 'Quorum Lab',
      message,
      detail,
    };
    const w = getWindow();
    const r = w && !w.isDestroyed() ? await dialog.showMessageBox(w, opts) : await dialog.showMessageBox(opts);
    return r.response === 0;
  };
}
