/**
 * The simulator's run log: one JSON object per line, `{t, seq, kind, ...}` with `t` in
 * nanoseconds of virtual time since the run began (the lab's run-log shape, DESIGN.md).
 * Records are built with a fixed key order and no clock, so one seed always gives the
 * same bytes.
 */

/** LogSink receives each finished JSONL line (without the newline). */
export type LogSink = (line: string) => void;

/** NS_PER_MS converts virtual milliseconds to the log's nanoseconds. */
export const NS_PER_MS = 1_000_000;

/** RunLog numbers and serializes records; with no sink it only counts them (fast sweeps). */
export class RunLog {
  private seq = 0;
  /** lines holds the log when the log was created with `keep: true`. */
  readonly lines: string[] = [];
  private readonly sink: LogSink | null;

  constructor(opts: { sink?: LogSink | null; keep?: boolean } = {}) {
    const keep = opts.keep ?? false;
    const sink = opts.sink ?? null;
    if (keep && sink) {
      this.sink = (line) => {
        this.lines.push(line);
        sink(line);
      };
    } else if (keep) {
      this.sink = (line) => this.lines.push(line);
    } else {
      this.sink = sink;
    }
  }

  /** enabled tells whether records are serialized at all (callers skip building them if not). */
  get enabled(): boolean {
    return this.sink !== null;
  }

  /** count is the number of records written so far. */
  get count(): number {
    return this.seq;
  }

  /** write records one event at virtual time `ms`; `fields` keep their insertion order and must not use t, seq or kind. */
  write(ms: number, kind: string, fields: Record<string, unknown>): void {
    const seq = this.seq++;
    if (!this.sink) return;
    const head = `{"t":${Math.round(ms * NS_PER_MS)},"seq":${seq},"kind":${JSON.stringify(kind)}`;
    const body = JSON.stringify(fields);
    this.sink(body.length > 2 ? `${head},${body.slice(1)}` : `${head}}`);
  }
}
