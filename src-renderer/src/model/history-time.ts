/**
 * The history view's time axis, two ways. Linear: x proportional to time. Stretched
 * (Porcupine's idea): every distinct invoke and completion time gets its own, evenly
 * spaced place, in time order — order is all a linearization depends on, so the quiet
 * stretches between operations shrink, and operations that overlap still overlap while
 * those that do not are drawn apart, however close in time. Times between two events (a
 * fault's start, the cursor) fall between their places.
 */

/** TimeMode names the two axes. */
export type TimeMode = 'linear' | 'stretched';

/** TimeScale maps run time (ns) to x (px) and back. */
export interface TimeScale {
  mode: TimeMode;
  from: number;
  to: number;
  width: number;
  x(t: number): number;
  /** t is x's inverse (a click's time). */
  t(x: number): number;
}

/** linearScale maps [from, to] onto [0, width]. */
export function linearScale(from: number, to: number, width: number): TimeScale {
  const span = Math.max(1, to - from);
  return {
    mode: 'linear',
    from,
    to,
    width,
    x: (t) => ((t - from) / span) * width,
    t: (x) => from + (x / Math.max(1, width)) * span,
  };
}

/** upper is the first position in sorted `a` whose value is > v. */
function upper(a: readonly number[], v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** interpolate maps v from the piecewise-linear knots (xs → ys, xs sorted, distinct), clamped at the ends. */
function interpolate(xs: readonly number[], ys: readonly number[], v: number): number {
  const n = xs.length;
  if (n === 0) return 0;
  if (v <= (xs[0] as number)) return ys[0] as number;
  if (v >= (xs[n - 1] as number)) return ys[n - 1] as number;
  const i = upper(xs, v) - 1;
  const x0 = xs[i] as number;
  const x1 = xs[i + 1] as number;
  const y0 = ys[i] as number;
  const y1 = ys[i + 1] as number;
  return y0 + ((v - x0) / (x1 - x0)) * (y1 - y0);
}

/**
 * stretchedScale places the distinct `times` inside [from, to] evenly across [0, width],
 * with `from` and `to` themselves as the first and last places (see the file comment).
 */
export function stretchedScale(times: Iterable<number>, from: number, to: number, width: number): TimeScale {
  const inside = new Set<number>([from, Math.max(from, to)]);
  for (const t of times) if (t > from && t < to) inside.add(t);
  const knots = [...inside].sort((a, b) => a - b);
  const step = knots.length > 1 ? width / (knots.length - 1) : 0;
  const places = knots.map((_, i) => i * step);
  if (knots.length === 1) {
    return { mode: 'stretched', from, to, width, x: () => 0, t: () => from };
  }
  return {
    mode: 'stretched',
    from,
    to,
    width,
    x: (t) => interpolate(knots, places, t),
    t: (x) => interpolate(places, knots, x),
  };
}

/** TimeTick is one label of the axis. */
export interface TimeTick {
  x: number;
  label: string;
}

/** secondsLabel writes a run time as seconds, with `digits` decimals (default: as many as the span needs). */
export function secondsLabel(tNs: number, spanNs: number, digits?: number): string {
  const d = digits ?? (spanNs < 5e6 ? 4 : spanNs < 5e7 ? 3 : spanNs < 5e8 ? 2 : 1);
  return `${(tNs / 1e9).toFixed(d)} s`;
}

/** niceStep is the 1, 2 or 5 × 10^k (ns) nearest above `raw`. */
export function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(Math.max(1, raw)));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * axisTicks labels the axis with about `count` ticks: on a linear axis at round times (1, 2
 * or 5 × 10^k ns apart); on a stretched one evenly in x, each with the time that falls there
 * (to the millisecond or finer, since neighbouring labels may be close in time).
 */
export function axisTicks(s: TimeScale, count = 6): TimeTick[] {
  const span = Math.max(1, s.to - s.from);
  if (s.mode === 'linear') {
    const step = niceStep(span / count);
    const digits = Math.max(0, Math.ceil(9 - Math.log10(step) - 1e-9));
    const out: TimeTick[] = [];
    for (let t = Math.ceil(s.from / step) * step; t <= s.to; t += step) {
      out.push({ x: s.x(t), label: secondsLabel(t, span, digits) });
    }
    return out;
  }
  const out: TimeTick[] = [];
  for (let i = 0; i <= count; i++) {
    const x = (i / count) * s.width;
    out.push({ x, label: secondsLabel(s.t(x), span, Math.max(3, span < 5e6 ? 4 : 3)) });
  }
  return out;
}
