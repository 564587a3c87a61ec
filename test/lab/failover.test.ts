/**
 * Failover on real processes: a SIGKILLed leader's connections close, the router tells its
 * peers (peer-closed), and a survivor campaigns early — its role-reason says so — and then
 * serves. A paused (SIGSTOP) leader closes nothing, so its followers wait out their
 * election timeout; a follower partitioned from the dead leader does not see the close.
 * How fast this is belongs to `npm run bench` (its failover row), not to these tests.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { KvResponse, RunLogRecord } from '../../src-main/api/contract';
import { startLab, waitFor, waitLeader, type TestLab } from './helpers';

let t: TestLab;
const ALL = ['n1', 'n2', 'n3'];

beforeAll(async () => {
  t = await startLab({ nodes: 3, seed: 11 });
});

afterAll(async () => {
  await t?.stop();
});

// A failed assertion skips the rest of its test: whatever it left broken (a cut, a paused
// or crashed node) is undone here, so the next test starts from a whole cluster.
afterEach(async () => {
  if (!t) return;
  expect((await t.api('POST', '/api/heal')).status).toBe(200);
  for (const n of (await t.lab.cluster()).nodes) {
    if (n.status === 'paused') expect((await t.api('POST', `/api/nodes/${n.id}/resume`)).status).toBe(200);
    if (n.status === 'down') expect((await t.api('POST', `/api/nodes/${n.id}/restart`)).status).toBe(200);
  }
});

const put = (key: string, value: string) => t.api<KvResponse>('POST', '/api/kv', { op: 'put', key, value });
const log = async (): Promise<RunLogRecord[]> => (await t.api<RunLogRecord[]>('GET', '/api/log')).body;
const lastSeq = async (): Promise<number> => (await log()).reduce((m, r) => Math.max(m, r.seq), 0);

/** since: the records of `kind` after seq. */
async function since(seq: number, kind: string): Promise<RunLogRecord[]> {
  return (await log()).filter((r) => r.seq > seq && r.kind === kind);
}

/** causeKinds: the causes the nodes gave for becoming pre-candidate or candidate after seq. */
async function campaignCauses(seq: number): Promise<string[]> {
  const reasons = await since(seq, 'role-reason');
  return reasons
    .filter((r) => r.role === 'precandidate' || r.role === 'candidate')
    .map((r) => String((r.cause as { kind?: unknown } | undefined)?.kind));
}

/** timeoutsBefore counts the campaigns an election timeout started after seq and before `until` (a seq). */
async function timeoutsBefore(seq: number, until: number): Promise<number> {
  const reasons = await since(seq, 'role-reason');
  return reasons.filter(
    (r) => r.seq < until && (r.cause as { kind?: unknown } | undefined)?.kind === 'election-timeout',
  ).length;
}

/** healthy: every node up, one leader, the dead one restarted and caught up. */
async function healthy(): Promise<string> {
  await waitFor(async () => (await t.lab.cluster()).nodes.every((n) => n.status === 'up'), 15_000, 'all nodes up');
  return waitLeader(t);
}

describe('failover after the leader dies', () => {
  it('a SIGKILLed leader is replaced by a survivor that saw its connection close, and the new leader serves', async () => {
    const old = await healthy();
    // From here on every node followed `old` (healthy saw them agree).
    const seq = await lastSeq();
    expect((await put('before', '1')).body.outcome).toBe('ok');
    const rest = ALL.filter((n) => n !== old);
    await t.api('POST', `/api/nodes/${old}/crash`);
    const fresh = await waitLeader(t, 15_000, rest);
    expect(rest).toContain(fresh);
    const w = await put('after', '2');
    expect(w.body).toMatchObject({ outcome: 'ok', node: fresh });
    // Both survivors were told the connection closed; an early campaign followed — unless an
    // election timeout had started a campaign before the close went out. On a starved machine
    // (load ~25 on 2 cores) the killed node may have lost its lead before the SIGKILL, or the
    // lab saw its exit late (850 ms): the close then finds no follower of it and is rightly
    // ignored (core/peer-closed.ts), and the timeout elects the successor.
    const closes = await since(seq, 'peer-closed');
    expect(closes.map((r) => [r.node, r.peer]).sort()).toEqual(rest.map((n) => [n, old]));
    const lateClose = (await timeoutsBefore(seq, closes[0]?.seq ?? Infinity)) > 0;
    if (!lateClose) expect(await campaignCauses(seq)).toContain('leader-closed');
    // Only an ok read says what the store holds, and it must hold the acknowledged write: an
    // ok read of anything else is a lost write or a stale read. A refused read (fail, or
    // unknown: the new leader deposed under load, a timeout) has no effect and is asked
    // again; it is printed, so a run shows how often it happened.
    const got = await waitFor(
      async () => {
        const r = await t.api<KvResponse>('POST', '/api/kv', { op: 'get', key: 'before' });
        if (r.body.outcome !== 'ok') console.log(`refused read after the failover: ${JSON.stringify(r.body)}`);
        return r.body.outcome === 'ok' ? r.body : null;
      },
      15_000,
      'an ok read',
    );
    expect(got).toMatchObject({ outcome: 'ok', value: '1' });
  });

  it('a paused (SIGSTOP) leader closes nothing: its followers wait out the election timeout', async () => {
    const old = await healthy();
    const rest = ALL.filter((n) => n !== old);
    const seq = await lastSeq();
    await t.api('POST', `/api/nodes/${old}/pause`);
    const fresh = await waitLeader(t, 15_000, rest);
    expect(rest).toContain(fresh);
    expect((await put('paused-leader', '3')).body.outcome).toBe('ok');
    expect(await since(seq, 'peer-closed')).toEqual([]);
    const causes = await campaignCauses(seq);
    expect(causes).toContain('election-timeout');
    expect(causes).not.toContain('leader-closed');
  });

  it('a follower partitioned from the leader when it dies does not see the close', async () => {
    const old = await healthy();
    const [near, far] = ALL.filter((n) => n !== old) as [string, string];
    await t.api('POST', '/api/partition', { groups: [[old, near], [far]] });
    const seq = await lastSeq();
    await t.api('POST', `/api/nodes/${old}/crash`);
    await waitFor(async () => (await since(seq, 'peer-closed-dropped')).length > 0, 5_000, 'the withheld close');
    const seen = await since(seq, 'peer-closed');
    expect(seen.map((r) => [r.node, r.peer])).toEqual([[near, old]]);
    const withheld = await since(seq, 'peer-closed-dropped');
    expect(withheld.map((r) => [r.node, r.peer, r.reason])).toEqual([[far, old, 'partition']]);
    // Healed, the two survivors elect one of them and serve.
    await t.api('POST', '/api/heal');
    const fresh = await waitLeader(t, 15_000, [near, far]);
    expect([near, far]).toContain(fresh);
    expect((await put('after-partition', '4')).body.outcome).toBe('ok');
  });
});
