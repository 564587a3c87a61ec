/**
 * The app menu: File (New cluster…, Export run…, Open run…, Quit), View, Help (shortcuts,
 * about). Export and Open ask for the folder in a native dialog (`runs`, the same code the
 * window's IPC calls reach) and tell the window how it went.
 */
import { app, Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { BRIDGE_EVENT_CHANNELS, type MenuAction } from '../api/bridge';
import type { DesktopRuns } from './desktop-runs';

function send(win: BrowserWindow | null, m: MenuAction): void {
  if (win && !win.isDestroyed()) win.webContents.send(BRIDGE_EVENT_CHANNELS.menu, m);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** buildMenu installs the application menu. */
export function buildMenu(runs: DesktopRuns, getWindow: () => BrowserWindow | null): void {
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
            try {
              const result = await runs.exportRun();
              if (result) send(getWindow(), { action: 'exported', result });
            } catch (e) {
              send(getWindow(), { action: 'error', message: `Export failed: ${message(e)}` });
            }
          },
        },
        {
          label: 'Open run…',
          accelerator: 'CmdOrCtrl+O',
          click: async () => {
            try {
              const opened = await runs.openRun();
              if (opened) send(getWindow(), { action: 'opened', run: opened.run, dir: opened.dir });
            } catch (e) {
              send(getWindow(), { action: 'error', message: `Could not open the run: ${message(e)}` });
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
