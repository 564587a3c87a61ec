/**
 * What a seeded sweep exercised, counted from its results, so a sweep test can prove it
 * did real work (a sweep with no faults or no reads that "finds nothing" proves nothing).
 */
import type { SimResult } from '../../src-main/sim/run';

/** SweepStats counts faults and client outcomes over a sweep. */
export interface SweepStats {
  seeds: number;
  failures: string[];
  unknown: number[];
  crashes: number;
  partitions: number;
  pauses: number;
  slowDisks: number;
  triggered: number;
  dropped: number;
  /** ok: completed operations by f (read, write, delete, cas, lock, renew, unlock, fenced-write). */
  ok: Record<string, number>;
  /** refused: completed `fail` operations by f (cas mismatches, held locks, stale tokens). */
  refused: Record<string, number>;
  /** indeterminate: operations that completed `info`. */
  indeterminate: number;
  checkedOps: number;
}

/** emptyStats starts a count. */
export function emptyStats(): SweepStats {
  return {
    seeds: 0,
    failures: [],
    unknown: [],
    crashes: 0,
    partitions: 0,
    pauses: 0,
    slowDisks: 0,
    triggered: 0,
    dropped: 0,
    ok: {},
    refused: {},
    indeterminate: 0,
    checkedOps: 0,
  };
}

/** addResult counts one seed's result; `reproduce` is the command that replays it. */
export function addResult(s: SweepStats, r: SimResult, reproduce: string): void {
  s.seeds++;
  for (const f of r.schedule) {
    const k = f.action.kind;
    if (k === 'crash') s.crashes++;
    else if (k === 'partition') s.partitions++;
    else if (k === 'pause') s.pauses++;
    else if (k === 'disk' && f.action.ms !== null) s.slowDisks++;
  }
  s.triggered += r.stats.triggered;
  s.dropped += r.stats.dropped;
  s.checkedOps += r.stats.checkedOps;
  for (const h of r.history) {
    if (h.type === 'ok') s.ok[h.f] = (s.ok[h.f] ?? 0) + 1;
    else if (h.type === 'fail') s.refused[h.f] = (s.refused[h.f] ?? 0) + 1;
    else if (h.type === 'info') s.indeterminate++;
  }
  if (r.linearizable === null) s.unknown.push(r.seed);
  if (r.violations.length > 0) {
    const v = r.violations[0]!;
    s.failures.push(
      `seed ${r.seed} (${r.violations.length} violations): [${v.invariant}] at ${Math.round(v.timeMs)} ms: ${v.description}\n` +
        `  reproduce: ${reproduce}`,
    );
  }
}
