/**
 * Time axes and fault lanes, shared by the renderer's charts, the report's plots and the
 * space-time diagram, and by the SVGs an exported run carries: a frame mapping run time to
 * x, round-time ticks, axis maxima a person reads at once, and one labelled lane per fault.
 * Pure functions.
 */
import type { FaultKind, FaultPeriod } from './faults';

/** Frame maps run time in [from, to] to x in [0, width]. */
export interface Frame {
  from: number;
  to: number;
  width: number;
}

/** xOf maps a run time (ns) into the frame's x. */
export function xOf(f: Frame, t: number): number {
  const span = Math.max(1, f.to - f.from);
  return ((t - f.from) / span) * f.width;
}

/** niceCeil rounds up to 1, 2, 2.5 or 5 × a power of ten (an axis maximum a person reads at once). */
export function niceCeil(x: number): number {
  if (!(x > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(x)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x * (1 - 1e-9)) return m * p;
  return 10 * p;
}

/** TimeTick is one label on the time axis. */
export interface TimeTick {
  x: number;
  label: string;
}

const TICK_STEPS_S = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400, 43_200, 86_400];

/** formatRunTime renders run time as m:ss (or h:mm:ss). */
export function formatRunTime(tNs: number): string {
  const s = Math.max(0, Math.round(tNs / 1e9));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** timeTicks returns at most ~maxTicks round-time ticks inside the frame. */
export function timeTicks(f: Frame, maxTicks = 6): TimeTick[] {
  const spanS = Math.max(1e-9, (f.to - f.from) / 1e9);
  const step = TICK_STEPS_S.find((s) => spanS / s <= maxTicks) ?? TICK_STEPS_S[TICK_STEPS_S.length - 1]!;
  const out: TimeTick[] = [];
  for (let s = Math.ceil(f.from / 1e9 / step) * step; s * 1e9 <= f.to; s += step)
    out.push({ x: xOf(f, s * 1e9), label: formatRunTime(s * 1e9) });
  return out;
}

/** LaneSpan is one fault period drawn in its lane. */
export interface LaneSpan {
  x1: number;
  x2: number;
  /** open: still in force at the frame's right edge. */
  open: boolean;
  label: string;
}

/** Lane is one fault source (a node down, the partition, a link), with its periods in the frame. */
export interface Lane {
  lane: string;
  kind: FaultKind;
  spans: LaneSpan[];
}

/** faultLanes groups the periods overlapping the frame into one lane per fault, first begun first. */
export function faultLanes(f: Frame, periods: readonly FaultPeriod[], nowNs: number): Lane[] {
  const lanes = new Map<string, Lane>();
  for (const p of periods) {
    // Nothing after `now` is drawn: in a replay, the run's future is not known yet at the cursor.
    if (p.start > nowNs) continue;
    const end = Math.min(p.end ?? nowNs, nowNs);
    if (end < f.from || p.start > f.to) continue;
    let lane = lanes.get(p.lane);
    if (!lane) lanes.set(p.lane, (lane = { lane: p.lane, kind: p.kind, spans: [] }));
    const x1 = Math.max(0, xOf(f, p.start));
    // A fault that began and ended within one pixel is still drawn, one pixel wide.
    const x2 = Math.max(x1 + 1, Math.min(f.width, xOf(f, end)));
    lane.spans.push({ x1, x2, open: p.end === null || p.end > nowNs, label: p.label });
  }
  return [...lanes.values()];
}
