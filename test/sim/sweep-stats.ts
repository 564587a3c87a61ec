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
  /** damaged: stores damaged by the schedule, by kind (hardstate, log-tail, file). */
  damaged: Record<string, number>;
  /** triggered: event-triggered faults that fired, by 'event:action'. */
  triggered: Record<string, number>;
  dropped: number;
  /** ok: completed operations by f (read, write, delete, cas, lock, renew, unlock, fenced-write). */
  ok: Record<string, number>;
  /** refused: completed `fail` operations by f (cas mismatches, held locks, stale tokens). */
  refused: Record<string, number>;
  /** indeterminate: operations that completed `info`. */
  indeterminate: number;
  checkedOps: number;
  /** wallMs: the sweep's wall time (printed by the tests; never asserted on). */
  wallMs: number;
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
    damaged: {},
    triggered: {},
    dropped: 0,
    ok: {},
    refused: {},
    indeterminate: 0,
    checkedOps: 0,
    wallMs: 0,
  };
}

const bump = (r: Record<string, number>, k: string, n = 1): void => {
  r[k] = (r[k] ?? 0) + n;
};

/** addResult counts one seed's result; `reproduce` is the command that replays it. */
export function addResult(s: SweepStats, r: SimResult, reproduce: string): void {
  s.seeds++;
  s.wallMs += r.stats.wallMs;
  for (const f of r.schedule) {
    const a = f.action;
    if (a.kind === 'crash') s.crashes++;
    else if (a.kind === 'partition') s.partitions++;
    else if (a.kind === 'pause') s.pauses++;
    else if (a.kind === 'disk' && a.ms !== null) s.slowDisks++;
    else if (a.kind === 'damage') bump(s.damaged, a.damage);
  }
  for (const [k, n] of Object.entries(r.stats.triggeredBy)) bump(s.triggered, k, n);
  s.dropped += r.stats.dropped;
  s.checkedOps += r.stats.checkedOps;
  for (const h of r.history) {
    if (h.type === 'ok') bump(s.ok, h.f);
    else if (h.type === 'fail') bump(s.refused, h.f);
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

/** total adds up a count's values. */
export function total(r: Record<string, number>): number {
  return Object.values(r).reduce((a, b) => a + b, 0);
}
