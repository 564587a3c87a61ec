/**
 * CheckPump decides when a CheckCore searches: not after every batch of events, but once
 * CHECK_BATCH completed operations wait or CHECK_DELAY_MS has passed since the first of
 * them arrived, and then in slices of `sliceMs` back to back until it has caught up. Each
 * check re-searches the part of a key's window that is still open, so checking every few
 * events costs several times more per operation than checking every few hundred (measured
 * on a generated 64-client, 8-key history: about 3,400 operations a second checked 10
 * events at a time, 13,000 at 50, 30,000 at 1,000) — and a checker that falls behind
 * because it checks too eagerly never catches up under a steady load.
 *
 * While a search is under way (a slice ran out of time) new events wait here instead of
 * going into the core: taking in an event changes its key's window, which throws away the
 * paused search over it, so a search longer than the gap between two batches would start
 * over forever and only finish once the load stopped.
 */
import type { HistoryEvent } from '../check/types';
import type { CheckCore, CoreReport } from '../api/check-core';

/** CHECK_DELAY_MS: how long new operations may wait before a check (the lag this adds is reported). */
export const CHECK_DELAY_MS = 50;
/** CHECK_BATCH: this many waiting completed operations start a check at once. */
export const CHECK_BATCH = 1000;

/** CheckPump: see the file comment. */
export class CheckPump {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private immediate = false;
  private waiting = 0;
  private closed = false;
  /** busy: a search is under way; queue: what arrived meanwhile. */
  private busy = false;
  private queue: HistoryEvent[] = [];

  constructor(
    private readonly core: CheckCore,
    private readonly sliceMs: number,
    private readonly onReport: (r: CoreReport) => void,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** take ingests events and schedules a check. */
  take(events: readonly HistoryEvent[]): void {
    if (this.closed) return;
    for (const e of events) if (e.type === 'ok' || e.type === 'info') this.waiting++;
    if (this.busy) {
      for (const e of events) this.queue.push(e);
      return;
    }
    this.core.ingest(events);
    if (!this.core.pending) return this.onReport(this.core.report());
    if (this.waiting >= CHECK_BATCH) this.runSoon();
    else this.timer ??= setTimeout(() => this.runSoon(), CHECK_DELAY_MS);
  }

  private runSoon(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.immediate || this.closed) return;
    this.immediate = true;
    setImmediate(() => this.pump());
  }

  private pump(): void {
    this.immediate = false;
    if (this.closed) return;
    this.waiting = 0;
    const more = this.core.step(this.sliceMs, this.clock);
    this.busy = more;
    this.onReport(this.core.report());
    if (more) return this.runSoon();
    if (this.queue.length === 0) return;
    // The search is done: what waited goes in, and is checked at once (it has waited long enough).
    const q = this.queue;
    this.queue = [];
    this.core.ingest(q);
    if (this.core.pending) this.runSoon();
    else this.onReport(this.core.report());
  }

  /** close stops checking. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
