/**
 * Where the space-time diagram's message labels go (layoutDiagram calls placeLabels once the
 * arrows and marks are laid out): labels that overlap nothing they would hide, a message sent
 * again and again labelled once with its count, and the count of what is left unlabelled.
 *
 * The marks are obstacles. A folded heartbeat count ("♥4", drawn just above its lane) is first
 * moved off any ✕ it would sit on (along its lane, then below the lane line); then no label's
 * plate covers a ♥N count, a ✕ mark or a role mark: a label tries its arrow's middle, then
 * farther along the arrow, then beside it, and a label with no room joins the "N hidden: zoom
 * in" count. The boxes sit in a coarse grid, so each try looks only at the marks near it.
 */
import type { NodeEventKind } from './message-log';
import { CHAR_PX, MAX_LABELS, type Arrow, type Fold, type Scene } from './spacetime-scene';

/** Box is a rectangle a label's plate may not overlap. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** BLOCKING_MARKS are the node marks a label may not cover (a commit tick or a term's number may sit under one). */
const BLOCKING_MARKS: ReadonlySet<NodeEventKind> = new Set(['role', 'crash', 'restart', 'pause', 'resume']);

/** plateBox is the box of a label `w` px wide whose baseline starts at (x, y): its plate, and 1 px around it. */
function plateBox(x: number, y: number, w: number): Box {
  return { x0: x - 3, y0: y - 10, x1: x + w + 3, y1: y + 4 };
}

/** FOLD_CHAR_PX estimates a character's width in a ♥N count (9 px font; the ♥ is wider, hence the 2 px more). */
const FOLD_CHAR_PX = 5.5;

/** foldBox is the box of a fold's "♥N", drawn centred on x with its baseline 4 px above y (canvas and SVG). */
export function foldBox(f: Pick<Fold, 'x' | 'y' | 'count'>): Box {
  const hw = (`♥${f.count}`.length * FOLD_CHAR_PX + 2) / 2;
  return { x0: f.x - hw, y0: f.y - 12, x1: f.x + hw, y1: f.y - 2 };
}

/** crossBox is the box of a dropped message's ✕ (8 px, drawn 2 px wide). */
export function crossBox(a: Pick<Arrow, 'x2' | 'y2'>): Box {
  return box(a.x2, a.y2, 5);
}

const overlap = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** CELL: the grid's cell, in px (about a plate's height, a short label's width). */
const CELL = 40;

/** Grid holds boxes by the CELL-square cells they touch: `hits` looks only at the boxes near its box. */
class Grid {
  private cells = new Map<number, Box[]>();
  private keys(b: Box, f: (k: number) => boolean | void): boolean {
    const cx0 = Math.floor(b.x0 / CELL);
    const cx1 = Math.floor(b.x1 / CELL);
    const cy0 = Math.floor(b.y0 / CELL);
    const cy1 = Math.floor(b.y1 / CELL);
    for (let cx = cx0; cx <= cx1; cx++)
      for (let cy = cy0; cy <= cy1; cy++) if (f((cx + 4096) * 8192 + (cy + 4096)) === true) return true;
    return false;
  }
  add(b: Box): void {
    this.keys(b, (k) => {
      const list = this.cells.get(k);
      if (list) list.push(b);
      else this.cells.set(k, [b]);
    });
  }
  hits(b: Box): boolean {
    return this.keys(b, (k) => this.cells.get(k)?.some((o) => overlap(o, b)) ?? false);
  }
}

/**
 * placeFolds moves each ♥N count that would sit on a ✕ (or on a count already placed): along
 * its lane within its interval, then to the other side of the lane line. A count with no free
 * spot stays where it was (the count is what it says; it is never hidden). Returns the grid of
 * the ✕ marks and the counts where they ended.
 */
function placeFolds(scene: Scene): Grid {
  const grid = new Grid();
  for (const a of scene.arrows) if (a.state === 'dropped') grid.add(crossBox(a));
  const horizontal = scene.view.orientation === 'horizontal';
  const placed = new Grid();
  for (const f of scene.folds) {
    const home = { x: f.x, y: f.y };
    const hw = (`♥${f.count}`.length * FOLD_CHAR_PX + 2) / 2;
    // Along the lane first (its interval is FOLD_PX wide), then across the lane line.
    const along = [0, -8, 8, -14, 14];
    const across = horizontal ? [0, 15] : [0, hw + 5, -(hw + 5)];
    let spot: { x: number; y: number } | null = null;
    for (const c of across) {
      for (const d of along) {
        const p = horizontal ? { x: home.x + d, y: home.y + c } : { x: home.x + c, y: home.y + d };
        const b = foldBox({ ...p, count: f.count });
        // 3 px apart from the counts already placed: "♥20♥16" read as one mark.
        if (!grid.hits(b) && !placed.hits({ x0: b.x0 - 3, y0: b.y0, x1: b.x1 + 3, y1: b.y1 })) {
          spot = p;
          break;
        }
      }
      if (spot) break;
    }
    if (spot) [f.x, f.y] = [spot.x, spot.y];
    placed.add(foldBox(f));
  }
  for (const f of scene.folds) grid.add(foldBox(f));
  return grid;
}

