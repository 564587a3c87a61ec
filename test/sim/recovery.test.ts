/**
 * Recovery from a damaged store, as the simulator runs it (core/recovery's store and rules,
 * over the real host layers), in scripted scenarios that put a stale leader next to a
 * freshly restarted node: what the damaged node took from the stale leader must never be
 * counted — nor committed on the word of a leader whose view of it predates the damage.
 */
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src-main/core/kv/codec';
import type { DamageKind } from '../../src-main/core/recovery';
import { Cluster } from '../../src-main/sim/cluster';
import { installMutant, type MutantName } from '../../src-main/sim/mutants';

let seq = 0;
const put = (key: string, value: string): string =>
  encodeCommand({ client: 'script', seq: ++seq, now: 0, cmd: { op: 'put', key, value } });

function stableLeader(c: Cluster, not: string | null = null): string {
  expect(c.runUntilTrue(() => ![null, not].includes(c.stableLeader()), 20 * c.electionMs)).toBe(true);
  return c.stableLeader()!;
}

/**
 * strandScenario (3 Raft nodes): the leader L is paused and cut off; A is elected with B
 * and commits; B crashes, its store damaged, and restarts in a partition with L alone,
 * where L (still leading its old term) proposes and replicates to it; then the network
 * heals and A, which still believes B matches its log, reaches B.
 */
function strandScenario(kind: DamageKind): Cluster {
  seq = 0; // a fresh cluster: the script's session starts over
  const c = new Cluster({ seed: 11, nodes: 3 });
  const l = stableLeader(c);
  for (let i = 0; i < 5; i++) expect(c.propose(l, put('k', `old-${i}`)).ok).toBe(true);
  c.runFor(c.electionMs);
  const [a0, b] = c.ids.filter((id) => id !== l) as [string, string];
  c.pause(l);
  c.partition([[l], [a0, b]]);
  const a = stableLeader(c, l);
  for (let i = 0; i < 5; i++) expect(c.propose(a, put('k', `new-${i}`)).ok).toBe(true);
  c.runFor(c.electionMs / 3);
  expect(c.node(b).applied).toBe(c.node(a).applied);
  c.crash(b);
  expect(c.damage(b, kind)).toBe(true);
  c.restart(b);
  c.healNetwork();
  c.partition([[l, b], [a]]);
  c.resume(l);
  // L still leads its old term: it proposes, and the restarted B may take its entries.
  for (let i = 0; i < 3; i++) c.propose(l, put('k', `stale-${i}`));
  c.runFor(c.electionMs / 3);
  c.healNetwork();
  c.runFor(10 * c.electionMs);
  return c;
}

describe('a stale leader meets a node restarted with a damaged store', () => {
  it.each<DamageKind>(['file', 'hardstate', 'log-tail'])(
    '%s: nothing committed is overwritten, and the node recovers and converges',
    (kind) => {
      const c = strandScenario(kind);
      expect(c.violations).toEqual([]);
      const applied = c.nodes.map((n) => n.applied);
      expect(new Set(applied).size).toBe(1);
      expect(c.nodes.every((n) => !n.recovering)).toBe(true);
      const values = c.nodes.map((n) => n.sm!.get('k'));
      expect(values).toEqual(['new-4', 'new-4', 'new-4']);
    },
  );
});

describe('the same scenario with a recovery rule broken on purpose', () => {
  it.each<[MutantName, DamageKind]>([
    ['damaged-term-zero', 'hardstate'],
    ['recover-unknown-target', 'file'],
  ])('%s: the stale leader overwrites a committed entry (%s damage), and the checks say so', (mutant, kind) => {
    const undo = installMutant(mutant);
    try {
      const c = strandScenario(kind);
      expect(c.violations.map((v) => v.invariant)).toContain('commit-agreement');
    } finally {
      undo();
    }
  });
});
