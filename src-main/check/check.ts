/**
 * checkHistory: is a client history linearizable? The history is split per key
 * (P-compositionality: a history is linearizable iff each key's sub-history is, since an
 * operation touches one key and the models give keys independent states), each key is
 * searched on its own, and the first key that fails gets a witness.
 *
 * Keys and models: with the `kv` model, lock operations (lock, renew, unlock) on a name
 * go to the lock model and everything else on a key (read, write, delete, cas, append,
 * fenced-write) to the key-value model — locks and the data live in separate namespaces of
 * the state machine, so `lock x` and `write x` never share a partition. The `register`
 * model takes a single-register history (Jepsen's etcd register tests).
 */
import { HistoryError, pairHistory } from './history';
import { kvModel } from './models/kv';
import { lockModel } from './models/lock';
import { registerModel } from './models/register';
import { Searcher, makeBudget, type StepBudget } from './search';
import type { AnyModel, Budget, CheckResult, HistoryEvent, KeyVerdict, Operation, Prepared } from './types';
import { WITNESS_STEPS, buildWitness } from './witness';

/** ModelName names the models the checker offers. */
export type ModelName = 'register' | 'kv';

/** MODEL_NAMES lists them (for the CLI). */
export const MODEL_NAMES: readonly ModelName[] = ['register', 'kv'];

/** CheckOptions: the model (default kv), Porcupine's '' = absent rule, the budget, and whether to build a witness. */
export interface CheckOptions {
  model?: ModelName;
  emptyIsAbsent?: boolean;
  budget?: Budget;
  witness?: boolean;
}

/** Partition is one key's operations with the model that checks them. */
export interface Partition {
  /** id: the model's namespace and the key (`kv:x`, `lock:x`, `register:`). */
  id: string;
  key: string;
  model: AnyModel;
  ops: Prepared<unknown>[];
}

/** ROUND_STEPS is each key's allowance in the first round (it grows fourfold per round). */
const ROUND_STEPS = 20_000;

const LOCK_OPS = new Set(['lock', 'renew', 'unlock']);

/** ModelPicker chooses the partition (namespace + model) of one operation. */
export type ModelPicker = (op: Operation) => { ns: string; model: AnyModel };

/** modelPicker returns the picker of a model name (see the file comment). */
export function modelPicker(name: ModelName, emptyIsAbsent = false): ModelPicker {
  // One answer object per partition kind, not one per operation (callers only read it).
  const register = Object.freeze({ ns: 'register', model: registerModel });
  if (name === 'register') return () => register;
  const kv = Object.freeze({ ns: 'kv', model: kvModel({ emptyIsAbsent }) });
  const lock = Object.freeze({ ns: 'lock', model: lockModel });
  return (op) => (LOCK_OPS.has(op.f) ? lock : kv);
}

/** prepareOne prepares an operation with its partition's model; throws HistoryError on a malformed value. */
export function prepareOne(
  op: Operation,
  pick: ModelPicker,
): { id: string; model: AnyModel; p: Prepared<unknown> | null } {
  const { ns, model } = pick(op);
  const p = model.prepare(op) as Prepared<unknown> | null | string;
  if (typeof p === 'string') throw new HistoryError(`operation ${op.index} (${op.f} ${op.key}): ${p}`);
  return { id: `${ns}:${ns === 'register' ? '' : op.key}`, model, p };
}

/** partition splits operations into per-key partitions, sorted by id; throws HistoryError. */
export function partition(ops: readonly Operation[], name: ModelName, emptyIsAbsent = false): Partition[] {
  const pick = modelPicker(name, emptyIsAbsent);
  const parts = new Map<string, Partition>();
  // Before any operation is read: a kv history's appends would otherwise be the complaint.
  if (name === 'register') {
    const keys = new Set(ops.map((op) => op.key));
    if (keys.size > 1) {
      throw new HistoryError(
        `the register model checks one register, but this history has ${keys.size} keys (use the kv model)`,
      );
    }
  }
  for (const op of ops) {
    const { id, model, p } = prepareOne(op, pick);
    if (!p) continue;
    let part = parts.get(id);
    if (!part) {
      part = { id, key: name === 'register' ? '' : op.key, model, ops: [] };
      parts.set(id, part);
    }
    part.ops.push(p);
  }
  return [...parts.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function budgetOf(b: Budget | undefined, maxSteps?: number): StepBudget {
  return makeBudget(maxSteps ?? b?.maxSteps ?? 50_000_000, b?.clock, b?.deadlineMs ?? Infinity);
}

/** checkOperations checks already paired operations (see checkHistory). */
export function checkOperations(ops: readonly Operation[], opts: CheckOptions = {}): CheckResult {
  const name = opts.model ?? 'kv';
  const parts = partition(ops, name, opts.emptyIsAbsent);
  const budget = budgetOf(opts.budget);
  const result: CheckResult = {
    linearizable: true,
    model: name,
    ops: parts.reduce((n, p) => n + p.ops.length, 0),
    keys: parts.length,
    unknownKeys: [],
    steps: 0,
    violation: null,
    perKey: [],
  };
  const verdicts = parts.map(
    (p) => ({ key: p.key, model: p.model.name, ops: p.ops.length, linearizable: null, steps: 0 }) as KeyVerdict,
  );
  result.perKey = verdicts;
  // Rounds of growing per-key allowances: one failing key decides the verdict, so an easy
  // failure is found before the hard keys have eaten the budget. Each key's search pauses
  // at the end of its allowance and resumes where it stopped in the next round.
  const searchers = parts.map((p) => new Searcher(p.model, p.ops, [{ state: p.model.init(), applied: [] }]));
  let open = parts.map((_, i) => i);
  for (let cap = ROUND_STEPS; open.length > 0 && !budget.exhausted && result.linearizable !== false; cap *= 4) {
    const still: number[] = [];
    for (const i of open) {
      const part = parts[i] as Partition;
      const v = verdicts[i] as KeyVerdict;
      const round = makeBudget(Math.min(cap, budget.maxSteps - budget.steps), budget.clock, budget.deadlineMs);
      const r = (searchers[i] as Searcher).resume(round);
      budget.steps += round.steps;
      v.steps = r.steps;
      if (r.result === 'budget') {
        if (round.steps >= budget.maxSteps - budget.steps || (budget.clock && budget.clock() >= budget.deadlineMs))
          budget.exhausted = true;
        still.push(i);
        continue;
      }
      v.linearizable = r.result === 'ok';
      if (r.result === 'fail') {
        result.linearizable = false;
        if (opts.witness !== false) {
          const wb = budgetOf(opts.budget, WITNESS_STEPS);
          const start = [{ state: part.model.init(), applied: [] }];
          result.violation = buildWitness(part.model, part.key, part.ops, start, 0, wb);
        }
        break;
      }
    }
    open = still;
  }
  if (result.linearizable !== false)
    result.unknownKeys = verdicts.filter((v) => v.linearizable === null).map((v) => v.key);
  result.steps = budget.steps;
  if (result.linearizable && result.unknownKeys.length > 0) result.linearizable = null;
  return result;
}

/**
 * checkHistory tells whether a history (events in the order they happened) is linearizable
 * under a model; throws HistoryError when the history cannot be read. The simulator and
 * the lab call this.
 */
export function checkHistory(events: readonly HistoryEvent[], opts: CheckOptions = {}): CheckResult {
  return checkOperations(pairHistory(events).ops, opts);
}
