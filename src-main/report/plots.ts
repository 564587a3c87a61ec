/**
 * The report's plots as standalone SVG text, after Jepsen's: a latency scatter (log-scale
 * y; colour = outcome ok / fail / unknown; shape = operation) and throughput over time
 * (stacked ok / fail / unknown bars), both with the run's faults drawn as translucent
 * bands behind the points and bars (one band per kind of fault, however many overlap) and
 * as labelled lanes beneath the plot, one lane per fault (a node down, the partition, a
 * link). The renderer shows the same text in its Report tab and the run export writes it
 * as latency.svg and throughput.svg. Pure functions; every label
 * is escaped; the element count is bounded (points grouped into one path per outcome and
 * shape, at most MAX_LANES lanes).
 */
import { faultLanes, formatRunTime, niceCeil, timeTicks, xOf, type Frame, type Lane } from './axes';
import type { FaultPeriod } from './faults';
import { CHAR_PX } from './spacetime-scene';
import type { LatencyPoint, Outcome } from './latency';
import type { RateColumn } from './rates';
import { esc, PALETTES, r1, svgOpen, text, type Palette, type Theme } from './xml';

/** PlotInput is what both plots take: the window of run time, the faults, the size and theme. */
export interface PlotInput {
  width: number;
  height: number;
  /** from / to: the window of run time drawn (ns); now: the newest moment (nothing after it is drawn). */
  from: number;
  to: number;
  now: number;
  faults: readonly FaultPeriod[];
  theme?: Theme;
  /** cursor: the shared time cursor (ns), drawn as a line; null/absent when none. */
  cursor?: number | null;
  title?: string;
}

/** LatencyPlotInput adds the scatter's points (a bounded sample) and how many operations they stand for. */
export interface LatencyPlotInput extends PlotInput {
  points: readonly LatencyPoint[];
  /** total: operations in the run the sample was taken from (the legend says so when it is more than drawn). */
  total?: number;
}

/** ThroughputPlotInput adds the per-slice completion counts. */
export interface ThroughputPlotInput extends PlotInput {
  columns: readonly RateColumn[];
}

/** MAX_LANES bounds the fault lanes drawn under a plot (the rest are counted in the legend). */
export const MAX_LANES = 6;
const PAD_L = 44;
const PAD_R = 8;
const TOP = 16;
const AXIS = 13;
const LANE = 12;
const LEGEND = 14;

/** Box is a plot's geometry. */
interface Box {
  frame: Frame;
  x0: number;
  top: number;
  h: number;
  lanes: Lane[];
  hiddenLanes: number;
  pal: Palette;
}

/** plotTimeAt returns the run time under x in a plot of `width` showing [from, to] (clamped to it). */
export function plotTimeAt(width: number, from: number, to: number, x: number): number {
  const w = Math.max(60, width - PAD_L - PAD_R);
  return from + Math.max(0, Math.min(1, (x - PAD_L) / w)) * (to - from);
}

function boxOf(i: PlotInput): Box {
  const pal = PALETTES[i.theme ?? 'dark'];
  const w = Math.max(60, i.width - PAD_L - PAD_R);
  const frame: Frame = { from: i.from, to: i.to, width: w };
  const all = faultLanes(frame, i.faults, i.now);
  const lanes = all.slice(0, MAX_LANES);
  const h = Math.max(30, i.height - TOP - AXIS - lanes.length * LANE - LEGEND);
  return { frame, x0: PAD_L, top: TOP, h, lanes, hiddenLanes: all.length - lanes.length, pal };
}

const OUTCOMES: readonly Outcome[] = ['ok', 'fail', 'unknown'];
const colourOf = (pal: Palette, o: Outcome): string => (o === 'ok' ? pal.ok : o === 'fail' ? pal.fail : pal.unknown);

/** BAND_OPACITY is a fault band's fill opacity: light enough that points and bars read through it. */
export const BAND_OPACITY = 0.12;

/** bandsByKind merges the lanes' spans, per fault kind, into disjoint [x1, x2] intervals in x order. */
export function bandsByKind(lanes: readonly Lane[]): Map<string, [number, number][]> {
  const byKind = new Map<string, [number, number][]>();
  for (const lane of lanes) {
    const list = byKind.get(lane.kind) ?? [];
    for (const s of lane.spans) list.push([s.x1, s.x2]);
    byKind.set(lane.kind, list);
  }
  for (const [kind, list] of byKind) {
    list.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const merged: [number, number][] = [];
    for (const [x1, x2] of list) {
      const last = merged[merged.length - 1];
      if (last && x1 <= last[1]) last[1] = Math.max(last[1], x2);
      else merged.push([x1, x2]);
    }
    byKind.set(kind, merged);
  }
  return byKind;
}

