/**
 * Partition presets do what their names promise, checked on who hears whom: halves leave
 * one majority; isolate cuts one node off; bridge leaves one node hearing both halves that
 * cannot hear each other; majorities-ring gives every node a majority and no two the same;
 * one-way cuts one direction only.
 */
import { describe, expect, it } from 'vitest';
import { cutPredicate, hearsFrom, presetCuts, ringReach } from '../../src-main/scenario/presets';

const ids = (n: number): string[] => Array.from({ length: n }, (_, i) => `n${i + 1}`);
const majority = (n: number): number => Math.floor(n / 2) + 1;

function hears(preset: Parameters<typeof presetCuts>[0], n: number, a = {}): Map<string, Set<string>> {
  return hearsFrom(ids(n), cutPredicate(presetCuts(preset, ids(n), a)));
}

describe('partition presets', () => {
  it('halves: exactly one side keeps a majority', () => {
    for (const n of [2, 3, 4, 5, 7, 9]) {
      const p = presetCuts('halves', ids(n));
      expect('groups' in p).toBe(true);
      if (!('groups' in p)) continue;
      const big = p.groups.filter((g) => g.length >= majority(n));
      expect(big.length, `n=${n}`).toBe(n % 2 === 0 ? 0 : 1);
      expect(p.groups.flat().sort()).toEqual(ids(n).sort());
    }
  });

  it('isolate-leader and isolate cut one node off both ways', () => {
    const h = hears('isolate-leader', 5, { leader: 'n3' });
    expect([...h.get('n3')!]).toEqual(['n3']);
    expect(h.get('n1')!.has('n3')).toBe(false);
    expect(h.get('n1')!.size).toBe(4);
    expect(() => presetCuts('isolate-leader', ids(5), { leader: null })).toThrow(/needs a leader/);
    expect(() => presetCuts('isolate', ids(5), { node: 'n8' })).toThrow(/unknown node n8/);
  });

  it('bridge: the bridge hears everyone, the two halves do not hear each other', () => {
    for (const n of [3, 5, 7]) {
      const h = hears('bridge', n, { node: 'n1' });
      expect(h.get('n1')!.size, `n=${n}`).toBe(n);
      const others = ids(n).filter((id) => id !== 'n1');
      const a = others.slice(0, Math.ceil(others.length / 2));
      const b = others.slice(a.length);
      for (const x of a) for (const y of b) expect(h.get(x)!.has(y) || h.get(y)!.has(x)).toBe(false);
      for (const x of others) expect(h.get(x)!.has('n1')).toBe(true);
    }
    // With five nodes, each half plus the bridge is a majority: two leaders could each think they have one.
    const h5 = hears('bridge', 5, { node: 'n1' });
    expect(h5.get('n2')!.size).toBe(3);
  });

  it('majorities-ring: every node hears a majority, and no two the same one', () => {
    for (const n of [5, 6, 7, 8, 9]) {
      const h = hears('majorities-ring', n);
      const seen = new Set<string>();
      for (const id of ids(n)) {
        const set = h.get(id)!;
        expect(set.size, `n=${n} ${id}`).toBeGreaterThanOrEqual(majority(n));
        const k = [...set].sort().join(',');
        expect(seen.has(k), `n=${n}: ${id} sees the same majority as another node`).toBe(false);
        seen.add(k);
      }
      // Not a clean network: some links are cut.
      expect([...h.values()].some((s) => s.size < n)).toBe(true);
    }
    expect(ringReach(5)).toBe(1);
    expect(() => presetCuts('majorities-ring', ids(3))).toThrow(/at least 5/);
  });

  it('one-way: from -> to is cut, to -> from is not', () => {
    const h = hears('one-way', 3, { from: 'n1', to: 'n2' });
    expect(h.get('n2')!.has('n1')).toBe(false);
    expect(h.get('n1')!.has('n2')).toBe(true);
    expect(() => presetCuts('one-way', ids(3), { from: 'n1', to: 'n1' })).toThrow(/two different/);
  });
});
