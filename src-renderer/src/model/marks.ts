/**
 * Navigating a run by its events: the replay slider's tick marks (elections, faults,
 * crashes), and the previous/next-event buttons. Marks come from the RunModel in run order.
 */
import type { Mark, MarkKind } from './run-model';

/** MarkList is what the helpers read marks from, oldest first (a Ring of marks is one). */
export interface MarkList {
  readonly size: number;
  at(i: number): Mark | undefined;
}

/** markList wraps an array as a MarkList. */
export function markList(a: readonly Mark[]): MarkList {
  return { size: a.length, at: (i) => a[i] };
}

function sizeOf(m: MarkList): number {
  return m.size;
}

/** Tick is one mark drawn on the slider: the first event of its kind in a slot of the slider, and how many share it. */
export interface Tick {
  /** pct: position along the slider, 0–100. */
  pct: number;
  kind: MarkKind;
  t: number;
  count: number;
  /** text: the first event's sentence, and how many more the tick stands for. */
  text: string;
}

/** TICK_ORDER draws crashes over faults over elections when they share a slot. */
const TICK_ORDER: readonly MarkKind[] = ['election', 'fault', 'crash'];

/** tickMarks bins marks into `slots` positions along a run of `durationNs` (bounded DOM however many events). */
export function tickMarks(marks: MarkList, durationNs: number, slots = 200): Tick[] {
  const n = sizeOf(marks);
  if (n === 0 || !(durationNs > 0)) return [];
  const bins = new Map<string, Tick>();
  for (let i = 0; i < n; i++) {
    const m = marks.at(i)!;
    const slot = Math.min(slots - 1, Math.max(0, Math.floor((m.t / durationNs) * slots)));
    const key = `${m.kind}:${slot}`;
    const b = bins.get(key);
    if (b) b.count++;
    else
      bins.set(key, {
        pct: (Math.min(durationNs, Math.max(0, m.t)) / durationNs) * 100,
        kind: m.kind,
        t: m.t,
        count: 1,
        text: m.text,
      });
  }
  const out = [...bins.values()];
  for (const b of out) if (b.count > 1) b.text += ` (+${b.count - 1} more here)`;
  return out.sort((a, b) => TICK_ORDER.indexOf(a.kind) - TICK_ORDER.indexOf(b.kind) || a.t - b.t);
}

/** nextMark returns the first mark strictly after tNs (of the given kinds, all if omitted). */
export function nextMark(marks: MarkList, tNs: number, kinds?: readonly MarkKind[]): Mark | null {
  const n = sizeOf(marks);
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (marks.at(mid)!.t <= tNs) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < n; i++) {
    const m = marks.at(i)!;
    if (!kinds || kinds.includes(m.kind)) return m;
  }
  return null;
}

/** prevMark returns the last mark strictly before tNs (of the given kinds, all if omitted). */
export function prevMark(marks: MarkList, tNs: number, kinds?: readonly MarkKind[]): Mark | null {
  let lo = 0;
  let hi = sizeOf(marks);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (marks.at(mid)!.t < tNs) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1; i >= 0; i--) {
    const m = marks.at(i)!;
    if (!kinds || kinds.includes(m.kind)) return m;
  }
  return null;
}
