/**
 * The simulator has teeth: each mutant (sim/mutants.ts) breaks one rule, and a short
 * sweep of seeds finds a violation — where the same seed without the mutant is clean, so
 * it is the mutant, not the seed, that broke. Each window is the stretch of seeds, up to
 * the first one that catches the mutant, of `quorum-lab sim --seeds 1..2000 --nodes 5
 * --protocol P --mutant M` (the defaults: 5 simulated seconds of faults); that command
 * finds it on many more seeds.
 */
import { describe, expect, it } from 'vitest';
import type { ProtocolName } from '../../src-main/core/protocols';
import { MUTANT_NAMES, type MutantName } from '../../src-main/sim/mutants';
import { runSimulation, type SimResult } from '../../src-main/sim/run';

interface Case {
  mutant: MutantName;
  protocol: ProtocolName;
  /** seeds: the window swept, first to last. */
  seeds: [number, number];
  /** caughtBy: the checks that may catch it (the first violation's invariant must be one). */
  caughtBy: string[];
}

const CASES: Case[] = [
  { mutant: 'commit-old-term', protocol: 'raft', seeds: [1, 10], caughtBy: ['commit-rule'] },
  // Recovery trusts a ReadIndex answer too: without the heartbeat round a stale leader
  // can end a damaged node's recovery early, and a committed entry is lost.
  {
    mutant: 'read-no-heartbeat',
    protocol: 'raft',
    seeds: [43, 52],
    caughtBy: ['linearizability', 'leader-completeness', 'commit-agreement', 'state-machine-safety', 'durability'],
  },
  { mutant: 'sessions-off', protocol: 'raft', seeds: [1, 10], caughtBy: ['exactly-once', 'linearizability'] },
  { mutant: 'sessions-off', protocol: 'paxos', seeds: [1, 10], caughtBy: ['exactly-once', 'linearizability'] },
  {
    mutant: 'damaged-term-zero',
    protocol: 'raft',
    seeds: [41, 50],
    caughtBy: ['commit-agreement', 'leader-completeness', 'state-machine-safety', 'durability', 'linearizability'],
  },
  // A rebuilt node that votes too early may also vote twice in a term it forgot (election safety).
  {
    mutant: 'recover-unknown-target',
    protocol: 'raft',
    seeds: [30, 39],
    caughtBy: [
      'election-safety',
      'commit-agreement',
      'leader-completeness',
      'state-machine-safety',
      'durability',
      'linearizability',
    ],
  },
  {
    mutant: 'recover-unknown-target',
    protocol: 'paxos',
    seeds: [96, 105],
    caughtBy: ['commit-agreement', 'leader-completeness', 'state-machine-safety', 'durability', 'linearizability'],
  },
  { mutant: 'read-ids-restart', protocol: 'raft', seeds: [160, 169], caughtBy: ['linearizability'] },
  { mutant: 'read-ids-restart', protocol: 'paxos', seeds: [99, 108], caughtBy: ['linearizability'] },
  { mutant: 'paxos-scan-monotonic', protocol: 'paxos', seeds: [22, 31], caughtBy: ['liveness'] },
  // A liveness bug: only the probe after the heal writes anything new (liveness-probe.test.ts).
  { mutant: 'drop-after-heal', protocol: 'raft', seeds: [1, 10], caughtBy: ['liveness'] },
  { mutant: 'drop-after-heal', protocol: 'paxos', seeds: [1, 10], caughtBy: ['liveness'] },
];

/** sweep runs the window until a seed shows a violation; returns that run (null: none caught). */
function sweep(c: Case): SimResult | null {
  for (let seed = c.seeds[0]; seed <= c.seeds[1]; seed++) {
    const r = runSimulation({ seed, nodes: 5, protocol: c.protocol, mutant: c.mutant });
    if (r.violations.length > 0) return r;
  }
  return null;
}

describe('every mutant is caught by a short sweep', () => {
  it('the table covers every mutant', () => {
    expect(new Set(CASES.map((c) => c.mutant))).toEqual(new Set(MUTANT_NAMES));
  });

  it.each(CASES)('$mutant ($protocol) is caught within seeds $seeds', (c) => {
    const r = sweep(c);
    expect(r, `no violation in seeds ${c.seeds.join('..')}`).not.toBeNull();
    const first = r!.violations[0]!;
    expect(c.caughtBy, `seed ${r!.seed}: [${first.invariant}] ${first.description}`).toContain(first.invariant);
    // The same seed without the mutant is clean.
    const clean = runSimulation({ seed: r!.seed, nodes: 5, protocol: c.protocol });
    expect(clean.violations).toEqual([]);
    expect(clean.linearizable).toBe(true);
  });
});
