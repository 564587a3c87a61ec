/**
 * Membership changes in the simulator's fault mix, for both protocols: two spare nodes,
 * and about a third of the scheduled actions add a spare (as a learner, on an empty
 * disk), promote a learner, or remove a voter (often the leader), through the same core
 * calls the lab makes. Every seed must keep every safety invariant, elect a leader and
 * answer every client after the heal, and end with every member of the final
 * configuration on the same log; the same seed gives the same run.
 */
import { describe, expect, it } from 'vitest';
import { runSimulation, type SimResult } from '../../src-main/sim/run';

const SEEDS = Number(process.env.QUORUM_SIM_MEMBERSHIP_SEEDS ?? 60);

function changesIn(r: SimResult): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of r.log) {
    const m = /"kind":"member".*"change":"(\w+)".*"result":"index/.exec(line);
    if (m) out.set(m[1]!, (out.get(m[1]!) ?? 0) + 1);
  }
  return out;
}

describe.each(['raft', 'paxos'] as const)('simulated %s with membership changes in the fault mix', (protocol) => {
  it(`keeps every invariant over ${SEEDS} seeds, and changes membership every way`, () => {
    const total = new Map<string, number>();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const r = runSimulation({ seed, nodes: 3, protocol, faultMs: 5000, membership: true, log: true });
      expect(
        r.violations.map((v) => `${v.invariant}: ${v.description}`),
        `seed ${seed}: quorum-lab sim --seed ${seed} --nodes 3 --protocol ${protocol} --membership`,
      ).toEqual([]);
      for (const [k, n] of changesIn(r)) total.set(k, (total.get(k) ?? 0) + n);
    }
    for (const k of ['addLearner', 'promote', 'remove']) expect(total.get(k) ?? 0, k).toBeGreaterThan(SEEDS / 8);
  });

  it('the same seed gives the same run', () => {
    const a = runSimulation({ seed: 9, nodes: 3, protocol, faultMs: 3000, membership: true, log: true });
    const b = runSimulation({ seed: 9, nodes: 3, protocol, faultMs: 3000, membership: true, log: true });
    expect(changesIn(a).size).toBeGreaterThan(0);
    expect(b.log.join('\n')).toBe(a.log.join('\n'));
  });
});
