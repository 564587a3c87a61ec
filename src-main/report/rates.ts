/**
 * Throughput over a run for the report: completed operations counted per time slice by
 * outcome (ok, fail, unknown), by completion time. One-second slices until there are
 * MAX_RATE_SLICES, then twice as wide (neighbours merged): O(1) per operation, bounded
 * memory, and the run's start is coarsened, never forgotten.
 */
import type { HistoryOp } from '../api/contract';
import { outcomeOf, type Outcome } from './latency';

/** RateColumn is one slice of the throughput plot. */
export interface RateColumn {
  t: number;
  widthNs: number;
  ok: number;
  fail: number;
  unknown: number;
}

/** MAX_RATE_SLICES bounds the slices kept (two hours of seconds). */
export const MAX_RATE_SLICES = 7200;

/** RateSeries counts completions per slice. */
export class RateSeries {
  widthNs = 1e9;
  private counts: [number, number, number][] = [];

  /** add counts one completion at run time tNs. */
  add(tNs: number, outcome: Outcome): void {
    const t = Number.isFinite(tNs) && tNs > 0 ? tNs : 0;
    while (Math.floor(t / this.widthNs) >= MAX_RATE_SLICES) this.coarsen();
    const i = Math.floor(t / this.widthNs);
    while (this.counts.length <= i) this.counts.push([0, 0, 0]);
    this.counts[i]![outcome === 'ok' ? 0 : outcome === 'fail' ? 1 : 2]++;
  }

  private coarsen(): void {
    const out: [number, number, number][] = [];
    for (let j = 0; j < this.counts.length; j += 2) {
      const a = this.counts[j]!;
      const b = this.counts[j + 1] ?? [0, 0, 0];
      out.push([a[0] + b[0], a[1] + b[1], a[2] + b[2]]);
    }
    this.counts = out;
    this.widthNs *= 2;
  }

  /** columns returns [fromNs, toNs) in at most maxColumns columns (slices merged as needed). */
  columns(fromNs: number, toNs: number, maxColumns = 240): RateColumn[] {
    const first = Math.max(0, Math.floor(fromNs / this.widthNs));
    const end = Math.max(first, Math.ceil(toNs / this.widthNs));
    const per = Math.max(1, Math.ceil((end - first) / Math.max(1, maxColumns)));
    const out: RateColumn[] = [];
    for (let s = first; s < end; s += per) {
      const c: RateColumn = {
        t: s * this.widthNs,
        widthNs: Math.min(per, end - s) * this.widthNs,
        ok: 0,
        fail: 0,
        unknown: 0,
      };
      for (let i = s; i < Math.min(end, s + per, this.counts.length); i++) {
        const x = this.counts[i]!;
        c.ok += x[0];
        c.fail += x[1];
        c.unknown += x[2];
      }
      out.push(c);
    }
    return out;
  }
}

/** ratesOfHistory counts a Jepsen-style history's completions. */
export function ratesOfHistory(history: Iterable<HistoryOp>): RateSeries {
  const s = new RateSeries();
  for (const op of history) if (op.type !== 'invoke') s.add(op.time, outcomeOf(op.type));
  return s;
}
