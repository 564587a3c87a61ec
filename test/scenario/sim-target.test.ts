/**
 * The scenario's clients in the simulator act as the lab's gateway over each node's own
 * request layer: a read is served by the node (ReadIndex, or the unsafe read modes) and
 * never enters the log; a write whose leader is deposed before it commits is asked again
 * under the same session; a request held by a frozen node ends unknown. And the unsafe
 * mode the bundled scenarios do not contrast, fsync, shows its anomaly in a scenario run in
 * the simulator as on real processes. A partition replaces the one before, as the lab's
 * router does, and leaves a link rule's cut in place.
 */
import { describe, expect, it } from 'vitest';
import { allChecks } from '../../src-main/scenario/report-types';
import { runInSim } from '../../src-main/scenario/sim-sweep';
import { SimTarget } from '../../src-main/scenario/sim-target';
import type { PendingRequest } from '../../src-main/scenario/target';
import type { Scenario } from '../../src-main/scenario/types';
import { validateScenario } from '../../src-main/scenario/validate';

async function cluster(unsafe: Record<string, unknown> = {}): Promise<{ t: SimTarget; leader: string }> {
  const t = new SimTarget({ seed: 3, nodes: 3, protocol: 'raft', heartbeatMs: 50, electionMs: 500, unsafe });
  const v = await t.waitUntil((x) => x.leader !== null, 10_000);
  expect(v).not.toBeNull();
  return { t, leader: v!.leader! };
}

async function settle(t: SimTarget, p: PendingRequest): Promise<NonNullable<PendingRequest['result']>> {
  await t.settle([p], 20_000);
  expect(p.result).not.toBeNull();
  return p.result!;
}

const lastIndex = async (t: SimTarget, id: string): Promise<number> =>
  (await t.view()).nodes.find((n) => n.id === id)!.lastIndex;

describe('scenario clients in the simulator', () => {
  it('serve a read through the node’s read path: answered, and nothing enters the log', async () => {
    const { t, leader } = await cluster();
    expect((await settle(t, t.submit({ op: 'put', key: 'x', value: '1' }, { timeoutMs: 3000 }))).outcome).toBe('ok');
    await t.sleep(200);
    const before = await lastIndex(t, leader);
    for (const id of t.info.ids) {
      const r = await settle(t, t.submit({ op: 'get', key: 'x' }, { node: id, timeoutMs: 3000 }));
      expect(r, id).toMatchObject({ outcome: 'ok', value: '1', node: id });
    }
    await t.sleep(200);
    expect(await lastIndex(t, leader)).toBe(before);
  });

  it('reads=local: a leader cut off in a minority answers its own stale value; read-index refuses', async () => {
    const stale = async (unsafe: Record<string, unknown>): Promise<string> => {
      const { t, leader } = await cluster(unsafe);
      await settle(t, t.submit({ op: 'put', key: 'x', value: '1' }, { timeoutMs: 3000 }));
      await t.partition([[leader], t.info.ids.filter((id) => id !== leader)]);
      await t.waitUntil((v) => v.leader !== null && v.leader !== leader, 10_000);
      expect((await settle(t, t.submit({ op: 'put', key: 'x', value: '2' }, { timeoutMs: 3000 }))).outcome).toBe('ok');
      const r = await settle(t, t.submit({ op: 'get', key: 'x' }, { node: leader, timeoutMs: 1500 }));
      return `${r.outcome} ${r.value}`;
    };
    expect(await stale({ reads: 'local' })).toBe('ok 1');
    expect(await stale({})).toMatch(/^(fail|unknown) null$/);
  });

  it('a write whose leader is deposed before it commits is asked again under its session: applied once, ok', async () => {
    const { t, leader } = await cluster();
    await settle(t, t.submit({ op: 'put', key: 'x', value: '1' }, { timeoutMs: 3000 }));
    for (const id of t.info.ids) if (id !== leader) await t.link({ from: id, to: leader, blocked: true });
    const p = t.submit({ op: 'cas', key: 'x', expected: '1', value: '2' }, { timeoutMs: 10_000 });
    expect(await t.waitUntil((v) => v.nodes.find((n) => n.id === leader)!.role === 'follower', 5000)).not.toBeNull();
    await t.clear(false);
    expect(await settle(t, p)).toMatchObject({ outcome: 'ok' });
    const h = await t.history();
    expect(h.filter((e) => e.f === 'cas').map((e) => e.type)).toEqual(['invoke', 'ok']);
  });

  it('a read whose leader is deposed before confirming it is asked again at the next leader: ok', async () => {
    const { t, leader } = await cluster();
    await settle(t, t.submit({ op: 'put', key: 'x', value: '1' }, { timeoutMs: 3000 }));
    await t.balance('leader-only');
    // The followers hear the leader but it hears none of them: its read can never be confirmed.
    for (const id of t.info.ids) if (id !== leader) await t.link({ from: id, to: leader, blocked: true });
    const p = t.submit({ op: 'get', key: 'x' }, { timeoutMs: 10_000 });
    expect(await t.waitUntil((v) => v.nodes.find((n) => n.id === leader)!.role === 'follower', 5000)).not.toBeNull();
    await t.clear(false);
    expect(await settle(t, p)).toMatchObject({ outcome: 'ok', value: '1' });
    const h = await t.history();
    expect(h.filter((e) => e.f === 'read').map((e) => e.type)).toEqual(['invoke', 'ok']);
  });

  it('a write held by a frozen leader ends unknown at its deadline (it may apply when the node wakes)', async () => {
    const { t, leader } = await cluster();
    await t.pause(leader);
    const r = await settle(t, t.submit({ op: 'put', key: 'x', value: '1' }, { node: leader, timeoutMs: 1000 }));
    expect(r).toMatchObject({ outcome: 'unknown', error: 'timeout' });
  });
});