/** frameParts draws what both plots share: background, title, fault bands, time axis, lanes, cursor. */
function frameParts(i: PlotInput, b: Box): { under: string; over: string } {
  const { pal, frame, x0, top, h } = b;
  let under = `<rect width="100%" height="100%" fill="${pal.bg}"/>`;
  under += `<rect x="${x0}" y="${top}" width="${r1(frame.width)}" height="${r1(h)}" fill="${pal.plot}"/>`;
  if (i.title) under += text(4, 11, i.title, pal.text, ' font-weight="600"');
  // Bands first, so points and bars draw over them; one band per kind over the union of its
  // faults' spans, so that many faults at once (a partition's links) do not stack into an
  // opaque block that points cannot be seen through.
  for (const [kind, spans] of bandsByKind(b.lanes)) {
    const fill = pal.kinds[kind] ?? pal.fail;
    for (const [x1, x2] of spans)
      under += `<rect class="fault-band" data-kind="${esc(kind)}" x="${r1(x0 + x1)}" y="${top}" width="${r1(x2 - x1)}" height="${r1(h)}" fill="${fill}" fill-opacity="${BAND_OPACITY}"/>`;
  }
  let over = '';
  const axisY = top + h;
  for (const tk of timeTicks(frame)) {
    over += `<line x1="${r1(x0 + tk.x)}" x2="${r1(x0 + tk.x)}" y1="${top}" y2="${r1(axisY)}" stroke="${pal.grid}"/>`;
    const anchor = tk.x < 14 ? 'start' : tk.x > frame.width - 14 ? 'end' : 'middle';
    over += text(x0 + tk.x, axisY + 10, tk.label, pal.muted, ` text-anchor="${anchor}"`);
  }
  b.lanes.forEach((lane, k) => {
    const y = axisY + AXIS + k * LANE;
    const fill = pal.kinds[lane.kind] ?? pal.fail;
    let g = `<g class="fault-lane" data-lane="${esc(lane.lane)}">`;
    for (const s of lane.spans)
      g +=
        `<rect x="${r1(x0 + s.x1)}" y="${r1(y + 1)}" width="${r1(s.x2 - s.x1)}" height="${LANE - 2}" rx="2" fill="${fill}" fill-opacity="0.45">` +
        `<title>${esc(`${lane.lane}: ${s.label}${s.open ? ' (still in force)' : ''}`)}</title></rect>`;
    const first = lane.spans[0];
    const label = first && lane.kind !== 'down' && lane.kind !== 'paused' ? `${lane.lane} · ${first.label}` : lane.lane;
    g += laneLabel(fitLabel(label, x0 + Math.max(0, first?.x1 ?? 0) + 2, x0, i.width - PAD_R), y + 9, pal.lane);
    over += g + '</g>';
  });
  if (i.cursor !== null && i.cursor !== undefined && i.cursor >= frame.from && i.cursor <= frame.to) {
    const x = x0 + xOf(frame, i.cursor);
    over += `<line class="cursor" x1="${r1(x)}" x2="${r1(x)}" y1="${top}" y2="${r1(axisY + AXIS + b.lanes.length * LANE)}" stroke="${pal.cursor}" stroke-dasharray="3 2"/>`;
  }
  return { under, over };
}

/** FittedLabel is a lane label placed to stay inside the plot: where it starts, what is shown, the full text. */
export interface FittedLabel {
  x: number;
  shown: string;
  full: string;
}

/**
 * fitLabel places `label`, wanted at `x`, inside [left, right]: moved left when its estimated
 * width (CHAR_PX a character at the plots' 10 px font) would run past `right`, and cut with an
 * ellipsis when even starting at `left` it is too long.
 */
export function fitLabel(label: string, x: number, left: number, right: number): FittedLabel {
  // Code points, not UTF-16 units: "↔" and "·" are one character on screen.
  const chars = Array.from(label);
  const w = chars.length * CHAR_PX;
  const at = Math.max(left, Math.min(x, right - w));
  if (at + w <= right) return { x: at, shown: label, full: label };
  const fit = Math.max(0, Math.floor((right - at) / CHAR_PX) - 1);
  return { x: at, shown: `${chars.slice(0, fit).join('').trimEnd()}…`, full: label };
}

/** laneLabel writes a fitted lane label; a cut one carries its full text as a <title> (a tooltip). */
function laneLabel(f: FittedLabel, y: number, fill: string): string {
  if (f.shown === f.full) return text(f.x, y, f.shown, fill);
  return `<text x="${r1(f.x)}" y="${r1(y)}" fill="${fill}"><title>${esc(f.full)}</title>${esc(f.shown)}</text>`;
}

