/**
 * The linearizability checker's shared types: the history it reads, the operations it
 * builds from it, the model contract, and the verdict with its witness (plain data, so the
 * UI can draw it and the CLI can print or serialise it).
 */

/** HistoryEvent is one line of a Jepsen-style client history (the lab's HistoryOp has this shape). */
export interface HistoryEvent {
  index: number;
  /** time: ns since the run began (only shown; the order of events is what counts). */
  time: number;
  process: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: string;
  key: string;
  value: unknown;
}

/**
 * Operation is one client operation: an invoke paired with its completion. `call` and `ret`
 * are positions in the history's event order; `ret` is Infinity for an indeterminate
 * operation (completed `info`, or never completed), which may take effect at any time after
 * its call, or never.
 */
export interface Operation {
  /** index: the history index of the invoke (how a witness names the operation). */
  index: number;
  process: number;
  f: string;
  key: string;
  call: number;
  ret: number;
  /** time / endTime: the invoke's and completion's `time` (endTime null when indeterminate). */
  time: number;
  endTime: number | null;
  status: 'ok' | 'info';
  /** input: the invoke's value; output: the completion's value (undefined when indeterminate). */
  input: unknown;
  output: unknown;
  /** cutShort: it completed only after the failing prefix a witness shows, so there it is still running. */
  cutShort?: boolean;
}

/** Prepared is an operation in the form one model steps over, with what the witness needs to know of it. */
export interface Prepared<P> {
  op: Operation;
  /** data: the model's own form of the operation (parsed once). */
  data: P;
  /**
   * writes: the value this operation makes observable (a written value, a granted token), or
   * undefined when it writes nothing; reads: the values it observes. The witness minimiser
   * removes a writer only when no remaining operation reads what it wrote.
   */
  writes: string | null | undefined;
  reads: (string | null)[];
  /** pinned: never removed by the witness minimiser (its result depends on the whole state, e.g. append). */
  pinned: boolean;
}

/**
 * Model is a sequential specification. `step` returns the state after `p` is applied to `s`,
 * or undefined when `p` (with its recorded result) cannot happen in state `s`. States are
 * immutable values; `key` is a canonical string (equal states, equal keys), used to memoise.
 */
export interface Model<S, P> {
  name: string;
  /** prepare turns an operation into the model's form; null drops it (it constrains nothing); a string is an input error. */
  prepare(op: Operation): Prepared<P> | null | string;
  init(): S;
  step(s: S, p: P, indeterminate: boolean): S | undefined;
  key(s: S): string;
  /** describeState says a state in words, e.g. `x = 2`. */
  describeState(s: S, key: string): string;
  /** describe says an operation in words, e.g. `write x=2`, `read x → 1`. */
  describe(p: Prepared<P>): string;
  /** readValue: the value a plain read would return in state s (value models only). */
  readValue?(s: S): string | null;
  /** explain returns the one-sentence reason for a minimised failing window, or null to use the generic one. */
  explain?(window: Prepared<P>[], culprit: Prepared<P>, initial: S[]): string | null;
}

/** AnyModel is a model whose state and operation types are erased (the checker treats them opaquely). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyModel = Model<any, any>;

/** Budget bounds one check: steps of the search, and an optional clock with a deadline. */
export interface Budget {
  /** maxSteps: search steps over all keys (default 50 million). */
  maxSteps?: number;
  /** clock returns ms (the caller's; the checker reads none) and deadlineMs is when to give up. */
  clock?: () => number;
  deadlineMs?: number;
}

/** WitnessOp is one operation of a violation's window, described for people. */
export interface WitnessOp {
  index: number;
  process: number;
  f: string;
  key: string;
  status: 'ok' | 'info';
  /** stillRunning: it completed only after the culprit did (in the window it is indeterminate). */
  stillRunning: boolean;
  value: unknown;
  result: unknown;
  call: number;
  ret: number | null;
  time: number;
  endTime: number | null;
  description: string;
  /** couldHaveSeen: for a read, the history indices of the window's writes of the value it returned. */
  couldHaveSeen?: number[];
  /** initialCouldExplain: for a read, whether the state at the window's start holds the value it returned. */
  initialCouldExplain?: boolean;
}

/** Violation is the witness of a non-linearizable key. */
export interface Violation {
  key: string;
  model: string;
  /** explanation: one sentence in plain words. */
  explanation: string;
  /** culprit: the history index of the operation that could not be placed. */
  culprit: number;
  /** window: the minimised operations that cannot be ordered, by call order. */
  window: WitnessOp[];
  /** longestOrder: the longest order of window operations found that is legal (history indices). */
  longestOrder: number[];
  /** initial: the possible states at the window's start, in words. */
  initial: string[];
  /** minimised: false when the budget ran out before the window was made minimal. */
  minimised: boolean;
}

/** KeyVerdict is one key's (partition's) verdict. */
export interface KeyVerdict {
  key: string;
  model: string;
  ops: number;
  linearizable: boolean | null;
  steps: number;
}

/** CheckResult is the verdict of a whole history. */
export interface CheckResult {
  /** linearizable: true, false, or null (unknown: the budget ran out before a verdict). */
  linearizable: boolean | null;
  model: string;
  /** ops: operations checked (failed ones excluded; indeterminate ones included). */
  ops: number;
  keys: number;
  /** unknownKeys: keys whose search ran out of budget. */
  unknownKeys: string[];
  steps: number;
  violation: Violation | null;
  perKey: KeyVerdict[];
}
