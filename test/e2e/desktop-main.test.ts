/**
 * The desktop app's main process with a real LabService and real node processes, but
 * with the Electron API replaced by a recording stand-in (no Electron runtime exists on
 * this machine). Checks what the window cannot show by itself: the window's security
 * flags, the CSP and remote-content block, the IPC sender check and argument validation,
 * events forwarded to the window, the menu, runs under user data, and that quitting stops
 * every node process.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import type { IpcReply } from '../../src-main/api/bridge';

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
    isPackaged: false,
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
    dialog: { showOpenDialog: async () => ({ canceled: true, filePaths: [] }) },
  };
  return { electron, handlers, appEvents, sent, windows, web, state, mainFrame, webContents, userDataDir };
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

describe('desktop main process (Electron API stood in)', () => {
  it(
    'hardens the window, serves the lab over checked IPC, and stops every node on quit',
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
      expect(e.windows[0]!.url).toMatch(/^file:\/\/.*renderer\/index\.html$/);
      expect(cluster.nodes).toHaveLength(3);
      for (const n of cluster.nodes) pids.push(n.pid!);

      // Runs live under the app's user-data folder.
      const exported = valueOf<{ dir: string }>(await invoke('exportRun'));
      expect(exported.dir.startsWith(join(e.userDataDir(), 'runs'))).toBe(true);

      // CSP on every response; anything not from our renderer is cancelled; no permissions.
      let headers: Record<string, string[]> = {};
      e.web.headers!(
        { responseHeaders: {} },
        (r: { responseHeaders: Record<string, string[]> }) => (headers = r.responseHeaders),
      );
      expect(headers['Content-Security-Policy']?.[0]).toContain("script-src 'self'");
      let cancel: boolean | undefined;
      e.web.before!({ url: 'https://example.com/tracker.js' }, (r: { cancel: boolean }) => (cancel = r.cancel));
      expect(cancel).toBe(true);
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

      // The menu: File → New cluster…, Export run…, Open run…, Quit; View; Help.
      const labels = e.state.menu.map((m) => m.label);
      expect(labels).toEqual(['File', 'View', 'Help']);
      const file = e.state.menu[0]!.submenu as Record<string, unknown>[];
      expect(file.map((i) => i.label ?? i.role ?? i.type)).toEqual([
        'New cluster…',
        'Export run…',
        'Open run…',
        'separator',
        'quit',
      ]);
      (file[0]!.click as () => void)();
      expect(e.sent.at(-1)).toEqual(['lab:menu', { action: 'new-cluster' }]);

      // Quit: the lab stops first, every node process is gone, then the app quits.
      for (const fn of e.appEvents.get('before-quit') ?? []) fn({ preventDefault: () => undefined });
      await until('the app to quit', async () => e.state.quits > 0, 30_000);
      const alive = pids.filter((p) => {
        try {
          process.kill(p, 0);
          return true;
        } catch {
          return false;
        }
      });
      expect(alive).toEqual([]);
    },
  );
});
