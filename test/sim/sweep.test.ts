/**
 * A seeded sweep of random fault schedules over 3- and 5-node Raft clusters running the
 * node process's host layers: partitions, one-way cuts, loss, duplication, long
 * reordering, crashes (some damaging the store: the term/vote record, the log's tail, the
 * whole file), crash loops, power cuts, pauses, slow disks, and faults triggered by events
 * (a leader just elected, its commit just moved, its lease held and the leader stranded
 * among restarted nodes, a damaged node just recovered, a read just forwarded), then a
 * heal. Every invariant and commit rule is checked along the way, and every seed's client
 * history — reads through the leader and through followers, writes, deletes, cas, locks and
 * fenced writes — must be linearizable: an undecided history fails the test as surely as a
 * violation. QUORUM_SIM_SEEDS=N widens it (`quorum-lab sim --seeds` sweeps further).
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src-main/sim/run';
import { addResult, emptyStats, total } from './sweep-stats';

const SEEDS = Math.max(1, Number(process.env.QUORUM_SIM_SEEDS ?? 120) || 120);

describe(`seeded sweep of ${SEEDS} random fault schedules (Raft)`, () => {
  it('no seed violates an invariant, and every history is linearizable', () => {
    const s = emptyStats();
    for (let seed = 1; seed <= SEEDS; seed++) {
      const nodes = seed % 2 === 1 ? 5 : 3;
      // Frozen messages: a core that writes to a message it sent or received throws (the wire shares them).
      const r = runSimulation({ seed, nodes, faultMs: 3000, cluster: { messages: 'freeze' } });
      addResult(s, r, `quorum-lab sim --seed ${seed} --nodes ${nodes} --duration 3 --log sim-${seed}.jsonl`);
    }
    expect(s.failures, s.failures.join('\n')).toEqual([]);
    expect(s.unknown, `seeds the checker could not decide: ${s.unknown.join(', ')}`).toEqual([]);
    // The sweep really exercised faults and load (else "no violations" says nothing).
    expect(s.crashes).toBeGreaterThan(SEEDS / 2);
    expect(s.partitions).toBeGreaterThan(SEEDS / 2);
    expect(s.pauses).toBeGreaterThan(SEEDS / 4);
    expect(s.slowDisks).toBeGreaterThan(SEEDS / 10);
    expect(s.dropped).toBeGreaterThan(0);
    for (const kind of ['hardstate', 'log-tail', 'file'])
      expect(s.damaged[kind] ?? 0, `${kind} damage`).toBeGreaterThan(0);
    expect(total(s.triggered)).toBeGreaterThan(SEEDS / 2);
    for (const t of ['lease:pause', 'lease:strand', 'recovered:crash', 'read:bounce', 'elected:crash', 'commit:crash'])
      expect(s.triggered[t] ?? 0, `${t} triggers fired`).toBeGreaterThan(0);
    expect(s.checkedOps).toBeGreaterThan(SEEDS * 50);
    for (const f of ['read', 'write', 'delete', 'cas', 'lock', 'renew', 'unlock', 'fenced-write'])
      expect(s.ok[f] ?? 0, `acknowledged ${f}s`).toBeGreaterThan(SEEDS / 10);
    // Refusals a client can see: a cas that found another value, a lock held by someone else.
    expect(s.refused['cas'] ?? 0).toBeGreaterThan(SEEDS / 10);
    expect(s.refused['lock'] ?? 0).toBeGreaterThan(SEEDS / 10);
    // A holder whose lease lapsed, writing through its old token, is turned away by the fence.
    expect(s.refused['fenced-write'] ?? 0).toBeGreaterThan(0);
    console.log(`raft sweep: ${SEEDS} seeds in ${(s.wallMs / 1000).toFixed(1)} s of runs`);
  }, 300_000);
});
