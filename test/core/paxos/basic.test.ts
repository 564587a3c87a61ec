/**
 * Multi-Paxos basics: one distinguished proposer emerges, commands are chosen in order on
 * every node, and a new leader takes over when the old one dies ("Paxos Made Simple" §3).
 */
import { describe, expect, it } from 'vitest';
import { PaxosNetwork } from './helpers';

describe('paxos basics', () => {
  it('elects one leader and replicates commands to every node in order', () => {
    const c = new PaxosNetwork(3, { seed: 7 });
    const l = c.waitLeader();
    for (let i = 1; i <= 20; i++) c.proposeAndWait(`v${i}`);
    for (const m of c.liveMembers()) {
      expect(m.sm.values).toEqual(Array.from({ length: 20 }, (_, i) => `v${i + 1}`));
    }
    expect(c.leader()).toBe(l);
    expect(c.violations).toEqual([]);
    // A stable leader pays phase 1 once: later commands cost accept/accepted only.
    const prepares = c.sent.get('prepare') ?? 0;
    c.proposeAndWait('one-more');
    expect(c.sent.get('prepare') ?? 0).toBe(prepares);
  });

  it('a single-node cluster chooses on its own', () => {
    const c = new PaxosNetwork(1, { seed: 3 });
    c.waitLeader();
    c.proposeAndWait('solo');
    expect(c.member('n1').sm.values).toEqual(['solo']);
  });

  it('a new leader takes over when the leader crashes, and chosen values survive', () => {
    const c = new PaxosNetwork(5, { seed: 11 });
    const l1 = c.waitLeader();
    for (let i = 0; i < 5; i++) c.proposeAndWait(`a${i}`);
    c.crash(l1);
    const l2 = c.waitLeader();
    expect(l2).not.toBe(l1);
    const b1 = c.node(l2).status().term;
    for (let i = 0; i < 5; i++) c.proposeAndWait(`b${i}`);
    c.restart(l1);
    c.runUntil(() => c.member(l1).sm.appliedIndex >= c.member(l2).sm.appliedIndex);
    const want = [...Array.from({ length: 5 }, (_, i) => `a${i}`), ...Array.from({ length: 5 }, (_, i) => `b${i}`)];
    for (const m of c.liveMembers()) expect(m.sm.values).toEqual(want);
    expect(b1).toBeGreaterThan(0);
    expect(c.violations).toEqual([]);
  });

  it('random drops, delays and leader crashes never choose two values for one slot', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const c = new PaxosNetwork(5, { seed, minDelay: 1, maxDelay: 4, dropRate: 0.1 });
      let acked = 0;
      for (let round = 0; round < 6; round++) {
        const l = c.waitLeader(5000);
        for (let i = 0; i < 5; i++) {
          const r = c.node(l).propose(`s${seed}r${round}i${i}`);
          if (r.ok) acked++;
          c.tick(c.rng.int(0, 3));
          if (!c.member(l).up) break;
        }
        if (c.rng.next() < 0.5) {
          c.crash(l);
          c.tick(c.rng.int(5, 30));
          c.restart(l);
        } else {
          c.tick(10);
        }
      }
      c.tick(300);
      expect(c.violations, `seed ${seed}`).toEqual([]);
      const last = Math.max(...c.liveMembers().map((m) => m.sm.appliedIndex));
      expect(acked).toBeGreaterThan(0);
      for (const m of c.liveMembers()) expect(m.sm.appliedIndex, `seed ${seed} ${m.id}`).toBe(last);
    }
  });
});
