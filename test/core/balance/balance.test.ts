import { describe, expect, it } from 'vitest';
import { BALANCE_ALGORITHMS, createBalancer, keyMovement } from '../../../src-main/core/balance';
import type { BackendState, Balancer } from '../../../src-main/core/balance';
import { seededRng } from '../../../src-main/core/types';

function backends(weights: number[], extra: Partial<BackendState>[] = []): BackendState[] {
  return weights.map((weight, i) => ({ id: `n${i + 1}`, up: true, inflight: 0, weight, ...extra[i] }));
}

function counts(b: Balancer, list: BackendState[], n: number, key = (i: number) => `k${i}`): Record<string, number> {
  const c: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const id = b.pick(list, key(i));
    if (id === null) throw new Error('no pick');
    c[id] = (c[id] ?? 0) + 1;
  }
  return c;
}

const rng = () => seededRng(12345);

describe('round-robin', () => {
  it('cycles in order and skips a down backend', () => {
    const b = createBalancer('round-robin', { rng: rng() });
    const list = backends([1, 1, 1]);
    expect([0, 1, 2, 3, 4, 5].map(() => b.pick(list, ''))).toEqual(['n1', 'n2', 'n3', 'n1', 'n2', 'n3']);
    list[1]!.up = false;
    expect([0, 1, 2, 3].map(() => b.pick(list, ''))).toEqual(['n1', 'n3', 'n1', 'n3']);
  });
});

describe('smooth weighted round-robin (nginx)', () => {
  it('weights 1,2,3 over 600 requests give exactly 100/200/300', () => {
    const b = createBalancer('weighted-round-robin', { rng: rng() });
    expect(counts(b, backends([1, 2, 3]), 600)).toEqual({ n1: 100, n2: 200, n3: 300 });
  });

  it('interleaves instead of bunching: c b c a b c, and every window of 6 holds exactly 1/2/3', () => {
    const b = createBalancer('weighted-round-robin', { rng: rng() });
    const list = backends([1, 2, 3]);
    const seq = Array.from({ length: 600 }, () => b.pick(list, '') as string);
    expect(seq.slice(0, 6)).toEqual(['n3', 'n2', 'n3', 'n1', 'n2', 'n3']);
    let longest = 1;
    let run = 1;
    for (let i = 1; i < seq.length; i++) {
      run = seq[i] === seq[i - 1] ? run + 1 : 1;
      longest = Math.max(longest, run);
    }
    // Plain weighted round-robin would send n3 three times in a row; the smooth one never repeats more than twice.
    expect(longest).toBeLessThanOrEqual(2);
    for (let i = 0; i + 6 <= seq.length; i++) {
      const w = seq.slice(i, i + 6);
      expect(w.filter((x) => x === 'n1').length).toBeLessThanOrEqual(2);
      expect(w.filter((x) => x === 'n3').length).toBeGreaterThanOrEqual(2);
    }
  });

  it('a big weight gap still interleaves (5,1,1 → a a b a c a a)', () => {
    const b = createBalancer('weighted-round-robin', { rng: rng() });
    const seq = Array.from({ length: 7 }, () => b.pick(backends([5, 1, 1]), ''));
    expect(seq).toEqual(['n1', 'n1', 'n2', 'n1', 'n3', 'n1', 'n1']);
  });

  it('a down backend gets nothing; the others keep their proportion', () => {
    const b = createBalancer('weighted-round-robin', { rng: rng() });
    const list = backends([1, 2, 3]);
    list[2]!.up = false;
    expect(counts(b, list, 300)).toEqual({ n1: 100, n2: 200 });
  });
});

describe('random-weighted', () => {
  it('is close to the weights over many draws but not exact, and reproducible from the seed', () => {
    const list = backends([1, 2, 3]);
    const c = counts(createBalancer('random-weighted', { rng: rng() }), list, 6000);
    expect(c.n1! / 6000).toBeCloseTo(1 / 6, 1);
    expect(c.n2! / 6000).toBeCloseTo(2 / 6, 1);
    expect(c.n3! / 6000).toBeCloseTo(3 / 6, 1);
    expect([c.n1, c.n2, c.n3]).not.toEqual([1000, 2000, 3000]);
    expect(counts(createBalancer('random-weighted', { rng: rng() }), list, 6000)).toEqual(c);
    // Runs are bunched, unlike the smooth rotation: some backend repeats 3+ times somewhere.
    const b = createBalancer('random-weighted', { rng: rng() });
    const seq = Array.from({ length: 600 }, () => b.pick(list, ''));
    expect(seq.some((x, i) => i >= 2 && x === seq[i - 1] && x === seq[i - 2])).toBe(true);
  });
});

