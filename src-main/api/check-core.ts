/**
 * CheckCore runs the live linearizability checker (check/live.ts) over a run's client
 * history in slices of bounded time: `ingest` takes events as they come, `step` searches
 * for at most one slice and says whether more work is waiting, `report` says where it
 * stands. The same core runs inside the lab's checker worker thread and, where no worker
 * can start, on the lab's own event loop (lab/live-check.ts says which and why); and in the
 * renderer, over the history of a saved run being replayed. Pure: no clock of its own (the
 * caller passes one), no Node or DOM API.
 *
 * Once the verdict is final — a violation, or a history the checker cannot read — the
 * core stops feeding the checker (its windows would only grow) and just counts.
 */
import { checkHistory } from '../check/check';
import { HistoryError } from '../check/history';
import { LiveChecker, type LiveVerdict } from '../check/live';
import type { HistoryEvent, Violation } from '../check/types';
import type { CheckViolation } from './contract';

/** MAX_VERDICT_WINDOW bounds the window operations a verdict carries (a minimised window is a handful). */
export const MAX_VERDICT_WINDOW = 200;
/** MAX_HELD bounds the operations the checker may hold unsettled; past it the verdict is given up as unknown. */
export const MAX_HELD = 200_000;

/** CoreReport is where the checking stands (sent from the worker to the lab). */
export interface CoreReport {
  /** seen: completed operations taken in (ok or unknown). */
  seen: number;
  /** checked: how many of them the checker has covered. */
  checked: number;
  keys: number;
  linearizable: boolean | null;
  violation: CheckViolation | null;
  reason: string | null;
}

/** checkViolation turns the checker's witness into the verdict's violation: when it happened, its window bounded. */
export function checkViolation(v: Violation, scope: CheckViolation['scope'] = 'window'): CheckViolation {
  const culprit = v.window.find((w) => w.index === v.culprit);
  const time = culprit ? (culprit.endTime ?? culprit.time) : Math.max(0, ...v.window.map((w) => w.endTime ?? w.time));
  const omitted = Math.max(0, v.window.length - MAX_VERDICT_WINDOW);
  // Keep the culprit when the window is cut: it is the operation the sentence is about.
  const window = omitted === 0 ? v.window : v.window.slice(0, MAX_VERDICT_WINDOW);
  if (omitted > 0 && culprit && !window.includes(culprit)) window[window.length - 1] = culprit;
  return { ...v, window, time, omitted, scope };
}

/**
 * explainViolation checks one key's whole history (batch, with a witness) within
 * `deadlineMs` of `clock`. The live checker's own witness can only look back as far as its
 * compacted window, whose start stands in for everything before it: "read s returned 1,
 * but no write of 1 had begun" when the write of 1 was merely compacted away. Over the
 * key's whole history the sentence names the writes themselves. Null when that check
 * finds nothing in time (or cannot read the history): the live witness stands.
 */
export function explainViolation(
  events: readonly HistoryEvent[],
  deadlineMs: number,
  clock: () => number,
): CheckViolation | null {
  try {
    const r = checkHistory(events, { model: 'kv', budget: { clock, deadlineMs } });
    return r.linearizable === false && r.violation ? checkViolation(r.violation, 'key') : null;
  } catch (e) {
    if (e instanceof HistoryError) return null;
    throw e;
  }
}

/** CheckCore: see the file comment. */
export class CheckCore {
  private readonly lc = new LiveChecker({ model: 'kv' });
  private seen = 0;
  private last: LiveVerdict;
  /** stopped: the verdict is final (or given up); the checker is fed no more. */
  private stopped = false;
  private reason: string | null = null;
  private violation: CheckViolation | null = null;

  constructor() {
    this.last = this.lc.verdict();
  }

  /** ingest takes history events in the order they happened. */
  ingest(events: readonly HistoryEvent[]): void {
    for (const e of events) {
      if (e.type === 'ok' || e.type === 'info') this.seen++;
      if (this.stopped) continue;
      try {
        this.lc.ingest(e);
      } catch (err) {
        if (!(err instanceof HistoryError)) throw err;
        this.giveUp(`the history cannot be checked: ${err.message}`);
      }
    }
  }

  private giveUp(reason: string): void {
    this.stopped = true;
    this.reason = reason;
  }

  /** pending: operations are waiting to be checked (and checking can still go on). */
  get pending(): boolean {
    return !this.stopped && this.lc.verdict().lagOps > 0;
  }

  /**
   * step searches for at most `sliceMs` of `clock` (ms); true when it stopped for time, so
   * more work is waiting. A window the checker gave up on stays behind without asking for
   * more slices (its lag is reported, never hidden).
   */
  step(sliceMs: number, clock: () => number): boolean {
    if (this.stopped) return false;
    const deadline = clock() + sliceMs;
    const v = this.lc.check(Number.MAX_SAFE_INTEGER, clock, deadline);
    this.last = v;
    if (v.violation) {
      this.violation = checkViolation(v.violation);
      this.stopped = true;
      return false;
    }
    if (v.held > MAX_HELD) {
      this.giveUp(`undecided: ${v.held} operations could not be settled (too many in flight at once to follow)`);
      return false;
    }
    return clock() >= deadline;
  }

  /** report says where the checking stands. */
  report(): CoreReport {
    const v = this.stopped ? this.last : (this.last = this.lc.verdict());
    const final = this.violation !== null || this.reason !== null;
    const linearizable = this.violation ? false : this.reason !== null ? null : v.linearizable;
    const reason =
      this.reason ??
      (linearizable === null
        ? 'undecided: a key had more operations in flight, or more possible states, than the live checker follows'
        : null);
    return {
      seen: this.seen,
      checked: final ? this.seen : Math.max(0, this.seen - v.lagOps),
      keys: v.keys,
      linearizable,
      violation: this.violation,
      reason,
    };
  }
}
