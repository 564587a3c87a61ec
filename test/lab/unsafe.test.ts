/**
 * Unsafe modes on real clusters (OS processes, SQLite files, the router, the gateway),
 * driven through the HTTP API: POST /api/cluster {unsafe} is validated, echoed, recorded
 * and exported; and for the modes whose fault schedule real timing allows, the schedule
 * is played once with the rule broken — the linearizability checker (src-main/check) finds
 * the lab's own history wrong — and once with it kept, where the same history checks out.
 * (commitRule, prevote, checkQuorum and adoptHighestAccepted need message-exact schedules:
 * test/sim/unsafe.test.ts and test/core/ play those on the same cores.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView, HistoryOp, KvResponse, RunLogRecord, SavedRun } from '../../src-main/api/contract';
import { checkHistory } from '../../src-main/check/check';
import { UNSAFE_DEFAULTS, type UnsafeSettings } from '../../src-main/core/unsafe';
import { startLab, waitLeader, type TestLab } from './helpers';

let t: TestLab;

beforeAll(async () => {
  t = await startLab({ nodes: 3, seed: 11 });
});

afterAll(async () => {
  await t?.stop();
});

const kv = (body: Record<string, unknown>) => t.api<KvResponse>('POST', '/api/kv', body);

/** fresh replaces the cluster with a 3-node one breaking `unsafe` and waits for its leader. */
async function fresh(unsafe: Partial<UnsafeSettings>, protocol: 'raft' | 'paxos' = 'raft'): Promise<string> {
  const r = await t.api<ClusterView>('POST', '/api/cluster', { nodes: 3, protocol, unsafe });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return waitLeader(t);
}

/** verdict checks this cluster's client history with the lab's own checker. */
async function verdict(): Promise<boolean | null> {
  const h = (await t.api<HistoryOp[]>('GET', '/api/history')).body;
  return checkHistory(h).linearizable;
}

const others = (lead: string): string[] => ['n1', 'n2', 'n3'].filter((id) => id !== lead);

