#!/usr/bin/env node
// Smoke test of the packaged desktop app (the release workflow runs it on Linux under
// xvfb; it is not part of `npm test`, which has no Electron runtime):
//
//   node test/packaged/smoke.mjs release/Quorum-Lab-0.1.0.AppImage   (or the app's executable)
//
// It starts the installed app with a fresh user-data folder, drives its window with
// Playwright, and checks what a user would: a leader appears, `put` and `get` answer in
// the console, the nodes are node processes of the app's own runtime (no Node.js, no tsx),
// and quitting leaves no node process behind.
//
// Playwright reaches the window over Chromium's DevTools port (--remote-debugging-port,
// connectOverCDP) rather than `_electron.launch`: that one attaches through Node's
// --inspect, which the packaged app's EnableNodeCliInspectArguments fuse turns off on
// purpose, so it could only test an app that is not the one we ship.
//
//   node test/packaged/smoke.mjs --page URL
// runs the same window steps against a lab page in a Chromium-family browser instead (a
// dry run of this script where no packaged app exists; start `quorum-lab serve` first).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '..', '..');
const ARTIFACTS = join(ROOT, 'artifacts', 'smoke');
/** NODE_ENTRY is what every node process of the packaged app runs. */
const NODE_ENTRY = join('app.asar.unpacked', 'out', 'node', 'main.mjs');

function step(text) {
  console.log(`smoke: ${text}`);
}

async function until(what, fn, ms) {
  const end = Date.now() + ms;
  let last = null;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (${last.message})` : ''}`);
}

/** launch starts `cmd` with a DevTools port and resolves with the process and the DevTools address it prints. */
function launch(cmd, args, env) {
  const proc = spawn(cmd, ['--remote-debugging-port=0', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (b) => {
    out += b.toString();
    process.stderr.write(b);
  };
  proc.stdout.on('data', collect);
  proc.stderr.on('data', collect);
  const ws = until('the DevTools address', async () => /DevTools listening on (ws:\/\/\S+)/.exec(out)?.[1], 60_000);
  return { proc, ws, output: () => out };
}

/** appCommand turns an AppImage into its extracted executable (no FUSE needed), or returns the executable as is. */
function appCommand(app, work) {
  if (!app.endsWith('.AppImage')) return resolve(app);
  step(`extracting ${basename(app)}`);
  const r = spawnSync(resolve(app), ['--appimage-extract'], { cwd: work, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`--appimage-extract failed: ${r.stderr || r.error}`);
  return join(work, 'squashfs-root', 'AppRun');
}

/** nodeProcesses lists the PIDs of the packaged app's node processes (Linux /proc). */
function nodeProcesses() {
  const pids = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
      if (argv.some((a) => a.endsWith(NODE_ENTRY))) pids.push(Number(d));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

function alive(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return false;
  }
}

/** ask types a console line and resolves with the answer once it matches `want` (asking again while an election runs). */
async function ask(page, line, want) {
  const input = page.getByLabel('Console', { exact: true });
  const answers = () =>
    page
      .getByTestId('console-output')
      .evaluate((el) => [...el.querySelectorAll('.line:not(.input)')].map((l) => l.textContent.trim()));
  let last = '';
  for (let i = 0; i < 5; i++) {
    const before = (await answers()).length;
    await input.fill(line);
    await input.press('Enter');
    last = await until(
      `an answer to '${line}'`,
      async () => {
        const a = await answers();
        return a.length > before ? a[a.length - 1] : null;
      },
      30_000,
    );
    if (want.test(last)) return last;
  }
  throw new Error(`'${line}' never answered as expected; last answer: '${last}'`);
}

/** windowSteps: the lab's page shows a leader, and put/get answer in the console. */
async function windowSteps(browser, urlPrefix) {
  const page = await until(
    `the window (${urlPrefix}…)`,
    async () =>
      browser
        .contexts()
        .flatMap((c) => c.pages())
        .find((p) => p.url().startsWith(urlPrefix)),
    60_000,
  );
  step(`window at ${page.url()}`);
  const leader = await until(
    'a leader in the header',
    async () => /leader n\d+/.exec((await page.getByTestId('leader').textContent()) ?? '')?.[0],
    90_000,
  );
  step(`${leader} elected`);
  step(`put: ${await ask(page, 'put smoke 42', /^OK — n\d/)}`);
  step(`get: ${await ask(page, 'get smoke', /^42 — n\d/)}`);
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'window.png') });
  return page;
}

