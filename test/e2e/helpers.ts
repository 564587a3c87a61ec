/**
 * End-to-end helpers: build the browser renderer once, start `quorum-lab serve` on a free
 * port, and open an installed Chromium-family browser (./browser.mjs: QUORUM_CHROMIUM,
 * Debian's chromium, Google Chrome, Microsoft Edge) with a fresh profile through
 * playwright-core. Without one, requireChromium fails the browser tests with one line
 * saying what to install.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect, onTestFailed } from 'vitest';
import { findChromium } from './browser.mjs';

/** ROOT is the repository root. */
export const ROOT = resolve(import.meta.dirname, '..', '..');
/** ARTIFACTS is where screenshots go (gitignored): a folder per test file, artifacts/e2e/<file>/NN-name.png. */
export const ARTIFACTS = join(ROOT, 'artifacts', 'e2e');
/** E2E_DIR holds the browser test files (test/e2e/NAME.test.ts owns the shots in artifacts/e2e/NAME/). */
const E2E_DIR = import.meta.dirname;
const browser = findChromium();
/** CHROMIUM is the installed Chromium-family browser the tests drive ('' when there is none: see requireChromium). */
export const CHROMIUM = browser.path ?? '';

/** MissingBrowserError says, in one line and with no stack, that no browser is installed and what to install. */
export class MissingBrowserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MissingBrowserError';
    // A missing browser is a setup problem, not a bug: one line, no wall of stack frames.
    this.stack = `${this.name}: ${message}`;
  }
}

/** requireChromium throws a MissingBrowserError when no Chromium-family browser is installed (call it first in a browser test's beforeAll). */
export function requireChromium(): string {
  if (browser.path === null) throw new MissingBrowserError(browser.problem ?? 'no browser');
  return browser.path;
}

/** WEB_OUT is where the browser build under test goes: its own folder, so the `npm start` test (which may build dist-web/ itself) never races it. */
export const WEB_OUT = join(ROOT, 'artifacts', 'e2e-web');

/**
 * buildWeb builds the browser renderer with vite.web.config.ts into `outDir` (WEB_OUT unless
 * given: a test file running beside another in the suite builds into a folder of its own).
 */
