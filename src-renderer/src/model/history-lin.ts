/**
 * What the history view draws from the checker: linearization points (one tick per
 * operation, at a moment inside its bar, joined per key in the order they take effect) and,
 * on a violation, the window that cannot be ordered, the operation that could not be placed,
 * and what each read could have seen.
 *
 * A view shows a window of the history, whose state at its start is not known. The points
 * come from the checker's own search (check/search.ts) over the window's operations of each
 * key, started from the empty state or from any value the window reads: a legal order of
 * what is on screen, not a verdict (the verdict is the live checker's, over everything).
 */
import type { CheckViolation } from '../../../src-main/api/contract';
import { modelPicker } from '../../../src-main/check/check';
import { makeBudget, search, type StartConfig } from '../../../src-main/check/search';
import type { AnyModel, Operation, Prepared } from '../../../src-main/check/types';
import type { HistoryBar } from './history-ops';

/** LinPoint is one operation's linearization point: the moment (ns) it takes effect in the order found. */
export interface LinPoint {
  index: number;
  t: number;
}

/** LIN_STEPS bounds the search per key (the view must stay responsive; a key past it shows the longest order found). */
export const LIN_STEPS = 100_000;

/** placePoints puts each operation of `order` at the earliest moment inside its span that keeps the order (ns). */
export function placePoints(order: readonly { index: number; start: number; end: number | null }[]): LinPoint[] {
  const out: LinPoint[] = [];
  let prev = -Infinity;
  for (const o of order) {
    // A legal order never asks an operation to take effect after it returned: clamp only guards rounding.
    const t = Math.min(Math.max(prev, o.start), o.end ?? Infinity);
    out.push({ index: o.index, t });
    prev = t;
  }
  return out;
}

/** operationsOf turns one key's bars into the checker's operations (positions from the times of their events). */
function operationsOf(bars: readonly HistoryBar[]): Operation[] {
  const times = [...new Set(bars.flatMap((b) => (b.end === null ? [b.start] : [b.start, b.end])))].sort(
    (a, b) => a - b,
  );
  const pos = new Map(times.map((t, i) => [t, i]));
  return bars
    .filter((b) => b.outcome !== 'fail')
    .map((b) => ({
      index: b.index,
      process: b.process,
      f: b.f,
      key: b.key,
      call: pos.get(b.start) as number,
      ret: b.end === null ? Infinity : (pos.get(b.end) as number),
      time: b.start,
      endTime: b.end,
      status: b.outcome === 'ok' ? 'ok' : 'info',
      input: b.input,
      output: b.output,
    }));
}

/** startsOf: the empty state, and for a value model each value the window reads (written into the empty state). */
function startsOf(model: AnyModel, ops: readonly Prepared<unknown>[]): StartConfig[] {
  const starts: StartConfig[] = [{ state: model.init(), applied: [] }];
  if (!model.readValue) return starts;
  const seen = new Set<string>([model.key(model.init())]);
  for (const p of ops) {
    for (const v of p.reads) {
      const s: unknown = model.step(model.init(), { k: 'write', v }, false);
      if (s === undefined || seen.has(model.key(s))) continue;
      seen.add(model.key(s));
      starts.push({ state: s, applied: [] });
    }
  }
  return starts;
}

/**
 * linearizationPoints finds, per key among `bars`, a legal order of its operations (or the
 * longest legal prefix found within LIN_STEPS) and places the points (see the file comment).
 */
export function linearizationPoints(bars: readonly HistoryBar[], steps = LIN_STEPS): Map<string, LinPoint[]> {
  const pick = modelPicker('kv');
  const byPart = new Map<string, { model: AnyModel; key: string; bars: HistoryBar[] }>();
  for (const b of bars) {
    const probe = { f: b.f } as Operation;
    const { ns, model } = pick(probe);
    const id = `${ns}:${b.key}`;
    let part = byPart.get(id);
    if (!part) byPart.set(id, (part = { model, key: b.key, bars: [] }));
    part.bars.push(b);
  }
  const out = new Map<string, LinPoint[]>();
  for (const [id, part] of byPart) {
    const prepared: Prepared<unknown>[] = [];
    for (const op of operationsOf(part.bars)) {
      const p = part.model.prepare(op);
      if (p !== null && typeof p !== 'string') prepared.push(p as Prepared<unknown>);
    }
    if (prepared.length === 0) continue;
    const r = search(part.model, prepared, startsOf(part.model, prepared), makeBudget(steps), {
      mode: 'any',
      trackLongest: true,
    });
    const order = r.longest.map((i) => {
      const o = (prepared[i] as Prepared<unknown>).op;
      return { index: o.index, start: o.time, end: o.endTime };
    });
    out.set(id, placePoints(order));
  }
  return out;
}

/** ReadSeen is one read of a violation's window with the writes it could have seen. */
export interface ReadSeen {
  index: number;
  description: string;
  /** seen: the window's writes of the value it returned (their descriptions and indices). */
  seen: { index: number; description: string }[];
  /** initial: the value it returned was the key's value at the window's start. */
  initial: boolean;
}

/** ViolationMarks is what the view highlights for a violation. */
export interface ViolationMarks {
  key: string;
  culprit: number;
  /** window: the history indices of the operations that cannot be ordered. */
  window: Set<number>;
  /** from / to: the window's span (ns): from its first invoke to its last answer (or the violation's time). */
  from: number;
  to: number;
  /** order: the longest legal order found, as points. */
  order: LinPoint[];
  reads: ReadSeen[];
  explanation: string;
}

/** violationMarks derives the highlight of a violation from its witness. */
export function violationMarks(v: CheckViolation): ViolationMarks {
  const byIndex = new Map(v.window.map((w) => [w.index, w]));
  const from = Math.min(...v.window.map((w) => w.time));
  const to = Math.max(v.time, ...v.window.map((w) => w.endTime ?? w.time));
  const order = placePoints(
    v.longestOrder.flatMap((i) => {
      const w = byIndex.get(i);
      return w ? [{ index: i, start: w.time, end: w.stillRunning ? null : w.endTime }] : [];
    }),
  );
  const reads: ReadSeen[] = v.window
    .filter((w) => w.couldHaveSeen !== undefined)
    .map((w) => ({
      index: w.index,
      description: w.description,
      seen: (w.couldHaveSeen ?? []).map((i) => ({ index: i, description: byIndex.get(i)?.description ?? `op ${i}` })),
      initial: w.initialCouldExplain === true,
    }));
  return {
    key: v.key,
    culprit: v.culprit,
    window: new Set(v.window.map((w) => w.index)),
    from: Number.isFinite(from) ? from : v.time,
    to,
    order,
    reads,
    explanation: v.explanation,
  };
}
