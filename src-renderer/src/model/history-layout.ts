/**
 * The history view's drawing, as data: where each operation's bar goes (lane, x, width),
 * which label fits on it, the fault bands across every lane, the violation's window, the
 * linearization points and the lines joining them per key, the cursor, and the axis. The
 * component only turns this into SVG, so what a user sees can be tested without a browser.
 * Only the lanes in view get bars (a 64-client load has dozens of lanes); the lines and
 * bands are few and span them all.
 */
import type { FaultPeriod } from './faults';
import { assignLanes, type HistoryBar, type Lanes } from './history-ops';
import type { LinPoint, ViolationMarks } from './history-lin';
import { axisTicks, linearScale, stretchedScale, type TimeMode, type TimeScale, type TimeTick } from './history-time';

/** LANE_H: one lane's height (px); BAR_H: a bar's. */
export const LANE_H = 24;
export const BAR_H = 16;
/** CHAR_W: the width (px) of one label character at the view's font size. */
export const CHAR_W = 6.4;
/** MIN_BAR_W: the narrowest bar drawn (px), so an instant operation stays clickable. */
export const MIN_BAR_W = 3;

/** BarRole: how a bar takes part in the violation (culprit: could not be placed; window: in the window; seen: a write a read could have seen). */
export type BarRole = 'culprit' | 'window' | 'seen' | '';

/** BarBox is one drawn bar. */
export interface BarBox {
  index: number;
  key: string;
  lane: number;
  x: number;
  y: number;
  w: number;
  outcome: HistoryBar['outcome'];
  /** label: the label cut to fit (empty when nothing fits). */
  label: string;
  /** title: the whole story, for the tooltip. */
  title: string;
  role: BarRole;
  selected: boolean;
  /** open: the bar runs to the view's end (unknown outcome, or no answer yet). */
  open: boolean;
}

/** Band is one fault in force, drawn across every lane. */
export interface Band {
  x: number;
  w: number;
  label: string;
  kind: FaultPeriod['kind'];
}

/** LinLine is one key's linearization points, joined in order. */
export interface LinLine {
  id: string;
  points: { x: number; y: number; index: number }[];
}

/** HistoryLayout is everything the view draws. */
export interface HistoryLayout {
  scale: TimeScale;
  lanes: Lanes;
  height: number;
  boxes: BarBox[];
  bands: Band[];
  /** highlight: the violation's window (the smallest that cannot be ordered), across every lane. */
  highlight: { x: number; w: number } | null;
  lines: LinLine[];
  cursorX: number | null;
  ticks: TimeTick[];
}

/** LayoutInput is what the view knows. */
export interface LayoutInput {
  bars: readonly HistoryBar[];
  from: number;
  to: number;
  width: number;
  mode: TimeMode;
  faults: readonly FaultPeriod[];
  violation: ViolationMarks | null;
  points: ReadonlyMap<string, readonly LinPoint[]>;
  cursorT: number | null;
  selected: number | null;
  /** visible: the lanes in view [start, end) (default all). */
  visible?: { start: number; end: number };
}

/** fitLabel cuts a label to `px` pixels of text (empty when not even three characters fit). */
export function fitLabel(label: string, px: number): string {
  const n = Math.floor((px - 6) / CHAR_W);
  if (label.length <= n) return label;
  return n >= 3 ? `${label.slice(0, n - 1)}…` : '';
}

const OUTCOME_WORDS: Record<HistoryBar['outcome'], string> = {
  ok: 'ok',
  fail: 'failed (certainly did not happen)',
  unknown: 'unknown outcome (may take effect at any time after its call, or never)',
  running: 'no answer yet',
};

function titleOf(b: HistoryBar): string {
  const span =
    b.end !== null
      ? `${(b.start / 1e9).toFixed(4)} s → ${(b.end / 1e9).toFixed(4)} s (${((b.end - b.start) / 1e6).toFixed(2)} ms)`
      : `from ${(b.start / 1e9).toFixed(4)} s`;
  return `op ${b.index} · process ${b.process} · ${b.label} · ${OUTCOME_WORDS[b.outcome]} · ${span}`;
}

