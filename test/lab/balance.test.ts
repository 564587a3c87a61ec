/**
 * Load balancing on a real cluster: POST /api/balance switches the gateway's algorithm;
 * smooth weighted round-robin 1,2,3 splits 600 requests exactly 100/200/300 in GET
 * /api/cluster's served counts; least-connections sends less to a node whose links are slow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeProcess, type ServeProcess } from './helpers';
import type { ClusterView, LoadSummary } from '../../src-main/api/contract';

let base = '';
let token = '';

async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
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

let serve: ServeProcess | null = null;

beforeAll(async () => {
  serve = await startServeProcess('balance');
  base = serve.base;
  token = serve.token;
  await settled();
});

afterAll(async () => {
  await serve?.stop();
});

describe('load balancing on a real cluster', () => {
  it('weighted-round-robin 1,2,3 over 600 requests serves exactly 100/200/300', async () => {
    const set = await api<ClusterView>('POST', '/api/balance', {
      algorithm: 'weighted-round-robin',
      weights: { n1: 1, n2: 2, n3: 3 },
    });
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
