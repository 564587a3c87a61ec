/**
 * The messages in flight on the topology, drawn on a canvas of their own over the graph's.
 * Cytoscape redraws its whole scene whenever any element moves, so message dots inside it
 * made the graph repaint every frame for as long as traffic flowed; here the graph stays
 * still and only this canvas changes, and only while a dot flies.
 *
 * A busy cluster sends thousands of messages a second, far more than a person can follow:
 * at most MAX_PER_LINK dots fly on one link, MAX_DOTS in all, and MAX_NEW_PER_SECOND start
 * each second. A message that finds no room is merged into a dot already on its link
 * (which grows a little with the count it stands for), so a busy link looks busy.
 * DotFlights is that bookkeeping, pure; createMessageDots draws it.
 */
import { DROPPED_COLOR, MESSAGE_COLORS } from './topology-colors';

/** MAX_DOTS bounds the dots in flight at once. */
export const MAX_DOTS = 24;
/** MAX_PER_LINK bounds the dots in flight on one directed link. */
export const MAX_PER_LINK = 2;
/** MAX_NEW_PER_SECOND bounds the dots that start in one second. */
export const MAX_NEW_PER_SECOND = 40;
/** DOT_FRAME_MS: dots are redrawn at most this often (30 a second). */
export const DOT_FRAME_MS = 33;
/** DOT_R is a single message's dot radius in model pixels (a merged dot grows up to DOT_R_MAX). */
const DOT_R = 5;
const DOT_R_MAX = 9;

/** Point is a model position (Cytoscape's graph coordinates). */
export interface Point {
  x: number;
  y: number;
}

/** FlightSpec describes one message to animate. */
export interface FlightSpec {
  /** link: the directed link it travels ("from>to"): the unit of the per-link cap. */
  link: string;
  from: Point;
  to: Point;
  kind: keyof typeof MESSAGE_COLORS;
  dropped: boolean;
  /** ms: how long it is drawn in flight. */
  ms: number;
  /**
   * ends: the sender's and receiver's node ids, when known: each frame reads where they are
   * now (`at`'s `where`), so a dot in flight while a node is dragged, or a partition lays the
   * graph out again, keeps to its link rather than flying on from where the nodes were.
   * `half`: a dropped message stops half-way. Without them (or a node gone) `from`/`to` hold.
   */
  ends?: { from: string; to: string; half: boolean };
}

interface Flight extends FlightSpec {
  start: number;
  /** n: how many messages the dot stands for (1 + those merged into it). */
  n: number;
}

/** Dot is one dot to draw now: where it is, and how it looks. */
export interface Dot {
  x: number;
  y: number;
  r: number;
  color: string;
  dropped: boolean;
}

/** DotFlights tracks the dots in flight under the caps; time is passed in (ms). */
export class DotFlights {
  private flights: Flight[] = [];
  private windowStart = -Infinity;
  private windowCount = 0;

  /** size: the dots in flight (as of the last add or at). */
  get size(): number {
    return this.flights.length;
  }

  /** add starts a dot for a message ('drawn'), counts it into one on its link ('merged'), or drops it ('skipped'). */
  add(spec: FlightSpec, now: number): 'drawn' | 'merged' | 'skipped' {
    this.expire(now);
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.windowCount = 0;
    }
    const onLink = this.flights.filter((f) => f.link === spec.link);
    const room = onLink.length < MAX_PER_LINK && this.flights.length < MAX_DOTS;
    if (room && this.windowCount < MAX_NEW_PER_SECOND) {
      this.windowCount++;
      this.flights.push({ ...spec, start: now, n: 1 });
      return 'drawn';
    }
    // The youngest dot on the link has the most of its way ahead: the count stays visible longest.
    const host = onLink.filter((f) => f.dropped === spec.dropped).at(-1);
    if (!host) return 'skipped';
    host.n++;
    return 'merged';
  }

  /** at returns the dots to draw at `now` (finished flights are forgotten); `where` says where a node is now. */
  at(now: number, where?: (node: string) => Point | null): Dot[] {
    this.expire(now);
    return this.flights.map((f) => {
      const t = Math.min(1, Math.max(0, (now - f.start) / Math.max(1, f.ms)));
      // Ease in and out (sine), as the dots always moved.
      const e = (1 - Math.cos(Math.PI * t)) / 2;
      const [a, b] = ends(f, where);
      return {
        x: a.x + (b.x - a.x) * e,
        y: a.y + (b.y - a.y) * e,
        r: Math.min(DOT_R_MAX, DOT_R * (1 + 0.25 * Math.log2(f.n))),
        color: f.dropped ? DROPPED_COLOR : MESSAGE_COLORS[f.kind],
        dropped: f.dropped,
      };
    });
  }

  /** clear forgets every dot. */
  clear(): void {
    this.flights = [];
  }

  private expire(now: number): void {
    if (this.flights.some((f) => now >= f.start + f.ms))
      this.flights = this.flights.filter((f) => now < f.start + f.ms);
  }
}

