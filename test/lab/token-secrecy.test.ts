/**
 * The cluster token stays secret from other local users: it is not on any node's command
 * line or in its environment (both readable through /proc), and no part of it lands in
 * the nodes' SQLite files or the run folder. Checked for the lab's own spawner and for the
 * desktop app's (electron/node-runtime nodeSpawner), on real node processes.
 */
import type { ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nodeSpawner } from '../../src-main/electron/node-runtime';
import { LabService } from '../../src-main/lab/lab-service';
import { defaultSpawnNode, type SpawnNode } from '../../src-main/lab/supervisor';
import { FAST } from './helpers';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** watching wraps a spawner so the test learns the token the host hands each node over IPC. */
function watching(inner: SpawnNode, seen: Set<string>): SpawnNode {
  return (cfg) => {
    const p = inner(cfg);
    const send = p.send.bind(p) as (m: unknown, ...rest: unknown[]) => boolean;
    (p as ChildProcess & { send: typeof send }).send = (m: unknown, ...rest: unknown[]) => {
      const t = (m as { t?: unknown; token?: unknown } | null)?.token;
      if ((m as { t?: unknown } | null)?.t === 'token' && typeof t === 'string') seen.add(t);
      return send(m, ...rest);
    };
    return p;
  };
}

/** filesUnder lists every file in a folder tree. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

async function checkSecrecy(spawner: SpawnNode): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'ql-token-'));
  dirs.push(dir);
  const seen = new Set<string>();
  const lab = new LabService({ dataDir: dir, settings: FAST, spawnNode: watching(spawner, seen) });
  try {
    await lab.start();
    for (let i = 0; i < 30; i++) {
      const r = await lab.kv({ op: 'put', key: `k${i}`, value: `v${i}` });
      expect(r.outcome).toBe('ok');
    }
    expect(seen.size).toBe(1);
    const token = [...seen][0]!;
    expect(token.length).toBeGreaterThanOrEqual(32);
    const pids = lab.nodePids();
    expect(pids.length).toBe(3);
    for (const pid of pids) {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const environ = readFileSync(`/proc/${pid}/environ`, 'utf8');
      expect(cmdline).toContain('--config'); // the right process, and the rest of its config is there
      expect(cmdline).not.toContain(token);
      expect(cmdline).not.toContain(token.slice(0, 8));
      expect(environ).not.toContain(token);
    }
    await lab.exportRun();
    await lab.stop();
    const files = filesUnder(dir);
    expect(files.filter((f) => f.endsWith('.sqlite')).length).toBe(3);
    for (const f of files) {
      const bytes = readFileSync(f);
      expect(bytes.includes(token), f).toBe(false);
      // The gateway's session names once began with the token's first 6 characters.
      expect(bytes.includes(token.slice(0, 6)), `${f} holds the token's prefix`).toBe(false);
    }
  } finally {
    await lab.stop();
  }
}

describe('the cluster token', () => {
  it('is on no node command line or environment, and in no SQLite or run file (lab spawner)', async () => {
    await checkSecrecy(defaultSpawnNode);
  });

  it('is handed over the same way by the desktop app spawner', async () => {
    const root = resolve(import.meta.dirname, '..', '..');
    await checkSecrecy(nodeSpawner({ execPath: process.execPath, env: {}, why: 'test' }, root));
  });
});
