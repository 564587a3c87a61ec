/**
 * The damage budget holds for every fault that damages a store, the composed `strand`
 * trigger included (triggers.ts): it crashes a minority and damages their stores at run
 * time, outside the schedule's drawn damage, so Cluster.damage is the one record of
 * damaged nodes both go through. With disk faults off (`sim --no-disk-faults`) no store is
 * ever damaged, and with them on no run damages more distinct nodes than a minority (a
 * majority of damaged stores can lose a committed entry for good — legitimately).
 */
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src-main/sim/run';
import type { RunLogRecord } from '../../src-main/api/contract';

/** STRANDED: seeds whose run fires a strand trigger (found by a scan; the test checks they still do). */
const STRANDED: Record<number, number[]> = { 3: [4, 7, 17, 20], 5: [4, 6, 7, 17, 25] };

function records(lines: string[]): RunLogRecord[] {
  return lines.map((l) => JSON.parse(l) as RunLogRecord);
}

describe('the damage budget and the strand trigger', () => {
  it.each([3, 5])('%i nodes, disk faults off: strand crashes nodes but damages no store', (nodes) => {
    for (const seed of STRANDED[nodes]!) {
      const r = runSimulation({ seed, nodes, diskFaults: false, faultMs: 3000, log: true, check: false });
      const log = records(r.log);
      expect(
        log.filter((x) => x.kind === 'trigger' && x.action === 'strand').length,
        `seed ${seed} strands`,
      ).toBeGreaterThan(0);
      expect(
        log.filter((x) => x.kind === 'damage'),
        `seed ${seed}`,
      ).toEqual([]);
      expect(r.violations, `seed ${seed}`).toEqual([]);
    }
  });

  it('5 nodes, disk faults on: strand and the schedule together damage at most two distinct nodes', () => {
    let strandRuns = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = runSimulation({ seed, nodes: 5, log: true, check: false, faultMs: 3000 });
      const log = records(r.log);
      if (log.some((x) => x.kind === 'trigger' && x.action === 'strand')) strandRuns++;
      const damaged = new Set(log.filter((x) => x.kind === 'damage').map((x) => x.node));
      expect(damaged.size, `seed ${seed}: ${[...damaged].join(', ')}`).toBeLessThanOrEqual(2);
    }
    expect(strandRuns).toBeGreaterThan(0);
  });
});