describe('least-connections', () => {
  it('sends a slow backend (requests pile up on it) less than the fast ones', () => {
    const b = createBalancer('least-connections', { rng: rng() });
    const list = backends([1, 1, 1]);
    // Simulate: n1 answers after 10 steps, n2 and n3 after 1.
    const latency: Record<string, number> = { n1: 10, n2: 1, n3: 1 };
    const pending: { id: string; done: number }[] = [];
    const served: Record<string, number> = { n1: 0, n2: 0, n3: 0 };
    for (let t = 0; t < 3000; t++) {
      for (const p of pending.filter((p) => p.done <= t)) {
        list.find((x) => x.id === p.id)!.inflight--;
        pending.splice(pending.indexOf(p), 1);
      }
      // Two new requests per step keep every backend somewhat busy.
      for (let r = 0; r < 2; r++) {
        const id = b.pick(list, '')!;
        served[id]!++;
        list.find((x) => x.id === id)!.inflight++;
        pending.push({ id, done: t + latency[id]! });
      }
    }
    expect(served.n1!).toBeLessThan(served.n2! / 2);
    expect(served.n1!).toBeLessThan(served.n3! / 2);
    expect(served.n1!).toBeGreaterThan(0);
  });

  it('picks the fewest inflight and rotates ties', () => {
    const b = createBalancer('least-connections', { rng: rng() });
    expect(b.pick(backends([1, 1, 1], [{ inflight: 3 }, { inflight: 1 }, { inflight: 2 }]), '')).toBe('n2');
    const idle = backends([1, 1, 1]);
    expect([0, 1, 2, 3].map(() => b.pick(idle, ''))).toEqual(['n3', 'n1', 'n2', 'n3']);
  });
});

describe('power-of-two choices', () => {
  it('never picks the most loaded of three and prefers the least loaded', () => {
    const b = createBalancer('power-of-two', { rng: rng() });
    const list = backends([1, 1, 1], [{ inflight: 0 }, { inflight: 5 }, { inflight: 50 }]);
    const c = counts(b, list, 3000);
    // n3 is the heavier of any pair it is in; n1 wins every pair it is in (2 of 3 pairs).
    expect(c.n3 ?? 0).toBe(0);
    expect(c.n1! / 3000).toBeGreaterThan(0.6);
    expect(c.n1! / 3000).toBeLessThan(0.73);
  });

  it('with one backend up, uses it', () => {
    const b = createBalancer('power-of-two', { rng: rng() });
    expect(b.pick(backends([1, 1], [{ up: false }]), '')).toBe('n2');
  });
});

describe('consistent hashing', () => {
  const keys = Array.from({ length: 10_000 }, (_, i) => `user:${i}`);

  it('keeps key affinity: the same key always goes to the same node', () => {
    const b = createBalancer('consistent-hash', { rng: rng() });
    const list = backends([1, 1, 1, 1, 1]);
    const first = keys.slice(0, 200).map((k) => b.pick(list, k));
    const again = keys.slice(0, 200).map((k) => b.pick(list, k));
    expect(again).toEqual(first);
    expect(new Set(first).size).toBe(5);
  });

  it('when one of 5 nodes leaves about 1/5 of 10,000 keys move, and only that node’s keys', () => {
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
    for (const leaving of nodes) {
      const m = keyMovement(nodes, leaving, keys);
      expect(m.fraction).toBeGreaterThan(0.12);
      expect(m.fraction).toBeLessThan(0.28);
      expect(m.movedFromOthers).toBe(0);
      expect(m.moved).toBe(m.before[leaving]);
    }
    // Naive modulo hashing, for contrast, would move about 4/5 of them.
  });

  it('spreads keys roughly evenly and a down node’s keys go elsewhere while the rest stay', () => {
    const b = createBalancer('consistent-hash', { rng: rng() });
    const list = backends([1, 1, 1, 1, 1]);
    const before = keys.map((k) => b.pick(list, k));
    const c: Record<string, number> = {};
    for (const id of before) c[id!] = (c[id!] ?? 0) + 1;
    for (const n of Object.values(c)) expect(Math.abs(n - 2000)).toBeLessThan(600);
    list[2]!.up = false;
    const after = keys.map((k) => b.pick(list, k));
    for (let i = 0; i < keys.length; i++) {
      if (before[i] !== 'n3') expect(after[i]).toBe(before[i]);
      else expect(after[i]).not.toBe('n3');
    }
  });
});

describe('leader-only', () => {
  it('always picks the leader, and rotates over up nodes while none is known', () => {
    const b = createBalancer('leader-only', { rng: rng() });
    const list = backends([1, 1, 1], [{}, { leader: true }, {}]);
    expect(Object.keys(counts(b, list, 50))).toEqual(['n2']);
    list[1]!.leader = false;
    list[1]!.up = false;
    expect([0, 1, 2].map(() => b.pick(list, ''))).toEqual(['n1', 'n3', 'n1']);
  });
});

describe('every algorithm', () => {
  it('never picks a down backend and returns null when none is up', () => {
    for (const alg of BALANCE_ALGORITHMS) {
      const b = createBalancer(alg, { rng: rng() });
      const list = backends([1, 2, 3, 1], [{ up: false }, {}, { up: false, leader: true }, { inflight: 9 }]);
      for (let i = 0; i < 500; i++) expect(['n2', 'n4'], alg).toContain(b.pick(list, `key${i}`));
      const none = backends([1, 1], [{ up: false }, { up: false }]);
      expect(b.pick(none, 'k'), alg).toBeNull();
      expect(b.pick([], 'k'), alg).toBeNull();
      expect(b.algorithm).toBe(alg);
    }
  });

  it('weights of 0, negative or NaN never crash a weighted balancer', () => {
    for (const alg of ['weighted-round-robin', 'random-weighted'] as const) {
      const b = createBalancer(alg, { rng: rng() });
      expect(counts(b, backends([0, -1, NaN]), 30)).toEqual(
        alg === 'weighted-round-robin' ? { n1: 10, n2: 10, n3: 10 } : expect.any(Object),
      );
      expect(Object.keys(counts(b, backends([0, 4]), 20))).toEqual(['n2']);
    }
  });
});
