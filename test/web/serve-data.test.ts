/**
 * Where `quorum-lab serve` keeps its data, with real processes as a user runs them:
 * - `--data DIR` keeps the cluster: stopped and started again on the same DIR, serve
 *   reopens the same cluster on its nodes' SQLite files, and what was committed is there;
 *   the first session's run log is kept beside it as a saved run;
 * - without `--data`, serve says where its temporary folder is and that it will be
 *   removed, and removes it when it stops;
 * - the browser UI is built on first use: a folder without it gets the real UI, not a
 *   page that says how to build it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ClusterView, KvResponse } from '../../src-main/api/contract';
import { readRun } from '../../src-main/lab/run-files';
import { waitFor } from '../lab/helpers';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'quorum-lab.mjs');
const START = /Quorum Lab on (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9._~-]+)\n/;
const FAST = ['--heartbeat-ms', '50', '--election-ms', '300'];

const started: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const p of started) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface Serve {
  proc: ChildProcess;
  base: string;
  token: string;
  out: () => string;
  api: <T>(path: string, body?: unknown) => Promise<{ status: number; body: T }>;
  stop: () => Promise<number | null>;
}

/** serve starts `quorum-lab serve` with `args` and resolves once its data lines are printed. */
async function serve(args: string[]): Promise<Serve> {
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', ...FAST, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(proc);
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => (out += b.toString()));
  proc.stderr!.on('data', (b: Buffer) => (out += b.toString()));
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)));
  const [base, token] = await waitFor(
    async () => {
      const m = START.exec(out);
      return m && /\ncluster: .*\n/.test(out) ? ([m[1]!, m[2]!] as const) : null;
    },
    90_000,
    'serve to print its address and data',
  ).catch((e: Error) => {
    throw new Error(`${e.message}\n${out}`);
  });
  const api = async <T>(path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(base + path, {
      method: body === undefined ? 'GET' : 'POST',
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: r.status, body: (await r.json()) as T };
  };
  const stop = async (): Promise<number | null> => {
    proc.kill('SIGTERM');
    return exited;
  };
  return { proc, base, token, out: () => out, api, stop };
}

/** kv sends one request until it is answered ok (a request during an election is asked again). */
async function kvOk(s: Serve, req: Record<string, unknown>): Promise<KvResponse> {
  return waitFor(
    async () => {
      const r = await s.api<KvResponse>('/api/kv', req);
      return r.body.outcome === 'ok' ? r.body : null;
    },
    30_000,
    `${String(req.op)} ${String(req.key)} to be ok`,
  );
}

function clusterLine(out: string): string {
  return /\ncluster: (.*)\n/.exec(out)?.[1] ?? '';
}

describe('serve --data DIR keeps the cluster', () => {
  it('reopens the same cluster on a restart, with its committed data', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ql-serve-data-'));
    dirs.push(dir);
    const first = await serve(['--data', dir]);
    expect(first.out()).toContain(`data: ${dir} (kept: serve --data ${dir} again reopens the last cluster)`);
    const name = /^(\S+) \(raft, 3 nodes\) in /.exec(clusterLine(first.out()))?.[1];
    expect(name).toMatch(/^raft-3-\d{8}-\d{6}-[0-9a-f]{4}$/);
    for (let i = 0; i < 20; i++) await kvOk(first, { op: 'put', key: `k${i}`, value: `v${i}` });
    await kvOk(first, { op: 'put', key: 'k7', value: 'seven' });
    expect(await first.stop()).toBe(0);
    expect(readdirSync(join(dir, 'clusters'))).toEqual([name]);

    // Asking for other settings does not replace the kept cluster: they are for new clusters.
    const second = await serve(['--data', dir, '--nodes', '5']);
    expect(clusterLine(second.out())).toBe(
      `${name} (raft, 3 nodes) reopened from ${join(dir, 'clusters', name!)} with its nodes' SQLite files`,
    );
    expect(second.out()).toContain('note: --nodes, --protocol and the timer options apply to new clusters');
    const view = (await second.api<ClusterView>('/api/cluster')).body;
    expect(view.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3']);
    expect((await kvOk(second, { op: 'get', key: 'k7' })).value).toBe('seven');
    expect((await kvOk(second, { op: 'get', key: 'k19' })).value).toBe('v19');
    // The first session's run log is kept as a saved run, with the writes it recorded.
    const sessions = readdirSync(join(dir, 'clusters', name!, 'sessions'));
    expect(sessions).toHaveLength(1);
    const earlier = await readRun(join(dir, 'clusters', name!, 'sessions', sessions[0]!));
    expect(earlier.history.some((h) => h.type === 'ok' && h.f === 'write' && h.value === 'seven')).toBe(true);

    // A new cluster asked for over the API is kept beside it; the next restart reopens that one.
    const made = await second.api<ClusterView>('/api/cluster', { nodes: 3, protocol: 'paxos' });
    expect(made.status).toBe(200);
    expect(await second.stop()).toBe(0);
    const third = await serve(['--data', dir]);
    expect(clusterLine(third.out())).toMatch(/^paxos-3-\S+ \(paxos, 3 nodes\) reopened from /);
    expect((await third.api<KvResponse>('/api/kv', { op: 'get', key: 'k7', timeoutMs: 3000 })).body.value).toBeNull();
    expect(await third.stop()).toBe(0);
    expect(readdirSync(join(dir, 'clusters'))).toHaveLength(2);
  });
});

describe('serve without --data', () => {
  it('says where its temporary data is and that it goes, and removes it on exit', { timeout: 120_000 }, async () => {
    const s = await serve([]);
    const m =
      /\ndata: (\S+) \(temporary: removed with its clusters and exports when serve stops; use --data DIR to keep them\)\n/.exec(
        s.out(),
      );
    expect(m, s.out()).not.toBeNull();
    const tmp = m![1]!;
    expect(existsSync(join(tmp, 'clusters'))).toBe(true);
    await kvOk(s, { op: 'put', key: 'a', value: '1' });
    const exported = await s.api<{ dir: string }>('/api/export', { name: 'kept-for-a-moment' });
    expect(exported.body.dir).toBe(join(tmp, 'kept-for-a-moment'));
    expect(await s.stop()).toBe(0);
    expect(existsSync(tmp)).toBe(false);
  });
});

describe('the browser UI on first use', () => {
  it('is built into a folder that has none, and served', { timeout: 180_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ql-serve-web-'));
    dirs.push(dir);
    const web = join(dir, 'web');
    const s = await serve(['--web', web]);
    expect(s.out()).toContain(`building the browser UI into ${web} (first use)…`);
    expect(s.out()).toMatch(/browser UI built in \d+\.\d s/);
    const page = await fetch(`${s.base}/?token=${s.token}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<div id="app">');
    expect(html).not.toContain('has not been built');
    // Its script is served too: the page is the real UI.
    const script = /src="\.?\/?(assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    expect((await fetch(`${s.base}/${script}`)).status).toBe(200);
    expect(readdirSync(dir)).toEqual(['web']);
    await s.stop();
  });
});
