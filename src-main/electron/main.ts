/**
 * The Electron shell's main process: one window (contextIsolation, sandbox, no Node in the
 * renderer, a strict CSP, no remote content, no navigation or new windows), its page served
 * from the app's own scheme (./app-protocol.ts; the dev server only in development), one
 * instance, LabService in-process with each cluster kept under the user-data folder (the
 * last one reopened at start; File lists, opens and deletes kept clusters and recent
 * runs), Export and Open through native dialogs, and every node process stopped on quit.
 */
import { app, BrowserWindow, protocol, session } from 'electron';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabService } from '../lab/lab-service';
import { killAllNodes } from '../lab/supervisor';
import { APP_PRIVILEGES, APP_SCHEME, CSP, pickRendererUrl, serveAppFile } from './app-protocol';
import { desktopLibrary, RecentRuns, type DesktopLibrary } from './desktop-library';
import { desktopRuns, type DesktopRuns } from './desktop-runs';
import { registerIpc, originOf } from './ipc';
import { buildMenu } from './menu';
import { chooseNodeRuntime, nodeSpawner } from './node-runtime';
import { dialogConfirm, dialogPicker } from './run-dialogs';

export { CSP };

const here = fileURLToPath(new URL('.', import.meta.url));
/** rendererRoot is the built renderer, served on the app's scheme. */
const rendererRoot = fileURLToPath(new URL('../renderer/', import.meta.url));
// Read once, before anything else: a packaged app ignores ELECTRON_RENDERER_URL.
const renderer = pickRendererUrl(app.isPackaged, process.env.ELECTRON_RENDERER_URL);
const rendererUrl = renderer.url;
const origin = originOf(rendererUrl);
// Before the app is ready, as Electron requires.
protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: APP_PRIVILEGES }]);

let win: BrowserWindow | null = null;
let lab: LabService | null = null;
let stopped = false;

function allowedUrl(url: string): boolean {
  if (url.startsWith('devtools://')) return true;
  // The dev server's hot-reload socket (ws://) belongs to the dev server's origin.
  const asHttp = url.replace(/^ws(s?):/, 'http$1:');
  return originOf(asHttp) === origin;
}

function hardenSession(): void {
  const s = session.defaultSession;
  s.webRequest.onHeadersReceived((details, cb) => {
    cb({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  // No remote content: anything not from our renderer is cancelled.
  s.webRequest.onBeforeRequest((details, cb) => cb({ cancel: !allowedUrl(details.url) }));
  s.setPermissionRequestHandler((_wc, _perm, cb) => cb(false));
}

function createWindow(): BrowserWindow {
  const w = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Quorum Lab',
    backgroundColor: '#0b1120',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      spellcheck: false,
    },
  });
  w.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  w.webContents.on('will-navigate', (e, url) => {
    if (url !== w.webContents.getURL()) e.preventDefault();
  });
  w.webContents.on('will-attach-webview', (e) => e.preventDefault());
  w.once('ready-to-show', () => w.show());
  w.on('closed', () => {
    if (win === w) win = null;
  });
  void w.loadURL(rendererUrl);
  return w;
}

/** documentsFolder is where Export run… suggests a new folder: Documents, else the home folder (a desktop may have no Documents). */
function documentsFolder(): string {
  try {
    return app.getPath('documents');
  } catch {
    return app.getPath('home');
  }
}

async function start(): Promise<void> {
  hardenSession();
  protocol.handle(APP_SCHEME, (req) => serveAppFile(rendererRoot, req.url, req.method));
  console.log(`quorum-lab: the window shows ${renderer.url} (${renderer.why})`);
  const runtime = chooseNodeRuntime({
    packaged: app.isPackaged,
    pathEnv: process.env.PATH,
    electronExecPath: process.execPath,
    // From a checkout without a system Node: an Electron-ABI build the user named (resources/README.md).
    electronBinding:
      process.env.QUORUM_SQLITE_BINDING ||
      join(process.resourcesPath ?? app.getAppPath(), 'sqlite-electron', 'better_sqlite3.node'),
  });
  console.log(`quorum-lab: ${runtime.why}`);
  const userData = app.getPath('userData');
  // Each cluster keeps its folder under the user data (reopened at the next start); exports staged in runs/.
  lab = new LabService({
    dataDir: join(userData, 'runs'),
    clustersDir: join(userData, 'clusters'),
    resume: true,
    spawnNode: nodeSpawner(runtime, app.getAppPath()),
  });
  const recent = new RecentRuns(join(userData, 'recent-runs.json'));
  const runs = desktopRuns(
    lab,
    dialogPicker(() => win, { documents: documentsFolder(), data: lab.dataDirectory }),
    (dir) => recent.add(dir),
  );
  registerIpc(lab, () => win, origin, runs);
  watchMenu(
    lab,
    runs,
    desktopLibrary(
      lab,
      recent,
      dialogConfirm(() => win),
    ),
  );
  win = createWindow();
  // The window shows the cluster as soon as it exists; a failed start is shown in the console.
  lab.start().catch((e: Error) => console.error(`quorum-lab: the first cluster did not start: ${e.message}`));
}

/** watchMenu builds the menu and rebuilds it when its lists change: after its own items act, and when another cluster runs. */
function watchMenu(l: LabService, runs: DesktopRuns, library: DesktopLibrary): void {
  let shown: string | null | undefined;
  const refresh = async (): Promise<void> => {
    shown = l.currentClusterName;
    const [clusters, recentRuns] = await Promise.all([library.clusters(), library.recentRuns()]);
    buildMenu({ runs, library, getWindow: () => win, refresh }, { clusters, runs: recentRuns });
  };
  void refresh();
  // A cluster created or reopened over IPC (the window's New cluster) changes the list.
  l.on(() => {
    if (l.currentClusterName !== shown) void refresh().catch(() => undefined);
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });
  app.on('web-contents-created', (_e, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
  app.whenReady().then(start, (e: Error) => {
    console.error(`quorum-lab: ${e.message}`);
    app.quit();
  });
  app.on('activate', () => {
    if (!win && lab) win = createWindow();
  });
  app.on('window-all-closed', () => app.quit());
  // Quitting stops every node process: stop the lab first, then let the quit go on.
  app.on('before-quit', (e) => {
    if (stopped || !lab) return;
    e.preventDefault();
    stopped = true;
    const done = (): void => app.quit();
    lab.stop().then(done, done);
    setTimeout(() => {
      killAllNodes();
      done();
    }, 5000).unref();
  });
  process.on('exit', killAllNodes);
}
