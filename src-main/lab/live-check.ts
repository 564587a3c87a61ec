/**
 * LiveCheck is the lab's live consistency verdict: every client-history event the
 * recorder makes is fed to a linearizability checker (check/live.ts, run by a CheckCore)
 * as it happens, for the whole run, and the verdict — GET /api/check and the 'check'
 * event — says whether the operations checked so far have a legal order, how many
 * completed operations the checker has not covered yet (lagOps), and on a violation its
 * witness.
 *
 * Where the checking runs: in a worker thread, fed batches of events by message. Measured
 * with `npm run bench -- --live-check` (docs/BENCHMARKS.md: a 3-node lab, 64 clients on 8
 * keys), a put load costs the checker little and both places keep up (1,000–5,000 behind at
 * most on a busy machine, 0 within 200 ms of the load's end); a mix of distinct puts and gets costs it a third
 * of a core. On the lab's event loop — which also carries every node-to-node message through
 * the router and every client request — the checker cannot fall far behind because it slows
 * the lab instead (3,090 against 4,537 operations a second), and some of its work cannot be
 * cut into slices at all: compacting a window with lost answers ran 398 ms in one 4 ms
 * slice, rewording a violation from a 2,400-operation key (explainViolation) 277 ms — a
 * stall that long starts elections at the tests' 300 ms election timeout. In the worker
 * those cost the lab a structured clone per batch; the price is lag when the machine has no
 * CPU to spare (on a shared machine at load 12, up to 18,000 behind, caught up 11 s after
 * the load), which `lagOps` reports. Where no worker can start (a desktop build without
 * the worker's file, or an Electron that cannot load it from app.asar; a runtime without
 * worker threads), or it dies, the same core runs on the event loop in slices of
 * INLINE_SLICE_MS, yielding to I/O between them, rebuilt from the history in memory;
 * there the whole-key explanation gets INLINE_EXPLAIN_MS, after which the window's
 * witness stands.
 */
import { Worker } from 'node:worker_threads';
import type { CheckVerdict, CheckViolation, HistoryOp } from '../api/contract';
import type { Recorder } from './recorder';
import { CheckCore, explainViolation, type CoreReport } from '../api/check-core';
import { CheckPump } from './check-pump';
import type { FromWorker, ToWorker } from './live-check-worker';
import { TRACE_ON, traceSpan, traceStart } from '../node/trace';

/**
 * CHECK_WORKER_FILE is the worker's entry, beside this module: among the sources the shim
 * that loads live-check-worker.ts under tsx (`quorum-lab serve`), and beside the bundled
 * desktop main (out/main/index.js) the worker built as its own entry (electron.vite.config.ts).
 */
export const CHECK_WORKER_FILE = './live-check-worker.mjs';

/** CheckEngine says where the checking runs. */
export type CheckEngine = 'worker' | 'inline';

/** INLINE_SLICE_MS: one slice of search on the lab's event loop (it yields to I/O after each). */
export const INLINE_SLICE_MS = 4;
/**
 * FLUSH_MS: events are handed to the checker in batches at most this often (one message per
 * batch to the worker). The worker's pump waits CHECK_DELAY_MS (50) for a batch to grow anyway;
 * at 10 ms the lab's event loop spent 3-4% of its sampled time under 64 clients in postMessage
 * (each one wakes the worker's thread), about a quarter of that at 50.
 */
export const FLUSH_MS = 50;
/** NOTIFY_MS: the verdict is announced at most this often (a change of linearizable at once). */
export const NOTIFY_MS = 250;
/** INLINE_EXPLAIN_MS bounds the whole-key check that explains a violation on the event loop (once per run). */
export const INLINE_EXPLAIN_MS = 250;

/** LiveCheckOptions: the engine, who hears of changes, and the history so far (to rebuild from if the worker fails). */
export interface LiveCheckOptions {
  engine?: CheckEngine;
  onChange?: (v: CheckVerdict) => void;
  /** backlog: every history event so far, or null when the oldest are no longer in memory. */
  backlog?: () => HistoryOp[] | null;
  /** keyHistory: one key's history events in memory, to explain a violation with (see explainViolation). */
  keyHistory?: (key: string) => HistoryOp[];
  /** workerUrl: the worker's entry (default: CHECK_WORKER_FILE beside this module). */
  workerUrl?: URL;
}