describe('the simulated network, as the lab’s router', () => {
  it('a partition replaces the one before; a link rule’s cut stays until cleared', async () => {
    const { t } = await cluster();
    await t.link({ from: 'n1', to: 'n2', blocked: true });
    await t.partition([['n1', 'n2'], ['n3']]);
    await t.partition([['n3']]);
    // Now n3 alone (n1, n2 the other group): n1–n2 is cut only by the link rule, one way.
    expect((await t.view()).cuts).toEqual(['n1>n2', 'n1>n3', 'n2>n3', 'n3>n1', 'n3>n2']);
    await t.partition([['n1', 'n2', 'n3']]);
    expect((await t.view()).cuts).toEqual(['n1>n2']);
    await t.clear(false);
    expect((await t.view()).cuts).toEqual([]);
  });
});

/** KILL_ALL: five acknowledged puts, then every node killed at once and started again. */
function killAll(): Scenario {
  const put = (i: number): unknown => ({
    do: 'request',
    request: { op: 'put', key: `k${i}`, value: `v${i}` },
    expect: 'ok',
  });
  const r = validateScenario({
    name: 'kill-all',
    title: 'Kill every node',
    teaches: 'an acknowledged write is on disk on a majority',
    setup: { nodes: 3, heartbeatMs: 50, electionMs: 500 },
    contrast: [{ label: 'without fsync', unsafe: { fsync: false }, expect: 'fail', say: 'the puts were not on disk' }],
    steps: [
      { do: 'wait', until: { is: 'leader' }, withinMs: 10000 },
      ...[1, 2, 3, 4, 5].map(put),
      { do: 'crash', node: 'n1' },
      { do: 'crash', node: 'n2' },
      { do: 'crash', node: 'n3' },
      { do: 'clear', nodes: true },
      { do: 'wait', until: { is: 'leader' }, withinMs: 10000 },
      { do: 'check', checks: [{ check: 'durable' }, { check: 'linearizable' }] },
    ],
  });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('fsync: false in a simulated scenario', () => {
  const failed = (r: Awaited<ReturnType<typeof runInSim>>): string[] =>
    allChecks(r)
      .filter((c) => !c.ok)
      .map((c) => c.name);

  it('with fsync every acknowledged put survives killing every node; without it they are lost, on every seed', async () => {
    const s = killAll();
    for (let seed = 1; seed <= 5; seed++) {
      const safe = await runInSim(s, { seed, protocol: 'raft' });
      expect(failed(safe), `safe seed ${seed}`).toEqual([]);
      const unsafe = await runInSim(s, { seed, protocol: 'raft', unsafe: { fsync: false } });
      expect(failed(unsafe), `fsync off seed ${seed}`).toContain('every acknowledged write reads back');
    }
  });
});
