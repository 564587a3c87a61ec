/**
 * StorageTiming: an opt-in histogram of where a node's disk time goes, per Ready — the
 * storage write on the event loop, the fdatasync on the thread pool, how long the Ready
 * was held, local snapshots, and the checkpoints the checkpoint worker ran. For finding
 * what lands in the latency tail (bench/, docs/BENCHMARKS.md); never used by a test.
 *
 * Off unless QUORUM_STORAGE_TIMING names a folder: then each node rewrites
 * `<folder>/<data file name>-<pid>.json` about once a second with the counts and
 * percentiles so far. When it is off, storageTiming() returns null and the callers skip
 * even reading the clock.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

/** TimingKind names what was timed. */
export type TimingKind = 'write' | 'sync' | 'held' | 'compact' | 'checkpoint';

/** MAX_SAMPLES bounds the memory of one kind (later samples replace random earlier ones). */
const MAX_SAMPLES = 100_000;

/** StorageTiming collects samples in milliseconds (see the file comment). */
export class StorageTiming {
  private readonly samples = new Map<TimingKind, number[]>();
  private readonly counts = new Map<TimingKind, number>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly file: string) {
    this.timer = setInterval(() => this.flush(), 1000);
    this.timer.unref();
  }

  /** now is the clock the samples are taken with. */
  now(): number {
    return performance.now();
  }

  /** record adds one sample of `ms` milliseconds. */
  record(kind: TimingKind, ms: number): void {
    const n = (this.counts.get(kind) ?? 0) + 1;
    this.counts.set(kind, n);
    let s = this.samples.get(kind);
    if (!s) this.samples.set(kind, (s = []));
    if (s.length < MAX_SAMPLES) s.push(ms);
    else s[Math.floor(Math.random() * MAX_SAMPLES)] = ms;
  }

  /** flush rewrites the summary file (errors are ignored: this is a measuring aid). */
  flush(): void {
    const out: Record<string, unknown> = {};
    for (const [kind, s] of this.samples) {
      const sorted = [...s].sort((a, b) => a - b);
      const q = (p: number): number => round(sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0);
      out[kind] = {
        count: this.counts.get(kind) ?? 0,
        p50: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        max: round(sorted[sorted.length - 1] ?? 0),
        over5ms: s.filter((v) => v > 5).length,
        totalMs: round(s.reduce((a, b) => a + b, 0)),
      };
    }
    try {
      fs.writeFileSync(this.file, JSON.stringify(out, null, 1));
    } catch {
      // a measuring aid must never disturb the node
    }
  }

  /** close writes the last summary and stops the timer. */
  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** storageTiming returns the node's StorageTiming when QUORUM_STORAGE_TIMING names a folder, else null. */
export function storageTiming(dataFile: string): StorageTiming | null {
  const dir = process.env.QUORUM_STORAGE_TIMING;
  if (!dir) return null;
  return new StorageTiming(path.join(dir, `${path.basename(dataFile)}-${process.pid}.json`));
}
