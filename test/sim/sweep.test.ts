/**
 * A seeded sweep of random fault schedules (partitions, one-way cuts, loss, duplication,
 * long reordering, crashes, pauses, then a heal) over 3- and 5-node Raft clusters, with
 * every invariant checked. QUORUM_SIM_SEEDS=N widens it (default 500).
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src-main/sim/run';

const SEEDS = Math.max(1, Number(process.env.QUORUM_SIM_SEEDS ?? 500) || 500);

describe(`seeded sweep of ${SEEDS} random fault schedules`, () => {
  it('no seed violates an invariant', () => {
    const failures: string[] = [];
    let crashes = 0;
    let partitions = 0;
    let acknowledged = 0;
    let dropped = 0;
    for (let seed = 1; seed <= SEEDS; seed++) {
      const nodes = seed % 2 === 1 ? 5 : 3;
      const r = runSimulation({ seed, nodes, faultMs: 3000 });
      for (const f of r.schedule) {
        if (f.action.kind === 'crash') crashes++;
        if (f.action.kind === 'partition') partitions++;
      }
      acknowledged += r.stats.acknowledged;
      dropped += r.stats.dropped;
      if (r.violations.length > 0) {
        const v = r.violations[0]!;
        failures.push(
          `seed ${seed} (${r.violations.length} violations): [${v.invariant}] at ${Math.round(v.timeMs)} ms: ${v.description}\n` +
            `  reproduce: quorum-lab sim --seed ${seed} --nodes ${nodes} --duration 3 --log sim-${seed}.jsonl`,
        );
      }
    }
    expect(failures, failures.join('\n')).toEqual([]);
    // The sweep really exercised faults and load (else "no violations" says nothing).
    expect(crashes).toBeGreaterThan(SEEDS);
    expect(partitions).toBeGreaterThan(SEEDS / 2);
    expect(dropped).toBeGreaterThan(0);
    expect(acknowledged).toBeGreaterThan(SEEDS * 50);
  }, 300_000);
});
