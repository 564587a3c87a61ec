/** The app menu: File (New cluster…, Export run…, Open run…, Quit), View, Help (shortcuts, about). */
import { app, dialog, Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import type { LabService } from '../lab/lab-service';
import { BRIDGE_EVENT_CHANNELS, type MenuAction } from '../api/bridge';

function send(win: BrowserWindow | null, m: MenuAction): void {
  if (win && !win.isDestroyed()) win.webContents.send(BRIDGE_EVENT_CHANNELS.menu, m);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** buildMenu installs the application menu. */
export function buildMenu(lab: LabService, getWindow: () => BrowserWindow | null): void {
  const pickFolder = async (title: string, create: boolean): Promise<string | null> => {
    const win = getWindow();
    const opts: Electron.OpenDialogOptions = {
      title,
      properties: create ? ['openDirectory', 'createDirectory'] : ['openDirectory'],
      defaultPath: lab.dataDirectory,
    };
    const r = win ? await dialog.showOpenDialog(win, opts) : await dialog.showOpenDialog(opts);
    return r.canceled ? null : (r.filePaths[0] ?? null);
  };
  const template: MenuItemConstructorOptions[] = [
    {
      label: 'File',
      submenu: [
        {
          label: 'New cluster…',
          accelerator: 'CmdOrCtrl+N',
          click: () => send(getWindow(), { action: 'new-cluster' }),
        },
        {
          label: 'Export run…',
          accelerator: 'CmdOrCtrl+S',
          click: async () => {
            const dir = await pickFolder('Export the run to a folder', true);
            if (!dir) return;
            try {
              send(getWindow(), { action: 'exported', result: await lab.exportRun(dir) });
            } catch (e) {
              send(getWindow(), { action: 'error', message: `Export failed: ${message(e)}` });
            }
          },
        },
        {
          label: 'Open run…',
          accelerator: 'CmdOrCtrl+O',
          click: async () => {
            const dir = await pickFolder('Open a saved run', false);
            if (!dir) return;
            try {
              send(getWindow(), { action: 'opened', run: await lab.openRun(dir), dir });
            } catch (e) {
              send(getWindow(), { action: 'error', message: `Could not open ${dir}: ${message(e)}` });
            }
          },
        },
        { type: 'separator' },
        { role: 'quit' },
      ],
    },
    {
      label: 'View',
      submenu: [
        { role: 'reload' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        ...(app.isPackaged ? [] : [{ role: 'toggleDevTools' } as MenuItemConstructorOptions]),
      ],
    },
    {
      label: 'Help',
      submenu: [
        { label: 'Keyboard shortcuts', accelerator: 'F1', click: () => send(getWindow(), { action: 'shortcuts' }) },
        { label: 'About Quorum Lab', click: () => send(getWindow(), { action: 'about', version: app.getVersion() }) },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
