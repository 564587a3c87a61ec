/**
 * A sharded cluster on real processes: a shard controller group and two replica groups
 * (3 Raft nodes each, 9 OS processes with their own SQLite files, one router), driven
 * through the HTTP API. Shards move under a bounded load and while the source group's
 * leader crashes; the live checker (per key) must stay green and no acknowledged write
 * may be lost. The tests share the cluster and run in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckVerdict, ClusterView, KvResponse } from '../../src-main/api/contract';
import type { ShardsView } from '../../src-main/api/shards';
import { shardOf } from '../../src-main/core/shard/config';
import { startLab, waitFor, type TestLab } from './helpers';

let t: TestLab;
const scheme = { kind: 'range', shards: 4 } as const;

beforeAll(async () => {
  t = await startLab({ nodes: 3, seed: 11, shards: { groups: 2, scheme } });
}, 90_000);

afterAll(async () => {
  await t?.stop();
});

const kv = (body: unknown) => t.api<KvResponse>('POST', '/api/kv', body);
const view = async (): Promise<ShardsView> => (await t.api<ShardsView>('GET', '/api/shards')).body;
/** keysOf: `n` keys that fall in `shard`. */
function keysOf(shard: number, n: number, tag: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (shardOf(scheme, `${tag}${i}`) === shard) out.push(`${tag}${i}`);
  return out;
}

/** settled: the view once every group has taken the newest configuration and no shard is moving. */
async function settled(pred: (v: ShardsView) => boolean = () => true): Promise<ShardsView> {
  return waitFor(
    async () => {
      const v = await view();
      const done = v.groups.every((g) => !g.joined || g.config === v.config) && v.shards.every((s) => !s.moving);
      return done && pred(v) ? v : null;
    },
    30_000,
    'every group at the newest configuration, no shard moving',
  );
}

/**
 * writers runs `clients` sequential writers, each on its own keys, writing 1, 2, 3 … to
 * each key in turn until `stop()`; it keeps each key's last acknowledged value.
 */
