import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../../src-main/core/kv/codec';
import type { KvOp, KvResult } from '../../../src-main/core/kv/types';
import { ADMIN_KEY, STATUS_KEY, exportKey, type GroupCommand } from '../../../src-main/core/shard/admin';
import { shardOf, type ShardConfig, type ShardScheme } from '../../../src-main/core/shard/config';
import { ShardGroupMachine } from '../../../src-main/core/shard/group';

const scheme: ShardScheme = { kind: 'range', shards: 4 };
const groups = { g1: ['g1n1'], g2: ['g2n1'] };
const cfg = (num: number, shards: string[]): ShardConfig => ({ num, scheme, shards, groups });
/** A key of each shard, found by the scheme itself. */
const keyIn = (s: number): string => {
  for (let i = 0; ; i++) if (shardOf(scheme, `k${i}`) === s) return `k${i}`;
};

/** A replica driven like a host: each call is its next log index. */
function replica(group: string, start = 0) {
  const sm = new ShardGroupMachine(group);
  let index = start;
  const run = (cmd: KvOp, client = '', seq = 0): KvResult =>
    sm.apply(++index, encodeCommand({ client, seq, now: 0, cmd }));
  return {
    sm,
    run,
    admin: (g: GroupCommand): KvResult => run({ op: 'put', key: ADMIN_KEY, value: JSON.stringify(g) }),
    put: (key: string, value: string, client = '', seq = 0): KvResult => run({ op: 'put', key, value }, client, seq),
  };
}

/** moveShard runs the whole hand-over of shard `s` from `a` to `b` at configuration `num`. */
function moveShard(a: ReturnType<typeof replica>, b: ReturnType<typeof replica>, s: number, num: number): void {
  const data = a.sm.get(exportKey(s, num));
  expect(data).not.toBeNull();
  expect(b.admin({ a: 'install', shard: s, config: num, data: data ?? '' })).toMatchObject({ ok: true });
  expect(a.admin({ a: 'gc', shard: s, config: num })).toMatchObject({ ok: true });
}

describe('ShardGroupMachine: serving only owned shards', () => {
  it('answers wrong-group before its first configuration and for shards another group owns', () => {
    const g1 = replica('g1');
    expect(g1.put(keyIn(0), 'x')).toEqual({ ok: false, error: 'wrong-group' });
    expect(g1.admin({ a: 'config', config: cfg(1, ['g1', 'g1', 'g2', 'g2']) })).toMatchObject({ ok: true });
    expect(g1.put(keyIn(0), 'x')).toEqual({ ok: true, value: null });
    expect(g1.sm.get(keyIn(0))).toBe('x');
    expect(g1.put(keyIn(2), 'y')).toEqual({ ok: false, error: 'wrong-group' });
    expect(g1.sm.readError(keyIn(2))).toBe('wrong-group');
    expect(g1.sm.readError(keyIn(1))).toBeNull();
    expect(g1.run({ op: 'get', key: keyIn(3) })).toEqual({ ok: false, error: 'wrong-group' });
  });

  it('refuses user commands on reserved keys and malformed shard commands', () => {
    const g1 = replica('g1');
    expect(g1.run({ op: 'put', key: STATUS_KEY, value: 'x' })).toMatchObject({ ok: false, error: 'bad-command' });
    expect(g1.run({ op: 'put', key: ADMIN_KEY, value: '{"a":"config"}' })).toMatchObject({
      ok: false,
      error: 'bad-command',
    });
    expect(g1.run({ op: 'put', key: ADMIN_KEY, value: '[[[[[[[[[[1]]]]]]]]]]' })).toMatchObject({ ok: false });
  });
});

