/**
 * The desktop app's main process with a real LabService and real node processes, but
 * with the Electron API replaced by a recording stand-in (no Electron runtime exists on
 * this machine). Checks what the window cannot show by itself: the window's security
 * flags, its page on the app's own scheme (ELECTRON_RENDERER_URL ignored, the app being
 * packaged), the CSP and remote-content block, the IPC sender check and argument
 * validation, Export and Open through native dialogs only (the window's folder refused,
 * nothing overwritten, no link followed), events forwarded to the window, the menu, runs
 * under user data, each cluster kept in its own folder under user data (listed, reopened
 * with its data, deleted after a confirmation; recent exported runs likewise), that
 * quitting stops every node process, and that the next start reopens the last cluster.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import type { IpcReply } from '../../src-main/api/bridge';
import { EXPORTED_FILES } from '../lab/helpers';

type Handler = (...args: unknown[]) => unknown;

const e = vi.hoisted(() => {
  // Created on first use: the imports are not bound yet while this hoisted block runs.
  let userData = '';
  const userDataDir = (): string => (userData ||= mkdtempSync(join(tmpdir(), 'quorum-userdata-')));
  const handlers = new Map<string, Handler>();
  const appEvents = new Map<string, Handler[]>();
  const sent: [string, unknown][] = [];
  const windows: { opts: Record<string, unknown>; url: string }[] = [];
  const web: { headers?: Handler; before?: Handler; permission?: Handler } = {};
  const state = { quits: 0, menu: [] as Record<string, unknown>[] };
  // The dialogs answer from these queues (a cancel when empty) and record how they were asked.
  const dialogs = {
    save: [] as (string | null)[],
    open: [] as (string | null)[],
    /** confirm: the answers to delete confirmations (Cancel when empty). */
    confirm: [] as boolean[],
    asked: [] as [string, Record<string, unknown>][],
  };
  const schemes: { privileged: unknown[]; handlers: Map<string, Handler> } = { privileged: [], handlers: new Map() };
  // A packaged app, started with a dev-server address an attacker might have set: it must be ignored.
  process.env.ELECTRON_RENDERER_URL = 'http://127.0.0.1:5173/';
  const mainFrame = { url: '' };
  const webContents = {
    id: 7,
    mainFrame,
    send: (ch: string, payload: unknown) => sent.push([ch, payload]),
    setWindowOpenHandler: () => undefined,
    on: () => undefined,
    getURL: () => mainFrame.url,
  };
  class BrowserWindow {
    webContents = webContents;
    constructor(opts: Record<string, unknown>) {
      windows.push({ opts, url: '' });
    }
    loadURL(u: string) {
      mainFrame.url = u;
      windows[windows.length - 1]!.url = u;
      return Promise.resolve();
    }
    once() {}
    on() {}
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    restore() {}
    focus() {}
  }
  const app = {
    isPackaged: true,
    requestSingleInstanceLock: () => true,
    whenReady: () => Promise.resolve(),
    getPath: (n: string) => (n === 'userData' ? userDataDir() : tmpdir()),
    getAppPath: () => process.cwd(),
    getVersion: () => '0.1.0',
    on: (ev: string, fn: Handler) => appEvents.set(ev, [...(appEvents.get(ev) ?? []), fn]),
    quit: () => {
      state.quits++;
    },
  };
  const electron = {
    app,
    BrowserWindow,
    ipcMain: {
      handle: (ch: string, fn: Handler) => handlers.set(ch, fn),
      removeHandler: (ch: string) => handlers.delete(ch),
    },
    session: {
      defaultSession: {
        webRequest: {
          onHeadersReceived: (fn: Handler) => (web.headers = fn),
          onBeforeRequest: (fn: Handler) => (web.before = fn),
        },
        setPermissionRequestHandler: (fn: Handler) => (web.permission = fn),
      },
    },
    Menu: {
      buildFromTemplate: (t: Record<string, unknown>[]) => {
        state.menu = t;
        return t;
      },
      setApplicationMenu: () => undefined,
    },
    protocol: {
      registerSchemesAsPrivileged: (list: unknown[]) => schemes.privileged.push(...list),
      handle: (scheme: string, fn: Handler) => schemes.handlers.set(scheme, fn),
    },
    dialog: {
      showSaveDialog: async (...a: unknown[]) => {
        dialogs.asked.push(['save', a.at(-1) as Record<string, unknown>]);
        const p = dialogs.save.shift() ?? null;
        return { canceled: p === null, filePath: p ?? '' };
      },
      showOpenDialog: async (...a: unknown[]) => {
        dialogs.asked.push(['open', a.at(-1) as Record<string, unknown>]);
        const p = dialogs.open.shift() ?? null;
        return { canceled: p === null, filePaths: p === null ? [] : [p] };
      },
      showMessageBox: async (...a: unknown[]) => {
        const opts = a.at(-1) as { buttons: string[]; cancelId: number };
        dialogs.asked.push(['confirm', opts as unknown as Record<string, unknown>]);
        return { response: dialogs.confirm.shift() === true ? opts.buttons.indexOf('Delete') : opts.cancelId };
      },
    },
  };
  return {
    electron,
    handlers,
    appEvents,
    sent,
    windows,
    web,
    state,
    mainFrame,
    webContents,
    userDataDir,
    dialogs,
    schemes,
  };
});

