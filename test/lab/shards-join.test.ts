/**
 * Join and leave on real processes: a sharded cluster of two one-node groups and a spare
 * one (started, not joined), each group a Raft node process with its own SQLite file. A
 * join moves as few shards as keep the spread even onto the new group; a leave moves the
 * leaving group's shards away; the last group cannot leave; a group the cluster does not
 * run yet is started (new processes, new files) and joined; every key reads back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvResponse } from '../../src-main/api/contract';
import type { ShardsView } from '../../src-main/api/shards';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { shardOf } from '../../src-main/core/shard/config';
import { startLab, waitFor, type TestLab } from './helpers';

let t: TestLab;

beforeAll(async () => {
  t = await startLab({ nodes: 1, seed: 3, shards: { groups: 2, spare: 1, scheme: { kind: 'range', shards: 12 } } });
}, 90_000);

afterAll(async () => {
  await t?.stop();
});

const kv = (body: unknown) => t.api<KvResponse>('POST', '/api/kv', body);
const settled = (pred: (v: ShardsView) => boolean) =>
  waitFor(
    async () => {
      const v = (await t.api<ShardsView>('GET', '/api/shards')).body;
      const done = v.groups.every((g) => g.config === v.config) && v.shards.every((s) => !s.moving);
      return done && pred(v) ? v : null;
    },
    30_000,
    'the shard map settled',
  );
const count = (v: ShardsView, g: string): number => v.shards.filter((s) => s.group === g).length;
const KEYS = Array.from({ length: 40 }, (_, i) => `j${i}`);

async function allKeysBack(): Promise<void> {
  for (const key of KEYS) expect((await kv({ op: 'get', key })).body.value, key).toBe(`v-${key}`);
}

describe('join and leave in a sharded cluster', () => {
  it('a spare group joins: shards move to it, fewest first, and every key reads back', async () => {
    const v1 = await settled((v) => v.config >= 1);
    expect(v1.groups.map((g) => [g.id, g.nodes, g.joined])).toEqual([
      ['g1', ['n2'], true],
      ['g2', ['n3'], true],
      ['g3', ['n4'], false],
    ]);
    expect([count(v1, 'g1'), count(v1, 'g2'), count(v1, 'g3')]).toEqual([6, 6, 0]);
    for (const key of KEYS) expect((await kv({ op: 'put', key, value: `v-${key}` })).body.outcome).toBe('ok');
    const joined = await t.api<ShardsView>('POST', '/api/shards/join', { group: 'g3' });
    expect(joined.status).toBe(200);
    const v2 = await settled((v) => v.config === v1.config + 1);
    expect([count(v2, 'g1'), count(v2, 'g2'), count(v2, 'g3')]).toEqual([4, 4, 4]);
    // Fewest moves: nothing moved between g1 and g2.
    v2.shards.forEach((s, i) => {
      if (s.group !== 'g3') expect(s.group).toBe(v1.shards[i]?.group);
    });
    await allKeysBack();
  }, 90_000);

  it('groups leave until one is left, which cannot; the data follows the shards', async () => {
    expect((await t.api('POST', '/api/shards/leave', { group: 'g1' })).status).toBe(200);
    const v = await settled((x) => count(x, 'g1') === 0);
    expect(v.groups.find((g) => g.id === 'g1')?.joined).toBe(false);
    expect([count(v, 'g2'), count(v, 'g3')]).toEqual([6, 6]);
    await allKeysBack();
    expect((await t.api('POST', '/api/shards/leave', { group: 'g2' })).status).toBe(200);
    await settled((x) => count(x, 'g3') === 12);
    const last = await t.api<{ error: string }>('POST', '/api/shards/leave', { group: 'g3' });
    expect([last.status, last.body.error]).toEqual([409, 'g3 is the last group: its shards would have nowhere to go']);
    await allKeysBack();
    const none = await t.api<{ error: string }>('POST', '/api/shards/join', { group: 'g9' });
    expect([none.status, none.body.error]).toEqual([
      404,
      'no group g9: this cluster runs g1, g2, g3; join g4 starts a new group',
    ]);
    expect((await t.lab.checkSettled(30_000)).linearizable).toBe(true);
  }, 90_000);

  it('join g4 starts a new group: new processes on new SQLite files, a leader, then shards and their data', async () => {
    const before = await t.lab.cluster();
    expect(before.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3', 'n4']);
    const seq = (await t.lab.log(0)).length;
    const joined = await t.api<ShardsView>('POST', '/api/shards/join', { group: 'g4' });
    expect(joined.status).toBe(200);
    expect(joined.body.groups.find((g) => g.id === 'g4')).toMatchObject({ nodes: ['n5'], joined: true });
    const v = await settled((x) => count(x, 'g4') === 6);
    expect(count(v, 'g3')).toBe(6);
    expect(v.groups.find((g) => g.id === 'g4')?.leader).toBe('n5');
    const after = await t.lab.cluster();
    const n5 = after.nodes.find((n) => n.id === 'n5');
    expect(n5).toMatchObject({ status: 'up', role: 'leader' });
    expect(n5?.pid).not.toBe(before.nodes[0]?.pid);
    // The settings count the new group, so the graph and a reopened cluster place n5 in g4.
    expect(after.settings.shards).toMatchObject({ groups: 2, spare: 2 });
    const log = await t.lab.log(seq);
    expect(log.find((r) => r.kind === 'shard-group-started')).toMatchObject({ group: 'g4', nodes: ['n5'] });
    expect(existsSync(join(t.lab.runDir ?? '', 'n5.sqlite'))).toBe(true);
    // The new group serves its keys: a put of one of g4's shards is answered by n5.
    const s4 = v.shards.find((s) => s.group === 'g4')?.shard ?? -1;
    const key = KEYS.find((k) => shardOf(v.scheme, k) === s4) ?? '';
    expect((await kv({ op: 'get', key })).body).toMatchObject({ value: `v-${key}`, node: 'n5' });
    await allKeysBack();
    // A sharded cluster grows by groups, not by single nodes (each group has its own members).
    const add = await t.api<{ error: string }>('POST', '/api/nodes', {});
    expect([add.status, add.body.error]).toEqual([409, expect.stringContaining('grows and shrinks by groups')]);
    expect((await t.lab.checkSettled(30_000)).linearizable).toBe(true);
  }, 90_000);
});
