import { describe, expect, it } from 'vitest';
import type { ShardConfig } from '../../../src-main/core/shard/config';
import { ShardController, type ControllerOp } from '../../../src-main/core/shard/controller';
import { seededRng } from '../../../src-main/core/types';

const nodes = (g: string): string[] => [`${g}n1`, `${g}n2`, `${g}n3`];

function must(c: ShardController, op: ControllerOp): ShardConfig {
  const r = c.apply(op);
  if (!r.ok) throw new Error(r.error);
  return r.config;
}

function countOf(c: ShardConfig): Record<string, number> {
  const out: Record<string, number> = {};
  for (const g of Object.keys(c.groups)) out[g] = 0;
  for (const g of c.shards) if (g !== '') out[g] = (out[g] ?? 0) + 1;
  return out;
}

/** checkRebalance: balanced (max − min ≤ 1, nothing unassigned) and minimal (no group both gives and takes). */
function checkRebalance(prev: ShardConfig, next: ShardConfig): number {
  const groups = Object.keys(next.groups);
  if (groups.length > 0) {
    const n = Object.values(countOf(next));
    expect(Math.max(...n) - Math.min(...n)).toBeLessThanOrEqual(1);
    expect(next.shards.every((g) => g !== '')).toBe(true);
  }
  let changed = 0;
  const lost: Record<string, number> = {};
  const gained: Record<string, number> = {};
  next.shards.forEach((g, s) => {
    const was = prev.shards[s] ?? '';
    if (was === g) return;
    changed++;
    lost[was] = (lost[was] ?? 0) + 1;
    gained[g] = (gained[g] ?? 0) + 1;
  });
  for (const g of groups) expect((lost[g] ?? 0) === 0 || (gained[g] ?? 0) === 0).toBe(true);
  return changed;
}

describe('ShardController: join, leave, move, query (MIT 6.5840 shard controller)', () => {
  it('the first join gives every shard to the group; later joins move only the shards that must move', () => {
    const c = new ShardController({ kind: 'range', shards: 10 });
    const c0 = c.latest();
    const c1 = must(c, { op: 'join', groups: { g1: nodes('g1') } });
    expect(c1.num).toBe(1);
    expect(c1.shards).toEqual(Array.from({ length: 10 }, () => 'g1'));
    expect(checkRebalance(c0, c1)).toBe(10);
    const c2 = must(c, { op: 'join', groups: { g2: nodes('g2') } });
    expect(countOf(c2)).toEqual({ g1: 5, g2: 5 });
    expect(checkRebalance(c1, c2)).toBe(5);
    const c3 = must(c, { op: 'join', groups: { g3: nodes('g3') } });
    expect(checkRebalance(c2, c3)).toBe(3);
    expect(Object.values(countOf(c3)).sort()).toEqual([3, 3, 4]);
    expect(c3.groups.g3).toEqual(nodes('g3'));
  });

  it('leave hands the leaving group’s shards to the others and moves nothing else', () => {
    const c = new ShardController({ kind: 'range', shards: 10 });
    must(c, { op: 'join', groups: { g1: nodes('g1'), g2: nodes('g2'), g3: nodes('g3') } });
    const before = c.latest();
    const after = must(c, { op: 'leave', groups: ['g2'] });
    expect(after.groups.g2).toBeUndefined();
    before.shards.forEach((g, s) => {
      if (g !== 'g2') expect(after.shards[s]).toBe(g);
    });
    expect(checkRebalance(before, after)).toBe(before.shards.filter((g) => g === 'g2').length);
    const none = must(c, { op: 'leave', groups: ['g1', 'g3'] });
    expect(none.shards.every((g) => g === '')).toBe(true);
  });

  it('move changes one shard only, makes the next configuration, and is refused for an unknown group or shard', () => {
    const c = new ShardController({ kind: 'ring', shards: 8, vnodes: 8 });
    must(c, { op: 'join', groups: { g1: nodes('g1'), g2: nodes('g2') } });
    const before = c.latest();
    const target = before.shards[3] === 'g1' ? 'g2' : 'g1';
    const after = must(c, { op: 'move', shard: 3, group: target });
    expect(after.num).toBe(before.num + 1);
    expect(after.shards).toEqual(before.shards.map((g, s) => (s === 3 ? target : g)));
    expect(c.apply({ op: 'move', shard: 3, group: 'g9' })).toEqual({ ok: false, error: 'g9 has not joined' });
    expect(c.apply({ op: 'move', shard: 8, group: 'g1' })).toEqual({ ok: false, error: 'shard must be 0..7, got 8' });
    // A retried move (its answer was lost) makes no new configuration.
    expect(must(c, { op: 'move', shard: 3, group: target }).num).toBe(after.num);
  });

  it('a retried join is harmless; a join of a known group with other nodes is refused', () => {
    const c = new ShardController({ kind: 'range', shards: 4 });
    must(c, { op: 'join', groups: { g1: nodes('g1') } });
    expect(must(c, { op: 'join', groups: { g1: nodes('g1') } }).num).toBe(1);
    expect(c.apply({ op: 'join', groups: { g1: ['x'] } })).toEqual({
      ok: false,
      error: 'g1 already joined with other nodes',
    });
  });

  it('query returns any kept configuration; what it hands out cannot change the controller', () => {
    const c = new ShardController({ kind: 'range', shards: 4 });
    must(c, { op: 'join', groups: { g1: nodes('g1') } });
    must(c, { op: 'join', groups: { g2: nodes('g2') } });
    const q1 = must(c, { op: 'query', num: 1 });
    expect(q1.shards).toEqual(['g1', 'g1', 'g1', 'g1']);
    q1.shards[0] = 'g2';
    expect(must(c, { op: 'query', num: 1 }).shards[0]).toBe('g1');
    expect(must(c, { op: 'query', num: -1 }).num).toBe(2);
  });

  it('is deterministic and keeps the balance over a long seeded run of joins, leaves and moves', () => {
    const ops: ControllerOp[] = [];
    const rng = seededRng(7);
    for (let i = 0; i < 300; i++) {
      const g = `g${1 + Math.floor(rng.next() * 6)}`;
      const r = rng.next();
      if (r < 0.4) ops.push({ op: 'join', groups: { [g]: nodes(g) } });
      else if (r < 0.7) ops.push({ op: 'leave', groups: [g] });
      else ops.push({ op: 'move', shard: Math.floor(rng.next() * 12), group: g });
    }
    const a = new ShardController({ kind: 'range', shards: 12 });
    const b = new ShardController({ kind: 'range', shards: 12 });
    for (const op of ops) {
      const prev = a.latest();
      const ra = a.apply(op);
      expect(b.apply(op)).toEqual(ra);
      if (ra.ok && op.op !== 'move' && ra.config.num !== prev.num) checkRebalance(prev, ra.config);
    }
    expect(a.snapshot()).toEqual(b.snapshot());
  });
});
