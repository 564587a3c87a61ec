/**
 * What the charts draw for one window of a run: throughput bars (ok, with failed stacked
 * on top), p50/p99 latency lines, a time axis, one lane per fault and the shared cursor,
 * all scaled to the window shown — read from a RunModel's buckets and fault periods.
 */
import type { RunLogRecord } from '../../../src-main/api/contract';
import {
  barsPath,
  faultLanes,
  formatRunTime,
  linePath,
  maxOf,
  niceCeil,
  timeTicks,
  xOf,
  type Frame,
  type Lane,
  type TimeTick,
} from './chart-layout';
import { groupLinkFaults } from '../../../src-main/api/fault-groups';
import { num } from './records';
import type { RunModel } from './run-model';
import type { Bucket } from './series';

/** clientLatencyMs returns a completed client operation's latency (a client-complete record), or null. */
export function clientLatencyMs(r: RunLogRecord): number | null {
  if (r.kind !== 'client-complete') return null;
  return num(r, 'latencyMs');
}

/** ChartSpan is how much of the run the charts show: the last minute, the last 5 minutes, or all of it. */
export type ChartSpan = 'minute' | 'five' | 'run';

/** SPAN_NS is each span's length (null = the whole run). */
export const SPAN_NS: Readonly<Record<ChartSpan, number | null>> = { minute: 60e9, five: 300e9, run: null };

/** AxisTick is one label of the charts' time axis (m:ss since the cluster started), with its tooltip. */
export interface AxisTick extends TimeTick {
  /** origin: the axis's first label — where the run began ("0:00"), or where the window starts once it has slid past that ("◂ 1:15"). */
  origin: boolean;
  title: string;
}

/** ORIGIN_ROOM is how far (px) right of a slid window's origin label a round tick must be to keep its own. */
const ORIGIN_ROOM = 40;

/**
 * originTicks gives the time axis its origin, so a newcomer can tell where the run began:
 * while the window starts where the run did, its first label is "0:00" and says it is the
 * start; once the window has slid past it (a run longer than the window), the left edge is
 * labelled "◂ 1:15" — the window starts 1:15 after the cluster started, earlier is off to
 * the left — and a round tick too close to it to read gives up its label.
 */
export function originTicks(frame: Frame, ticks: readonly TimeTick[]): AxisTick[] {
  const after = (t: TimeTick): AxisTick => ({ ...t, origin: false, title: `${t.label} after the cluster started` });
  if (frame.from <= 0) {
    return ticks.map((t, i) =>
      i === 0 && t.x === 0
        ? { ...t, origin: true, title: '0:00: the cluster started; the axis counts m:ss from here' }
        : after(t),
    );
  }
  const start = formatRunTime(frame.from);
  return [
    {
      x: 0,
      label: `◂ ${start}`,
      origin: true,
      title: `The window starts ${start} after the cluster started (0:00 is off to the left: "run" shows the whole run)`,
    },
    ...ticks.filter((t) => t.x >= ORIGIN_ROOM).map(after),
  ];
}

/** ChartData is everything the charts panel draws. */
export interface ChartData {
  frame: Frame;
  buckets: Bucket[];
  /** opsMax / latMax: the y axes' tops, rounded up from the window's largest value. */
  opsMax: number;
  latMax: number;
  okPath: string;
  failedPath: string;
  p50Path: string;
  p99Path: string;
  ticks: AxisTick[];
  lanes: Lane[];
  /** cursorX: the shared cursor's x, or null when it is not in the window. */
  cursorX: number | null;
  /** last: the newest complete bucket in the window (the legend's numbers). */
  last: Bucket | null;
  /** ops: the client operations completed in the window (0: the axes are empty, see emptyNote). */
  ops: number;
}

/**
 * emptyNote is what the charts say over empty axes (null when the window holds operations):
 * without it a newcomer sees "1 ops/s" on a flat line and cannot tell "no load" from "broken".
 * `opsInRun` counts the run's operations so far, to tell "nothing yet" from "nothing lately";
 * then `lastOpNs` (the newest completion's run time) says how long ago, and which of the
 * longer windows ending at `nowNs` would show it, so an empty chart does not look broken.
 * A replay (`replaying`) knows the whole run while the window ends at its cursor: its last
 * operation may still be ahead of the cursor, and nothing can be sent to a saved run.
 */
