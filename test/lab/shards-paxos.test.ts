/**
 * A sharded cluster whose groups run Multi-Paxos: the shard layer sits above the
 * protocol, so the same move works — keys served, a shard moved, its data intact, the
 * history linearizable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvResponse } from '../../src-main/api/contract';
import type { ShardsView } from '../../src-main/api/shards';
import { shardOf } from '../../src-main/core/shard/config';
import { startLab, waitFor, type TestLab } from './helpers';

let t: TestLab;
const scheme = { kind: 'ring', shards: 6, vnodes: 16 } as const;

beforeAll(async () => {
  t = await startLab({ nodes: 3, protocol: 'paxos', seed: 5, shards: { groups: 2, scheme } });
}, 90_000);

afterAll(async () => {
  await t?.stop();
});

const kv = (body: unknown) => t.api<KvResponse>('POST', '/api/kv', body);

describe('a sharded cluster of Multi-Paxos groups', () => {
  it('serves every shard and moves one with its data, linearizably', async () => {
    const settled = (num: number) =>
      waitFor(
        async () => {
          const v = (await t.api<ShardsView>('GET', '/api/shards')).body;
          return v.config >= num && v.groups.every((g) => g.config === v.config) && v.shards.every((s) => !s.moving)
            ? v
            : null;
        },
        30_000,
        'settled',
      );
    const v1 = await settled(1);
    expect(v1.scheme).toEqual(scheme);
    const keys = Array.from({ length: 24 }, (_, i) => `px${i}`);
    for (const key of keys) expect((await kv({ op: 'put', key, value: `v-${key}` })).body.outcome).toBe('ok');
    const shard = shardOf(scheme, 'px0');
    const to = v1.shards[shard]?.group === 'g1' ? 'g2' : 'g1';
    expect((await t.api('POST', '/api/shards/move', { shard, group: to })).status).toBe(200);
    await settled(v1.config + 1);
    for (const key of keys) expect((await kv({ op: 'get', key })).body.value).toBe(`v-${key}`);
    const served = await kv({ op: 'put', key: 'px0', value: 'after' });
    expect(v1.groups.find((g) => g.id === to)?.nodes).toContain(served.body.node);
    expect((await t.lab.checkSettled(30_000)).linearizable).toBe(true);
  }, 120_000);
});
