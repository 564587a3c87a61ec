/**
 * JsonlFile streams one of a run's JSON-lines files (run.jsonl, the client history): records
 * are buffered and written at most every FLUSH_MS — a file write per record (or per
 * event-loop turn) was the host's largest cost under load; a SIGKILLed host loses at most
 * the last FLUSH_MS of the file (the recorder's memory and exports are unaffected).
 *
 * The timer's flush runs in slices: it takes what is buffered as one batch and encodes it
 * FLUSH_SLICE_MS at a time, yielding to the event loop between slices (setImmediate), so a
 * router read or a client's answer that arrives meanwhile waits for one slice, not the
 * whole batch — encoding 100 ms of a one-client run's records held the host's event loop
 * 0.5-2 ms in one piece, in the way of whichever put was in flight (docs/BENCHMARKS.md,
 * "One sequential put, stage by stage"). The slices go to the corked stream and leave in
 * one write when the batch ends; records made meanwhile wait for the next batch, so the
 * file keeps their order. flush() (sync, close) writes everything at once.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { jsonlSlice } from './jsonl-bytes';
import { TRACE_ON, traceSpan, traceStart } from '../node/trace';

/** FLUSH_MS is how often buffered records are written to the run's files. */
export const FLUSH_MS = 100;
/** FLUSH_SLICE_MS: the timer's flush encodes records for about this long per event-loop turn (see the file comment). */
export const FLUSH_SLICE_MS = 0.2;

/** JsonlFile appends records to one file as JSON lines (see the file comment). */
export class JsonlFile {
  private readonly out: WriteStream;
  private pending: object[] = [];
  /** batch: what the timer's flush is writing, a slice per turn; null when none is under way. */
  private batch: { items: object[]; at: number } | null = null;
  /** hint: the size to start the next buffer at (a little over the last one's). */
  private hint = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  /** slices counts the timer's slices written (tests). */
  slices = 0;

  /** sliceMs: how long one slice of the timer's flush encodes (default FLUSH_SLICE_MS; tests use 0: 32 records a slice). */
  constructor(
    file: string,
    private readonly sliceMs = FLUSH_SLICE_MS,
  ) {
    this.out = createWriteStream(file, { flags: 'a' });
    // A full disk must not take the lab down: the in-memory log keeps going.
    this.out.on('error', (e) => {
      process.stderr.write(`quorum-lab: cannot write ${file}: ${e.message}\n`);
    });
  }

  /** add buffers one record for the next flush. */
  add(x: object): void {
    if (this.closed) return;
    this.pending.push(x);
    if (!this.timer && !this.batch) {
      this.timer = setTimeout(this.flushSome, FLUSH_MS);
      this.timer.unref();
    }
  }

  /** flushSome is the timer's flush, a slice per turn (see the file comment). */
  private readonly flushSome = (): void => {
    this.timer = null;
    if (this.closed) return;
    if (!this.batch) {
      if (this.pending.length === 0) return;
      this.batch = { items: this.pending, at: 0 };
      this.pending = [];
      this.out.cork();
    }
    const t0 = TRACE_ON ? traceStart() : 0;
    const done = this.encode(performance.now() + this.sliceMs);
    this.slices++;
    if (TRACE_ON) traceSpan('runlog', t0);
    if (!done) {
      setImmediate(this.flushSome);
      return;
    }
    this.batch = null;
    this.out.uncork();
    if (this.pending.length > 0) {
      this.timer = setTimeout(this.flushSome, FLUSH_MS);
      this.timer.unref();
    }
  };

  /** encode writes the batch's records until `deadline` (performance.now()); true once all are written. */
  private encode(deadline: number): boolean {
    const b = this.batch!;
    const { bytes, next } = jsonlSlice(b.items, b.at, this.hint, deadline);
    this.hint = bytes.length + (bytes.length >> 3);
    this.out.write(bytes);
    b.at = next;
    return next >= b.items.length;
  }

  /** flush writes every buffered record now (the rest of a batch under way first). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.batch) {
      this.encode(Infinity);
      this.batch = null;
      this.out.uncork();
    }
    if (this.pending.length === 0) return;
    this.batch = { items: this.pending, at: 0 };
    this.pending = [];
    this.encode(Infinity);
    this.batch = null;
  }

  /** sync resolves once every record added so far is written. */
  sync(): Promise<void> {
    this.flush();
    if (this.closed) return Promise.resolve();
    return new Promise<void>((res) => this.out.write('', () => res()));
  }

  /** close flushes and closes the file; resolves when it is written. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.flush();
    this.closed = true;
    return new Promise<void>((res) => this.out.end(() => res()));
  }
}