export function emptyNote(
  opsInWindow: number,
  opsInRun: number,
  lastOpNs: number | null = null,
  nowNs = 0,
  span: ChartSpan = 'run',
  replaying = false,
): string | null {
  if (opsInWindow > 0) return null;
  const send = replaying ? '' : ', or send a put or a load';
  if (opsInRun === 0)
    return replaying
      ? 'no client operations in this run'
      : 'no load yet — send a put in the console (put a 1) or start a load (load put 1000)';
  if (lastOpNs === null || lastOpNs < 0) return `no operations in this window — pick a longer one${send}`;
  // "0 s ago" would be false: the operations are later in the saved run than the cursor.
  if (lastOpNs > nowNs)
    return `no operations in this window; the run's last one is later, at ${formatRunTime(lastOpNs)} — move the cursor on or press Play`;
  const ago = `last operation ${formatAgo(nowNs - lastOpNs)} ${replaying ? 'before the cursor' : 'ago'}`;
  const wider: string[] = [];
  if (span === 'minute' && lastOpNs >= windowOf('five', nowNs).from) wider.push('5 min');
  if (span !== 'run') wider.push('run');
  return `${ago} — pick ${wider.join(' or ')} to see it${send}`;
}

/** formatAgo writes a duration in ns as "40 s", "1 min 40 s", "12 min" or "2 h 5 min". */
export function formatAgo(ns: number): string {
  const s = Math.max(0, Math.floor(ns / 1e9));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return s % 60 === 0 || min >= 10 ? `${min} min` : `${min} min ${s % 60} s`;
  const h = Math.floor(min / 60);
  return min % 60 === 0 ? `${h} h` : `${h} h ${min % 60} min`;
}

/** rate is a bucket's operations per second. */
export const rate = (b: Bucket, f: (b: Bucket) => number): number => f(b) / (b.widthNs / 1e9);

/** windowOf returns the time window a span shows, ending at nowNs. */
export function windowOf(span: ChartSpan, nowNs: number): { from: number; to: number } {
  const len = SPAN_NS[span];
  if (len === null) return { from: 0, to: Math.max(nowNs, 10e9) };
  // Early in a run the window starts at 0, so bars do not slide while the run is shorter than it.
  const to = Math.max(nowNs, len);
  return { from: to - len, to };
}

/** chartData lays out the charts for a window of `model` ending at nowNs, `width` × `height` units. */
export function chartData(
  model: RunModel,
  span: ChartSpan,
  nowNs: number,
  cursorNs: number | null,
  width: number,
  height: number,
): ChartData {
  const { from, to } = windowOf(span, nowNs);
  const frame: Frame = { from, to, width };
  // Buckets after `now` are not drawn: the present is the right edge of the data.
  const buckets = model.series.window(from, Math.min(to, nowNs), Math.max(30, Math.floor(width / 3)));
  const ok = (b: Bucket): number => rate(b, (x) => x.ok);
  const failed = (b: Bucket): number => rate(b, (x) => x.failed);
  const opsMax = niceCeil(maxOf(buckets, (b) => ok(b) + failed(b)));
  const latMax = niceCeil(maxOf(buckets, (b) => b.p99));
  const complete = buckets.filter((b) => b.t + b.widthNs <= nowNs);
  return {
    frame,
    buckets,
    opsMax,
    latMax,
    okPath: barsPath(frame, buckets, height, opsMax, ok),
    failedPath: barsPath(frame, buckets, height, opsMax, failed, ok),
    p50Path: linePath(frame, buckets, height, latMax, (b) => b.p50),
    p99Path: linePath(frame, buckets, height, latMax, (b) => b.p99),
    ticks: originTicks(frame, timeTicks(frame)),
    lanes: faultLanes(frame, groupLinkFaults(model.faults.overlapping(from, to)), nowNs),
    cursorX: cursorNs !== null && cursorNs >= from && cursorNs <= to ? xOf(frame, cursorNs) : null,
    last: complete[complete.length - 1] ?? null,
    ops: buckets.reduce((n, b) => n + b.ok + b.failed, 0),
  };
}
