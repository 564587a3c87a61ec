/**
 * A seeded sweep of random fault schedules over 3- and 5-node Raft clusters: partitions,
 * one-way cuts, loss, duplication, long reordering, crashes, pauses, slow disks, and
 * crashes or pauses of the leader triggered by events (just elected, commit just moved,
 * lease held), then a heal. Every invariant and commit rule is checked along the way, and
 * every seed's client history — reads through the leader and through followers, writes,
 * deletes, cas, locks and fenced writes — must be linearizable: an undecided history fails
 * the test as surely as a violation. QUORUM_SIM_SEEDS=N widens it (default 500).
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src-main/sim/run';
import { addResult, emptyStats } from './sweep-stats';

const SEEDS = Math.max(1, Number(process.env.QUORUM_SIM_SEEDS ?? 500) || 500);

describe(`seeded sweep of ${SEEDS} random fault schedules`, () => {
  it('no seed violates an invariant, and every history is linearizable', () => {
    const s = emptyStats();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const nodes = seed % 2 === 1 ? 5 : 3;
      const r = runSimulation({ seed, nodes, faultMs: 3000 });
      addResult(s, r, `quorum-lab sim --seed ${seed} --nodes ${nodes} --duration 3 --log sim-${seed}.jsonl`);
    }
    expect(s.failures, s.failures.join('\n')).toEqual([]);
    expect(s.unknown, `seeds the checker could not decide: ${s.unknown.join(', ')}`).toEqual([]);
    // The sweep really exercised faults and load (else "no violations" says nothing).
    expect(s.crashes).toBeGreaterThan(SEEDS / 2);
    expect(s.partitions).toBeGreaterThan(SEEDS / 2);
    expect(s.pauses).toBeGreaterThan(SEEDS / 4);
    expect(s.triggered).toBeGreaterThan(SEEDS / 2);
    expect(s.slowDisks).toBeGreaterThan(SEEDS / 10);
    expect(s.dropped).toBeGreaterThan(0);
    expect(s.checkedOps).toBeGreaterThan(SEEDS * 50);
    for (const f of ['read', 'write', 'delete', 'cas', 'lock', 'renew', 'unlock', 'fenced-write'])
      expect(s.ok[f] ?? 0, `acknowledged ${f}s`).toBeGreaterThan(SEEDS / 10);
    // Refusals a client can see: a cas that found another value, a lock held by someone else.
    expect(s.refused['cas'] ?? 0).toBeGreaterThan(SEEDS / 10);
    expect(s.refused['lock'] ?? 0).toBeGreaterThan(SEEDS / 10);
    // A holder whose lease lapsed, writing through its old token, is turned away by the fence.
    expect(s.refused['fenced-write'] ?? 0).toBeGreaterThan(0);
  }, 300_000);
});