interface Engine {
  kind: CheckEngine;
  send(events: HistoryOp[]): void;
  /** explain checks one key's whole history for a better witness (the answer goes to the engine's onExplained). */
  explain(events: HistoryOp[]): void;
  close(): Promise<void>;
}

/** EngineSink hears an engine's reports and explanations. */
interface EngineSink {
  report(r: CoreReport): void;
  explained(v: CheckViolation | null): void;
}

const EMPTY: CoreReport = { seen: 0, checked: 0, keys: 0, linearizable: true, violation: null, reason: null };

function inlineEngine(sink: EngineSink): Engine {
  const clock = (): number => performance.now();
  const pump = new CheckPump(new CheckCore(), INLINE_SLICE_MS, (r) => sink.report(r), clock);
  let closed = false;
  return {
    kind: 'inline',
    send: (events) => pump.take(events),
    explain(events) {
      setImmediate(() => {
        if (!closed) sink.explained(explainViolation(events, clock() + INLINE_EXPLAIN_MS, clock));
      });
    },
    async close() {
      closed = true;
      pump.close();
    },
  };
}

function workerEngine(url: URL, sink: EngineSink, onFail: (why: string) => void): Engine {
  const w = new Worker(url);
  let closing = false;
  w.on('message', (m: FromWorker) => {
    if (m.type === 'report') sink.report(m.report);
    else sink.explained(m.violation);
  });
  w.on('error', (e) => {
    if (!closing) onFail(e.message);
  });
  w.on('exit', (code) => {
    if (!closing) onFail(`the checker's worker exited (${code})`);
  });
  // A lab with no cluster activity must not be kept alive by its checker.
  w.unref();
  return {
    kind: 'worker',
    send(events) {
      w.postMessage({ type: 'events', events } satisfies ToWorker);
    },
    explain(events) {
      w.postMessage({ type: 'explain', events } satisfies ToWorker);
    },
    async close() {
      closing = true;
      await w.terminate();
    },
  };
}

/** LiveCheck: see the file comment. */
export class LiveCheck {
  private ops = 0;
  private report: CoreReport = EMPTY;
  /** better: the violation as the key's whole history explains it (null until it does). */
  private better: CheckViolation | null = null;
  private explaining = false;
  private buffer: HistoryOp[] = [];
  private flushing = false;
  private engine: Engine;
  private closed = false;
  private notifyTimer: NodeJS.Timeout | null = null;
  private notified: boolean | null | undefined = undefined;
  private waiters = new Set<(force: boolean) => void>();
  /** gaveUp: the worker failed when the history to rebuild from was gone; the verdict stays undecided. */
  private gaveUp = false;
  /** failure: why the worker was given up for the event loop (null: it was not). */
  failure: string | null = null;

  constructor(private readonly opts: LiveCheckOptions = {}) {
    this.engine = this.start(opts.engine ?? 'worker');
  }

  private readonly sink: EngineSink = {
    report: (r) => this.take(r),
    explained: (v) => {
      if (!v || this.closed) return;
      this.better = v;
      this.notify();
    },
  };

  private start(kind: CheckEngine): Engine {
    if (kind === 'inline') return inlineEngine(this.sink);
    try {
      const url = this.opts.workerUrl ?? new URL(CHECK_WORKER_FILE, import.meta.url);
      return workerEngine(url, this.sink, (why) => this.fallBack(why));
    } catch (e) {
      this.failure = (e as Error).message;
      return inlineEngine(this.sink);
    }
  }

  /** fallBack moves the checking onto the event loop, rebuilt from the history in memory. */
  private fallBack(why: string): void {
    if (this.closed || this.engine.kind === 'inline') return;
    this.failure = why;
    void this.engine.close();
    this.engine = inlineEngine(this.sink);
    this.explaining = false;
    this.report = EMPTY;
    this.buffer = [];
    const all = this.opts.backlog?.() ?? null;
    if (all === null) {
      // Checking only what comes next would judge reads against writes it never saw: stop.
      this.gaveUp = true;
      this.report = {
        ...EMPTY,
        linearizable: null,
        reason: `undecided: the checker restarted (${why}) and the run's oldest history is no longer in memory`,
      };
      this.notify();
      for (const w of [...this.waiters]) w(false);
      return;
    }
    this.engine.send(all);
  }

