/**
 * The space-time diagram's layout: from a MessageLog and a view (a window of run time, a
 * size, an orientation), the shapes to draw — one lane per node, one arrow per message from
 * its send to its delivery, dropped messages ending part-way in an ✕ with the rule that
 * dropped them, duplicates marked, heartbeats folded into a count per interval, node events
 * as marks on the lanes, partitions as bands, the shared cursor as a line. The canvas in the
 * renderer and the SVG of an export (spacetime-svg.ts) both draw this scene, so what is
 * tested here is what a person sees.
 *
 * The scene is bounded whatever the log holds: when a window has more messages than fit
 * (maxArrows), it switches to density — per lane, per few-pixel column, how many messages
 * were sent and dropped — and says "zoom in"; labels are placed only where they do not
 * overlap (at most MAX_LABELS); marks are at most one per lane per MARK_PX column.
 */
import { formatRunTime, type Frame, xOf } from './axes';
import {
  DELIVERED,
  DROPPED,
  F_DROP_IN_FLIGHT,
  F_DUP,
  F_GRANTED,
  F_REFUSED,
  HEARTBEAT,
  MESSAGE_KINDS,
  type MessageLog,
  type NodeEvent,
  type NodeEventKind,
} from './message-log';
import {
  CELL_PX,
  FOLD_PX,
  MARK_PX,
  MAX_ARROWS,
  type Arrow,
  type Band,
  type DiagramView,
  type Fold,
  type LaneGeom,
  type Mark,
  type Scene,
} from './spacetime-scene';

import { placeLabels } from './spacetime-labels';

// The scene's types and bounds, and pointer hit-testing, live beside this file; importers keep importing them from here.
export * from './spacetime-scene';
export { hitTest, timeAt, type Hit } from './spacetime-hit';

const MARGIN = { horizontal: { l: 34, t: 6, r: 6, b: 16 }, vertical: { l: 46, t: 18, r: 6, b: 4 } } as const;
const ROLE_PRIORITY: Record<NodeEventKind, number> = {
  crash: 6,
  restart: 5,
  pause: 5,
  resume: 5,
  role: 4,
  term: 2,
  commit: 1,
};