/** legendY is where the legend row sits. */
const legendY = (b: Box): number => b.top + b.h + AXIS + b.lanes.length * LANE + 10;

// ----- the latency scatter ----------------------------------------------------------------

/** Shape names a marker. */
type Shape = 'circle' | 'triangle' | 'square' | 'diamond' | 'plus' | 'cross';
const SHAPES: readonly Shape[] = ['circle', 'triangle', 'square', 'diamond', 'plus', 'cross'];
const KNOWN_SHAPES: Record<string, Shape> = {
  write: 'circle',
  read: 'triangle',
  cas: 'square',
  delete: 'diamond',
  lock: 'plus',
  renew: 'plus',
  unlock: 'cross',
  'fenced-write': 'square',
};
const GLYPH: Record<Shape, string> = { circle: '●', triangle: '▲', square: '■', diamond: '◆', plus: '+', cross: '×' };

/** shapeOf is operation f's marker: fixed for the lab's operations, otherwise by order of first appearance. */
export function shapeOf(f: string, ops: readonly string[]): Shape {
  return KNOWN_SHAPES[f] ?? SHAPES[Math.max(0, ops.indexOf(f)) % SHAPES.length]!;
}

function marker(shape: Shape, x: number, y: number, r: number): string {
  const [X, Y, R, D] = [r1(x), r1(y), r1(r), r1(2 * r)];
  switch (shape) {
    case 'circle':
      return `M${r1(x - r)},${Y}a${R},${R} 0 1,0 ${D},0a${R},${R} 0 1,0 -${D},0`;
    case 'triangle':
      return `M${X},${r1(y - r)}L${r1(x + r)},${r1(y + r)}L${r1(x - r)},${r1(y + r)}Z`;
    case 'square':
      return `M${r1(x - r)},${r1(y - r)}h${D}v${D}h-${D}Z`;
    case 'diamond':
      return `M${X},${r1(y - r)}L${r1(x + r)},${Y}L${X},${r1(y + r)}L${r1(x - r)},${Y}Z`;
    case 'plus':
      return `M${r1(x - r)},${Y}H${r1(x + r)}M${X},${r1(y - r)}V${r1(y + r)}`;
    case 'cross':
      return `M${r1(x - r)},${r1(y - r)}L${r1(x + r)},${r1(y + r)}M${r1(x + r)},${r1(y - r)}L${r1(x - r)},${r1(y + r)}`;
  }
}

/** LogAxis maps latency (ms) to y on a log scale between two powers of ten. */
interface LogAxis {
  lo: number;
  hi: number;
  y(ms: number): number;
}

function logAxis(points: readonly LatencyPoint[], top: number, h: number): LogAxis {
  let min = Infinity;
  let max = 0;
  for (const p of points) {
    if (p.ms > 0 && p.ms < min) min = p.ms;
    if (p.ms > max) max = p.ms;
  }
  const lo = Math.pow(10, Math.floor(Math.log10(Number.isFinite(min) ? Math.max(min, 0.01) : 0.1)));
  const hi = Math.max(lo * 10, Math.pow(10, Math.ceil(Math.log10(Math.max(max, lo * 10)))));
  const span = Math.log10(hi) - Math.log10(lo);
  return {
    lo,
    hi,
    y: (ms) => top + h - ((Math.log10(Math.min(hi, Math.max(lo, ms))) - Math.log10(lo)) / span) * h,
  };
}

const msLabel = (ms: number): string => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);