export function buildWeb(outDir = WEB_OUT): string {
  const vite = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  const r = spawnSync(
    process.execPath,
    [vite, 'build', '--config', 'vite.web.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
    {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  if (r.status !== 0) throw new Error(`vite build failed (${r.status}): ${r.stderr}${r.stdout}`);
  if (!existsSync(join(outDir, 'index.html'))) throw new Error(`vite build wrote no ${outDir}/index.html`);
  return outDir;
}

/** Served is a running `quorum-lab serve`. */
export interface Served {
  proc: ChildProcess;
  /** url: the lab's origin, `http://127.0.0.1:PORT` (no token, no trailing slash). */
  url: string;
  /** token: the launch token from the start line ('' if the host printed none). */
  token: string;
  /** pageUrl: the address to open in the browser, `url/?token=…`, as printed. */
  pageUrl: string;
  dataDir: string;
  output: () => string;
  /** api calls `path` on the lab with the token (and a JSON content type when there is a body). */
  api: (path: string, init?: RequestInit) => Promise<Response>;
}

/** START_LINE matches `Quorum Lab on http://127.0.0.1:PORT/?token=T`: origin and token. */
export const START_LINE = /Quorum Lab on (http:\/\/127\.0\.0\.1:\d+)\/?(?:\?token=([A-Za-z0-9._~-]+))?/;

/** withToken adds `Authorization: Bearer <token>` and, for a body, a JSON content type to a fetch's init. */
export function withToken(token: string, init: RequestInit = {}): RequestInit {
  const headers = new Headers(init.headers);
  if (token !== '' && !headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
  if (init.body !== undefined && init.body !== null && !headers.has('content-type'))
    headers.set('content-type', 'application/json');
  return { ...init, headers };
}

/** startServe spawns the lab host and resolves with its URL and token once it prints them. */
export function startServe(args: string[], timeoutMs = 90_000): Promise<Served> {
  const dataDir = mkdtempSync(join(tmpdir(), 'quorum-e2e-data-'));
  const proc = spawn(
    process.execPath,
    [join(ROOT, 'bin', 'quorum-lab.mjs'), 'serve', '--port', '0', '--data', dataDir, ...args],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`serve printed no URL in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = START_LINE.exec(out);
      if (m && out.slice(m.index).includes('\n')) {
        clearTimeout(timer);
        const url = m[1]!;
        const token = m[2] ?? '';
        res({
          proc,
          url,
          token,
          pageUrl: token === '' ? url : `${url}/?token=${token}`,
          dataDir,
          output: () => out,
          api: (path, init) => fetch(url + path, withToken(token, init)),
        });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    proc.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`serve exited (${code}) before printing a URL:\n${out}`));
    });
  });
}

/** stopServe ends the serve process by its PID and waits for it to exit. */
export async function stopServe(s: Served | null): Promise<void> {
  if (!s || s.proc.exitCode !== null || s.proc.pid === undefined) return;
  const exited = new Promise<void>((res) => s.proc.once('exit', () => res()));
  process.kill(s.proc.pid, 'SIGTERM');
  const killer = setTimeout(() => {
    if (s.proc.exitCode === null && s.proc.pid !== undefined) process.kill(s.proc.pid, 'SIGKILL');
  }, 10_000);
  await exited;
  clearTimeout(killer);
}

/** openBrowser launches the browser headless with a fresh profile. */
export async function openBrowser(): Promise<{ context: BrowserContext; page: Page }> {
  const executablePath = requireChromium();
  const profile = mkdtempSync(join(tmpdir(), 'quorum-e2e-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    viewport: { width: 1400, height: 900 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return { context, page };
}

let shot = 0;
let last = Date.now();

/** shotOwner names the test file a shot belongs to: "screens" for test/e2e/screens.test.ts ('e2e' when none runs). */
export function shotOwner(testPath: string | undefined): string {
  // Either separator: vitest gives a Windows runner's path with backslashes or slashes.
  const name = (testPath?.split(/[\\/]/).pop() ?? '').replace(/\.test\.[cm]?[jt]s$/, '');
  return /^[a-z0-9][a-z0-9-]*$/i.test(name) ? name : 'e2e';
}

/** testOwners lists the test files of test/e2e by owner name (what may own a folder of shots). */
export function testOwners(dir = E2E_DIR): Set<string> {
  return new Set(
    readdirSync(dir)
      .filter((f) => /\.test\.[cm]?[jt]s$/.test(f))
      .map((f) => shotOwner(f)),
  );
}

/**
 * clearShots empties `owner`'s folder of shots before its first shot of a run, so the folder
 * shows this run's shots only (a renamed or removed shot does not linger), and removes what no
 * test owns any more: the folder of a test file that no longer exists, and a loose shot of the
 * old flat layout (artifacts/e2e/NN-name.png). Other test files' folders are left alone: they
 * may be running beside this one.
 */
export function clearShots(owner: string, dir = ARTIFACTS, owners = testOwners()): void {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // no shots yet
  }
  for (const e of entries) {
    const stale = e.isDirectory() ? e.name === owner || !owners.has(e.name) : e.name.endsWith('.png');
    if (stale) rmSync(join(dir, e.name), { recursive: true, force: true });
  }
}

/** cleared: the owners whose folder this process emptied already (once per test file's run). */
const cleared = new Set<string>();

/**
 * screenshot saves the page as artifacts/e2e/<test file>/NN-name.png (the folder emptied
 * before the file's first shot of this run: clearShots) and logs how long the step took.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  const owner = shotOwner(expect.getState().testPath);
  if (!cleared.has(owner)) {
    cleared.add(owner);
    clearShots(owner);
  }
  const dir = join(ARTIFACTS, owner);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${String(++shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  const now = Date.now();
  console.log(`e2e step ${shot} ${name}: ${((now - last) / 1000).toFixed(1)} s`);
  last = now;
  return file;
}

/** markStart resets the step clock (call when the page starts loading). */
export function markStart(): void {
  last = Date.now();
}

/**
 * waitFor polls `fn` until it returns a value (not null, undefined or false) and returns it;
 * an exception counts as "not yet" and is quoted if time runs out.
 */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  everyMs = 100,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${String(last)})` : ''}`);
}

/** LabInBrowser is a served lab and a Chromium page on it, ready once the describe block's beforeAll ran. */
export interface LabInBrowser {
  readonly served: Served;
  readonly page: Page;
  /** api calls the lab (GET without a body, POST with one) and returns its JSON; any other status than 200 throws. */
  api<T>(path: string, body?: unknown): Promise<T>;
  /** consoleRun types a line into the console and presses Enter. */
  consoleRun(line: string): Promise<void>;
  /**
   * open begins a test on the lab's page: on failure a screenshot NAME-failure, the page's
   * errors collected into the array it returns, the step clock reset, the page loaded and a
   * leader shown in the header.
   */
  open(name: string): Promise<string[]>;
}

/**
 * labInBrowser registers the calling describe block's beforeAll and afterAll: build the UI
 * into artifacts/e2e-web-NAME, start `serve --web <it> ARGS` and open Chromium (at the lab's
 * page when `open` is set); after the block, the browser is closed and the lab stopped.
 */
export function labInBrowser(name: string, args: string[], open = false): LabInBrowser {
  let served: Served | null = null;
  let context: BrowserContext | null = null;
  let page: Page | null = null;
  beforeAll(async () => {
    requireChromium();
    const web = buildWeb(join(ROOT, 'artifacts', `e2e-web-${name}`));
    served = await startServe(['--web', web, ...args]);
    ({ context, page } = await openBrowser());
    if (open) await page.goto(served.pageUrl);
  }, 180_000);
  afterAll(async () => {
    await context?.close();
    await stopServe(served);
  });
  const ready = <T>(v: T | null): T => {
    if (v === null) throw new Error(`the ${name} lab is not started (its beforeAll has not run)`);
    return v;
  };
  return {
    get served() {
      return ready(served);
    },
    get page() {
      return ready(page);
    },
    async api<T>(path: string, body?: unknown): Promise<T> {
      const r = await ready(served).api(path, {
        method: body === undefined ? 'GET' : 'POST',
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (r.status !== 200) throw new Error(`${path}: ${r.status} ${await r.text()}`);
      return (await r.json()) as T;
    },
    async consoleRun(line: string): Promise<void> {
      const input = ready(page).getByLabel('Console', { exact: true });
      await input.fill(line);
      await input.press('Enter');
    },
    async open(shot: string): Promise<string[]> {
      const p = ready(page);
      onTestFailed(async () => {
        await screenshot(p, `${shot}-failure`).catch(() => undefined);
      });
      const errors: string[] = [];
      p.on('pageerror', (e) => errors.push(e.message));
      markStart();
      await p.goto(ready(served).pageUrl);
      await p
        .getByTestId('leader')
        .filter({ hasText: /leader n\d+/ })
        .waitFor({ timeout: 30_000 });
      return errors;
    },
  };
}

/** SMALL and LARGE are the window sizes the layout checks use (the smallest supported, and a common laptop's). */
export const SMALL = { width: 1024, height: 700 };
export const LARGE = { width: 1400, height: 900 };

/** resize sets the window size and waits for the graph to refit and the lists and labels to follow. */
export async function resize(page: Page, s: { width: number; height: number }): Promise<void> {
  await page.setViewportSize(s);
  await page.waitForTimeout(700);
}

/** shootOnFailure saves a screenshot NAME-failure if the running test fails. */
export function shootOnFailure(page: Page, name: string): void {
  onTestFailed(async () => void (await screenshot(page, `${name}-failure`).catch(() => undefined)));
}

/** HeaderLayout is how the header sits: how many rows its items take, and which of its chips end in "…". */
export interface HeaderLayout {
  rows: number;
  /** height: the header's height in CSS pixels. */
  height: number;
  /** cut: the text of every header item whose words do not all show (cut to "…"). */
  cut: string[];
  /** items: each visible item's text (or its field's placeholder) and row, left to right. */
  items: { text: string; row: number }[];
}

/** headerLayout measures the header: an item starts a new row when its top lies below the previous row's bottom. */
export async function headerLayout(page: Page): Promise<HeaderLayout> {
  return page.locator('header').evaluate((h) => {
    const leaves = [...h.querySelectorAll('header > *, header > .replay-slot > *')].filter(
      (el) => !el.classList.contains('replay-slot') && el.getBoundingClientRect().width > 0,
    );
    const boxes = leaves
      .map((el) => ({ el, b: el.getBoundingClientRect() }))
      .sort((a, b) => a.b.top - b.b.top || a.b.left - b.b.left);
    let rows = 0;
    let rowBottom = -Infinity;
    const items: { text: string; row: number; left: number }[] = [];
    for (const { el, b } of boxes) {
      if (b.top >= rowBottom - 2) {
        rows++;
        rowBottom = b.bottom;
      } else rowBottom = Math.max(rowBottom, b.bottom);
      const text = (el.textContent ?? '').trim() || el.getAttribute('placeholder') || '';
      items.push({ text, row: rows, left: b.left });
    }
    const cut = leaves
      .filter((el) => el.tagName !== 'INPUT' && el.scrollWidth > el.clientWidth + 1)
      .map((el) => (el.textContent ?? '').trim());
    return {
      rows,
      height: h.getBoundingClientRect().height,
      cut,
      items: items.sort((a, b) => a.row - b.row || a.left - b.left).map(({ text, row }) => ({ text, row })),
    };
  });
}

/** openSavedRun replays the saved run `name` as a user does: Open run…, its name in the form under it, Open. */
export async function openSavedRun(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: 'Open run…' }).click();
  await page.getByLabel('Run folder').fill(name);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
}

/** HEARTBEAT_KEY is the Messages legend's first words: what the "♥7" on every lane means. */
export const HEARTBEAT_KEY = '♥N: N heartbeats';

/** heartbeatKeyShown says whether the Messages legend shows HEARTBEAT_KEY whole (its line may cut what follows). */
export async function heartbeatKeyShown(page: Page): Promise<boolean> {
  return page.getByTestId('spacetime-legend').evaluate((el, key) => {
    const text = el.firstChild;
    const at = (text?.textContent ?? '').indexOf(key);
    if (!text || at < 0) return false;
    const r = el.ownerDocument.createRange();
    r.setStart(text, at);
    r.setEnd(text, at + key.length);
    const box = r.getBoundingClientRect();
    return box.width > 0 && box.right <= el.getBoundingClientRect().right + 0.5;
  }, HEARTBEAT_KEY);
}
