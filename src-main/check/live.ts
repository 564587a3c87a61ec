/**
 * LiveChecker: the verdict while a run goes on. It takes history events as they happen
 * (an invoke, later its completion), keeps one window of operations per key, and on
 * `check()` searches the windows that changed.
 *
 * Compaction (why it is sound). When no operation on a key is in flight, every operation
 * in its window has returned, and every later operation on that key will be invoked
 * after all of them returned: in any linearization of the whole history, the window's
 * operations come first. So the whole is linearizable iff some complete linearization of
 * the window ends in a configuration from which the rest is linearizable. The window can
 * therefore be replaced by the set of those end configurations — the model state plus
 * which indeterminate operations have already taken effect — found by a search that
 * collects every end configuration instead of stopping at the first. An indeterminate
 * operation may still take effect later, so it is carried into the next window (before
 * every new operation) and applied there or never; it is dropped once every configuration
 * has applied it (an operation takes effect at most once).
 *
 * Limits: a key that is never quiescent (always an operation in flight) cannot be
 * compacted; past `maxWindowOps` its verdict becomes unknown (null), as does a key with
 * more than `maxConfigs` end configurations or `maxCarried` pending indeterminate
 * operations at a quiescent point. The verdict is never wrong, only sometimes unknown.
 */
import { modelPicker, prepareOne, type ModelName, type ModelPicker } from './check';
import { HistoryError, normalizeF } from './history';
import { Searcher, makeBudget, type StartConfig, type StepBudget } from './search';
import type { AnyModel, HistoryEvent, Operation, Prepared, Violation } from './types';
import { WITNESS_STEPS, buildWitness } from './witness';

/** LiveOptions bound the live checker's memory and work. */
export interface LiveOptions {
  model?: ModelName;
  emptyIsAbsent?: boolean;
  /** maxWindowOps: a key's window past this size (never quiescent) makes its verdict unknown. */
  maxWindowOps?: number;
  /** maxConfigs: end configurations kept at a compaction (more: the key's verdict becomes unknown). */
  maxConfigs?: number;
  /** maxCarried: indeterminate operations carried across compactions (more: unknown). */
  maxCarried?: number;
}

/** LiveVerdict is what the header shows. */
export interface LiveVerdict {
  linearizable: boolean | null;
  /** ops: operations completed (failed ones excluded). */
  ops: number;
  keys: number;
  /** lagOps: completed operations not yet covered by a check. */
  lagOps: number;
  /** held: operations kept in the windows (the rest has been compacted away). */
  held: number;
  violation: Violation | null;
}

interface KeyWindow {
  id: string;
  /** seq: the window's creation order (windows are checked in it). */
  seq: number;
  key: string;
  model: AnyModel;
  /** carried: indeterminate operations from earlier windows (call -1), at the front of every search. */
  carried: Prepared<unknown>[];
  /** configs: the possible (state, applied carried operations) at the window's start. */
  configs: StartConfig[];
  /** ops: this window's operations (in flight ones as indeterminate until they complete), by invoke. */
  ops: Prepared<unknown>[];
  inflight: Map<number, number>;
  lag: number;
  dead: boolean;
  /** paused: a search that ran out of allowance, resumed next time if the window has not changed since. */
  paused: Plan | null;
  /** counted: what the checker's totals hold for this window (lag, operations held, dead). */
  counted: { lag: number; held: number; dead: boolean };
}

/** Plan is one search over a window: compacting up to `cut`, or verifying the whole window. */
interface Plan {
  searcher: Searcher;
  all: Prepared<unknown>[];
  /** cut: compact up to this event position (null: verify only). */
  cut: number | null;
}

/** ROUND_STEPS is each window's allowance in the first round of a check (it grows fourfold per round). */
const ROUND_STEPS = 20_000;

interface Open {
  op: Operation;
  win: KeyWindow;
}