describe('ShardGroupMachine: moving a shard', () => {
  it('freezes the shard at the source, pulls it at the destination, installs data and sessions, then collects', () => {
    const g1 = replica('g1', 1000);
    const g2 = replica('g2'); // the destination's log is far behind the source's
    const c1 = cfg(1, ['g1', 'g1', 'g2', 'g2']);
    g1.admin({ a: 'config', config: c1 });
    g2.admin({ a: 'config', config: c1 });
    const k = keyIn(1);
    expect(g1.put(k, 'v1', 'alice', 1)).toEqual({ ok: true, value: null });
    expect(g1.put(k, 'v2', 'bob', 1)).toEqual({ ok: true, value: 'v1' });

    const c2 = cfg(2, ['g1', 'g2', 'g2', 'g2']);
    g1.admin({ a: 'config', config: c2 });
    expect(g1.put(k, 'v3')).toEqual({ ok: false, error: 'wrong-group' });
    expect(g1.sm.readError(k)).toBe('wrong-group');
    expect(g1.sm.status().shards).toContainEqual({ shard: 1, status: 'frozen', config: 2, keys: 1 });
    // Not yet at configuration 2 at the destination: nothing to export for it under 1.
    expect(g1.sm.get(exportKey(1, 1))).toBeNull();

    g2.admin({ a: 'config', config: c2 });
    expect(g2.sm.status().shards).toContainEqual({ shard: 1, status: 'pulling', config: 2, from: 'g1', keys: 0 });
    expect(g2.put(k, 'early')).toEqual({ ok: false, error: 'wrong-group' });
    moveShard(g1, g2, 1, 2);
    expect(g2.sm.get(k)).toBe('v2');
    // alice's write was applied by g1; her retry reaches g2 and gets the cached answer, not a second write.
    expect(g2.put(k, 'v1', 'alice', 1)).toEqual({ ok: true, value: null });
    expect(g2.sm.get(k)).toBe('v2');
    // bob's next command continues his session.
    expect(g2.put(k, 'v4', 'bob', 2)).toEqual({ ok: true, value: 'v2' });
    expect(g1.sm.status().shards.map((s) => s.shard)).toEqual([0]);
    expect(g1.sm.size()).toBe(0);
  });

  it('takes no next configuration while a shard is in flight, and takes them only in order', () => {
    const g1 = replica('g1');
    const g2 = replica('g2');
    g1.admin({ a: 'config', config: cfg(1, ['g1', 'g1', 'g1', 'g1']) });
    g2.admin({ a: 'config', config: cfg(1, ['g1', 'g1', 'g1', 'g1']) });
    expect(g1.admin({ a: 'config', config: cfg(3, ['g1', 'g1', 'g1', 'g1']) })).toMatchObject({ error: 'shard-stale' });
    const c2 = cfg(2, ['g2', 'g1', 'g1', 'g1']);
    g1.admin({ a: 'config', config: c2 });
    g2.admin({ a: 'config', config: c2 });
    const c3 = cfg(3, ['g2', 'g2', 'g1', 'g1']);
    expect(g1.admin({ a: 'config', config: c3 })).toMatchObject({ ok: false, error: 'shard-busy' });
    expect(g2.admin({ a: 'config', config: c3 })).toMatchObject({ ok: false, error: 'shard-busy' });
    // A retry of a configuration already taken is a no-op.
    expect(g1.admin({ a: 'config', config: c2 })).toMatchObject({ ok: true });
    moveShard(g1, g2, 0, 2);
    expect(g1.admin({ a: 'config', config: c3 })).toMatchObject({ ok: true });
    expect(g2.admin({ a: 'config', config: c3 })).toMatchObject({ ok: true });
  });

  it('a repeated install or gc changes nothing; an install for the wrong configuration is refused', () => {
    const g1 = replica('g1');
    const g2 = replica('g2');
    const c1 = cfg(1, ['g1', 'g1', 'g1', 'g1']);
    const c2 = cfg(2, ['g1', 'g1', 'g1', 'g2']);
    for (const r of [g1, g2]) r.admin({ a: 'config', config: c1 });
    g1.put(keyIn(3), 'old');
    for (const r of [g1, g2]) r.admin({ a: 'config', config: c2 });
    const data = g1.sm.get(exportKey(3, 2)) ?? '';
    expect(g2.admin({ a: 'install', shard: 3, config: 1, data })).toMatchObject({ ok: false, error: 'shard-stale' });
    moveShard(g1, g2, 3, 2);
    g2.put(keyIn(3), 'new');
    expect(g2.admin({ a: 'install', shard: 3, config: 2, data })).toMatchObject({ ok: true });
    expect(g2.sm.get(keyIn(3))).toBe('new');
    expect(g1.admin({ a: 'gc', shard: 3, config: 2 })).toMatchObject({ ok: true });
  });

  it('a shard nobody held starts empty and serving at once', () => {
    const g2 = replica('g2');
    g2.admin({ a: 'config', config: { ...cfg(1, ['', '', 'g2', 'g2']) } });
    expect(g2.put(keyIn(2), 'z')).toEqual({ ok: true, value: null });
  });
});

describe('ShardGroupMachine: snapshots', () => {
  it('a snapshot taken mid-move restores the same state on another replica, and refuses another group’s', () => {
    const g1 = replica('g1');
    g1.admin({ a: 'config', config: cfg(1, ['g1', 'g1', 'g1', 'g1']) });
    g1.put(keyIn(0), 'a', 'c', 1);
    g1.admin({ a: 'config', config: cfg(2, ['g2', 'g1', 'g1', 'g1']) });
    const snap = g1.sm.snapshot();
    const other = new ShardGroupMachine('g1');
    other.restore(snap, g1.sm.appliedIndex);
    expect(other.snapshot()).toBe(snap);
    expect(other.status()).toEqual(g1.sm.status());
    expect(() => new ShardGroupMachine('g2').restore(snap)).toThrow(/g1's/);
    expect(() => other.restore('{"v":2}')).toThrow(/bad shard-group snapshot/);
    expect(other.status()).toEqual(g1.sm.status());
    expect(() => other.apply(other.appliedIndex, '{}')).toThrow(RangeError);
  });
});
