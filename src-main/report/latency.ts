/**
 * The latency scatter's points, bounded however long the run: the run is cut into time
 * slices (SAMPLE_SLICE_NS each until there are MAX_SLICES, then twice as wide, merging
 * neighbours), and each slice keeps at most PER_SLICE ok operations and PER_SLICE
 * failed-or-unknown ones — a reservoir sample driven by a hash of the operation's count,
 * so the same run gives the same picture — plus its slowest operation, so the tail is
 * always drawn. The sample holds at most MAX_SLICES × (2 × PER_SLICE + 1) points, and a
 * plot asks for at most MAX_DRAWN of them: each slice of its window gives an equal share
 * (failures first, then the slowest, then ok ones), so a short window is dense and a long
 * one stays light. Adding an operation is O(1); the legend says how many operations the
 * drawn points stand for.
 */
import type { HistoryOp, RunLogRecord } from '../api/contract';
import { num, str } from './fields';

/** Outcome is how an operation ended: ok, fail (certainly not applied) or unknown (may have). */
export type Outcome = 'ok' | 'fail' | 'unknown';

/** LatencyPoint is one operation on the scatter: invoked at t (ns), took ms, ended with outcome; f is its operation. */
export interface LatencyPoint {
  t: number;
  ms: number;
  outcome: Outcome;
  f: string;
}

/** SAMPLE_SLICE_NS is a slice's width until the run outgrows MAX_SLICES of them. */
export const SAMPLE_SLICE_NS = 1e9;
/** MAX_SLICES bounds the slices kept. */
export const MAX_SLICES = 200;
/** PER_SLICE bounds the ok (and, apart, the failed/unknown) points one slice keeps. */
export const PER_SLICE = 64;
/** MAX_POINTS is the most points a sample ever holds. */
export const MAX_POINTS = MAX_SLICES * (2 * PER_SLICE + 1);
/** MAX_DRAWN is the most points one plot draws. */
export const MAX_DRAWN = 4000;

interface Slice {
  ok: LatencyPoint[];
  bad: LatencyPoint[];
  okSeen: number;
  badSeen: number;
  slowest: LatencyPoint | null;
}

const emptySlice = (): Slice => ({ ok: [], bad: [], okSeen: 0, badSeen: 0, slowest: null });

/** mix is a 32-bit integer hash (deterministic stand-in for a random draw). */
function mix(x: number): number {
  let h = Math.imul(x ^ (x >>> 16), 0x45d9f3b);
  h = Math.imul(h ^ (h >>> 16), 0x45d9f3b);
  return (h ^ (h >>> 16)) >>> 0;
}

/** reservoir offers p as the seen-th item (1-based) of a stream to a sample of at most cap. */
function reservoir(sample: LatencyPoint[], seen: number, cap: number, p: LatencyPoint): void {
  if (sample.length < cap) {
    sample.push(p);
    return;
  }
  const j = mix(seen) % seen;
  if (j < cap) sample[j] = p;
}

/** LatencySample holds the scatter's bounded sample of a run (see the file comment). */
export class LatencySample {
  widthNs = SAMPLE_SLICE_NS;
  private slices: Slice[] = [];
  /** total: every operation added (the sample stands for this many). */
  total = 0;
  /** ops: the operation names seen, in order of first appearance (the legend's shapes). */
  readonly ops: string[] = [];

  /** add puts one completed operation in. */
  add(p: LatencyPoint): void {
    if (!(p.ms >= 0) || !Number.isFinite(p.t)) return;
    const s = this.slice(p.t);
    this.total++;
    if (!this.ops.includes(p.f) && this.ops.length < 16) this.ops.push(p.f);
    if (p.outcome === 'ok') reservoir(s.ok, ++s.okSeen, PER_SLICE, p);
    else reservoir(s.bad, ++s.badSeen, PER_SLICE, p);
    if (!s.slowest || p.ms > s.slowest.ms) s.slowest = p;
  }