  /** engineKind says where the checking runs now. */
  get engineKind(): CheckEngine {
    return this.engine.kind;
  }

  /** feed takes one history event (from the recorder); it never throws into the caller. */
  feed(op: HistoryOp): void {
    if (this.closed) return;
    if (op.type === 'ok' || op.type === 'info') this.ops++;
    if (this.gaveUp) return this.changed(false);
    this.buffer.push(op);
    if (!this.flushing) {
      this.flushing = true;
      setTimeout(() => this.flush(), FLUSH_MS);
    }
    this.changed(false);
  }

  private flush(): void {
    this.flushing = false;
    if (this.closed || this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    const t0 = TRACE_ON ? traceStart() : 0;
    try {
      this.engine.send(batch);
    } catch (e) {
      this.fallBack((e as Error).message);
    }
    if (TRACE_ON) traceSpan('check', t0);
    for (const w of [...this.waiters]) w(false);
  }

  private take(r: CoreReport): void {
    if (this.closed || this.gaveUp) return;
    this.report = r;
    if (r.violation && !this.explaining) {
      this.explaining = true;
      const events = this.opts.keyHistory?.(r.violation.key);
      if (events) this.engine.explain(events);
    }
    this.changed(r.linearizable !== this.notified);
    if (this.verdict().lagOps === 0 || r.linearizable === false || r.reason !== null) {
      for (const w of [...this.waiters]) w(false);
    }
  }

  /** verdict is the verdict now (see CheckVerdict). */
  verdict(): CheckVerdict {
    const r = this.report;
    return {
      linearizable: r.linearizable,
      ops: this.ops,
      keys: r.keys,
      lagOps: Math.max(0, this.ops - r.checked),
      violation: r.violation ? (this.better ?? r.violation) : null,
      reason: r.reason,
    };
  }

  /** changed announces the verdict at once (`now`) or within NOTIFY_MS. */
  private changed(now: boolean): void {
    if (!this.opts.onChange || this.closed) return;
    if (now) return this.notify();
    this.notifyTimer ??= setTimeout(() => this.notify(), NOTIFY_MS);
  }

  private notify(): void {
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.notifyTimer = null;
    const v = this.verdict();
    this.notified = v.linearizable;
    this.opts.onChange?.(v);
  }

  /** settled resolves with the verdict once the checker has caught up (or decided), or after `timeoutMs` with where it stands. */
  settled(timeoutMs = 10_000): Promise<CheckVerdict> {
    const done = (): boolean => {
      const v = this.verdict();
      return this.buffer.length === 0 && (v.lagOps === 0 || v.linearizable === false || v.reason !== null);
    };
    if (done()) return Promise.resolve(this.verdict());
    return new Promise((res) => {
      const finish = (force: boolean): void => {
        if (!force && !done()) return;
        clearTimeout(timer);
        this.waiters.delete(finish);
        res(this.verdict());
      };
      const timer = setTimeout(() => finish(true), timeoutMs);
      this.waiters.add(finish);
    });
  }

  /** close stops the checking (a new cluster starts a new run). */
  async close(): Promise<void> {
    this.closed = true;
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
    this.notifyTimer = null;
    for (const w of [...this.waiters]) w(true);
    await this.engine.close();
  }
}

/**
 * checkRecorder starts a LiveCheck fed by every client-history event `recorder` makes from
 * now on (a fresh run's), rebuilt from its history if the worker fails, and explaining a
 * violation from a key's history in memory.
 */
export function checkRecorder(
  recorder: Recorder,
  engine: CheckEngine | undefined,
  onChange: (v: CheckVerdict) => void,
): LiveCheck {
  const checker = new LiveCheck({
    ...(engine ? { engine } : {}),
    onChange,
    backlog: () => (recorder.historyTruncated === 0 ? recorder.history() : null),
    keyHistory: (key) => recorder.history().filter((op) => op.key === key),
  });
  recorder.onHistory((op) => checker.feed(op));
  return checker;
}
