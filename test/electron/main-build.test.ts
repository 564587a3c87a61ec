/**
 * The desktop main process as `electron-vite build` makes it (the build, not Electron,
 * runs here): the live checker's worker is built beside the bundled main, at the file the
 * bundled checker opens, as plain JavaScript that needs neither tsx nor the sources, and
 * the checker runs on it in its worker thread.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryOp } from '../../src-main/api/contract';
import { CHECK_WORKER_FILE, LiveCheck } from '../../src-main/lab/live-check';

const ROOT = join(import.meta.dirname, '..', '..');
const out = mkdtempSync(join(tmpdir(), 'quorum-build-'));
const main = join(out, 'main', 'index.js');
/** workerUrl is where the bundled main's checker looks for its worker: CHECK_WORKER_FILE beside itself. */
const workerUrl = new URL(CHECK_WORKER_FILE, pathToFileURL(main));

beforeAll(() => {
  const cli = join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  const r = spawnSync(process.execPath, [cli, 'build', '--outDir', out, '--logLevel', 'warn'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' },
    timeout: 110_000,
  });
  if (r.status !== 0) throw new Error(`electron-vite build failed (${r.status}):\n${r.stderr}${r.stdout}`);
}, 120_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** importsOf lists the modules a built file imports (static and dynamic). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s*["']([^"']+)["']/g)];
  const bare = [...text.matchAll(/(?:^|\n)\s*import\s*["']([^"']+)["']/g)];
  const dynamic = [...text.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g)];
  return [...found, ...bare, ...dynamic].map((m) => m[1]!);
}

/** closure is every file `entry` loads, following its relative imports. */
function closure(entry: string, seen = new Map<string, string[]>()): Map<string, string[]> {
  if (seen.has(entry)) return seen;
  const specs = importsOf(entry);
  seen.set(entry, specs);
  for (const s of specs) if (s.startsWith('.')) closure(join(dirname(entry), s), seen);
  return seen;
}

describe('the desktop main build', () => {
  it('puts the checker’s worker beside the bundled main, where the bundled checker looks for it', () => {
    expect(existsSync(main)).toBe(true);
    // The checker is bundled into the main file, so its import.meta.url is the main's.
    expect(readFileSync(main, 'utf8')).toContain(JSON.stringify(CHECK_WORKER_FILE));
    expect(existsSync(fileURLToPath(workerUrl)), fileURLToPath(workerUrl)).toBe(true);
  });

  it('builds the worker as plain JavaScript: it loads only built files and Node’s own modules', () => {
    const entry = fileURLToPath(workerUrl);
    const files = closure(entry);
    expect(files.get(entry)).toContain('node:worker_threads');
    for (const [file, specs] of files) {
      expect(existsSync(file), file).toBe(true);
      for (const s of specs) expect(s.startsWith('./') || s.startsWith('node:'), `${file} imports ${s}`).toBe(true);
      expect(readFileSync(file, 'utf8'), file).not.toMatch(/\btsx\b|\.ts["']/);
    }
  });

  it('runs the checker in its worker thread on the built worker, and finds a stale read', async () => {
    const ev = (i: number, type: HistoryOp['type'], f: string, value: unknown): HistoryOp => ({
      index: i,
      time: i * 1000,
      process: 1,
      type,
      f,
      key: 'x',
      value,
    });
    const c = new LiveCheck({ engine: 'worker', workerUrl });
    try {
      const h = [ev(0, 'invoke', 'write', '1'), ev(1, 'ok', 'write', '1')];
      h.push(ev(2, 'invoke', 'write', '2'), ev(3, 'ok', 'write', '2'));
      h.push(ev(4, 'invoke', 'read', null), ev(5, 'ok', 'read', '1'));
      for (const e of h) c.feed(e);
      const v = await c.settled(20_000);
      expect(c.failure).toBeNull();
      expect(c.engineKind).toBe('worker');
      expect(v).toMatchObject({ linearizable: false, ops: 3, lagOps: 0 });
      expect(v.violation?.key).toBe('x');
    } finally {
      await c.close();
    }
  });
});