  private slice(t: number): Slice {
    const at = Math.max(0, t);
    while (Math.floor(at / this.widthNs) >= MAX_SLICES) this.coarsen();
    const i = Math.floor(at / this.widthNs);
    while (this.slices.length <= i) this.slices.push(emptySlice());
    return this.slices[i]!;
  }

  /** coarsen doubles the slice width, merging neighbours and thinning each merged sample back to PER_SLICE. */
  private coarsen(): void {
    const out: Slice[] = [];
    for (let j = 0; j < this.slices.length; j += 2) {
      const a = this.slices[j]!;
      const b = this.slices[j + 1] ?? emptySlice();
      const slowest = !a.slowest || (b.slowest && b.slowest.ms > a.slowest.ms) ? b.slowest : a.slowest;
      out.push({
        ok: thin([...a.ok, ...b.ok]),
        bad: thin([...a.bad, ...b.bad]),
        okSeen: a.okSeen + b.okSeen,
        badSeen: a.badSeen + b.badSeen,
        slowest,
      });
    }
    this.slices = out;
    this.widthNs *= 2;
  }

  /**
   * points returns sampled points invoked in [fromNs, toNs], about `max` at most (each slice
   * of the window gives an equal share, at least 3): half to its failures, its slowest, the
   * rest to ok ones.
   */
  points(fromNs = 0, toNs = Infinity, max = MAX_DRAWN): LatencyPoint[] {
    const out: LatencyPoint[] = [];
    const first = Math.max(0, Math.floor(fromNs / this.widthNs));
    const last = Math.min(this.slices.length - 1, Math.floor(Math.min(toNs, 1e18) / this.widthNs));
    const share = Math.max(3, Math.floor(max / Math.max(1, last - first + 1)));
    const inside = (p: LatencyPoint): boolean => p.t >= fromNs && p.t <= toNs;
    for (let i = first; i <= last; i++) {
      const s = this.slices[i]!;
      const w = s.slowest && inside(s.slowest) ? s.slowest : null;
      const bad = s.bad.filter(inside);
      const ok = s.ok.filter((p) => inside(p) && p !== w);
      // Half the share for failures (more when the slice has few ok ones), the slowest, then ok ones.
      const badN = Math.min(bad.length, Math.max(Math.ceil(share / 2), share - ok.length));
      const slow = w && !bad.slice(0, badN).includes(w) ? [w] : [];
      out.push(...bad.slice(0, badN), ...slow, ...ok.slice(0, Math.max(0, share - badN - slow.length)));
    }
    return out;
  }
}

/** thin keeps every other point until at most PER_SLICE remain (both halves of a merge keep their share). */
function thin(xs: LatencyPoint[]): LatencyPoint[] {
  let out = xs;
  while (out.length > PER_SLICE) out = out.filter((_, i) => i % 2 === 0);
  return out;
}

/** outcomeOf maps a completion's Jepsen type (ok / fail / info) to its outcome. */
export function outcomeOf(type: string | null): Outcome {
  return type === 'ok' ? 'ok' : type === 'fail' ? 'fail' : 'unknown';
}

/** pointOfRecord reads a client-complete run-log record as a scatter point (null for other records). */
export function pointOfRecord(r: RunLogRecord): LatencyPoint | null {
  if (r.kind !== 'client-complete') return null;
  const ms = num(r, 'latencyMs');
  if (ms === null) return null;
  return { t: r.t - ms * 1e6, ms, outcome: outcomeOf(str(r, 'type')), f: str(r, 'f') ?? 'op' };
}

/** sampleHistory builds a sample from a Jepsen-style history: each invoke paired with its process's completion. */
export function sampleHistory(history: Iterable<HistoryOp>): LatencySample {
  const open = new Map<number, HistoryOp>();
  const s = new LatencySample();
  for (const op of history) {
    if (op.type === 'invoke') {
      open.set(op.process, op);
      continue;
    }
    const inv = open.get(op.process);
    if (!inv) continue;
    open.delete(op.process);
    s.add({ t: inv.time, ms: (op.time - inv.time) / 1e6, outcome: outcomeOf(op.type), f: inv.f });
  }
  return s;
}