/** quit closes the window (the app quits when its last window closes), SIGTERM if that did not end it; resolves with how it ended. */
async function quit(app, page) {
  const exited = new Promise((r) => app.proc.once('exit', (code, signal) => r(`exit ${signal ?? code}`)));
  const within = (ms) => Promise.race([exited, new Promise((r) => setTimeout(() => r(null), ms))]);
  await page.close().catch(() => undefined);
  let how = await within(20_000);
  if (how) return `window closed → ${how}`;
  app.proc.kill('SIGTERM');
  how = await within(20_000);
  if (how) return `SIGTERM → ${how}`;
  app.proc.kill('SIGKILL');
  throw new Error('the app did not quit within 40 s (closing its window, then SIGTERM)');
}

async function smokeApp(appPath) {
  if (process.platform !== 'linux') throw new Error('the smoke test reads /proc: run it on Linux');
  const work = mkdtempSync(join(tmpdir(), 'quorum-smoke-'));
  const home = join(work, 'home');
  mkdirSync(home);
  const env = { ...process.env, HOME: home, XDG_CONFIG_HOME: join(home, '.config') };
  delete env.ELECTRON_RUN_AS_NODE;
  const cmd = appCommand(appPath, work);
  step(`starting ${cmd}`);
  const app = launch(cmd, [], env);
  try {
    const browser = await chromium.connectOverCDP(await app.ws);
    const page = await windowSteps(browser, 'quorum://app/');
    const nodes = nodeProcesses();
    step(`node processes: ${nodes.join(', ')}`);
    if (nodes.length < 3)
      throw new Error(`expected at least 3 node processes running ${NODE_ENTRY}, found ${nodes.length}`);
    for (const pid of nodes) {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (/tsx|\.ts\0/.test(argv)) throw new Error(`node ${pid} runs TypeScript: ${argv.replace(/\0/g, ' ')}`);
    }
    const how = await quit(app, page);
    step(`quit: ${how}`);
    const left = await until(
      'every node process to end',
      async () => {
        const l = nodes.filter(alive);
        return l.length === 0 ? [] : null;
      },
      15_000,
    ).catch(() => nodes.filter(alive));
    if (left.length > 0) throw new Error(`node processes left after quitting: ${left.join(', ')}`);
    const settings = join(home, '.config', 'Quorum Lab', 'clusters');
    step(`clusters kept in ${settings}: ${existsSync(settings) ? readdirSync(settings).join(', ') : 'none'}`);
    step('passed');
  } finally {
    if (app.proc.exitCode === null && app.proc.signalCode === null) app.proc.kill('SIGKILL');
    rmSync(work, { recursive: true, force: true });
  }
}

async function smokePage(url) {
  const { findChromium } = await import('../e2e/browser.mjs');
  const found = findChromium();
  if (!found.path) throw new Error(found.problem);
  const profile = mkdtempSync(join(tmpdir(), 'quorum-smoke-profile-'));
  const browserProc = launch(
    found.path,
    ['--headless', '--no-sandbox', `--user-data-dir=${profile}`, url],
    process.env,
  );
  try {
    const browser = await chromium.connectOverCDP(await browserProc.ws);
    await windowSteps(browser, new URL(url).origin);
    step('passed (page dry run)');
  } finally {
    const gone = new Promise((r) => browserProc.proc.once('exit', r));
    browserProc.proc.kill('SIGKILL');
    await gone;
    rmSync(profile, { recursive: true, force: true, maxRetries: 3 });
  }
}

const [first, second] = process.argv.slice(2);
try {
  if (first === '--page' && second) await smokePage(second);
  else if (first && !first.startsWith('-')) await smokeApp(first);
  else {
    console.error('usage: node test/packaged/smoke.mjs <AppImage or executable> | --page URL');
    process.exit(2);
  }
  process.exit(0);
} catch (e) {
  console.error(`smoke: FAILED: ${e.message}`);
  process.exit(1);
}
