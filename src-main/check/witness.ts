/**
 * The witness of a violation: the smallest window of one key's operations that cannot be
 * ordered, the operation that could not be placed, and a sentence saying why.
 *
 * 1. The shortest failing prefix. Cut the history just after a return event: operations
 *    that had not returned by then become indeterminate (reads among them tell nothing and
 *    go). A linearizable history stays linearizable when cut (take its order, keep the part
 *    up to the last operation that had returned), so the first cut that fails is a genuine
 *    violation, and the operation whose return ends it is the one that could not be placed.
 * 2. Minimise. Remove operations while the rest still fails, but only ones whose absence
 *    cannot *create* a violation: a reader (it only adds a constraint) or a writer whose
 *    value no remaining operation observes (in any order of the full window, dropping it
 *    leaves every observation intact). Then a window that fails proves the whole history
 *    fails — no witness blames a read on a write that was merely left out.
 */
import { search, type StartConfig, type StepBudget } from './search';
import type { AnyModel, Prepared, Violation, WitnessOp } from './types';

/** WITNESS_STEPS caps the search steps one witness may spend (the verdict is already known). */
export const WITNESS_STEPS = 5_000_000;

function fails(model: AnyModel, ops: Prepared<unknown>[], starts: StartConfig[], b: StepBudget): boolean | null {
  const r = search(model, ops, starts, b).result;
  return r === 'budget' ? null : r === 'fail';
}

/** truncate cuts `ops` just after event position `at` (carried operations, at the front, stay). */
function truncate(model: AnyModel, ops: Prepared<unknown>[], at: number): Prepared<unknown>[] {
  const out: Prepared<unknown>[] = [];
  for (const p of ops) {
    if (p.op.call > at) continue;
    if (p.op.ret <= at) {
      out.push(p);
      continue;
    }
    const cut = model.prepare({
      ...p.op,
      status: 'info',
      ret: Infinity,
      endTime: null,
      output: undefined,
      cutShort: true,
    });
    if (cut !== null && typeof cut !== 'string') out.push(cut);
  }
  return out;
}

/** shortestFailingPrefix binary-searches the return events for the first cut that fails. */
function shortestFailingPrefix(
  model: AnyModel,
  ops: Prepared<unknown>[],
  starts: StartConfig[],
  b: StepBudget,
): { ops: Prepared<unknown>[]; culprit: Prepared<unknown> } | null {
  const rets = ops.filter((p) => p.op.ret !== Infinity).sort((a, c) => a.op.ret - c.op.ret);
  let lo = 0;
  let hi = rets.length - 1; // the whole history fails: the last cut is known to fail
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const f = fails(model, truncate(model, ops, (rets[mid] as Prepared<unknown>).op.ret), starts, b);
    if (f === null) return null;
    if (f) hi = mid;
    else lo = mid + 1;
  }
  const culprit = rets[lo];
  if (!culprit) return null;
  return { ops: truncate(model, ops, culprit.op.ret), culprit };
}

/** removable picks the members of `chunk` that may go when `kept` stays (see the file comment). */
function removable(chunk: Prepared<unknown>[], kept: Set<Prepared<unknown>>, anyPinned: boolean): Prepared<unknown>[] {
  let out = chunk.filter((p) => !p.pinned && (p.writes === undefined || !anyPinned));
  for (;;) {
    const gone = new Set(out);
    const next = out.filter((p) => {
      if (p.writes === undefined) return true;
      for (const q of kept) if (!gone.has(q) && q.reads.includes(p.writes)) return false;
      for (const q of chunk) if (!gone.has(q) && q !== p && q.reads.includes(p.writes)) return false;
      return true;
    });
    if (next.length === out.length) return out;
    out = next;
  }
}

/** minimise removes chunks of operations (halving the chunk size) while the rest still fails. */
function minimise(
  model: AnyModel,
  ops: Prepared<unknown>[],
  fixed: number,
  culprit: Prepared<unknown>,
  starts: StartConfig[],
  b: StepBudget,
): { ops: Prepared<unknown>[]; complete: boolean } {
  let cur = ops;
  const anyPinned = ops.some((p) => p.pinned);
  let size = Math.max(1, Math.ceil((cur.length - fixed) / 2));
  for (;;) {
    const cands = cur.slice(fixed).filter((p) => p !== culprit);
    let changed = false;
    for (let i = 0; i < cands.length; i += size) {
      const all = new Set(cur);
      const chunk = cands.slice(i, i + size).filter((p) => all.has(p));
      const rest = new Set(cur.filter((p) => !chunk.includes(p)));
      const go = new Set(removable(chunk, rest, anyPinned));
      if (go.size === 0) continue;
      const trial = cur.filter((p) => !go.has(p));
      const f = fails(model, trial, starts, b);
      if (f === null) return { ops: cur, complete: false };
      if (f) {
        cur = trial;
        changed = true;
      }
    }
    if (!changed && size === 1) return { ops: cur, complete: true };
    if (!changed) size = Math.max(1, size >> 1);
  }
}

function witnessOp(model: AnyModel, p: Prepared<unknown>, window: Prepared<unknown>[], initial: unknown[]): WitnessOp {
  const o = p.op;
  const w: WitnessOp = {
    index: o.index,
    process: o.process,
    f: o.f,
    key: o.key,
    status: o.status,
    stillRunning: o.cutShort === true,
    value: o.input,
    result: o.output,
    call: o.call,
    ret: o.ret === Infinity ? null : o.ret,
    time: o.time,
    endTime: o.endTime,
    description: model.describe(p),
  };
  // After an append the value depends on many writes: which one a read saw is no simple list.
  if (o.f === 'read' && p.reads.length === 1 && !window.some((q) => q.pinned)) {
    const v = p.reads[0];
    w.couldHaveSeen = window.filter((q) => q !== p && q.writes === v && q.op.call < o.ret).map((q) => q.op.index);
    if (model.readValue) w.initialCouldExplain = initial.some((s) => model.readValue?.(s) === v);
  }
  return w;
}

/** buildWitness finds and explains a violation in one key's failing operations (never throws; best effort within its budget). */
export function buildWitness(
  model: AnyModel,
  key: string,
  ops: Prepared<unknown>[],
  starts: StartConfig[],
  fixed: number,
  b: StepBudget,
): Violation {
  let window = ops;
  let culprit: Prepared<unknown> | undefined;
  let minimised = false;
  const prefix = shortestFailingPrefix(model, ops, starts, b);
  if (prefix) {
    culprit = prefix.culprit;
    const m = minimise(model, prefix.ops, fixed, prefix.culprit, starts, b);
    window = m.ops;
    minimised = m.complete;
  }
  if (!culprit)
    culprit = ops.reduce((a, p) => (p.op.ret !== Infinity && (a.op.ret === Infinity || p.op.ret > a.op.ret) ? p : a));
  const initial = starts.map((s) => s.state);
  const longest = search(model, window, starts, b, { mode: 'any', trackLongest: true }).longest;
  const sorted = [...window].sort((a, c) => a.op.call - c.op.call);
  const explanation =
    model.explain?.(sorted, culprit, initial) ??
    `${model.describe(culprit)} cannot be placed: no order of these ${sorted.length} operations on ${key === '' ? 'the register' : key} is legal`;
  return {
    key,
    model: model.name,
    explanation,
    culprit: culprit.op.index,
    window: sorted.map((p) => witnessOp(model, p, sorted, initial)),
    longestOrder: longest.map((i) => (window[i] as Prepared<unknown>).op.index),
    initial: [...new Set(initial.map((s) => model.describeState(s, key)))],
    minimised,
  };
}
