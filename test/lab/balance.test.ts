/**
 * Load balancing on a real cluster: POST /api/balance switches the gateway's algorithm;
 * smooth weighted round-robin 1,2,3 splits 600 requests exactly 100/200/300 in GET
 * /api/cluster's served counts; least-connections sends less to a node whose links are slow.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView, LoadSummary } from '../../src-main/api/contract';

let proc: ChildProcess | null = null;
let base = '';
let dataDir = '';

async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as T };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cluster(): Promise<ClusterView> {
  return (await api<ClusterView>('GET', '/api/cluster')).body;
}

/** settled waits for a leader that every up node follows. */
async function settled(): Promise<ClusterView> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const c = await cluster();
    const l = c.nodes.find((n) => n.status === 'up' && n.role === 'leader');
    if (l && c.nodes.every((n) => n.leader === l.id)) return c;
    await sleep(50);
  }
  throw new Error('no settled leader within 20 s');
}

const served = (c: ClusterView) => Object.fromEntries(c.nodes.map((n) => [n.id, n.served]));

/** startServe starts `quorum-lab serve` on a free port and resolves with its URL, or rejects if it exits first. */
function startServe(): Promise<string> {
  dataDir = mkdtempSync(join(tmpdir(), 'ql-g-balance-'));
  const p = spawn(
    process.execPath,
    ['bin/quorum-lab.mjs', 'serve', '--port', '0', '--nodes', '3', '--heartbeat-ms', '50', '--election-ms', '300', '--data', dataDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  proc = p;
  return new Promise<string>((resolve, reject) => {
    let out = '';
    const t = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 45_000);
    p.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /Quorum Lab on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve(m[1]!);
      }
    });
    p.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    p.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`serve exited ${code}: ${out}`));
    });
  });
}

beforeAll(async () => {
  try {
    base = await startServe();
  } catch (e) {
    // On a machine loaded by other suites a node can miss the host's start-up deadline: one more try.
    console.warn(`quorum-lab serve failed to start, retrying once: ${String(e).slice(0, 300)}`);
    if (proc && proc.exitCode === null) proc.kill('SIGKILL'); // our own serve that hung: not left behind
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    base = await startServe();
  }
  await settled();
});

afterAll(async () => {
  if (proc && proc.exitCode === null) {
    const exited = new Promise((r) => proc!.once('exit', r));
    proc.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('load balancing on a real cluster', () => {
  it('weighted-round-robin 1,2,3 over 600 requests serves exactly 100/200/300', async () => {
    const set = await api<ClusterView>('POST', '/api/balance', { algorithm: 'weighted-round-robin', weights: { n1: 1, n2: 2, n3: 3 } });
    expect(set.status).toBe(200);
    expect(set.body.balance).toEqual({ algorithm: 'weighted-round-robin', weights: { n1: 1, n2: 2, n3: 3 } });
    const load = await api<LoadSummary>('POST', '/api/load', { op: 'get', count: 600, clients: 8 });
    expect(load.body.ok).toBe(600);
    expect(served(await cluster())).toEqual({ n1: 100, n2: 200, n3: 300 });
    // Switching back to round-robin restarts the counts and splits evenly.
    await api('POST', '/api/balance', { algorithm: 'round-robin' });
    await api<LoadSummary>('POST', '/api/load', { op: 'get', count: 300, clients: 8 });
    expect(served(await cluster())).toEqual({ n1: 100, n2: 100, n3: 100 });
  }, 90_000);

  it('an unknown algorithm is refused with a clear 400 and changes nothing', async () => {
    const r = await api<{ error: string }>('POST', '/api/balance', { algorithm: 'fastest' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/algorithm must be one of/);
    expect((await cluster()).balance.algorithm).toBe('round-robin');
  });

  it('least-connections sends less to a node whose links are slow', async () => {
    const c = await settled();
    const leader = c.nodes.find((n) => n.role === 'leader')!.id;
    const slow = c.nodes.find((n) => n.id !== leader)!.id;
    const fast = c.nodes.find((n) => n.id !== leader && n.id !== slow)!.id;
    // A follower read goes through ReadIndex: a round trip to the leader over the slow links.
    for (const to of [leader, fast]) await api('POST', '/api/links', { from: slow, to, latencyMs: 150, both: true });
    try {
      await api('POST', '/api/balance', { algorithm: 'least-connections' });
      const load = await api<LoadSummary>('POST', '/api/load', { op: 'get', count: 300, clients: 6 });
      // The slow links may cost a few reads their deadline on a loaded machine; the split is what is tested.
      expect(load.body.ok, JSON.stringify(load.body)).toBeGreaterThanOrEqual(270);
      const s = served(await cluster());
      // Round-robin would give it 100; requests pile up on it, so least-connections picks it far less.
      expect(s[slow]!).toBeLessThan(40);
      expect(s[leader]! + s[fast]!).toBeGreaterThan(260);
    } finally {
      await api('POST', '/api/heal');
    }
  }, 60_000);
});
