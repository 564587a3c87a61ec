/**
 * Which window of run time the space-time diagram shows. Live and following, it ends at the
 * present; in a replay it ends at the cursor (the replay's present) while following. A
 * window a person pinned (by panning, zooming or clicking) stays put as long as the shared
 * cursor is inside it; a cursor moved elsewhere (a timeline row, a chart) brings the window
 * to it — centred live, ending at it in a replay, since nothing after a replay's cursor is
 * known yet.
 */

/** Window is a span of run time, ns. */
export interface Window {
  from: number;
  to: number;
}

/** WindowInput is what decides the window. */
export interface WindowInput {
  replay: boolean;
  /** now: the newest record's time (live) or the replay's cursor. */
  now: number;
  /** cursor: the shared cursor (null live while following the present). */
  cursor: number | null;
  spanNs: number;
  following: boolean;
  pinned: Window | null;
}

/** diagramWindow returns the window to draw (see the file comment). */
export function diagramWindow(i: WindowInput): Window {
  const span = Math.max(1e6, i.spanNs);
  const end = (to: number): Window => ({ from: Math.max(0, to - span), to: Math.max(to, span) });
  if (i.following && (i.replay || i.cursor === null)) return end(i.now);
  const anchor = i.replay ? i.now : i.cursor;
  if (i.pinned && (anchor === null || (anchor >= i.pinned.from && anchor <= i.pinned.to))) return i.pinned;
  if (anchor === null) return end(i.now);
  return i.replay ? end(anchor) : { from: Math.max(0, anchor - span / 2), to: Math.max(0, anchor - span / 2) + span };
}

/** zoomed returns `w` scaled by `factor` around run time `at` (kept inside the window's reach of 0). */
export function zoomed(w: Window, factor: number, at: number, minSpan = 1e6, maxSpan = 3600e9): Window {
  const span = Math.min(maxSpan, Math.max(minSpan, (w.to - w.from) * factor));
  const k = (at - w.from) / Math.max(1, w.to - w.from);
  const from = Math.max(0, at - k * span);
  return { from, to: from + span };
}

/** panned returns `w` moved by dt ns (never before the run began). */
export function panned(w: Window, dt: number): Window {
  const from = Math.max(0, w.from + dt);
  return { from, to: from + (w.to - w.from) };
}
