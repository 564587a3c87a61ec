/**
 * A window of the client history: the operations whose span (invoke to completion) meets a
 * time range, optionally on one key, both events of each — what the history view draws
 * and GET /api/history?key=&from=&to=&limit= answers. The recorder's ring and a saved
 * run's array are both read through `HistorySource`, so the live lab and a replay window
 * a history the same way. Pure, for the backend and the renderer.
 *
 * Cost. The history is in time order, so the range's first event is a binary search away;
 * an operation still running at `from` began at most `lookbackNs` (the longest any
 * completed operation took) before it, so only that much history is read before `from`;
 * operations still running now (no completion at all) are handed in as `open`.
 */
import { checked, fail, int, num, onlyFields, optional, record, str, type Checked } from '../core/validate';
import { MAX_KEY_BYTES } from '../core/kv/types';
import type { HistoryOp, HistoryQuery } from './contract';

/** HISTORY_WINDOW_LIMIT is a window's default number of operations; MAX_HISTORY_WINDOW_LIMIT its largest. */
export const HISTORY_WINDOW_LIMIT = 2000;
export const MAX_HISTORY_WINDOW_LIMIT = 20_000;

/** HistorySource is a history in time order, read by position (the recorder's ring, an array). */
export interface HistorySource {
  readonly size: number;
  at(i: number): HistoryOp;
}

/** WindowHints bound the reading: how long an operation can have run, and those running now. */
export interface WindowHints {
  /** lookbackNs: no completed operation took longer than this. */
  lookbackNs: number;
  /** open: invokes with no completion yet, whatever their age. */
  open: Iterable<HistoryOp>;
}

/** arraySource reads an array as a HistorySource. */
export function arraySource(ops: readonly HistoryOp[]): HistorySource {
  return { size: ops.length, at: (i) => ops[i] as HistoryOp };
}

/** windowHints scans a whole history once for its hints (a saved run; the recorder keeps its own as it goes). */
export function windowHints(src: HistorySource): WindowHints {
  const started = new Map<number, HistoryOp>();
  let lookbackNs = 0;
  for (let i = 0; i < src.size; i++) {
    const e = src.at(i);
    if (e.type === 'invoke') {
      started.set(e.process, e);
      continue;
    }
    const inv = started.get(e.process);
    if (!inv) continue;
    started.delete(e.process);
    lookbackNs = Math.max(lookbackNs, e.time - inv.time);
  }
  return { lookbackNs, open: [...started.values()] };
}

/** firstAtOrAfter is the position of the first event at or after time t (binary search). */
function firstAtOrAfter(src: HistorySource, t: number): number {
  let lo = 0;
  let hi = src.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (src.at(mid).time < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** HistoryPair is one operation of a window: its invoke and its completion (null while it runs). */
export interface HistoryPair {
  invoke: HistoryOp;
  done: HistoryOp | null;
}

/**
 * windowPairs finds the operations of `src` matching `q` (see the file comment), oldest
 * invoke first, at most `q.limit` (default HISTORY_WINDOW_LIMIT) of them.
 */
export function windowPairs(src: HistorySource, q: HistoryQuery, hints: WindowHints): HistoryPair[] {
  const from = q.from ?? -Infinity;
  const to = q.to ?? Infinity;
  const limit = Math.min(q.limit ?? HISTORY_WINDOW_LIMIT, MAX_HISTORY_WINDOW_LIMIT);
  const wanted = (e: HistoryOp): boolean => q.key === undefined || e.key === q.key;
  const out: HistoryPair[] = [];
  const seen = new Set<number>();
  const pending = new Map<number, HistoryOp>();
  const stopAt = to + hints.lookbackNs;
  for (let i = firstAtOrAfter(src, from - hints.lookbackNs); i < src.size; i++) {
    const e = src.at(i);
    if (e.time > to && pending.size === 0) break;
    // Past this, an operation still pending has run longer than any that completed: it is open.
    if (e.time > stopAt) break;
    if (e.type === 'invoke') {
      if (e.time <= to && wanted(e)) pending.set(e.process, e);
      continue;
    }
    const inv = pending.get(e.process);
    if (!inv) continue;
    pending.delete(e.process);
    if (e.time >= from) {
      out.push({ invoke: inv, done: e });
      seen.add(inv.index);
    }
  }
  for (const inv of [...pending.values(), ...hints.open]) {
    if (seen.has(inv.index) || inv.time > to || !wanted(inv)) continue;
    seen.add(inv.index);
    out.push({ invoke: inv, done: null });
  }
  out.sort((a, b) => a.invoke.index - b.invoke.index);
  return out.length > limit ? out.slice(0, limit) : out;
}

/** historyWindow is windowPairs as history events (each operation's invoke, then its completion), in index order. */
export function historyWindow(src: HistorySource, q: HistoryQuery, hints: WindowHints): HistoryOp[] {
  const events: HistoryOp[] = [];
  for (const p of windowPairs(src, q, hints)) {
    events.push(p.invoke);
    if (p.done) events.push(p.done);
  }
  return events.sort((a, b) => a.index - b.index);
}

/** isEmptyQuery: no field set (the whole history, as GET /api/history always answered). */
export function isEmptyQuery(q: HistoryQuery | undefined): boolean {
  return q === undefined || Object.values(q).every((v) => v === undefined);
}

const TIME_WHAT = 'a time in ns since the run began (a non-negative number)';

/** validateHistoryQuery checks GET /api/history's query {key, from, to, limit} (numbers may arrive as query strings). */
export function validateHistoryQuery(x: unknown): Checked<HistoryQuery | undefined> {
  return checked(() => {
    if (x === undefined || x === null) return undefined;
    const o = record(x, 'the history query', 'a JSON object');
    onlyFields(o, ['key', 'from', 'to', 'limit'], 'history query');
    const numeric = (v: unknown): unknown => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v);
    const q: HistoryQuery = {};
    const key = optional(o.key, (v) => str(v, 'key', { min: 1, max: MAX_KEY_BYTES }));
    const from = optional(o.from, (v) => num(numeric(v), 'from', 0, Number.MAX_SAFE_INTEGER, { what: TIME_WHAT }));
    const to = optional(o.to, (v) => num(numeric(v), 'to', 0, Number.MAX_SAFE_INTEGER, { what: TIME_WHAT }));
    const limit = optional(o.limit, (v) => int(numeric(v), 'limit', 1, MAX_HISTORY_WINDOW_LIMIT));
    if (from !== undefined && to !== undefined && to < from) fail(`to (${to}) must not be before from (${from})`);
    if (key !== undefined) q.key = key;
    if (from !== undefined) q.from = from;
    if (to !== undefined) q.to = to;
    if (limit !== undefined) q.limit = limit;
    return isEmptyQuery(q) ? undefined : q;
  });
}