/** LiveChecker checks a history as it arrives (see the file comment). */
export class LiveChecker {
  private readonly pick: ModelPicker;
  private readonly windows = new Map<string, KeyWindow>();
  private readonly open = new Map<number, Open>();
  private pos = 0;
  private opCount = 0;
  private violation: Violation | null = null;
  private readonly maxWindowOps: number;
  private readonly maxConfigs: number;
  private readonly maxCarried: number;
  /**
   * touched: windows changed since the totals were last brought up to date. The totals
   * (lag, held, dead) and the set of windows with unchecked operations are kept as windows
   * change, not summed over every window per verdict: with a put load spread over 10,000
   * keys, those sums — three per batch of events — were most of the checker's work.
   */
  private readonly touched = new Set<KeyWindow>();
  /** lagging: windows with unchecked operations that are not dead (as of the last settle). */
  private readonly lagging = new Set<KeyWindow>();
  private lagTotal = 0;
  private heldTotal = 0;
  private deadWindows = 0;

  constructor(opts: LiveOptions = {}) {
    this.pick = modelPicker(opts.model ?? 'kv', opts.emptyIsAbsent);
    this.maxWindowOps = opts.maxWindowOps ?? 5000;
    this.maxConfigs = opts.maxConfigs ?? 64;
    this.maxCarried = opts.maxCarried ?? 64;
  }

  /** ingest takes the next history event; throws HistoryError on one that does not pair up or cannot be read. */
  ingest(ev: HistoryEvent): void {
    const pos = this.pos++;
    if (ev.type === 'invoke') return this.invoke(ev, pos);
    const o = this.open.get(ev.process);
    if (!o) throw new HistoryError(`event ${ev.index}: process ${ev.process} completed an operation it never invoked`);
    this.open.delete(ev.process);
    const w = o.win;
    this.touched.add(w);
    w.paused = null;
    const at = w.inflight.get(o.op.index);
    w.inflight.delete(o.op.index);
    const slot = at === undefined ? -1 : w.ops.findIndex((p) => p.op.index === o.op.index);
    if (ev.type === 'fail') {
      if (slot >= 0) w.ops.splice(slot, 1);
      return;
    }
    const done: Operation =
      ev.type === 'ok' ? { ...o.op, ret: pos, endTime: ev.time, status: 'ok', output: ev.value } : o.op;
    const p = prepareOne(done, this.pick).p;
    if (p) {
      this.opCount++;
      w.lag++;
    }
    if (slot >= 0) {
      if (p) w.ops[slot] = p;
      else w.ops.splice(slot, 1);
    } else if (p) w.ops.push(p);
  }

  private invoke(ev: HistoryEvent, pos: number): void {
    if (this.open.has(ev.process)) {
      throw new HistoryError(
        `event ${ev.index}: process ${ev.process} invoked again before its last operation completed`,
      );
    }
    const op: Operation = {
      index: ev.index,
      process: ev.process,
      f: normalizeF(ev.f),
      key: ev.key,
      call: pos,
      ret: Infinity,
      time: ev.time,
      endTime: null,
      status: 'info',
      input: ev.value,
      output: undefined,
    };
    // Prepared now as indeterminate: until it completes it may already have taken effect.
    const { id, model, p } = prepareOne(op, this.pick);
    const w = this.window(id, op.key, model);
    this.touched.add(w);
    this.open.set(ev.process, { op, win: w });
    w.inflight.set(op.index, pos);
    if (p) {
      w.ops.push(p);
      w.paused = null;
    }
  }

  private window(id: string, key: string, model: AnyModel): KeyWindow {
    let w = this.windows.get(id);
    if (!w) {
      w = {
        id,
        seq: this.windows.size,
        key,
        model,
        carried: [],
        configs: [{ state: model.init(), applied: [] }],
        ops: [],
        inflight: new Map(),
        lag: 0,
        dead: false,
        paused: null,
        counted: { lag: 0, held: 0, dead: false },
      };
      this.windows.set(id, w);
    }
    return w;
  }

