/**
 * The space-time diagram's scene: what layoutDiagram (./spacetime.ts) is asked to draw (a
 * DiagramView) and the shapes it returns (a Scene of lanes, arrows, heartbeat folds, density
 * cells, node marks and fault bands), with the bounds that keep a scene small.
 */
import type { FaultPeriod } from './faults';
import type { NodeEventKind } from './message-log';

/** Orientation: horizontal = time runs left to right, a row per node; vertical = time runs down, a column per node. */
export type Orientation = 'horizontal' | 'vertical';

/** DiagramView is what to draw: a window of run time, a size, an orientation and options. */
export interface DiagramView {
  from: number;
  to: number;
  /** now: the newest moment (in-flight messages reach it; nothing after it is drawn). */
  now: number;
  width: number;
  height: number;
  orientation: Orientation;
  foldHeartbeats: boolean;
  faults?: readonly FaultPeriod[];
  cursor?: number | null;
  /** nodes: lane order (default: the log's nodes in natural order, n2 before n10). */
  nodes?: readonly string[];
  /** maxArrows: more messages than this in the window are drawn as density (default by size, at most MAX_ARROWS). */
  maxArrows?: number;
}

/** ArrowState says how a message ended. */
export type ArrowState = 'delivered' | 'dropped' | 'inflight';

/** Arrow is one message (or, for folded heartbeats that were dropped, one group of them). */
export interface Arrow {
  id: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  kind: string;
  type: string;
  label: string;
  from: string;
  to: string;
  sendT: number;
  endT: number | null;
  state: ArrowState;
  reason: string | null;
  dup: boolean;
  granted: boolean | null;
  /** count: messages this arrow stands for (folded dropped heartbeats; 1 otherwise). */
  count: number;
  /** text: its label and where it goes (null: no room); a dropped message's may be only `✕ reason`. */
  text: { x: number; y: number; s: string } | null;
}

/** Fold is a count of heartbeats (and their answers) a lane sent in one interval. */
export interface Fold {
  node: string;
  /** x, y: the point its ♥N is drawn just above (on its lane; placeLabels moves it off a ✕ mark). */
  x: number;
  y: number;
  t0: number;
  t1: number;
  count: number;
  dropped: number;
}

/** Cell is one density column of a lane (zoomed out): messages sent and dropped there. */
export interface Cell {
  node: string;
  x: number;
  y: number;
  w: number;
  h: number;
  sent: number;
  dropped: number;
}

/** Mark is a node event on its lane. */
export interface Mark {
  node: string;
  x: number;
  y: number;
  t: number;
  kind: NodeEventKind;
  text: string;
  role: string | null;
}

/** LaneGeom is a node's lane: its line, its label's place, and the spans it was down or paused. */
export interface LaneGeom {
  node: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  labelX: number;
  labelY: number;
  down: { a: number; b: number }[];
  paused: { a: number; b: number }[];
}

/** Band is a fault period across lanes (a partition, a link rule, slow motion). */
export interface Band {
  x: number;
  y: number;
  w: number;
  h: number;
  kind: string;
  label: string;
}

/** Scene is everything the diagram draws. */
export interface Scene {
  view: DiagramView;
  plot: { x: number; y: number; w: number; h: number };
  lanes: LaneGeom[];
  mode: 'arrows' | 'density';
  arrows: Arrow[];
  folds: Fold[];
  cells: Cell[];
  marks: Mark[];
  bands: Band[];
  ticks: { x: number; y: number; label: string }[];
  cursor: { x1: number; y1: number; x2: number; y2: number } | null;
  counts: { messages: number; dropped: number; heartbeats: number; arrows: number };
  /**
   * labels: the labels placed (shown), the sends of the same label again that a shown one
   * counts ("(8 times)": folded), and the sends whose label found no room (crowded).
   */
  labels: { shown: number; folded: number; crowded: number };
  /** note: what the scene leaves out and why ("zoom in to see each message", "older messages not kept"). */
  note: string;
}

/** MAX_ARROWS bounds the arrows of a scene. */
export const MAX_ARROWS = 1500;
/** MAX_LABELS bounds the labels placed. */
export const MAX_LABELS = 150;
/** FOLD_PX: heartbeats are folded per this many pixels of time. */
export const FOLD_PX = 36;
/** CELL_PX: density columns are this many pixels wide. */
export const CELL_PX = 3;
/** MARK_PX: at most one mark per lane per this many pixels of time. */
export const MARK_PX = 4;
/** CHAR_PX estimates a label character's width at the diagram's 10 px font. */
export const CHAR_PX = 5.6;