/** opsOf lists the operations among the points, the lab's own first, in a stable order. */
function opsOf(points: readonly LatencyPoint[]): string[] {
  const seen = new Set<string>();
  for (const p of points) if (seen.size < 16) seen.add(p.f);
  const known = Object.keys(KNOWN_SHAPES);
  const rank = (f: string): number => (known.includes(f) ? known.indexOf(f) : known.length);
  return [...seen].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** latencySvg draws the latency scatter (see the file comment). */
export function latencySvg(i: LatencyPlotInput): string {
  const b = boxOf(i);
  const { pal, frame, x0, top, h } = b;
  const parts = frameParts(i, b);
  let s = svgOpen(i.width, i.height, i.title ?? 'Latency of client operations') + parts.under;
  const inWindow = i.points.filter((p) => p.t >= frame.from && p.t <= Math.min(frame.to, i.now));
  const axis = logAxis(inWindow, top, h);
  for (let v = axis.lo; v <= axis.hi * 1.0001; v *= 10) {
    const y = axis.y(v);
    s += `<line x1="${x0}" x2="${r1(x0 + frame.width)}" y1="${r1(y)}" y2="${r1(y)}" stroke="${pal.grid}"/>`;
    s += text(x0 - 3, y + 3, msLabel(Number(v.toPrecision(1))), pal.muted, ' text-anchor="end"');
  }
  const ops = opsOf(inWindow);
  // One path per (outcome, shape): a few elements however many points.
  const paths = new Map<string, string>();
  for (const p of inWindow) {
    const shape = shapeOf(p.f, ops);
    const key = `${p.outcome} ${shape}`;
    paths.set(key, (paths.get(key) ?? '') + marker(shape, x0 + xOf(frame, p.t), axis.y(p.ms), 2.4));
  }
  for (const o of OUTCOMES)
    for (const sh of SHAPES) {
      const d = paths.get(`${o} ${sh}`);
      if (!d) continue;
      const c = colourOf(pal, o);
      s += `<path class="points ${o} ${sh}" d="${d}" fill="${c}" fill-opacity="0.55" stroke="${c}" stroke-width="0.8"/>`;
    }
  if (inWindow.length === 0) s += text(x0 + 8, top + h / 2, 'no completed operations in this window', pal.muted);
  s += parts.over;
  const legend = [
    ...OUTCOMES.map((o) => `<tspan fill="${colourOf(pal, o)}">■</tspan> ${o}`),
    ...ops.map((f) => `${GLYPH[shapeOf(f, ops)]} ${esc(f)}`),
  ].join('  ');
  const note =
    i.total !== undefined && i.total > inWindow.length ? ` · ${inWindow.length} of ${i.total} ops drawn (sampled)` : '';
  const hidden = b.hiddenLanes > 0 ? ` · ${b.hiddenLanes} more faults` : '';
  s += `<text x="4" y="${r1(legendY(b))}" fill="${pal.muted}">${legend}${esc(note + hidden)}</text>`;
  return s + '</svg>';
}

// ----- throughput -----------------------------------------------------------------------------

/** throughputSvg draws completions per second, stacked ok / fail / unknown (see the file comment). */
export function throughputSvg(i: ThroughputPlotInput): string {
  const b = boxOf(i);
  const { pal, frame, x0, top, h } = b;
  const parts = frameParts(i, b);
  let s = svgOpen(i.width, i.height, i.title ?? 'Throughput of client operations') + parts.under;
  const cols = i.columns.filter((c) => c.t < Math.min(frame.to, i.now) && c.t + c.widthNs > frame.from);
  const rate = (c: RateColumn, n: number): number => n / (c.widthNs / 1e9);
  let max = 0;
  for (const c of cols) max = Math.max(max, rate(c, c.ok + c.fail + c.unknown));
  const top1 = niceCeil(max);
  for (const v of [top1 / 2, top1]) {
    const y = top + h - (v / top1) * h;
    s += `<line x1="${x0}" x2="${r1(x0 + frame.width)}" y1="${r1(y)}" y2="${r1(y)}" stroke="${pal.grid}"/>`;
    s += text(x0 - 3, y + 3, `${v}/s`, pal.muted, ' text-anchor="end"');
  }
  const d: Record<Outcome, string> = { ok: '', fail: '', unknown: '' };
  for (const c of cols) {
    const xa = x0 + Math.max(0, xOf(frame, c.t));
    const xb = x0 + Math.min(frame.width, xOf(frame, c.t + c.widthNs));
    const w = Math.max(0.5, xb - xa - Math.min(1, (xb - xa) * 0.15));
    let base = 0;
    for (const o of OUTCOMES) {
      const v = rate(c, c[o]);
      if (v <= 0) continue;
      const y0 = top + h - (base / top1) * h;
      const y1 = top + h - ((base + v) / top1) * h;
      d[o] += `M${r1(xa)},${r1(y0)}V${r1(y1)}H${r1(xa + w)}V${r1(y0)}Z`;
      base += v;
    }
  }
  for (const o of OUTCOMES) if (d[o]) s += `<path class="bars ${o}" d="${d[o]}" fill="${colourOf(pal, o)}"/>`;
  if (max === 0) s += text(x0 + 8, top + h / 2, 'no completed operations in this window', pal.muted);
  s += parts.over;
  const last = cols[cols.length - 1];
  const lastRate = last ? ` · last ${formatRunTime(last.t)}: ${Math.round(rate(last, last.ok))} ok/s` : '';
  const hidden = b.hiddenLanes > 0 ? ` · ${b.hiddenLanes} more faults` : '';
  const legend = OUTCOMES.map((o) => `<tspan fill="${colourOf(pal, o)}">■</tspan> ${o}`).join('  ');
  s += `<text x="4" y="${r1(legendY(b))}" fill="${pal.muted}">${legend}${esc(lastRate + hidden)}</text>`;
  return s + '</svg>';
}
