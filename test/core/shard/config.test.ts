import { describe, expect, it } from 'vitest';
import { copyConfig, initialConfig, shardConfig, shardOf, type ShardScheme } from '../../../src-main/core/shard/config';
import { checked } from '../../../src-main/core/validate';

const keys = Array.from({ length: 10_000 }, (_, i) => `user:${i}`);

function counts(scheme: ShardScheme): number[] {
  const n = Array.from({ length: scheme.shards }, () => 0);
  for (const k of keys) {
    const s = shardOf(scheme, k);
    n[s] = (n[s] ?? 0) + 1;
  }
  return n;
}

describe('shardOf: keys to shards', () => {
  it('hash ranges: every key lands in 0..S-1, the same each time, spread within 10% of even', () => {
    const scheme: ShardScheme = { kind: 'range', shards: 8 };
    for (const k of keys.slice(0, 100)) expect(shardOf(scheme, k)).toBe(shardOf(scheme, k));
    const n = counts(scheme);
    expect(n.reduce((a, b) => a + b, 0)).toBe(keys.length);
    for (const c of n) expect(Math.abs(c - keys.length / 8)).toBeLessThan((keys.length / 8) * 0.1);
  });

  it('hash ranges are contiguous: a key with a higher hash never lands in a lower shard', () => {
    // Equal ranges of the hash space, in order: shard = floor(hash * S / 2^32).
    const a = shardOf({ kind: 'range', shards: 2 }, 'x');
    const b = shardOf({ kind: 'range', shards: 4 }, 'x');
    expect(Math.floor(b / 2)).toBe(a);
  });

  it('a ring with 64 virtual nodes per shard spreads keys within 35% of even', () => {
    const n = counts({ kind: 'ring', shards: 8, vnodes: 64 });
    for (const c of n) expect(Math.abs(c - keys.length / 8)).toBeLessThan((keys.length / 8) * 0.35);
  });

  it('consistent hashing: adding a shard to the ring moves keys only to the new shard (about 1/(S+1) of them)', () => {
    const before = { kind: 'ring', shards: 8, vnodes: 64 } as const;
    const after = { kind: 'ring', shards: 9, vnodes: 64 } as const;
    let moved = 0;
    for (const k of keys) {
      const a = shardOf(before, k);
      const b = shardOf(after, k);
      if (a !== b) {
        moved++;
        expect(b).toBe(8);
      }
    }
    expect(moved).toBeGreaterThan(keys.length / 9 / 2);
    expect(moved).toBeLessThan((keys.length / 9) * 1.6);
  });

  it('the scheme is selectable: ranges and the ring place keys differently', () => {
    const differ = keys.filter(
      (k) => shardOf({ kind: 'range', shards: 8 }, k) !== shardOf({ kind: 'ring', shards: 8, vnodes: 16 }, k),
    );
    expect(differ.length).toBeGreaterThan(keys.length / 2);
  });
});

describe('shardConfig: validation', () => {
  const good = { ...initialConfig({ kind: 'range', shards: 2 }), num: 1, shards: ['g1', ''], groups: { g1: ['g1n1'] } };

  it('accepts a configuration and copies it', () => {
    const c = checked(() => shardConfig(good, 'config'));
    expect(c.ok && c.value).toEqual(good);
    const copy = copyConfig(good);
    copy.groups.g1?.push('x');
    expect(good.groups.g1).toEqual(['g1n1']);
  });

  it.each([
    [{ ...good, shards: ['g2', ''] }, 'config.shards[0] names g2, which is not in groups'],
    [{ ...good, shards: ['g1'] }, 'config.shards must be an array of 2..2 items'],
    [{ ...good, groups: { x1: ['n'] } }, 'config.groups key must be a group id like "g2"'],
    [{ ...good, scheme: { kind: 'ring', shards: 2 } }, 'config.scheme.vnodes'],
    [{ ...good, scheme: { kind: 'range', shards: 65 } }, 'config.scheme.shards'],
  ])('refuses %j with a clear error', (bad, error) => {
    const c = checked(() => shardConfig(bad, 'config'));
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error).toContain(error);
  });
});