/**
 * placeLabels gives labels where they overlap neither each other nor a mark — a ♥N count, a
 * ✕, a node's role mark — dropped messages first (they are what a person looks for), then the
 * longest arrows; a dropped message whose whole label finds no room still gets `✕ reason`
 * beside its ✕ when that finds room. At most MAX_LABELS labels.
 *
 * A message sent again and again with the same label (a node cut off from the majority asking
 * for votes every election timeout, each request dropped by the partition) is labelled once,
 * where it fits, with how many times it was sent in the window: "PreVote? t3 log 4@t2 ✕
 * partition (8 times)". Before, each round had its label and they piled up into a thicket.
 * The scene says how many sends such labels stand for, and how many found no room
 * (scene.labels), so the panel can say what it leaves out.
 */
export function placeLabels(scene: Scene): void {
  const blocked = placeFolds(scene);
  const fullOf = (a: Arrow): string => (a.state === 'dropped' ? `${a.label} ✕ ${a.reason ?? ''}` : a.label);
  // The marks that say a node's role changed stay visible, and so do the ✕ marks and ♥N counts.
  for (const m of scene.marks) if (BLOCKING_MARKS.has(m.kind)) blocked.add(box(m.x, m.y, 7));
  const { x: px, w: pw, y: py, h: ph } = scene.plot;
  const fits = (x: number, y: number, w: number): boolean => {
    if (x < px || x + w > px + pw || y - 9 < py || y + 3 > py + ph) return false;
    return !blocked.hits(plateBox(x, y, w));
  };
  // Dropped messages first, then the longest arrows; folded heartbeat drops last (their ✕ and fold say most of it).
  const rank = (a: Arrow): number => (a.state !== 'dropped' ? 1 : a.count > 1 || a.kind === 'heartbeat' ? 0 : 2);
  const order = scene.arrows
    .map((a, i) => ({ i, len: Math.hypot(a.x2 - a.x1, a.y2 - a.y1), rank: rank(a) }))
    .filter((o) => o.len >= 28 || o.rank !== 1)
    .sort((p, q) => q.rank - p.rank || q.len - p.len);
  // A broadcast (one sender, one label, one moment) is one send; the same label sent again is a repeat.
  const sendOf = (a: Arrow): string => `${Math.round(a.x1 / 4)}|${Math.round(a.y1 / 4)}`;
  const sends = new Map<string, Set<string>>();
  for (const { i, rank: r } of order) {
    // Folded heartbeat drops are told by their ✕ and ♥ count: not counted as left out.
    if (r === 0) continue;
    const a = scene.arrows[i]!;
    const key = `${a.from}|${fullOf(a)}`;
    let set = sends.get(key);
    if (!set) sends.set(key, (set = new Set()));
    set.add(sendOf(a));
  }
  const placed = new Set<string>();
  const tried = new Set<string>();
  const put = (a: Arrow, x: number, y: number, s: string, w: number): void => {
    blocked.add(plateBox(x, y, w));
    a.text = { x, y, s };
  };
  for (const { i, len, rank: r } of order) {
    if (placed.size >= MAX_LABELS) break;
    const a = scene.arrows[i]!;
    const full = fullOf(a);
    const key = `${a.from}|${full}`;
    if (placed.has(key)) continue;
    const send = `${key}|${sendOf(a)}`;
    if (tried.has(send)) continue;
    tried.add(send);
    const n = sends.get(key)?.size ?? 1;
    const times = n > 1 ? ` (${n} times)` : '';
    const text = full + times;
    const w = text.length * CHAR_PX;
    if (r !== 0 && len >= 28) {
      const spot = onArrow(a, w, fits);
      if (spot) {
        put(a, spot.x, spot.y, text, w);
        placed.add(key);
        continue;
      }
    }
    if (a.state !== 'dropped') continue;
    // `✕ reason` beside its ✕: after it, else before it, else just above or below it.
    const short = `✕ ${a.reason ?? 'dropped'}${times}`;
    const sw = short.length * CHAR_PX;
    const spot = [
      [a.x2 + 8, a.y2 + 4],
      [a.x2 - 8 - sw, a.y2 + 4],
      [a.x2 - 2, a.y2 - 9],
      [a.x2 - 2, a.y2 + 18],
    ].find(([sx, sy]) => fits(sx!, sy!, sw));
    if (!spot) continue;
    put(a, spot[0]!, spot[1]!, short, sw);
    placed.add(key);
  }
  for (const [key, set] of sends) {
    if (placed.has(key)) scene.labels.folded += set.size - 1;
    else scene.labels.crowded += set.size;
  }
  scene.labels.shown = placed.size;
}

/** ALONG: where on its arrow a label is tried, as a fraction of the way (the middle first). */
const ALONG = [0.5, 0.35, 0.65, 0.2, 0.8];

/**
 * onArrow returns where a label `w` px wide goes on arrow a: centred on a point of the arrow
 * (the middle, then farther along), else beside that point (after it, then before it), the
 * first spot that `fits`; null when none does.
 */
function onArrow(
  a: Arrow,
  w: number,
  fits: (x: number, y: number, w: number) => boolean,
): { x: number; y: number } | null {
  const at = (u: number): [number, number] => [a.x1 + (a.x2 - a.x1) * u, a.y1 + (a.y2 - a.y1) * u - 3];
  for (const u of ALONG) {
    const [x, y] = at(u);
    if (fits(x - w / 2, y, w)) return { x: x - w / 2, y };
  }
  for (const u of ALONG.slice(0, 3)) {
    const [x, y] = at(u);
    if (fits(x + 5, y, w)) return { x: x + 5, y };
    if (fits(x - 5 - w, y, w)) return { x: x - 5 - w, y };
  }
  return null;
}

/** box is the square of half-side `r` around (x, y). */
function box(x: number, y: number, r: number): Box {
  return { x0: x - r, y0: y - r, x1: x + r, y1: y + r };
}
