/**
 * The app menu: File (New cluster…, Open Recent Cluster, Export run…, Open run…, Open
 * Recent Run, Delete Cluster, Delete Exported Run, Quit), View, Help (shortcuts, about).
 * Export and Open ask for the folder in a native dialog (`runs`, the same code the
 * window's IPC calls reach); the recent lists come from `library` (kept clusters under the
 * user-data folder, runs exported or opened lately) and every delete asks first. The menu
 * is rebuilt (`refresh`) whenever those lists change.
 */
import { app, Menu, type BrowserWindow, type MenuItemConstructorOptions } from 'electron';
import { BRIDGE_EVENT_CHANNELS, type MenuAction } from '../api/bridge';
import type { KeptCluster } from '../lab/cluster-store';
import type { DesktopLibrary, RecentRun } from './desktop-library';
import type { DesktopRuns } from './desktop-runs';

function send(win: BrowserWindow | null, m: MenuAction): void {
  if (win && !win.isDestroyed()) win.webContents.send(BRIDGE_EVENT_CHANNELS.menu, m);
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** MenuLists are what the File menu's recent submenus show. */
export interface MenuLists {
  clusters: (KeptCluster & { current: boolean })[];
  runs: RecentRun[];
}

/** MenuDeps are what the menu's items act on. */
export interface MenuDeps {
  runs: DesktopRuns;
  library: DesktopLibrary;
  getWindow: () => BrowserWindow | null;
  /** refresh rebuilds the menu with fresh lists. */
  refresh: () => Promise<void>;
}

/** act runs a menu item's work, telling the window how it went (or what failed), then refreshes the lists. */
function act(d: MenuDeps, work: () => Promise<MenuAction | null>, failed: string): () => Promise<void> {
  return async () => {
    try {
      const m = await work();
      if (m) send(d.getWindow(), m);
    } catch (e) {
      send(d.getWindow(), { action: 'error', message: `${failed}: ${message(e)}` });
    }
    await d.refresh().catch(() => undefined);
  };
}

function clusterLabel(k: KeptCluster): string {
  return `${k.name} (${k.settings.protocol}, ${k.settings.nodes} nodes)`;
}

/** recentItems is one submenu's items, or a disabled line saying it is empty. */
function recentItems(items: MenuItemConstructorOptions[], empty: string): MenuItemConstructorOptions[] {
  return items.length > 0 ? items : [{ label: empty, enabled: false }];
}

/** fileMenu is the File menu for the current lists. */
export function fileMenu(d: MenuDeps, lists: MenuLists): MenuItemConstructorOptions[] {
  const { library, runs } = d;
  const openCluster = lists.clusters.map<MenuItemConstructorOptions>((k) => ({
    label: clusterLabel(k),
    type: 'checkbox',
    checked: k.current,
    enabled: !k.current,
    click: act(
      d,
      async () => {
        await library.openCluster(k.name);
        return { action: 'notice', message: `Reopened ${k.name} on its own SQLite files` };
      },
      `Could not open ${k.name}`,
    ),
  }));
  const deletable = lists.clusters.filter((k) => !k.current);
  const deleteCluster = deletable.map<MenuItemConstructorOptions>((k) => ({
    label: clusterLabel(k),
    click: act(
      d,
      async () =>
        (await library.deleteCluster(k.name)) ? { action: 'notice', message: `Deleted the cluster ${k.name}` } : null,
      `Could not delete ${k.name}`,
    ),
  }));
  const openRun = lists.runs.map<MenuItemConstructorOptions>((r) => ({
    label: r.dir,
    click: act(d, async () => ({ action: 'opened', ...(await library.openRun(r.dir)) }), `Could not open ${r.dir}`),
  }));
  const deleteRun = lists.runs.map<MenuItemConstructorOptions>((r) => ({
    label: r.dir,
    click: act(
      d,
      async () =>
        (await library.deleteRun(r.dir)) ? { action: 'notice', message: `Deleted the run in ${r.dir}` } : null,
      `Could not delete ${r.dir}`,
    ),
  }));
  return [
    { label: 'New cluster…', accelerator: 'CmdOrCtrl+N', click: () => send(d.getWindow(), { action: 'new-cluster' }) },
    { label: 'Open Recent Cluster', submenu: recentItems(openCluster, 'No kept clusters') },
    { type: 'separator' },
    {
      label: 'Export run…',
      accelerator: 'CmdOrCtrl+S',
      click: act(
        d,
        async () => {
          const result = await runs.exportRun();
          return result ? { action: 'exported', result } : null;
        },
        'Export failed',
      ),
    },
    {
      label: 'Open run…',
      accelerator: 'CmdOrCtrl+O',
      click: act(
        d,
        async () => {
          const opened = await runs.openRun();
          return opened ? { action: 'opened', run: opened.run, dir: opened.dir } : null;
        },
        'Could not open the run',
      ),
    },
    { label: 'Open Recent Run', submenu: recentItems(openRun, 'No recent runs') },
    { type: 'separator' },
    { label: 'Delete Cluster', submenu: recentItems(deleteCluster, 'No other kept clusters') },
    { label: 'Delete Exported Run', submenu: recentItems(deleteRun, 'No recent runs') },
    { type: 'separator' },
    { role: 'quit' },
  ];
}

/** buildMenu installs the application menu for the current lists. */
export function buildMenu(d: MenuDeps, lists: MenuLists): void {
  const template: MenuItemConstructorOptions[] = [
    { label: 'File', submenu: fileMenu(d, lists) },
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
        { label: 'Keyboard shortcuts', accelerator: 'F1', click: () => send(d.getWindow(), { action: 'shortcuts' }) },
        { label: 'About Quorum Lab', click: () => send(d.getWindow(), { action: 'about', version: app.getVersion() }) },
      ],
    },
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