/** naturalOrder sorts node ids so that n2 comes before n10. */
export function naturalOrder(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

/** Geometry maps run time and lanes to the view's coordinates. */
interface Geometry {
  plot: Scene['plot'];
  frame: Frame;
  horizontal: boolean;
  lane: Map<string, number>;
  nodes: readonly string[];
  laneCount: number;
  /** at: the point of time t on lane coordinate l (a fractional lane index). */
  at(t: number, l: number): [number, number];
  timePos(t: number): number;
}

function geometry(v: DiagramView, nodes: readonly string[]): Geometry {
  const m = MARGIN[v.orientation];
  const plot = { x: m.l, y: m.t, w: Math.max(20, v.width - m.l - m.r), h: Math.max(20, v.height - m.t - m.b) };
  const horizontal = v.orientation === 'horizontal';
  const frame: Frame = { from: v.from, to: v.to, width: horizontal ? plot.w : plot.h };
  const n = Math.max(1, nodes.length);
  const laneLen = horizontal ? plot.h : plot.w;
  const lanePos = (l: number): number => (laneLen * (l + 0.5)) / n;
  const timePos = (t: number): number => xOf(frame, t);
  return {
    plot,
    frame,
    horizontal,
    lane: new Map(nodes.map((id, i) => [id, i])),
    nodes,
    laneCount: n,
    timePos,
    at: (t, l) =>
      horizontal ? [plot.x + timePos(t), plot.y + lanePos(l)] : [plot.x + lanePos(l), plot.y + timePos(t)],
  };
}

/** layoutDiagram builds the scene of `log` for `view` (see the file comment). */
export function layoutDiagram(log: MessageLog, view: DiagramView): Scene {
  const nodes = view.nodes ? [...view.nodes] : [...log.nodes].sort(naturalOrder);
  const g = geometry(view, nodes);
  const pxPerNs = g.frame.width / Math.max(1, view.to - view.from);
  const maxArrows = Math.min(MAX_ARROWS, view.maxArrows ?? Math.max(60, Math.round(g.frame.width * 1.5)));
  const scene: Scene = {
    view,
    plot: g.plot,
    lanes: lanesOf(g, nodes, view),
    mode: 'arrows',
    arrows: [],
    folds: [],
    cells: [],
    marks: [],
    bands: bandsOf(g, view),
    ticks: ticksOf(g),
    cursor: null,
    counts: { messages: 0, dropped: 0, heartbeats: 0, arrows: 0 },
    labels: { shown: 0, folded: 0, crowded: 0 },
    note: '',
  };
  const range = windowRange(log, view);
  const candidates = countCandidates(log, g, range, view);
  if (candidates > maxArrows) densityOf(log, g, range, scene);
  else arrowsOf(log, g, range, scene, pxPerNs);
  scene.marks = marksOf(log, g, view);
  // After the marks: a label keeps off the role marks it would hide.
  if (scene.mode === 'arrows') placeLabels(scene);
  if (view.cursor !== null && view.cursor !== undefined && view.cursor >= view.from && view.cursor <= view.to) {
    const [x1, y1] = g.at(view.cursor, -0.5);
    const [x2, y2] = g.at(view.cursor, g.laneCount - 0.5);
    scene.cursor = { x1, y1, x2, y2 };
  }
  scene.note = noteOf(log, view, scene);
  return scene;
}

/** windowRange returns the positions of the messages that may show in the window: sent in it, or before it and still travelling. */
function windowRange(log: MessageLog, v: DiagramView): { a: number; b: number } {
  const lookback = Math.max(1e9, (v.to - v.from) / 2);
  const a = log.firstAtOrAfter(v.from - lookback);
  const b = log.firstAtOrAfter(Math.min(v.to, v.now) + 1);
  return { a, b };
}

/** endOf is when message slot s ended: its delivery or drop, or `now` while it is in flight. */
function endOf(log: MessageLog, s: number, v: DiagramView): number {
  const e = log.endT[s]!;
  return Number.isNaN(e) ? v.now : e;
}

/** countCandidates counts the arrows the window would need; folded heartbeat drops count once per receiver and interval, as drawn. */
function countCandidates(log: MessageLog, g: Geometry, r: { a: number; b: number }, v: DiagramView): number {
  let n = 0;
  const stubs = new Set<number>();
  const foldNs = (FOLD_PX / Math.max(1, g.frame.width)) * Math.max(1, v.to - v.from);
  for (let i = r.a; i < r.b; i++) {
    const s = log.slotAt(i);
    const lf = g.lane.get(log.nodes[log.from[s]!]!);
    const lt = g.lane.get(log.nodes[log.to[s]!]!);
    if (lf === undefined || lt === undefined) continue;
    const e = log.endT[s]!;
    if (!Number.isNaN(e) && e < g.frame.from) continue;
    if (v.foldHeartbeats && log.kind[s] === HEARTBEAT) {
      if (log.state[s] === DROPPED)
        stubs.add((lf * MAX_LANES + lt) * 1_000_000 + Math.floor((log.sendT[s]! - v.from) / foldNs));
      continue;
    }
    n++;
  }
  return n + stubs.size;
}
const MAX_LANES = 64;

function arrowsOf(log: MessageLog, g: Geometry, r: { a: number; b: number }, scene: Scene, pxPerNs: number): void {
  const v = scene.view;
  const folds = new Map<number, Fold>();
  const droppedHb = new Map<string, Arrow>();
  const foldNs = FOLD_PX / Math.max(1e-12, pxPerNs);
  for (let i = r.a; i < r.b; i++) {
    const s = log.slotAt(i);
    const from = log.nodes[log.from[s]!]!;
    const to = log.nodes[log.to[s]!]!;
    const lf = g.lane.get(from);
    const lt = g.lane.get(to);
    if (lf === undefined || lt === undefined) continue;
    const end = endOf(log, s, v);
    if (end < v.from) continue;
    const sendT = log.sendT[s]!;
    const state = log.state[s]!;
    scene.counts.messages++;
    if (state === DROPPED) scene.counts.dropped++;
    if (log.kind[s] === HEARTBEAT) {
      scene.counts.heartbeats++;
      if (v.foldHeartbeats) {
        foldHeartbeat(log, g, s, { from, lf, lt, sendT, foldNs }, folds, droppedHb, scene);
        continue;
      }
    }
    scene.arrows.push(arrowOf(log, g, s, { from, to, lf, lt, sendT, end }));
  }
  scene.folds = [...folds.values()];
  scene.arrows.push(...droppedHb.values());
  scene.counts.arrows = scene.arrows.length;
}

/** arrowOf draws message slot s: to its delivery, or part-way to an ✕ (dropped), or to now (in flight). */
function arrowOf(
  log: MessageLog,
  g: Geometry,
  s: number,
  m: { from: string; to: string; lf: number; lt: number; sendT: number; end: number },
): Arrow {
  const state = log.state[s]!;
  const [x1, y1] = g.at(m.sendT, m.lf);
  let x2: number;
  let y2: number;
  if (state === DELIVERED) [x2, y2] = g.at(m.end, m.lt);
  else {
    // A message that never arrived stops part-way: 40% of the way when dropped, half-way while in flight.
    const frac = state === DROPPED ? 0.4 : 0.5;
    const [ex, ey] = g.at(m.end, m.lf + (m.lt - m.lf) * frac);
    const minPx = 10;
    [x2, y2] = g.horizontal ? [Math.max(ex, x1 + minPx), ey] : [ex, Math.max(ey, y1 + minPx)];
  }
  const flags = log.flags[s]!;
  const type = log.strings[log.type[s]!]!;
  const reason = state === DROPPED ? log.strings[log.reason[s]!]! : null;
  return {
    id: log.id[s]!,
    x1,
    y1,
    x2,
    y2,
    kind: MESSAGE_KINDS[log.kind[s]!] ?? 'other',
    type,
    label: log.labels[s] ?? type,
    from: m.from,
    to: m.to,
    sendT: m.sendT,
    endT: state === 0 ? null : log.endT[s]!,
    state: state === DELIVERED ? 'delivered' : state === DROPPED ? 'dropped' : 'inflight',
    reason: reason === null ? null : (flags & F_DROP_IN_FLIGHT) !== 0 ? `${reason} (in flight)` : reason,
    dup: (flags & F_DUP) !== 0,
    granted: (flags & F_GRANTED) !== 0 ? true : (flags & F_REFUSED) !== 0 ? false : null,
    count: 1,
    text: null,
  };
}

/** foldHeartbeat counts a heartbeat in its lane's interval; a dropped one also joins that interval's ✕ toward its receiver. */
function foldHeartbeat(
  log: MessageLog,
  g: Geometry,
  s: number,
  m: { from: string; lf: number; lt: number; sendT: number; foldNs: number },
  folds: Map<number, Fold>,
  droppedHb: Map<string, Arrow>,
  scene: Scene,
): void {
  const col = Math.floor((m.sendT - scene.view.from) / m.foldNs);
  const key = m.lf * 1_000_000 + col;
  let f = folds.get(key);
  if (!f) {
    const t0 = scene.view.from + col * m.foldNs;
    const [x, y] = g.at(t0 + m.foldNs / 2, m.lf);
    f = { node: m.from, x, y, t0, t1: t0 + m.foldNs, count: 0, dropped: 0 };
    folds.set(key, f);
  }
  f.count++;
  if (log.state[s] !== DROPPED) return;
  f.dropped++;
  const k = `${key}>${m.lt}`;
  const a = droppedHb.get(k);
  if (a) {
    a.count++;
    a.label = `${a.count} heartbeats dropped`;
    return;
  }
  const arrow = arrowOf(log, g, s, { ...m, to: log.nodes[log.to[s]!]!, end: endOf(log, s, scene.view) });
  droppedHb.set(k, arrow);
}

/** densityOf draws a zoomed-out window: per lane and CELL_PX column, the messages sent (and dropped) there. */
function densityOf(log: MessageLog, g: Geometry, r: { a: number; b: number }, scene: Scene): void {
  const v = scene.view;
  const cols = Math.ceil(g.frame.width / CELL_PX);
  const sent = new Uint32Array(cols * g.laneCount);
  const dropped = new Uint32Array(cols * g.laneCount);
  for (let i = r.a; i < r.b; i++) {
    const s = log.slotAt(i);
    const lf = g.lane.get(log.nodes[log.from[s]!]!);
    if (lf === undefined) continue;
    const t = log.sendT[s]!;
    if (t < v.from) continue;
    const c = Math.min(cols - 1, Math.floor(g.timePos(t) / CELL_PX));
    sent[lf * cols + c]!++;
    scene.counts.messages++;
    if (log.kind[s] === HEARTBEAT) scene.counts.heartbeats++;
    if (log.state[s] === DROPPED) {
      dropped[lf * cols + c]!++;
      scene.counts.dropped++;
    }
  }
  const laneLen = g.horizontal ? g.plot.h : g.plot.w;
  const thick = Math.max(3, Math.min(14, (laneLen / g.laneCount) * 0.5));
  for (let l = 0; l < g.laneCount; l++)
    for (let c = 0; c < cols; c++) {
      const n = sent[l * cols + c]!;
      if (n === 0) continue;
      const t = v.from + ((c * CELL_PX) / g.frame.width) * (v.to - v.from);
      const [x, y] = g.at(t, l);
      const cell = g.horizontal
        ? { x, y: y - thick / 2, w: CELL_PX, h: thick }
        : { x: x - thick / 2, y, w: thick, h: CELL_PX };
      scene.cells.push({ node: g.nodes[l]!, ...cell, sent: n, dropped: dropped[l * cols + c]! });
    }
  scene.mode = 'density';
}

/** marksOf places node events: at most one per lane per MARK_PX of time, the most telling one (a crash over a commit). */
function marksOf(log: MessageLog, g: Geometry, v: DiagramView): Mark[] {
  const best = new Map<number, Mark>();
  const take = (e: NodeEvent): void => {
    if (e.t < v.from || e.t > Math.min(v.to, v.now)) return;
    const l = g.lane.get(e.node);
    if (l === undefined) return;
    const key = l * 1_000_000 + Math.floor(g.timePos(e.t) / MARK_PX);
    const cur = best.get(key);
    if (cur && ROLE_PRIORITY[cur.kind] >= ROLE_PRIORITY[e.kind]) return;
    const [x, y] = g.at(e.t, l);
    best.set(key, { node: e.node, x, y, t: e.t, kind: e.kind, text: e.text, role: e.role ?? null });
  };
  for (let i = 0; i < log.events.size; i++) take(log.events.at(i));
  for (let i = 0; i < log.commits.size; i++) take(log.commits.at(i));
  return [...best.values()].sort((a, b) => a.t - b.t);
}

function lanesOf(g: Geometry, nodes: readonly string[], v: DiagramView): LaneGeom[] {
  return nodes.map((node, l) => {
    const [x1, y1] = g.at(v.from, l);
    const [x2, y2] = g.at(v.to, l);
    const spans = (kind: string): { a: number; b: number }[] =>
      (v.faults ?? [])
        .filter((p) => p.kind === kind && p.nodes[0] === node && p.start <= v.to && (p.end ?? v.now) >= v.from)
        .map((p) => ({ a: g.timePos(Math.max(v.from, p.start)), b: g.timePos(Math.min(v.to, p.end ?? v.now)) }));
    const labelX = g.horizontal ? 4 : x1;
    const labelY = g.horizontal ? y1 + 3 : 12;
    return { node, x1, y1, x2, y2, labelX, labelY, down: spans('down'), paused: spans('paused') };
  });
}

function bandsOf(g: Geometry, v: DiagramView): Band[] {
  const out: Band[] = [];
  for (const p of v.faults ?? []) {
    if (p.kind === 'down' || p.kind === 'paused') continue;
    const end = Math.min(p.end ?? v.now, v.now);
    if (p.start > v.to || end < v.from) continue;
    const a = g.timePos(Math.max(v.from, p.start));
    const b = Math.max(a + 1, g.timePos(Math.min(v.to, end)));
    const lanes = p.kind === 'link' ? p.nodes.map((n) => g.lane.get(n)).filter((l) => l !== undefined) : [];
    const lo = lanes.length > 0 ? Math.min(...lanes) - 0.5 : -0.5;
    const hi = lanes.length > 0 ? Math.max(...lanes) + 0.5 : g.laneCount - 0.5;
    const laneLen = g.horizontal ? g.plot.h : g.plot.w;
    const l0 = (laneLen * (lo + 0.5)) / g.laneCount;
    const l1 = (laneLen * (hi + 0.5)) / g.laneCount;
    const label = `${p.lane}: ${p.label}`;
    out.push(
      g.horizontal
        ? { x: g.plot.x + a, y: g.plot.y + l0, w: b - a, h: l1 - l0, kind: p.kind, label }
        : { x: g.plot.x + l0, y: g.plot.y + a, w: l1 - l0, h: b - a, kind: p.kind, label },
    );
  }
  return out;
}

const FINE_STEPS_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000,
  1_800_000, 3_600_000,
];

