/**
 * The browser UI that `quorum-lab serve` serves, built on first use: a fresh clone has
 * no dist-web/ yet, and `npx quorum-lab serve` should show the lab, not a page saying
 * how to build it. The build runs vite (a devDependency, present in a checkout) with
 * vite.web.config.ts into a staging folder beside the target, which is then renamed into
 * place, so two hosts starting at once never serve a half-written folder.
 *
 * The default folder (dist-web/) is also rebuilt when a renderer source is newer than its
 * index.html; a folder named with --web is built only when it holds no index.html (what
 * is there was put there on purpose).
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** REPO_ROOT is the checkout (or installed package) this host runs from. */
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** newestFile is the latest modification time (ms) of any file under `dir`. */
function newestFile(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestFile(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** webBuildNeeded says why `webRoot` must be built ('missing', 'stale') or null when it is fine as it is. */
export function webBuildNeeded(
  webRoot: string,
  checkStale: boolean,
  sources = join(REPO_ROOT, 'src-renderer'),
): string | null {
  const index = join(webRoot, 'index.html');
  if (!existsSync(index)) return 'missing';
  if (checkStale && existsSync(sources) && statSync(index).mtimeMs < newestFile(sources)) return 'stale';
  return null;
}

/** WebBuild is how ensureWebBuilt went. */
export type WebBuild = { built: false; why: string | null } | { built: true; why: string; ms: number };

/** runVite builds the browser UI into `outDir` with the checkout's vite; resolves with its exit code and output. */
function runVite(vite: string, outDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const p = spawn(
      process.execPath,
      [vite, 'build', '--config', 'vite.web.config.ts', '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    p.stdout.on('data', (b: Buffer) => (output += b.toString()));
    p.stderr.on('data', (b: Buffer) => (output += b.toString()));
    p.on('error', (e) => resolve({ code: null, output: e.message }));
    p.on('exit', (code) => resolve({ code, output }));
  });
}

/**
 * ensureWebBuilt builds the browser UI into `webRoot` when it is missing (or, with
 * `checkStale`, older than its sources). `say` reports progress in one line. A build that
 * cannot run (no vite: an install without devDependencies) or fails leaves the folder as
 * it was and says why; the host then serves a page saying how to build it.
 */
export async function ensureWebBuilt(
  webRoot: string,
  checkStale: boolean,
  say: (line: string) => void,
): Promise<WebBuild> {
  const why = webBuildNeeded(webRoot, checkStale);
  if (why === null) return { built: false, why: null };
  const vite = join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  if (!existsSync(vite) || !existsSync(join(REPO_ROOT, 'vite.web.config.ts')))
    return { built: false, why: 'vite is not installed here (npm install adds it)' };
  say(`building the browser UI into ${webRoot} (${why === 'missing' ? 'first use' : 'its sources changed'})…`);
  const t0 = Date.now();
  const staging = `${webRoot.replace(/[\\/]+$/, '')}.building-${process.pid}`;
  const r = await runVite(vite, staging);
  if (r.code !== 0 || !existsSync(join(staging, 'index.html'))) {
    rmSync(staging, { recursive: true, force: true });
    return {
      built: false,
      why: `the build failed (${r.code ?? 'not started'}): ${r.output.trim().split('\n').slice(-3).join(' | ')}`,
    };
  }
  rmSync(webRoot, { recursive: true, force: true });
  try {
    renameSync(staging, webRoot);
  } catch {
    // Another host renamed its build into place first: that one is as new as ours.
    rmSync(staging, { recursive: true, force: true });
  }
  return { built: true, why, ms: Date.now() - t0 };
}
