/**
 * Where the space-time diagram's message labels go (layoutDiagram calls placeLabels once the
 * arrows and marks are laid out): labels that overlap nothing they would hide, a message sent
 * again and again labelled once with its count, and the count of what is left unlabelled.
 */
import type { NodeEventKind } from './message-log';
import { CHAR_PX, MAX_LABELS, type Arrow, type Scene } from './spacetime-scene';

/** Box is a rectangle a label's plate may not overlap. */
interface Box {
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

const overlap = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/**
 * placeLabels gives labels where they overlap neither each other nor a node's role mark,
 * dropped messages first (they are what a
 * person looks for), then the longest arrows; a dropped message whose whole label finds no
 * room still gets `✕ reason` beside its ✕, clear of any other message's ✕. At most MAX_LABELS
 * labels.
 *
 * A message sent again and again with the same label (a node cut off from the majority asking
 * for votes every election timeout, each request dropped by the partition) is labelled once,
 * where it fits, with how many times it was sent in the window: "PreVote? t3 log 4@t2 ✕
 * partition (8 times)". Before, each round had its label and they piled up into a thicket.
 * The scene says how many sends such labels stand for, and how many found no room
 * (scene.labels), so the panel can say what it leaves out.
 */
export function placeLabels(scene: Scene): void {
  const taken: Box[] = [];
  const fullOf = (a: Arrow): string => (a.state === 'dropped' ? `${a.label} ✕ ${a.reason ?? ''}` : a.label);
  // The marks that say a node's role changed stay visible. A label on its arrow sits on a
  // plate over the lines and ✕ marks it crosses; a `✕ reason` beside its ✕ keeps clear of
  // another message's ✕ (it read as "✕ ✕ partition").
  const roles = scene.marks.filter((m) => BLOCKING_MARKS.has(m.kind)).map((m) => box(m.x, m.y, 7));
  const crosses = scene.arrows
    .filter((a) => a.state === 'dropped')
    .map((a) => ({ key: `${a.from}|${fullOf(a)}`, box: box(a.x2, a.y2, 5) }));
  const { x: px, w: pw } = scene.plot;
  const fits = (x: number, y: number, w: number, beside: string | null): boolean => {
    if (x < px || x + w > px + pw) return false;
    const p = plateBox(x, y, w);
    return (
      !taken.some((o) => overlap(o, p)) &&
      !roles.some((o) => overlap(o, p)) &&
      (beside === null || !crosses.some((c) => c.key !== beside && overlap(c.box, p)))
    );
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
    const x = (a.x1 + a.x2) / 2 - w / 2;
    const y = (a.y1 + a.y2) / 2 - 3;
    if (r !== 0 && len >= 28 && fits(x, y, w, null)) {
      taken.push(plateBox(x, y, w));
      a.text = { x, y, s: text };
      placed.add(key);
      continue;
    }
    if (a.state !== 'dropped') continue;
    const short = `✕ ${a.reason ?? 'dropped'}${times}`;
    const sw = short.length * CHAR_PX;
    if (!fits(a.x2 + 7, a.y2 + 4, sw, key)) continue;
    taken.push(plateBox(a.x2 + 7, a.y2 + 4, sw));
    a.text = { x: a.x2 + 7, y: a.y2 + 4, s: short };
    placed.add(key);
  }
  for (const [key, set] of sends) {
    if (placed.has(key)) scene.labels.folded += set.size - 1;
    else scene.labels.crowded += set.size;
  }
  scene.labels.shown = placed.size;
}

/** box is the square of half-side `r` around (x, y). */
function box(x: number, y: number, r: number): Box {
  return { x0: x - r, y0: y - r, x1: x + r, y1: y + r };
}