  /**
   * check searches every window with unchecked operations, within `maxSteps` (and the
   * optional clock deadline). Windows take turns with growing allowances, so one hard key
   * does not starve the others, and a search cut short resumes on the next check.
   */
  check(maxSteps = 2_000_000, clock?: () => number, deadlineMs = Infinity): LiveVerdict {
    const budget = makeBudget(maxSteps, clock, deadlineMs);
    this.settle();
    let todo = [...this.lagging].sort((a, b) => a.seq - b.seq);
    for (let cap = ROUND_STEPS; todo.length > 0 && !this.violation && !budget.exhausted; cap *= 4) {
      const still: KeyWindow[] = [];
      for (const w of todo) {
        if (this.violation || budget.exhausted) break;
        const round = makeBudget(Math.min(cap, budget.maxSteps - budget.steps), clock, deadlineMs);
        const done = this.checkWindow(w, round);
        this.touched.add(w);
        budget.steps += round.steps;
        if (budget.steps >= budget.maxSteps || (clock && clock() >= deadlineMs)) budget.exhausted = true;
        if (!done) still.push(w);
      }
      todo = still;
    }
    return this.verdict();
  }

  /** verdict reports the state of things without searching. */
  verdict(): LiveVerdict {
    this.settle();
    return {
      linearizable: this.violation ? false : this.deadWindows > 0 ? null : true,
      ops: this.opCount,
      keys: this.windows.size,
      lagOps: this.lagTotal,
      held: this.heldTotal,
      violation: this.violation,
    };
  }

  /** settle brings the totals and the lagging set up to date with the windows changed since the last settle. */
  private settle(): void {
    for (const w of this.touched) {
      const c = w.counted;
      const held = w.carried.length + w.ops.length;
      this.lagTotal += w.lag - c.lag;
      this.heldTotal += held - c.held;
      if (w.dead !== c.dead) this.deadWindows += w.dead ? 1 : -1;
      c.lag = w.lag;
      c.held = held;
      c.dead = w.dead;
      if (w.lag > 0 && !w.dead) this.lagging.add(w);
      else this.lagging.delete(w);
    }
    this.touched.clear();
  }

  /**
   * plan picks the next search for a window: compaction up to the oldest operation still in
   * flight (every operation invoked before it has completed, so their results are known),
   * or, with nothing to compact, a plain check of the whole window.
   */
  private plan(w: KeyWindow): Plan {
    let cut = Infinity;
    for (const at of w.inflight.values()) cut = Math.min(cut, at);
    const pre = w.ops.filter((p) => p.op.call < cut);
    if (pre.length > 0 && w.carried.length <= this.maxCarried) {
      const all = [...w.carried, ...pre];
      const opts = { mode: 'finals' as const, maxFinals: this.maxConfigs, cut };
      return { searcher: new Searcher(w.model, all, w.configs, opts), all, cut };
    }
    const all = [...w.carried, ...w.ops];
    return { searcher: new Searcher(w.model, all, w.configs), all, cut: null };
  }

  /** checkWindow advances one window's searches; false when it ran out of allowance. */
  private checkWindow(w: KeyWindow, budget: StepBudget): boolean {
    if (this.maybeCompactOne(w, budget)) return true;
    for (;;) {
      const plan = (w.paused ??= this.plan(w));
      const r = plan.searcher.resume(budget);
      if (r.result === 'budget') {
        if (budget.exhausted) return false;
        if (plan.cut !== null) {
          // Too many end configurations to compact: check the window plainly instead.
          const all = [...w.carried, ...w.ops];
          w.paused = { searcher: new Searcher(w.model, all, w.configs), all, cut: null };
          continue;
        }
        w.paused = null;
        w.dead = true; // the memo is full: this key's verdict is unknown
        return true;
      }
      w.paused = null;
      if (r.result === 'fail') {
        this.fail(w);
        return true;
      }
      if (plan.cut === null) {
        w.lag = 0;
        if (w.ops.length > this.maxWindowOps) w.dead = true;
        return true;
      }
      this.compact(w, plan.all, r.finals, plan.cut);
      if (!w.ops.some((p) => p.op.ret !== Infinity)) {
        w.lag = 0;
        return true;
      }
    }
  }

  /**
   * maybeCompactOne compacts a window that holds one completed operation and nothing else
   * in flight, from one start configuration with nothing carried — under a load spread over
   * many keys, most windows at a check — by stepping the model once: the search over it
   * would find exactly that one end configuration, and compaction keep exactly it. An
   * operation the model refuses is left to the search, which builds the witness.
   */
  private maybeCompactOne(w: KeyWindow, budget: StepBudget): boolean {
    const p = w.ops[0];
    const start = w.configs[0];
    if (w.paused || w.ops.length !== 1 || w.carried.length > 0 || w.configs.length !== 1 || w.inflight.size > 0)
      return false;
    if (!p || !start || p.op.ret === Infinity || start.applied.length > 0) return false;
    const next: unknown = w.model.step(start.state, p.data, false);
    if (next === undefined) return false;
    budget.steps++;
    w.configs = [{ state: next, applied: [] }];
    w.ops = [];
    w.lag = 0;
    return true;
  }