/** ends is where a flight runs now: between its nodes where they are (half-way for a drop), else its own points. */
function ends(f: Flight, where?: (node: string) => Point | null): [Point, Point] {
  if (!f.ends || !where) return [f.from, f.to];
  const a = where(f.ends.from);
  const b = where(f.ends.to);
  if (!a || !b) return [f.from, f.to];
  return [a, f.ends.half ? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } : b];
}

/** DotsView is what the drawing needs from the graph: its viewport, and the nodes that cover dots. */
export interface DotsView {
  zoom(): number;
  pan(): Point;
  /** covers: the circles (model coordinates) drawn over the dots, so a dot emerges from under its sender. */
  covers(): { x: number; y: number; r: number }[];
  /** where: a node's position now (model coordinates), or null when it is not on the graph. */
  where?(node: string): Point | null;
}

/** MessageDots is the handle the topology keeps. */
export interface MessageDots {
  add(spec: FlightSpec): void;
  /** flying: the dots in flight (tests and the bench read it through window.__quorumLab). */
  flying(): number;
  /** resize re-reads the canvas's box (the graph's container changed size). */
  resize(): void;
  clear(): void;
  destroy(): void;
}

/** createMessageDots draws DotFlights on `canvas`, one animation frame at a time while any dot flies. */
export function createMessageDots(canvas: HTMLCanvasElement, view: DotsView): MessageDots {
  const flights = new DotFlights();
  const ctx = canvas.getContext('2d');
  let frame = 0;
  let sized = false;
  let drawn = false;
  let lastDraw = -Infinity;

  function fitCanvas(): void {
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, Math.round(canvas.clientWidth * ratio));
    const h = Math.max(1, Math.round(canvas.clientHeight * ratio));
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    sized = true;
  }

  function draw(ts: number): void {
    frame = 0;
    if (!ctx) return;
    // Every other frame at 60 Hz: smooth enough to follow, and each frame the canvas
    // changes costs the page a paint and a commit.
    if (ts - lastDraw < DOT_FRAME_MS - 4) {
      frame = requestAnimationFrame(draw);
      return;
    }
    lastDraw = ts;
    if (!sized) fitCanvas();
    const dots = flights.at(performance.now(), view.where?.bind(view));
    if (drawn) ctx.clearRect(0, 0, canvas.width, canvas.height);
    drawn = dots.length > 0;
    if (!drawn) return;
    const ratio = window.devicePixelRatio || 1;
    const z = view.zoom();
    const p = view.pan();
    ctx.setTransform(z * ratio, 0, 0, z * ratio, p.x * ratio, p.y * ratio);
    for (const d of dots) paintDot(ctx, d);
    // Punch the nodes out: dots pass under them, as they did inside the graph.
    ctx.globalCompositeOperation = 'destination-out';
    ctx.beginPath();
    for (const c of view.covers()) {
      ctx.moveTo(c.x + c.r, c.y);
      ctx.arc(c.x, c.y, c.r, 0, 2 * Math.PI);
    }
    ctx.fill();
    ctx.globalCompositeOperation = 'source-over';
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    frame = requestAnimationFrame(draw);
  }

  return {
    add(spec) {
      const r = flights.add(spec, performance.now());
      if (r === 'drawn' && frame === 0) frame = requestAnimationFrame(draw);
    },
    flying: () => flights.size,
    resize() {
      sized = false;
    },
    clear() {
      flights.clear();
    },
    destroy() {
      if (frame !== 0) cancelAnimationFrame(frame);
      frame = 0;
      flights.clear();
    },
  };
}

/** paintDot draws one dot: a disc, or a diamond for a dropped message. */
function paintDot(ctx: CanvasRenderingContext2D, d: Dot): void {
  ctx.fillStyle = d.color;
  ctx.beginPath();
  if (d.dropped) {
    ctx.moveTo(d.x, d.y - d.r);
    ctx.lineTo(d.x + d.r, d.y);
    ctx.lineTo(d.x, d.y + d.r);
    ctx.lineTo(d.x - d.r, d.y);
    ctx.closePath();
  } else {
    ctx.arc(d.x, d.y, d.r, 0, 2 * Math.PI);
  }
  ctx.fill();
}
