/**
 * runLoad drives a bounded load run through the gateway: `clients` concurrent loops share
 * `count` operations, report progress at most every 100 ms, and end with a summary
 * (ops/s, p50, p99 over every operation's latency). A run is bounded in bytes too (count
 * × valueBytes ≤ MAX_LOAD_BYTES for puts), and can be stopped early through `signal`:
 * operations in flight finish, no new one starts, and the summary covers what was done.
 */
import type { LoadRequest, LoadSummary } from '../api/contract';
import { DEFAULT_LOAD_VALUE_BYTES, loadBytesError } from '../api/schemas';
import type { KvOp } from '../core/kv/types';
import type { ClientOutcome } from '../node/contract';

/** LoadDeps are what a load run needs from the LabService. */
export interface LoadDeps {
  /** send runs one KV op end to end (history, gateway) and resolves with its outcome and latency. */
  send(op: KvOp): Promise<{ outcome: ClientOutcome; latencyMs: number }>;
  progress(done: number, total: number): void;
  /** signal: aborting it stops the run early (LabService.stopLoad). */
  signal?: AbortSignal;
}

/** percentile returns the p-th percentile (0..1) of sorted values (0 when empty). */
export function percentile(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return sorted[i] ?? 0;
}

/** runLoad performs the run and resolves with its summary; throws if the run would write more than MAX_LOAD_BYTES. */
export async function runLoad(req: LoadRequest, deps: LoadDeps): Promise<LoadSummary> {
  const tooBig = loadBytesError(req.op, req.count, req.valueBytes);
  if (tooBig) throw new RangeError(tooBig);
  const keys = req.keys ?? 1000;
  const value = 'x'.repeat(req.valueBytes ?? DEFAULT_LOAD_VALUE_BYTES);
  const lat = new Float64Array(req.count);
  let next = 0;
  let done = 0;
  let ok = 0;
  let fail = 0;
  let unknown = 0;
  let lastProgress = 0;
  const t0 = performance.now();
  const worker = async (): Promise<void> => {
    for (;;) {
      if (deps.signal?.aborted) return;
      const i = next++;
      if (i >= req.count) return;
      const key = `load-${i % keys}`;
      const op: KvOp = req.op === 'put' ? { op: 'put', key, value } : { op: 'get', key };
      const r = await deps.send(op);
      lat[i] = r.latencyMs;
      if (r.outcome === 'ok') ok++;
      else if (r.outcome === 'fail') fail++;
      else unknown++;
      done++;
      const now = performance.now();
      if (now - lastProgress >= 100 || done === req.count) {
        lastProgress = now;
        deps.progress(done, req.count);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(req.clients, req.count) }, () => worker()));
  const seconds = (performance.now() - t0) / 1000;
  // Ops are taken in index order and every started one finished, so [0, done) holds them all.
  const taken = lat.subarray(0, done).sort();
  const summary: LoadSummary = {
    count: done,
    ok,
    fail,
    unknown,
    seconds,
    opsPerSec: seconds > 0 ? done / seconds : 0,
    p50Ms: percentile(taken, 0.5),
    p99Ms: percentile(taken, 0.99),
  };
  if (done < req.count) summary.stopped = true;
  return summary;
}