  private fail(w: KeyWindow): void {
    const b = makeBudget(WITNESS_STEPS);
    this.violation = buildWitness(w.model, w.key, [...w.carried, ...w.ops], w.configs, w.carried.length, b);
    w.lag = 0;
  }

  /** compact replaces the window's operations invoked before `cut` by their end configurations (see the file comment). */
  private compact(w: KeyWindow, all: Prepared<unknown>[], finals: StartConfig[], cut: number): void {
    const optional = all.map((p, i) => (p.op.ret === Infinity || p.op.ret > cut ? i : -1)).filter((i) => i >= 0);
    const reduced = reduceConfigs(w.model, all, optional, finals);
    // Keep an operation that may still take effect while some configuration has not applied it.
    const keep = optional.filter((i) => reduced.some((f) => !f.applied.includes(i)));
    const newPos = new Map(keep.map((i, j) => [i, j]));
    w.carried = keep.map((i) => {
      const p = all[i] as Prepared<unknown>;
      return { ...p, op: { ...p.op, call: -1 } };
    });
    w.configs = reduced.map((f) => ({
      state: f.state,
      applied: f.applied.filter((i) => newPos.has(i)).map((i) => newPos.get(i) as number),
    }));
    w.ops = w.ops.filter((p) => p.op.call >= cut);
  }
}

/** REDUCE_NODES bounds the configurations one reduction explores from each configuration. */
const REDUCE_NODES = 256;

function configKey(model: AnyModel, c: StartConfig): string {
  return model.key(c.state) + '|' + [...c.applied].sort((a, b) => a - b).join(',');
}

/**
 * reduceConfigs drops end configurations that another one subsumes (`optional`: the
 * operations that may still take effect after the cut), which keeps pending
 * indeterminate operations from multiplying the configurations. A subsumes B when B is
 * reachable from A by applying some of A's pending operations at once (they were invoked
 * before every later operation, so A may apply them first); or when both have the same
 * state and B has applied only indeterminate operations more (A may simply never apply them).
 */
export function reduceConfigs(
  model: AnyModel,
  all: Prepared<unknown>[],
  optional: number[],
  configs: StartConfig[],
): StartConfig[] {
  const byKey = new Map<string, StartConfig>();
  for (const c of configs) byKey.set(configKey(model, c), c);
  const redundant = new Set<string>();
  const pendingOf = (c: StartConfig): number[] => optional.filter((i) => !c.applied.includes(i));
  for (const [k, a] of byKey) {
    if (redundant.has(k)) continue;
    const queue: StartConfig[] = [a];
    const seen = new Set([k]);
    for (let q = 0; q < queue.length && seen.size < REDUCE_NODES; q++) {
      const c = queue[q] as StartConfig;
      for (const i of pendingOf(c)) {
        const p = all[i] as Prepared<unknown>;
        const ns: unknown = model.step(c.state, p.data, p.op.ret === Infinity);
        if (ns === undefined) continue;
        const next = { state: ns, applied: [...c.applied, i] };
        const nk = configKey(model, next);
        if (seen.has(nk)) continue;
        seen.add(nk);
        if (byKey.has(nk)) redundant.add(nk);
        queue.push(next);
      }
    }
  }
  const left = [...byKey].filter(([k]) => !redundant.has(k)).map(([, c]) => c);
  const indet = (i: number): boolean => (all[i] as Prepared<unknown>).op.ret === Infinity;
  return left.filter(
    (b) =>
      !left.some(
        (a) =>
          a !== b &&
          model.key(a.state) === model.key(b.state) &&
          a.applied.length < b.applied.length &&
          a.applied.every((i) => b.applied.includes(i)) &&
          b.applied.every((i) => a.applied.includes(i) || indet(i)),
      ),
  );
}
