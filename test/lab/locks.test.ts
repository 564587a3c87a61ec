/**
 * Distributed locks on a real cluster (real node processes, the router, the gateway):
 * mutual exclusion under a partition and a leader crash, checked over the history of
 * grants the clients saw; and Kleppmann's pause scenario through POST /api/lock and
 * /api/fenced (the paused client is simulated by simply not renewing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeProcess, type ServeProcess } from './helpers';
import type { ClusterView, KvResponse } from '../../src-main/api/contract';

let base = '';
let token = '';

async function api<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await res.json()) as T;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function leader(): Promise<string> {
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const c = await api<ClusterView>('GET', '/api/cluster');
    const l = c.nodes.find((n) => n.status === 'up' && n.role === 'leader');
    if (l) return l.id;
    await sleep(50);
  }
  throw new Error('no leader within 20 s');
}

let serve: ServeProcess | null = null;

beforeAll(async () => {
  serve = await startServeProcess('locks');
  base = serve.base;
  token = serve.token;
  await leader();
});

afterAll(async () => {
  await serve?.stop();
});

/** One grant as a client saw it: when it asked, when it heard back, and when it let go (if it unlocked). */
interface Grant {
  owner: string;
  token: number;
  firstInvoke: number;
  lastInvoke: number;
  response: number;
  /** unlockInvoke: when an unlock was sent whose outcome was ok or unknown (either may have released the lock then). */
  unlockInvoke: number | null;
  /** unlockOutcome: that unlock's outcome (for the failure message). */
  unlockOutcome: string | null;
}

describe('locks on a real cluster', () => {
  it('mutual exclusion over the grant history holds through a partition and a leader crash', async () => {
    const TTL = 600;
    const name = 'mutex';
    const grants: Grant[] = [];
    let stop = false;
    const outcomes = { ok: 0, fail: 0, unknown: 0 };
    let crashedAt = Infinity;

    const client = async (owner: string) => {
      while (!stop) {
        const invoke = Date.now();
        const r = await api<KvResponse>('POST', '/api/lock', { name, owner, ttlMs: TTL, timeoutMs: 1500 });
        const response = Date.now();
        outcomes[r.outcome]++;
        if (r.outcome !== 'ok') {
          await sleep(20);
          continue;
        }
        const token = r.token!;
        // Asking again while holding returns the same grant: merge it (its expiry moved later).
        const same = grants.find((g) => g.token === token && g.owner === owner);
        const g = same ?? {
          owner,
          token,
          firstInvoke: invoke,
          lastInvoke: invoke,
          response,
          unlockInvoke: null,
          unlockOutcome: null,
        };
        if (same) same.lastInvoke = invoke;
        else grants.push(g);
        await sleep(50 + Math.floor(Math.random() * 150)); // the critical section
        if (Math.random() < 0.6) {
          const u = Date.now();
          const ur = await api<KvResponse>('POST', '/api/unlock', { name, token, timeoutMs: 1500 });
          // An unknown unlock may have applied (at any moment after it was sent): it may release the lock as an ok one does.
          if (ur.outcome !== 'fail') {
            g.unlockInvoke = u;
            g.unlockOutcome = ur.outcome;
          }
        } else {
          // Let it lapse without renewing (stopping early once the run is over).
          for (let t = 0; t < TTL && !stop; t += 50) await sleep(50);
        }
      }
    };

    const faults = async () => {
      await sleep(1500);
      const l1 = await leader();
      const others = ['n1', 'n2', 'n3'].filter((n) => n !== l1);
      await api('POST', '/api/partition', { groups: [[l1], others] });
      await sleep(2000);
      await api('POST', '/api/heal');
      await sleep(1000);
      const l2 = await leader();
      await api('POST', `/api/nodes/${l2}/crash`);
      crashedAt = Date.now();
      await sleep(1500);
      await api('POST', `/api/nodes/${l2}/restart`);
      await sleep(1500);
      stop = true;
    };

    await Promise.all([client('alice'), client('bob'), client('carol'), faults()]);
    const afterFaults = grants.filter((g) => g.firstInvoke > crashedAt).length;

    // Every token belongs to one owner: a token handed to two owners is two holders at once.
    const byToken = new Map<number, string>();
    for (const g of grants) {
      expect(byToken.get(g.token) ?? g.owner, `token ${g.token} granted to two owners`).toBe(g.owner);
      byToken.set(g.token, g.owner);
    }
    const sorted = [...grants].sort((a, b) => a.token - b.token);
    for (let i = 1; i < sorted.length; i++) {
      const prev = sorted[i - 1]!;
      const next = sorted[i]!;
      // prev lapsed no earlier than lastInvoke + TTL (the leader's clock read after the request was sent),
      // unless its owner unlocked it (or sent an unlock whose outcome is unknown); next was granted before its
      // answer arrived. Slack: clock reads, not safety.
      const released = Math.min(prev.lastInvoke + TTL, prev.unlockInvoke ?? Infinity);
      expect(
        next.response + 5,
        `grant ${next.token} (${next.owner}) overlaps grant ${prev.token} (${prev.owner}; unlock ${prev.unlockOutcome ?? 'none'}; outcomes ${JSON.stringify(outcomes)})`,
      ).toBeGreaterThanOrEqual(released);
      // Tokens follow real time: a grant answered before another was asked for has the smaller token.
      expect(prev.firstInvoke < next.response).toBe(true);
    }
    expect(grants.length, JSON.stringify(outcomes)).toBeGreaterThanOrEqual(5);
    expect(afterFaults, 'the lock service works again after the leader crash').toBeGreaterThan(0);
  }, 60_000);

  it("Kleppmann's pause: the paused holder's fenced write with its old token is refused", async () => {
    const TTL = 1500;
    const aInvoke = Date.now();
    const a = await api<KvResponse>('POST', '/api/lock', { name: 'file', owner: 'A', ttlMs: TTL });
    const aResponse = Date.now();
    expect(a.outcome).toBe('ok');
    const t1 = a.token!;
    // A is "paused": it does not renew. While its grant surely runs (answered before aInvoke + TTL), B is refused.
    const early = await api<KvResponse>('POST', '/api/lock', { name: 'file', owner: 'B', ttlMs: 5000 });
    if (Date.now() < aInvoke + TTL) {
      expect(early.outcome).toBe('fail');
      expect(early.error).toBe('lock-held');
    }
    // A's grant lapsed by aResponse + TTL at the latest (the leader read its clock before answering).
    await sleep(Math.max(0, aResponse + TTL + 100 - Date.now()));
    const b = await api<KvResponse>('POST', '/api/lock', { name: 'file', owner: 'B', ttlMs: 5000 });
    expect(b.outcome).toBe('ok');
    const t2 = b.token!;
    expect(t2).toBeGreaterThan(t1);
    const wb = await api<KvResponse>('POST', '/api/fenced', { key: 'storage', value: 'written by B', token: t2 });
    expect(wb.outcome).toBe('ok');
    // A wakes up, still believing it holds the lock, and writes with t1.
    const wa = await api<KvResponse>('POST', '/api/fenced', { key: 'storage', value: 'written by A', token: t1 });
    expect(wa.outcome).toBe('fail');
    expect(wa.error).toBe('stale-token');
    // A's renew is refused too: its grant is gone.
    const ra = await api<KvResponse>('POST', '/api/lock/renew', { name: 'file', owner: 'A', token: t1, ttlMs: TTL });
    expect(ra.error).toBe('lock-not-held');
    const got = await api<KvResponse>('POST', '/api/kv', { op: 'get', key: 'storage' });
    expect(got.value).toBe('written by B');
  }, 30_000);
});