/** ticksOf returns round-time ticks along the time axis, down to a millisecond for short windows. */
function ticksOf(g: Geometry): Scene['ticks'] {
  const spanMs = Math.max(1e-6, (g.frame.to - g.frame.from) / 1e6);
  const maxTicks = Math.max(2, Math.floor(g.frame.width / 70));
  const step = FINE_STEPS_MS.find((s) => spanMs / s <= maxTicks) ?? FINE_STEPS_MS[FINE_STEPS_MS.length - 1]!;
  const out: Scene['ticks'] = [];
  for (let ms = Math.ceil(g.frame.from / 1e6 / step) * step; ms * 1e6 <= g.frame.to; ms += step) {
    const p = g.timePos(ms * 1e6);
    const label =
      step < 1000
        ? `${formatRunTime(Math.floor(ms / 1000) * 1e9)}.${String(ms % 1000).padStart(3, '0')}`
        : formatRunTime(ms * 1e6);
    out.push(
      g.horizontal ? { x: g.plot.x + p, y: g.plot.y + g.plot.h + 12, label } : { x: 2, y: g.plot.y + p + 3, label },
    );
  }
  return out;
}

function noteOf(log: MessageLog, v: DiagramView, scene: Scene): string {
  const parts: string[] = [];
  if (scene.mode === 'density')
    parts.push(`${scene.counts.messages} messages: too many to draw one by one — zoom in to see each`);
  if (log.evicted > 0 && log.size > 0 && log.oldestT > v.from)
    parts.push(`messages before ${formatRunTime(log.oldestT)} are no longer kept (the newest ${log.cap} are)`);
  return parts.join(' · ');
}
