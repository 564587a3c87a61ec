#!/usr/bin/env node
// `npm start`: open the desktop app (Electron) when an Electron runtime is available;
// if the install skipped Electron's download, try to fetch it (bounded in time); where no
// Electron runtime can be had (no download, no display), serve the same lab in the browser,
// print the URL and say why. Extra arguments go to `quorum-lab serve` (e.g. --port 4400), so
// they apply to the browser fallback only; the desktop app is started without them.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const ELECTRON_DIR = join(ROOT, 'node_modules', 'electron');
const DOWNLOAD_TIMEOUT_MS = Number(process.env.QUORUM_ELECTRON_DOWNLOAD_TIMEOUT_MS ?? 60_000);
const args = process.argv.slice(2);

/** electronBinary returns the installed Electron executable, or null. */
function electronBinary() {
  const pathTxt = join(ELECTRON_DIR, 'path.txt');
  if (!existsSync(pathTxt)) return null;
  const bin = join(ELECTRON_DIR, 'dist', readFileSync(pathTxt, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

/** lastLine picks the most telling line of a failed download's output. */
function lastLine(text) {
  const lines = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('at '));
  const err = lines.find((l) => /error|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|timed out|fetch failed/i.test(l));
  return (err ?? lines[lines.length - 1] ?? 'no output').slice(0, 200);
}

/** tryDownload runs Electron's own installer once, bounded in time; returns null or why it failed. */
function tryDownload() {
  if (!existsSync(join(ELECTRON_DIR, 'install.js'))) return 'the electron package is not installed (run npm install)';
  console.log(
    `Electron's runtime is not installed; trying to download it (up to ${Math.round(DOWNLOAD_TIMEOUT_MS / 1000)} s)…`,
  );
  const env = { ...process.env };
  // The install may have skipped the download on purpose; this is the explicit retry.
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  const r = spawnSync(process.execPath, [join(ELECTRON_DIR, 'install.js')], {
    cwd: ELECTRON_DIR,
    env,
    encoding: 'utf8',
    timeout: DOWNLOAD_TIMEOUT_MS,
  });
  if (r.error && r.error.code === 'ETIMEDOUT')
    return `the download did not finish in ${Math.round(DOWNLOAD_TIMEOUT_MS / 1000)} s`;
  if (r.error) return r.error.message;
  if (r.status !== 0) return lastLine(`${r.stderr}\n${r.stdout}`);
  return electronBinary() ? null : 'the installer finished but no Electron binary is in place';
}

function hasDisplay() {
  if (process.platform !== 'linux') return true;
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
}

function run(cmd, argv, what) {
  const r = spawnSync(cmd, argv, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`npm start: ${what} failed (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
}

/** forward relays Ctrl-C and termination to the child so its nodes stop too. */
function forward(child) {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

function startDesktop(bin) {
  run(
    process.execPath,
    [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    'building the desktop app',
  );
  console.log('Opening Quorum Lab…');
  forward(spawn(bin, [ROOT], { cwd: ROOT, stdio: 'inherit' }));
}

function startBrowser(reason) {
  console.log(`${reason}; serving the lab in your browser instead.`);
  // `serve` builds the browser UI (dist-web/) itself when it is missing or older than its sources.
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'quorum-lab.mjs'), 'serve', ...args], {
    cwd: ROOT,
    stdio: ['inherit', 'pipe', 'inherit'],
  });
  let buf = '';
  child.stdout.on('data', (b) => {
    process.stdout.write(b);
    buf += b.toString();
    // The whole address, with its ?token=: the page opened from it keeps the token for its API calls.
    const m = /Quorum Lab on (http:\/\/\S+)/.exec(buf);
    if (m && buf.slice(m.index).includes('\n')) {
      console.log(
        `\n  Open ${m[1]} in your browser (the token in it lets the page drive the lab). Ctrl-C stops the lab and its nodes.\n`,
      );
      buf = '';
      child.stdout.removeAllListeners('data');
      child.stdout.pipe(process.stdout);
    }
  });
  forward(child);
}

let bin = electronBinary();
let reason = null;
if (!bin) {
  const why = tryDownload();
  bin = electronBinary();
  if (!bin) reason = `Electron's runtime could not be downloaded: ${why}`;
}
if (bin && !hasDisplay()) {
  reason = 'Electron is installed but there is no display to open a window on (DISPLAY is not set)';
  bin = null;
}
if (bin) startDesktop(bin);
else startBrowser(reason);
