/**
 * The charts' geometry, as pure functions: bars and lines scaled to the visible window
 * (not to an old peak), latency lines broken where a second had no completed operation
 * (no line across a gap with no data). Time-axis ticks and fault lanes live in the report
 * module (src-main/report/axes.ts), shared with the exported run's SVGs.
 */
import { xOf, type Frame } from '../../../src-main/report/axes';
import type { Bucket } from './series';

export {
  faultLanes,
  formatRunTime,
  niceCeil,
  timeTicks,
  xOf,
  type Frame,
  type Lane,
  type LaneSpan,
  type TimeTick,
} from '../../../src-main/report/axes';

const r1 = (v: number): string => (Math.round(v * 10) / 10).toString();

/** barsPath draws one bar per bucket of height value(b)/max over `base(b)` (stacked bars), as one path. */
export function barsPath(
  f: Frame,
  buckets: readonly Bucket[],
  height: number,
  max: number,
  value: (b: Bucket) => number,
  base: (b: Bucket) => number = () => 0,
): string {
  let d = '';
  for (const b of buckets) {
    const v = value(b);
    if (v <= 0) continue;
    const x1 = Math.max(0, xOf(f, b.t));
    const x2 = Math.min(f.width, xOf(f, b.t + b.widthNs));
    // A hair of space between bars so neighbouring seconds read as separate bars.
    const w = Math.max(0.5, x2 - x1 - Math.min(1, (x2 - x1) * 0.15));
    const y0 = height - (base(b) / max) * height;
    const y1 = height - ((base(b) + v) / max) * height;
    d += `M${r1(x1)},${r1(y0)}V${r1(y1)}H${r1(x1 + w)}V${r1(y0)}Z`;
  }
  return d;
}

/**
 * linePath draws value(b)/max through the buckets' middles, starting a new segment after a
 * bucket with no value (null), so a gap in the data is a gap in the line. A lone point is
 * drawn as a short dash.
 */
export function linePath(
  f: Frame,
  buckets: readonly Bucket[],
  height: number,
  max: number,
  value: (b: Bucket) => number | null,
): string {
  let d = '';
  let run = 0;
  for (const b of buckets) {
    const v = value(b);
    if (v === null) {
      if (run === 1) d += 'h0.1';
      run = 0;
      continue;
    }
    const x = xOf(f, b.t + b.widthNs / 2);
    const y = height - (Math.min(v, max) / max) * (height - 2) - 1;
    d += `${run === 0 ? 'M' : 'L'}${r1(x)},${r1(y)}`;
    run++;
  }
  return d;
}

/** maxOf returns the largest value(b) over the buckets (0 if none). */
export function maxOf(buckets: readonly Bucket[], value: (b: Bucket) => number | null): number {
  let m = 0;
  for (const b of buckets) {
    const v = value(b);
    if (v !== null && v > m) m = v;
  }
  return m;
}
