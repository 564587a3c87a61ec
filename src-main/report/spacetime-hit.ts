/**
 * Finding what is under the pointer in a laid-out space-time scene: the arrow, fold or mark
 * at a point, and the run time there. The renderer's canvas asks these on hover and click.
 */
import type { Arrow, Fold, Mark, Scene } from './spacetime-scene';

/** Hit is what a point of the diagram is on: an arrow, a heartbeat fold, a node mark, or nothing. */
export type Hit = { arrow: Arrow } | { fold: Fold } | { mark: Mark } | null;

function segmentDistance(px: number, py: number, a: Arrow): number {
  const dx = a.x2 - a.x1;
  const dy = a.y2 - a.y1;
  const len2 = dx * dx + dy * dy;
  const u = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - a.x1) * dx + (py - a.y1) * dy) / len2));
  return Math.hypot(px - (a.x1 + u * dx), py - (a.y1 + u * dy));
}

/** hitTest returns what is at (x, y): the nearest arrow within 6 px, else a fold or mark within 8 px. */
export function hitTest(scene: Scene, x: number, y: number): Hit {
  let best: Arrow | null = null;
  let bestD = 6;
  for (const a of scene.arrows) {
    const d = segmentDistance(x, y, a);
    if (d <= bestD) [best, bestD] = [a, d];
  }
  if (best) return { arrow: best };
  const fold = scene.folds.find((f) => Math.hypot(f.x - x, f.y - y) <= 8);
  if (fold) return { fold };
  const mark = scene.marks.find((m) => Math.hypot(m.x - x, m.y - y) <= 8);
  return mark ? { mark } : null;
}

/** timeAt returns the run time at a point of the diagram (clamped to the window). */
export function timeAt(scene: Scene, x: number, y: number): number {
  const v = scene.view;
  const p = v.orientation === 'horizontal' ? (x - scene.plot.x) / scene.plot.w : (y - scene.plot.y) / scene.plot.h;
  return v.from + Math.max(0, Math.min(1, p)) * (v.to - v.from);
}