function roleOf(b: HistoryBar, v: ViolationMarks | null, seen: ReadonlySet<number>): BarRole {
  if (!v) return '';
  if (b.index === v.culprit) return 'culprit';
  if (seen.has(b.index)) return 'seen';
  return v.window.has(b.index) ? 'window' : '';
}

/** scaleOf builds the axis: linear, or stretched over the bars' own times. */
export function scaleOf(
  bars: readonly HistoryBar[],
  mode: TimeMode,
  from: number,
  to: number,
  width: number,
): TimeScale {
  if (mode === 'linear') return linearScale(from, to, width);
  const times: number[] = [];
  for (const b of bars) {
    times.push(b.start);
    if (b.end !== null) times.push(b.end);
  }
  return stretchedScale(times, from, to, width);
}

function bandsOf(faults: readonly FaultPeriod[], from: number, to: number, clampX: (t: number) => number): Band[] {
  return faults
    .filter((f) => f.start <= to && (f.end ?? Infinity) >= from)
    .map((f) => {
      const x = clampX(f.start);
      return { x, w: Math.max(2, clampX(f.end ?? to) - x), label: `${f.lane}: ${f.label}`, kind: f.kind };
    });
}

/** linesOf places each key's points on the lanes of the bars they belong to (points of bars not drawn are left out). */
function linesOf(
  points: ReadonlyMap<string, readonly LinPoint[]>,
  yOf: ReadonlyMap<number, number>,
  clampX: (t: number) => number,
): LinLine[] {
  const lines: LinLine[] = [];
  for (const [id, pts] of points) {
    const drawn = pts.flatMap((p) => {
      const y = yOf.get(p.index);
      return y === undefined ? [] : [{ x: clampX(p.t), y, index: p.index }];
    });
    if (drawn.length > 0) lines.push({ id, points: drawn });
  }
  return lines;
}

/** layoutHistory lays the view out (see the file comment). */
export function layoutHistory(input: LayoutInput): HistoryLayout {
  const { bars, from, to, width, violation } = input;
  const scale = scaleOf(bars, input.mode, from, to, width);
  const lanes = assignLanes(bars);
  const vis = input.visible ?? { start: 0, end: lanes.processes.length };
  const seen = new Set(violation ? violation.reads.flatMap((r) => r.seen.map((s) => s.index)) : []);
  const clampX = (t: number): number => Math.min(width, Math.max(0, scale.x(t)));
  const boxes: BarBox[] = [];
  const yOf = new Map<number, number>();
  for (const b of bars) {
    const lane = lanes.laneOf.get(b.process) as number;
    const y = lane * LANE_H + (LANE_H - BAR_H) / 2;
    yOf.set(b.index, y + BAR_H / 2);
    if (lane < vis.start || lane >= vis.end) continue;
    const x = clampX(b.start);
    const x2 = b.end === null ? width : clampX(b.end);
    const w = Math.max(MIN_BAR_W, x2 - x);
    boxes.push({
      index: b.index,
      key: b.key,
      lane,
      x,
      y,
      w,
      outcome: b.outcome,
      label: fitLabel(b.label, w),
      title: titleOf(b),
      role: roleOf(b, violation, seen),
      selected: b.index === input.selected,
      open: b.end === null,
    });
  }
  const bands = bandsOf(input.faults, from, to, clampX);
  let highlight: HistoryLayout['highlight'] = null;
  if (violation && violation.to >= from && violation.from <= to) {
    const x = clampX(violation.from);
    highlight = { x, w: Math.max(MIN_BAR_W, clampX(violation.to) - x) };
  }
  const lines = linesOf(input.points, yOf, clampX);
  const cursorX =
    input.cursorT !== null && input.cursorT >= from && input.cursorT <= to ? scale.x(input.cursorT) : null;
  return {
    scale,
    lanes,
    height: lanes.processes.length * LANE_H,
    boxes,
    bands,
    highlight,
    lines,
    cursorX,
    ticks: axisTicks(scale),
  };
}