describe('POST /api/cluster {unsafe}', () => {
  it('is echoed complete in GET /api/cluster, recorded in the run log and the export, and never inherited', async () => {
    await fresh({ reads: 'local', fsync: false });
    const v = (await t.api<ClusterView>('GET', '/api/cluster')).body;
    expect(v.unsafe).toEqual({ ...UNSAFE_DEFAULTS, reads: 'local', fsync: false });
    expect(v.settings.unsafe).toEqual(v.unsafe);
    const log = (await t.api<RunLogRecord[]>('GET', '/api/log')).body;
    expect(log.find((r) => r.kind === 'unsafe')).toMatchObject({ modes: ['reads=local', 'fsync=false'] });
    expect(log.find((r) => r.kind === 'cluster-created')).toMatchObject({ unsafe: v.unsafe });
    // An exported run carries them (settings.json, run.jsonl), and opening it gives them back for the replay.
    const ex = await t.api<{ dir: string }>('POST', '/api/export', { name: 'unsafe-run' });
    expect(ex.status).toBe(200);
    expect(JSON.parse(readFileSync(join(ex.body.dir, 'settings.json'), 'utf8'))).toMatchObject({ unsafe: v.unsafe });
    const lines = readFileSync(join(ex.body.dir, 'run.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    const unsafeLine = lines.map((l) => JSON.parse(l) as RunLogRecord).find((r) => r.kind === 'unsafe');
    expect(unsafeLine).toMatchObject({ modes: ['reads=local', 'fsync=false'], unsafe: v.unsafe });
    const saved = await t.api<SavedRun>('POST', '/api/open', { name: 'unsafe-run' });
    expect(saved.body.settings.unsafe).toEqual(v.unsafe);
    // A cluster created without `unsafe` keeps every rule, whatever the one before broke.
    const unsafeName = t.lab.currentClusterName!;
    await t.api('POST', '/api/cluster', { nodes: 3 });
    const safe = (await t.api<ClusterView>('GET', '/api/cluster')).body;
    expect(safe.unsafe).toEqual(UNSAFE_DEFAULTS);
    const safeLog = (await t.api<RunLogRecord[]>('GET', '/api/log')).body;
    expect(safeLog.some((r) => r.kind === 'unsafe')).toBe(false);
    // Reopening the kept unsafe cluster on its own files brings its rules back with it.
    expect((await t.lab.reopenCluster(unsafeName)).unsafe).toEqual(v.unsafe);
  });

  it('refuses a bad value, an unknown mode, or a rule the protocol does not have, with a 400 that says which', async () => {
    const before = (await t.api<ClusterView>('GET', '/api/cluster')).body.runStartedAt;
    const bad: [unknown, RegExp][] = [
      [{ reads: 'stale' }, /unsafe\.reads must be one of read-index, lease, local, got "stale"/],
      [{ fsync: 'no' }, /unsafe\.fsync must be true or false, got "no"/],
      [{ fsyncc: false }, /unsafe: unknown field 'fsyncc'/],
      ['lease', /unsafe must be an object of unsafe settings/],
    ];
    for (const [unsafe, msg] of bad) {
      const r = await t.api<{ error: string }>('POST', '/api/cluster', { unsafe });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(msg);
    }
    const paxos = await t.api<{ error: string }>('POST', '/api/cluster', {
      protocol: 'paxos',
      unsafe: { commitRule: 'count-old-terms' },
    });
    expect(paxos.status).toBe(400);
    expect(paxos.body.error).toMatch(/unsafe\.commitRule applies to Raft only/);
    // The protocol comes from the cluster before when the body names none: still checked.
    const inherited = await t.api<{ error: string }>('POST', '/api/cluster', {
      unsafe: { adoptHighestAccepted: false },
    });
    expect(inherited.status).toBe(400);
    expect(inherited.body.error).toMatch(/adoptHighestAccepted applies to Multi-Paxos only/);
    // Nothing changed: the same run goes on.
    expect((await t.api<ClusterView>('GET', '/api/cluster')).body.runStartedAt).toBe(before);
  });
});

describe('reads: local — any node answers from its own state', () => {
  /** The leader is cut off in a minority; the majority elects another and takes x=2; then x is read on the old leader. */
  async function readOnOldLeader(unsafe: Partial<UnsafeSettings>): Promise<KvResponse> {
    const lead = await fresh(unsafe);
    expect((await kv({ op: 'put', key: 'x', value: '1' })).body.outcome).toBe('ok');
    await t.api('POST', '/api/partition', { groups: [[lead], others(lead)] });
    await waitLeader(t, 15_000, others(lead));
    expect((await kv({ op: 'put', key: 'x', value: '2' })).body.outcome).toBe('ok');
    const r = (await kv({ op: 'get', key: 'x', node: lead, timeoutMs: 1500 })).body;
    await t.api('POST', '/api/heal');
    return r;
  }

  it('read-index: the old leader cannot confirm it still leads, so the read fails; the history checks out', async () => {
    const r = await readOnOldLeader({});
    expect(r.outcome).toBe('fail');
    expect(await verdict()).toBe(true);
  });

  it('local: the old leader answers x=1 after x=2 was acknowledged; the checker says not linearizable', async () => {
    const r = await readOnOldLeader({ reads: 'local' });
    expect(r).toMatchObject({ outcome: 'ok', value: '1' });
    expect(await verdict()).toBe(false);
  });
});

describe('reads: lease — a paused leader wakes up trusting its lease', () => {
  /** The leader is paused (SIGSTOP) and cut off; the others elect a leader and take x=2; the old one resumes and reads. */
  async function readAfterPause(unsafe: Partial<UnsafeSettings>): Promise<KvResponse> {
    const lead = await fresh(unsafe);
    expect((await kv({ op: 'put', key: 'x', value: '1' })).body.outcome).toBe('ok');
    await t.api('POST', `/api/nodes/${lead}/pause`);
    await t.api('POST', '/api/partition', { groups: [[lead], others(lead)] });
    await waitLeader(t, 15_000, others(lead));
    expect((await kv({ op: 'put', key: 'x', value: '2' })).body.outcome).toBe('ok');
    await t.api('POST', `/api/nodes/${lead}/resume`);
    const r = (await kv({ op: 'get', key: 'x', node: lead, timeoutMs: 1500 })).body;
    await t.api('POST', '/api/heal');
    return r;
  }

  it('read-index: the woken leader asks a quorum first, hears nothing, and the read fails', async () => {
    const r = await readAfterPause({});
    expect(r.outcome).toBe('fail');
    expect(await verdict()).toBe(true);
  });

  it('lease: its clock did not run while it was stopped, so it answers x=1 at once: not linearizable', async () => {
    const r = await readAfterPause({ reads: 'lease' });
    expect(r).toMatchObject({ outcome: 'ok', value: '1' });
    expect(await verdict()).toBe(false);
  });
});

describe('fsync: false — acknowledged writes are lost when every node is killed', () => {
  /** Five puts are acknowledged; every node is SIGKILLed at once, restarted, and the keys are read back. */
  async function killAllAndReadBack(unsafe: Partial<UnsafeSettings>): Promise<(string | null)[]> {
    await fresh(unsafe);
    for (let i = 1; i <= 5; i++)
      expect((await kv({ op: 'put', key: `k${i}`, value: `v${i}` })).body.outcome).toBe('ok');
    for (const id of ['n1', 'n2', 'n3']) await t.api('POST', `/api/nodes/${id}/crash`);
    await Promise.all(['n1', 'n2', 'n3'].map((id) => t.api('POST', `/api/nodes/${id}/restart`)));
    await waitLeader(t);
    const values: (string | null)[] = [];
    for (let i = 1; i <= 5; i++) {
      const r = (await kv({ op: 'get', key: `k${i}`, timeoutMs: 5000 })).body;
      expect(r.outcome).toBe('ok');
      values.push(r.value);
    }
    return values;
  }

  it('fsync on: every acknowledged put survives SIGKILL of all nodes', async () => {
    expect(await killAllAndReadBack({})).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect(await verdict()).toBe(true);
  });

  it('fsync off: the puts acknowledged in the last second are gone after the kill; the checker catches it', async () => {
    const values = await killAllAndReadBack({ fsync: false });
    expect(values.filter((v) => v === null).length).toBeGreaterThan(0);
    expect(await verdict()).toBe(false);
  });
});

describe('sessions: false — the gateway retries a write its deposed leader never committed, and it applies twice', () => {
  /**
   * The followers' answers to the leader are cut (one way), so a cas reaches them but the
   * leader never learns it committed; it steps down ('leadership-lost'), a follower takes
   * over and commits it, and the gateway asks again there under the same session.
   */
  async function casThroughDeposedLeader(unsafe: Partial<UnsafeSettings>): Promise<KvResponse> {
    const lead = await fresh(unsafe);
    expect((await kv({ op: 'put', key: 'warm', value: 'up' })).body.outcome).toBe('ok');
    for (const f of others(lead)) await t.api('POST', '/api/links', { from: f, to: lead, blocked: true });
    const r = (await kv({ op: 'cas', key: 'k', expected: null, value: 'a', timeoutMs: 10_000 })).body;
    await t.api('POST', '/api/heal');
    expect((await kv({ op: 'get', key: 'k' })).body.value).toBe('a');
    return r;
  }

  it('with sessions the retry is answered from the session: ok, applied once, linearizable', async () => {
    const r = await casThroughDeposedLeader({});
    expect(r.outcome).toBe('ok');
    expect(await verdict()).toBe(true);
  });

  it('without them the retry applies again and fails (cas-mismatch) though its first copy took effect', async () => {
    const r = await casThroughDeposedLeader({ sessions: false });
    expect(r).toMatchObject({ outcome: 'fail', error: 'cas-mismatch' });
    expect(await verdict()).toBe(false);
  });
});

describe('fencing: false — the demo resource accepts a stale token', () => {
  /** alice's lock lapses while she is stalled; bob takes it and writes; then alice writes with her old token. */
  async function staleHolderWrites(unsafe: Partial<UnsafeSettings>): Promise<KvResponse> {
    await fresh(unsafe);
    const alice = (await t.api<KvResponse>('POST', '/api/lock', { name: 'job', ttlMs: 200, owner: 'alice' })).body;
    expect(alice.outcome).toBe('ok');
    await new Promise((r) => setTimeout(r, 400));
    const bob = (await t.api<KvResponse>('POST', '/api/lock', { name: 'job', ttlMs: 10_000, owner: 'bob' })).body;
    expect(bob.outcome).toBe('ok');
    expect(bob.token!).toBeGreaterThan(alice.token!);
    const post = (value: string, token: number) =>
      t.api<KvResponse>('POST', '/api/fenced', { key: 'report', value, token });
    expect((await post('by bob', bob.token!)).body.outcome).toBe('ok');
    return (await post('by alice', alice.token!)).body;
  }

  it('fencing on: alice’s write is refused as stale-token; the history checks out', async () => {
    const r = await staleHolderWrites({});
    expect(r).toMatchObject({ outcome: 'fail', error: 'stale-token' });
    expect(await verdict()).toBe(true);
  });

  it('fencing off: alice’s write lands over bob’s; the checker reports the stale token', async () => {
    const r = await staleHolderWrites({ fencing: false });
    expect(r.outcome).toBe('ok');
    expect(await verdict()).toBe(false);
  });
});