function writers(keys: string[], clients: number) {
  const acked = new Map<string, number>();
  let running = true;
  let ops = 0;
  const loops = Array.from({ length: clients }, async (_, c) => {
    const mine = keys.filter((_, i) => i % clients === c);
    for (let v = 1; running && v <= 400; v++) {
      for (const key of mine) {
        const r = await t.lab.kv({ op: 'put', key, value: String(v), timeoutMs: 3000 });
        ops++;
        if (r.outcome === 'ok') acked.set(key, v);
        // Reads of other clients' keys too: the live checker judges what every read saw.
        const other = keys[(ops + c) % keys.length] ?? key;
        await t.lab.kv({ op: 'get', key: other, timeoutMs: 3000 });
        ops++;
      }
    }
  });
  return {
    acked,
    ops: () => ops,
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

/** writeCold writes keys no load touches (they must cross the move intact); returns them with their values. */
async function writeCold(keys: string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const key of keys) {
    const r = await kv({ op: 'put', key, value: `cold-${key}` });
    expect(r.body.outcome).toBe('ok');
    out.set(key, `cold-${key}`);
  }
  return out;
}

/** coldIntact: every cold key reads back its value after the move. */
async function coldIntact(cold: Map<string, string>): Promise<void> {
  for (const [key, value] of cold) expect((await kv({ op: 'get', key })).body.value, key).toBe(value);
}

/** noneLost: every key reads at least its last acknowledged value (a later write whose answer was lost may have landed). */
async function noneLost(acked: Map<string, number>): Promise<void> {
  for (const [key, v] of acked) {
    const r = await kv({ op: 'get', key });
    expect(r.body.outcome, key).toBe('ok');
    expect(Number(r.body.value), key).toBeGreaterThanOrEqual(v);
  }
}

async function linearizable(): Promise<CheckVerdict> {
  const v = await t.lab.checkSettled(30_000);
  expect(v.linearizable, JSON.stringify(v.violation ?? null)).toBe(true);
  return v;
}

describe('a sharded cluster: 2 groups of 3 Raft nodes and a controller', () => {
  it('GET /api/shards shows the configuration, every shard on a group, and the groups with their nodes', async () => {
    const v = await settled((x) => x.config >= 1);
    expect(v.scheme).toEqual(scheme);
    expect(v.controller).toEqual(['n1', 'n2', 'n3']);
    expect(v.groups.map((g) => [g.id, g.nodes, g.joined])).toEqual([
      ['g1', ['n4', 'n5', 'n6'], true],
      ['g2', ['n7', 'n8', 'n9'], true],
    ]);
    expect(v.shards.map((s) => s.shard)).toEqual([0, 1, 2, 3]);
    expect(v.shards.filter((s) => s.group === 'g1')).toHaveLength(2);
    expect(v.shards.filter((s) => s.group === 'g2')).toHaveLength(2);
    // Every key goes to the group serving its shard.
    for (let s = 0; s < 4; s++) {
      const [key] = keysOf(s, 1, 'first');
      const put = await kv({ op: 'put', key, value: `v${s}` });
      expect(put.body.outcome).toBe('ok');
      const owner = v.groups.find((g) => g.id === v.shards[s]?.group);
      expect(owner?.nodes).toContain(put.body.node);
      expect((await kv({ op: 'get', key })).body.value).toBe(`v${s}`);
    }
  }, 60_000);

  it('GET /api/cluster names every group’s own leader and members; its leader and config are the controller’s', async () => {
    const groupsOf = async (): Promise<ClusterView> => (await t.api<ClusterView>('GET', '/api/cluster')).body;
    const everyLed = (c: ClusterView): ClusterView | null =>
      c.shardGroups?.every((g) => g.leader !== null) ? c : null;
    let c = await waitFor(async () => everyLed(await groupsOf()), 20_000, 'a leader in every group');
    expect(c.shardGroups?.map((g) => [g.id, g.nodes, g.config.voters, g.config.learners])).toEqual([
      ['controller', ['n1', 'n2', 'n3'], ['n1', 'n2', 'n3'], []],
      ['g1', ['n4', 'n5', 'n6'], ['n4', 'n5', 'n6'], []],
      ['g2', ['n7', 'n8', 'n9'], ['n7', 'n8', 'n9'], []],
    ]);
    for (const g of c.shardGroups ?? []) {
      expect(g.nodes).toContain(g.leader);
      expect(g.term).toBe(c.nodes.find((n) => n.id === g.leader)?.term);
    }
    const ctl = c.shardGroups![0]!;
    expect(c.leader).toBe(ctl.leader);
    expect(c.config?.voters).toEqual(['n1', 'n2', 'n3']);
    // g1's leader crashes: g1 elects another of its own in a higher term; the controller's leader stays the view's.
    const old = c.shardGroups![1]!;
    await t.api('POST', `/api/nodes/${old.leader}/crash`);
    c = await waitFor(
      async () => {
        const v = everyLed(await groupsOf());
        const g1 = v?.shardGroups?.[1];
        return g1 && g1.leader !== old.leader && (g1.term ?? 0) > (old.term ?? 0) ? v : null;
      },
      20_000,
      'g1 led by another of its nodes',
    );
    expect(['n4', 'n5', 'n6']).toContain(c.shardGroups![1]!.leader);
    expect(c.leader).toBe(c.shardGroups![0]!.leader);
    expect(c.config?.voters).toEqual(['n1', 'n2', 'n3']);
    await t.api('POST', `/api/nodes/${old.leader}/restart`);
    await settled();
  }, 60_000);

  it('refuses bad shard requests with clear errors and changes nothing', async () => {
    const before = await view();
    const cases: [unknown, number, string][] = [
      [{ shard: 9, group: 'g2' }, 400, 'shard must be 0..3, got 9'],
      [{ shard: 1, group: 'g7' }, 404, 'no group g7: this cluster runs g1, g2'],
      [{ shard: 1, group: 'x' }, 400, 'group must be a group id like "g2"'],
      [{ shard: -1, group: 'g1' }, 400, 'shard must be an integer in 0..63'],
    ];
    for (const [body, status, error] of cases) {
      const r = await t.api<{ error: string }>('POST', '/api/shards/move', body);
      expect([r.status, r.body.error]).toEqual([status, expect.stringContaining(error)]);
    }
    const lock = await t.api<{ error: string }>('POST', '/api/lock', { name: 'l', owner: 'me', ttlMs: 1000 });
    expect(lock.status).toBe(400);
    expect(lock.body.error).toContain('not offered in a sharded cluster');
    const nul = await kv({ op: 'put', key: '\u0000shard', value: '{}' });
    expect(nul.status).toBe(400);
    expect((await view()).config).toBe(before.config);
  }, 30_000);

  it('moves a shard under a bounded load: the data arrives over the router, nothing acknowledged is lost, the checker is green', async () => {
    const v0 = await settled();
    const shard = 1;
    const from = v0.shards[shard]?.group ?? '';
    const to = from === 'g1' ? 'g2' : 'g1';
    const keys = [...keysOf(shard, 6, 'mv'), ...keysOf((shard + 1) % 4, 2, 'mv')];
    const cold = await writeCold(keysOf(shard, 5, 'cold-mv'));
    const load = writers(keys, 4);
    await waitFor(async () => (load.ops() > 60 ? true : null), 20_000, 'load running');
    const moved = await t.api<ShardsView>('POST', '/api/shards/move', { shard, group: to });
    expect(moved.status).toBe(200);
    expect(moved.body.config).toBe(v0.config + 1);
    expect(moved.body.shards[shard]?.group).toBe(to);
    await settled((v) => v.config === v0.config + 1);
    const at = load.ops();
    await waitFor(async () => (load.ops() > at + 60 ? true : null), 20_000, 'load running after the move');
    await load.stop();
    await noneLost(load.acked);
    await coldIntact(cold);
    // The destination serves the moved keys now.
    const r = await kv({ op: 'get', key: keys[0] });
    expect(v0.groups.find((g) => g.id === to)?.nodes).toContain(r.body.node);
    // The shard's data crossed the router, was installed, and the source collected its copy.
    const log = await t.lab.log(0);
    const send = log.find((x) => x.kind === 'send' && String(x.type).startsWith(`ShardData s${shard} `));
    expect(send).toBeDefined();
    expect(log.some((x) => x.kind === 'deliver' && x.id === send?.id)).toBe(true);
    expect(log.some((x) => x.kind === 'shard-installed' && x.shard === shard && x.to === to)).toBe(true);
    expect(log.some((x) => x.kind === 'shard-collected' && x.shard === shard && x.group === from)).toBe(true);
    const verdict = await linearizable();
    expect(verdict.ops).toBeGreaterThan(100);
  }, 120_000);

  it('a move waits while a partition cuts the groups apart: the data goes over the router, and arrives after the heal', async () => {
    const v0 = await settled();
    const shard = 3;
    const from = v0.shards[shard]?.group ?? '';
    const to = from === 'g1' ? 'g2' : 'g1';
    const cold = await writeCold(keysOf(shard, 3, 'cold-pt'));
    const nodesOf = (g: string): string[] => v0.groups.find((x) => x.id === g)?.nodes ?? [];
    const cut = await t.api('POST', '/api/partition', { groups: [[...v0.controller, ...nodesOf(from)], nodesOf(to)] });
    expect(cut.status).toBe(200);
    const moved = await t.api<ShardsView>('POST', '/api/shards/move', { shard, group: to });
    expect(moved.status).toBe(200);
    // Both groups take the configuration; the shard's data cannot cross the cut.
    await waitFor(async () => ((await view()).shards[shard]?.moving ? true : null), 20_000, 'the shard on its way');
    await new Promise((r) => setTimeout(r, 1500));
    // The map says why it waits: the shard's first page was dropped at the cut (and none got through).
    const waiting = await waitFor(
      async () => {
        const m = (await view()).shards[shard]?.moving;
        return m?.stalled?.endsWith(': partition') ? m : null;
      },
      20_000,
      'the map to say the move waits at the cut',
    );
    expect(waiting).toEqual({
      from,
      to,
      stalled: expect.stringMatching(/^page 1 of \d+ dropped on n\d+ → n\d+: partition$/),
    });
    const log = await t.lab.log(0);
    const drops = log.filter(
      (x) => x.kind === 'drop' && x.reason === 'partition' && String(x.type).startsWith(`ShardData s${shard} `),
    );
    expect(drops.length).toBeGreaterThan(0);
    // A key of the shard is served by nobody meanwhile: the request ends without an ok.
    const during = await kv({ op: 'get', key: [...cold.keys()][0], timeoutMs: 500 });
    expect(during.body.outcome).not.toBe('ok');
    await t.api('POST', '/api/heal');
    await settled((v) => v.shards[shard]?.group === to);
    await coldIntact(cold);
    await linearizable();
  }, 120_000);

  it('moves a shard while the source group’s leader crashes, and finishes once the group recovers', async () => {
    const v0 = await settled();
    const shard = 2;
    const from = v0.shards[shard]?.group ?? '';
    const to = from === 'g1' ? 'g2' : 'g1';
    const keys = keysOf(shard, 4, 'cr');
    const cold = await writeCold(keysOf(shard, 3, 'cold-cr'));
    const load = writers(keys, 2);
    await waitFor(async () => (load.ops() > 30 ? true : null), 20_000, 'load running');
    const leader = v0.groups.find((g) => g.id === from)?.leader ?? '';
    expect(leader).toMatch(/^n\d+$/);
    const moving = t.api<ShardsView>('POST', '/api/shards/move', { shard, group: to });
    await t.api('POST', `/api/nodes/${leader}/crash`);
    expect((await moving).status).toBe(200);
    await settled((v) => v.config === v0.config + 1 && v.shards[shard]?.group === to);
    await t.api('POST', `/api/nodes/${leader}/restart`);
    const at = load.ops();
    await waitFor(async () => (load.ops() > at + 30 ? true : null), 20_000, 'load running after the move');
    await load.stop();
    await noneLost(load.acked);
    await coldIntact(cold);
    await linearizable();
  }, 120_000);

  it('reopened on its own files, the sharded cluster has its configuration and its data back', async () => {
    const before = await settled();
    const cold = await writeCold([...keysOf(0, 2, 'keep'), ...keysOf(3, 2, 'keep')]);
    const kept = (await t.lab.keptClusters()).find((k) => k.current);
    expect(kept?.settings.shards).toEqual({ groups: 2, scheme });
    await t.lab.reopenCluster(kept?.name ?? '');
    const after = await settled((v) => v.config === before.config);
    expect(after.shards).toEqual(before.shards.map(({ shard, group }) => ({ shard, group })));
    await coldIntact(cold);
  }, 120_000);
});