vi.mock('electron', () => ({ ...e.electron, default: e.electron }));

async function invoke(
  cmd: string,
  arg?: unknown,
  from: { id: number; frame: unknown } = { id: 7, frame: e.mainFrame },
): Promise<IpcReply> {
  const h = e.handlers.get(`lab:${cmd}`);
  if (!h) throw new Error(`no handler for ${cmd}`);
  return (await h({ sender: { id: from.id }, senderFrame: from.frame }, arg)) as IpcReply;
}

/** valueOf returns an accepted reply's value, or fails with the refusal. */
function valueOf<T>(r: IpcReply): T {
  if (!r.ok) throw new Error(`refused: ${r.error}`);
  return r.value as T;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const pids: number[] = [];
afterAll(() => {
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone, as it should be */
    }
  }
});

/**
 * checkRunDialogs: over IPC, Export and Open take no folder from the window; they ask in a
 * native dialog, write only into a new folder, never overwrite, never follow a link.
 */
async function checkRunDialogs(): Promise<void> {
  const place = mkdtempSync(join(tmpdir(), 'quorum-dialogs-'));
  const asked = (): number => e.dialogs.asked.length;

  // The window names a folder: refused before any dialog, nothing written.
  const before = asked();
  for (const arg of [{ dir: join(place, 'evil') }, join(place, 'evil'), { name: 'x' }, ['..']]) {
    for (const cmd of ['exportRun', 'openRun'])
      expect(await invoke(cmd, arg), `${cmd} ${JSON.stringify(arg)}`).toEqual({
        ok: false,
        error: expect.stringContaining('takes no folder from the window'),
      });
  }
  expect(asked()).toBe(before);
  expect(existsSync(join(place, 'evil'))).toBe(false);

  // No argument: a save dialog (in Documents, a new name) and the run written there.
  const target = join(place, 'my-run');
  e.dialogs.save.push(target);
  const exported = valueOf<{ dir: string; files: string[] }>(await invoke('exportRun'));
  expect(e.dialogs.asked.at(-1)).toEqual(['save', expect.objectContaining({ buttonLabel: 'Export' })]);
  expect(String(e.dialogs.asked.at(-1)![1].defaultPath)).toMatch(/quorum-run-\d{8}-\d{6}$/);
  expect(exported.dir).toBe(target);
  expect(readdirSync(target).sort()).toEqual(EXPORTED_FILES);
  expect(exported.files.map((f) => f.slice(target.length + 1)).sort()).toEqual(EXPORTED_FILES);
  // The lab keeps its runs under the app's user-data folder.
  expect(readdirSync(join(e.userDataDir(), 'runs')).length).toBeGreaterThan(0);

  // An existing folder, or a link planted under the name, is refused and left as it was.
  const existing = join(place, 'existing');
  mkdirSync(existing);
  writeFileSync(join(existing, 'settings.json'), 'mine');
  const elsewhere = mkdtempSync(join(tmpdir(), 'quorum-elsewhere-'));
  const link = join(place, 'link');
  symlinkSync(elsewhere, link);
  for (const p of [existing, link]) {
    e.dialogs.save.push(p);
    expect(await invoke('exportRun'), p).toEqual({ ok: false, error: expect.stringContaining('already exists') });
  }
  expect(readFileSync(join(existing, 'settings.json'), 'utf8')).toBe('mine');
  expect(readdirSync(elsewhere)).toEqual([]);
  // Cancelled: nothing happens.
  expect(await invoke('exportRun')).toEqual({ ok: false, error: 'export cancelled' });

  // Open: a folder picker (in the lab's data folder); the run read back.
  e.dialogs.open.push(target);
  const opened = valueOf<{ settings: { nodes: number }; log: unknown[] }>(await invoke('openRun'));
  expect(e.dialogs.asked.at(-1)).toEqual([
    'open',
    expect.objectContaining({ properties: ['openDirectory'], defaultPath: join(e.userDataDir(), 'runs') }),
  ]);
  expect(opened.settings.nodes).toBe(3);
  expect(opened.log.length).toBeGreaterThan(0);
  // A link to a run folder, or a run file that is a link, is refused.
  const linkedRun = join(place, 'linked-run');
  symlinkSync(target, linkedRun);
  e.dialogs.open.push(linkedRun);
  expect(await invoke('openRun')).toMatchObject({ ok: false, error: expect.stringContaining('not a folder') });
  const sneaky = join(place, 'sneaky');
  mkdirSync(sneaky);
  symlinkSync('/etc/passwd', join(sneaky, 'run.jsonl'));
  e.dialogs.open.push(sneaky);
  expect(await invoke('openRun')).toMatchObject({ ok: false, error: expect.stringContaining('not a regular file') });
  expect(await invoke('openRun')).toEqual({ ok: false, error: 'open cancelled' });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

type MenuItem = Record<string, unknown>;

/** fileMenu is the File menu as last installed. */
function fileMenu(): MenuItem[] {
  return e.state.menu[0]!.submenu as MenuItem[];
}

/** submenu returns the items of the File menu's submenu `label`. */
function submenu(label: string): MenuItem[] {
  const item = fileMenu().find((i) => i.label === label);
  if (!item) throw new Error(`no File → ${label}`);
  return item.submenu as MenuItem[];
}

async function click(item: MenuItem | undefined): Promise<void> {
  if (!item) throw new Error('no such menu item');
  await (item.click as () => Promise<void> | void)();
}

/** keptClusters lists the cluster folders under the user-data folder. */
function keptClusters(): string[] {
  const dir = join(e.userDataDir(), 'clusters');
  return existsSync(dir) ? readdirSync(dir).sort() : [];
}

/** readBack gets `key` over IPC until the cluster answers ok. */
async function readBack(key: string): Promise<unknown> {
  const r = await until(
    `get ${key}`,
    async () => {
      const a = await invoke('kv', { op: 'get', key });
      return a.ok && (a.value as { outcome: string }).outcome === 'ok' ? (a.value as { value: unknown }) : null;
    },
    60_000,
  );
  return r.value;
}

async function quitApp(): Promise<void> {
  const before = e.state.quits;
  for (const fn of e.appEvents.get('before-quit') ?? []) fn({ preventDefault: () => undefined });
  await until('the app to quit', async () => e.state.quits > before, 30_000);
}

/**
 * checkMenuAndClusters: File's items; the running cluster kept in its own folder under the
 * user data; exported runs listed and reopened from File → Open Recent Run; a second
 * cluster listed beside the first, the first reopened with its data; deletes ask first
 * and remove only what they name. Returns the first cluster's name.
 */
/** lastMenu is the newest menu message to the window (lab events stream in between). */
function lastMenu(): [string, unknown] | undefined {
  return e.sent.filter(([ch]) => ch === 'lab:menu').at(-1);
}

async function checkMenuAndClusters(): Promise<string> {
  expect(e.state.menu.map((m) => m.label)).toEqual(['File', 'View', 'Help']);
  expect(fileMenu().map((i) => i.label ?? i.role ?? i.type)).toEqual([
    'New cluster…',
    'Open Recent Cluster',
    'separator',
    'Export run…',
    'Open run…',
    'Open Recent Run',
    'separator',
    'Delete Cluster',
    'Delete Exported Run',
    'separator',
    'quit',
  ]);
  // The running cluster lives in its own folder under the user data: node files, settings.
  const [first] = keptClusters();
  expect(keptClusters()).toHaveLength(1);
  const firstDir = join(e.userDataDir(), 'clusters', first!);
  for (const f of ['n1.sqlite', 'n2.sqlite', 'n3.sqlite', 'settings.json', 'cluster.json'])
    expect(existsSync(join(firstDir, f)), f).toBe(true);
  await until('the menu to list it', async () => submenu('Open Recent Cluster')[0]?.checked === true, 10_000);
  expect(submenu('Open Recent Cluster')[0]!.label).toBe(`${first} (raft, 3 nodes)`);

  await click(fileMenu()[0]);
  expect(lastMenu()).toEqual(['lab:menu', { action: 'new-cluster' }]);
  // File → Export run… and Open run… ask in the same dialogs, then tell the window.
  const viaMenu = join(mkdtempSync(join(tmpdir(), 'quorum-menu-')), 'exported');
  e.dialogs.save.push(viaMenu);
  await click(fileMenu().find((i) => i.label === 'Export run…'));
  expect(lastMenu()).toEqual(['lab:menu', { action: 'exported', result: expect.objectContaining({ dir: viaMenu }) }]);
  e.dialogs.open.push(viaMenu);
  await click(fileMenu().find((i) => i.label === 'Open run…'));
  expect(lastMenu()).toMatchObject(['lab:menu', { action: 'opened', dir: viaMenu, run: { settings: { nodes: 3 } } }]);
  // Exported runs are listed, the latest first, and open from the list.
  expect(submenu('Open Recent Run').map((i) => i.label)[0]).toBe(viaMenu);
  await click(submenu('Open Recent Run')[0]);
  expect(lastMenu()).toMatchObject(['lab:menu', { action: 'opened', dir: viaMenu }]);

  // A new cluster from the window is kept beside the first; the menu lists both.
  expect(valueOf<ClusterView>(await invoke('createCluster', { nodes: 3, protocol: 'paxos' })).nodes).toHaveLength(3);
  await until('the menu to list two clusters', async () => submenu('Open Recent Cluster').length === 2, 10_000);
  const second = keptClusters().find((n) => n !== first)!;
  expect(second).toMatch(/^paxos-3-/);
  expect(submenu('Open Recent Cluster').map((i) => [i.label, i.checked])).toEqual([
    [`${second} (paxos, 3 nodes)`, true],
    [`${first} (raft, 3 nodes)`, false],
  ]);
  expect(submenu('Delete Cluster').map((i) => i.label)).toEqual([`${first} (raft, 3 nodes)`]);
  // Reopening the first: its nodes start on their own SQLite files, the write is there.
  await click(submenu('Open Recent Cluster')[1]);
  expect(lastMenu()).toEqual(['lab:menu', { action: 'notice', message: `Reopened ${first} on its own SQLite files` }]);
  expect(await readBack('a')).toBe('1');
  expect(submenu('Delete Cluster').map((i) => i.label)).toEqual([`${second} (paxos, 3 nodes)`]);

  // Deleting asks first: Cancel keeps it, Delete removes its folder.
  await click(submenu('Delete Cluster')[0]);
  expect(e.dialogs.asked.at(-1)).toEqual([
    'confirm',
    expect.objectContaining({ message: `Delete the cluster ${second}?`, defaultId: 1, cancelId: 1 }),
  ]);
  expect(keptClusters()).toEqual([first, second].sort());
  e.dialogs.confirm.push(true);
  await click(submenu('Delete Cluster')[0]);
  expect(keptClusters()).toEqual([first]);
  expect(lastMenu()).toEqual(['lab:menu', { action: 'notice', message: `Deleted the cluster ${second}` }]);
  expect(submenu('Delete Cluster')[0]).toMatchObject({ label: 'No other kept clusters', enabled: false });

  // Deleting an exported run removes the files an export writes, and the folder once empty;
  // a file of the user's in another exported folder keeps that folder.
  writeFileSync(join(viaMenu, 'notes.txt'), 'mine');
  e.dialogs.confirm.push(true);
  await click(submenu('Delete Exported Run').find((i) => i.label === viaMenu));
  expect(readdirSync(viaMenu)).toEqual(['notes.txt']);
  expect(submenu('Open Recent Run').map((i) => i.label)).not.toContain(viaMenu);
  return first!;
}

/** checkNextStart: the main process started again on the same user data reopens the last cluster with its data. */
async function checkNextStart(cluster: string): Promise<void> {
  e.handlers.clear();
  e.windows.length = 0;
  vi.resetModules();
  await import('../../src-main/electron/main');
  const view = await until(
    'the reopened cluster over IPC',
    async () => {
      const r = await invoke('cluster').catch(() => null);
      return r?.ok && (r.value as ClusterView).nodes.every((n) => n.pid !== null) ? (r.value as ClusterView) : null;
    },
    90_000,
  );
  for (const n of view.nodes) pids.push(n.pid!);
  expect(keptClusters()).toEqual([cluster]);
  await until('the menu to show it running', async () => submenu('Open Recent Cluster')[0]?.checked === true, 10_000);
  expect(submenu('Open Recent Cluster')[0]!.label).toBe(`${cluster} (raft, 3 nodes)`);
  expect(await readBack('a')).toBe('1');
  // Its earlier sessions' run logs are kept beside it.
  expect(readdirSync(join(e.userDataDir(), 'clusters', cluster, 'sessions')).length).toBeGreaterThanOrEqual(2);
  await quitApp();
  expect(pids.filter(alive)).toEqual([]);
}

describe('desktop main process (Electron API stood in)', () => {
  it(
    'hardens the window, serves the lab over checked IPC, keeps clusters under user data, stops every node on quit',
    { timeout: 240_000 },
    async () => {
      await import('../../src-main/electron/main');

      // The window: isolated, sandboxed, no Node, our preload, our renderer.
      const cluster = await until(
        'the first cluster over IPC',
        async () => {
          const r = await invoke('cluster').catch(() => null);
          return r?.ok && (r.value as ClusterView).nodes.every((n) => n.pid !== null) ? (r.value as ClusterView) : null;
        },
        90_000,
      );
      expect(e.windows).toHaveLength(1);
      const prefs = e.windows[0]!.opts.webPreferences as Record<string, unknown>;
      expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false });
      expect(String(prefs.preload)).toMatch(/preload[\\/]preload\.cjs$/);
      // The packaged app ignores ELECTRON_RENDERER_URL: its page comes from its own scheme.
      expect(e.windows[0]!.url).toBe('quorum://app/index.html');
      expect(e.schemes.privileged).toEqual([
        { scheme: 'quorum', privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
      ]);
      // The scheme answers files inside the renderer's folder only.
      const serve = e.schemes.handlers.get('quorum')!;
      for (const url of [
        'quorum://app/../../package.json',
        'quorum://app/%2e%2e/%2e%2e/package.json',
        'quorum://evil/index.html',
      ])
        expect(((await serve({ url, method: 'GET' })) as Response).status, url).toBe(404);
      expect(cluster.nodes).toHaveLength(3);
      for (const n of cluster.nodes) pids.push(n.pid!);

      await checkRunDialogs();

      // CSP on every response; anything not from our renderer is cancelled; no permissions.
      let headers: Record<string, string[]> = {};
      e.web.headers!(
        { responseHeaders: {} },
        (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders),
      );
      expect(headers['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
      let cancel: boolean | undefined;
      for (const url of ['https://example.com/tracker.js', 'file:///etc/passwd', 'quorum://other/x.js']) {
        e.web.before!({ url }, (r: { cancel: boolean }) => (cancel = r.cancel));
        expect(cancel, url).toBe(true);
      }
      e.web.before!(
        { url: e.mainFrame.url.replace('index.html', 'assets/app.js') },
        (r: { cancel: boolean }) => (cancel = r.cancel),
      );
      expect(cancel).toBe(false);
      let granted: boolean | undefined;
      e.web.permission!(null, 'media', (g: boolean) => (granted = g));
      expect(granted).toBe(false);

      // IPC: other senders and frames are refused; arguments are validated.
      expect(await invoke('crash', { id: 'n1' }, { id: 99, frame: e.mainFrame })).toEqual({
        ok: false,
        error: 'refused: not the Quorum Lab window',
      });
      expect(await invoke('crash', { id: 'n1' }, { id: 7, frame: { url: 'https://evil.example/' } })).toMatchObject({
        ok: false,
      });
      expect(await invoke('crash', { id: 'n1; rm -rf /' })).toMatchObject({
        ok: false,
        error: expect.stringContaining('node id'),
      });
      expect(await invoke('kv', { op: 'put', key: 'a' })).toMatchObject({
        ok: false,
        error: expect.stringContaining('value'),
      });
      // Through the IPC door a write reaches the real cluster (once it has a leader).
      await until(
        'a leader',
        async () => valueOf<ClusterView>(await invoke('cluster')).nodes.some((n) => n.role === 'leader'),
        60_000,
      );
      const put = await until(
        'an acknowledged put',
        async () => {
          const r = await invoke('kv', { op: 'put', key: 'a', value: '1' });
          return r.ok && (r.value as { outcome: string }).outcome === 'ok' ? r : null;
        },
        60_000,
      );
      expect(valueOf(put)).toMatchObject({ outcome: 'ok', node: expect.stringMatching(/^n\d$/) });

      // Lab events reach the window.
      await until('a forwarded lab event', async () => e.sent.some(([ch]) => ch === 'lab:event'), 15_000);

      // The menu, and the clusters and runs it keeps under the user-data folder.
      const firstCluster = await checkMenuAndClusters();

      // Quit: the lab stops first, every node process is gone, then the app quits.
      await quitApp();
      expect(pids.filter(alive)).toEqual([]);

      // The next start reopens the cluster that ran last, on its own files.
      await checkNextStart(firstCluster);
    },
  );
});
