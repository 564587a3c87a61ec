/**
 * The workload both systems get: puts of 256-byte values to keys drawn uniformly over
 * 10,000 keys, from closed-loop clients (each waits for its answer before the next put;
 * bench/read-load.ts drives gets with the same loop), plus the failover trial (a put every 10 ms to the survivors after the leader is killed).
 */
import { performance } from 'node:perf_hooks';
import { cpuMs } from './profile-lib';
import { sleep } from './procs';
import type { ServerProcess, Target } from './target';

/** VALUE_BYTES is the size of every value written. */
export const VALUE_BYTES = 256;
/** KEY_SPACE is how many distinct keys the puts are drawn from. */
export const KEY_SPACE = 10_000;
/** FAILOVER_PUT_EVERY_MS is the spacing of puts during a failover trial. */
export const FAILOVER_PUT_EVERY_MS = 10;
/** FAILOVER_PUT_TIMEOUT_MS bounds one failover put, so stuck requests cannot pile up without end. */
export const FAILOVER_PUT_TIMEOUT_MS = 1000;
/** FAILOVER_MAX_MS gives up a failover trial that has seen no success by then. */
export const FAILOVER_MAX_MS = 30_000;

/** Rng is a small seeded generator (mulberry32) so both systems get the same key sequence. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  /** next returns a float in [0, 1). */
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** int returns an integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** makeValue builds a printable value of exactly VALUE_BYTES bytes. */
export function makeValue(rng: Rng): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  let s = '';
  for (let i = 0; i < VALUE_BYTES; i++) s += alphabet[rng.int(alphabet.length)];
  return s;
}

/** keyOf names the i-th key of the key space. */
export function keyOf(i: number): string {
  return `bench-${String(i).padStart(5, '0')}`;
}

/** percentile returns the nearest-rank p-quantile (0 < p <= 1) of sorted values, NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

/** median of unsorted values; NaN when empty. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

/** ErrorKind counts one kind of error in a throughput row. */
export interface ErrorKind {
  n: number;
  firstMs: number;
  lastMs: number;
}

/** ThroughputResult is one throughput row for one system. */
export interface ThroughputResult {
  clients: number;
  seconds: number;
  ok: number;
  errors: number;
  /** errorKinds: the errors by kind (the target's reason, or `not acknowledged`): how many, and when the first and last were sent (ms into the row). */
  errorKinds: Record<string, ErrorKind>;
  /** putsPerSec: requests answered ok per second (puts/s in a put row, gets/s in a read row). */
  putsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** benchCpuPct: the bench process's own CPU use during the row (% of one core), to show the client was not the limit. */
  benchCpuPct: number;
  /** serverUsPerOp: the system's processes' CPU (user + system, from /proc) per request answered ok, in µs, when measured. */
  serverUsPerOp?: number;
  /** serverUsByProcess: the same per process (`host`, `n1 (leader)`, `m2`, ...), in µs per request. */
  serverUsByProcess?: Record<string, number>;
}

/** KeySpace is the keys a throughput row draws from, uniformly: `size` keys named by `name(i)`. */
export interface KeySpace {
  size: number;
  name(i: number): string;
}

/** PUT_KEYS: the put rows' keys, KEY_SPACE of them named by keyOf. */
export const PUT_KEYS: KeySpace = { size: KEY_SPACE, name: keyOf };

/**
 * RowClient is one client of a throughput row (one connection): `send` does the row's request
 * on a key (a put of `value`, or a get that ignores it) and resolves true when it was answered
 * as it must be, else why not.
 */
export interface RowClient {
  send(key: string, value: string): Promise<boolean | string>;
  close(): void;
}

/** runThroughput runs `clients` closed-loop clients putting for `seconds` (and at most maxOps puts in all). */
export function runThroughput(
  target: Pick<Target, 'client'>,
  clients: number,
  seconds: number,
  seed: number,
  maxOps = 5_000_000,
): Promise<ThroughputResult> {
  const open = (): RowClient => {
    const c = target.client();
    return { send: (key, value) => c.put(key, value), close: () => c.close() };
  };
  return runClosedLoop(open, PUT_KEYS, clients, seconds, seed, maxOps);
}

/**
 * runClosedLoop runs `clients` closed-loop clients (each opened by `open`, each waiting for its
 * answer before the next request) on keys drawn from `keys` for `seconds`, at most maxOps
 * requests in all. The result's putsPerSec is requests answered ok per second, whatever the
 * request is.
 */
export async function runClosedLoop(
  open: () => RowClient,
  keys: KeySpace,
  clients: number,
  seconds: number,
  seed: number,
  maxOps = 5_000_000,
): Promise<ThroughputResult> {
  const rng = new Rng(seed);
  // Values are made up front so building them costs nothing inside the timed loop.
  const values = Array.from({ length: 64 }, () => makeValue(rng));
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const errorKinds: Record<string, ErrorKind> = {};
  let issued = 0;
  const conns: RowClient[] = Array.from({ length: clients }, open);
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  const deadline = start + seconds * 1000;
  const loop = async (c: RowClient): Promise<void> => {
    while (performance.now() < deadline && issued < maxOps) {
      issued++;
      const key = keys.name(rng.int(keys.size));
      const value = values[issued % values.length] ?? '';
      const t = performance.now();
      const acked = await c.send(key, value);
      const dt = performance.now() - t;
      if (acked === true) {
        ok++;
        latencies.push(dt);
      } else {
        errors++;
        const kind = typeof acked === 'string' ? acked : 'not acknowledged';
        const at = Math.round(t - start);
        const k = (errorKinds[kind] ??= { n: 0, firstMs: at, lastMs: at });
        k.n++;
        k.lastMs = Math.max(k.lastMs, at);
        // A failing system answers fast; back off a little so errors don't become a busy loop.
        await sleep(10);
      }
    }
  };
  try {
    await Promise.all(conns.map(loop));
  } finally {
    for (const c of conns) c.close();
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  latencies.sort((a, b) => a - b);
  return {
    clients,
    seconds: elapsed,
    ok,
    errors,
    errorKinds,
    putsPerSec: ok / elapsed,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    benchCpuPct: ((cpu.user + cpu.system) / 1000 / (elapsed * 1000)) * 100,
  };
}

/** withServerCpu runs a row and sets its serverUsPerOp (and by process) from the CPU the processes used meanwhile (/proc). */
export async function withServerCpu(
  procs: ServerProcess[],
  row: () => Promise<ThroughputResult>,
): Promise<ThroughputResult> {
  const c0 = procs.map((p) => cpuMs(p.pid));
  const r = await row();
  if (r.ok === 0) return r;
  const us = procs.map((p, i) => ((cpuMs(p.pid) - (c0[i] ?? 0)) * 1000) / r.ok);
  return {
    ...r,
    serverUsPerOp: us.reduce((a, b) => a + b, 0),
    serverUsByProcess: Object.fromEntries(procs.map((p, i) => [p.name, us[i] ?? 0])),
  };
}

/** IdleCpu is a system's CPU while nothing is asked of it (heartbeats, timers, status reports), in ms per second. */
export interface IdleCpu {
  msPerSec: number;
  byProcess: Record<string, number>;
}

/** idleServerCpu measures the CPU the processes use over `ms` of no requests (/proc; ±10 ms of ticks per process). */
export async function idleServerCpu(procs: ServerProcess[], ms: number): Promise<IdleCpu> {
  const c0 = procs.map((p) => cpuMs(p.pid));
  const t0 = performance.now();
  await sleep(ms);
  const secs = (performance.now() - t0) / 1000;
  const per = procs.map((p, i) => (cpuMs(p.pid) - (c0[i] ?? 0)) / secs);
  return {
    msPerSec: per.reduce((a, b) => a + b, 0),
    byProcess: Object.fromEntries(procs.map((p, i) => [p.name, per[i] ?? 0])),
  };
}

/** errorSummary lists a row's errors by kind, most frequent first, with when they were sent (`128 × HTTP 200 unknown: timeout (at 4.8–9.9 s)`), or ''. */
export function errorSummary(t: Pick<ThroughputResult, 'errorKinds'>): string {
  const s = (ms: number): string => (ms / 1000).toFixed(1);
  return Object.entries(t.errorKinds)
    .sort((a, b) => b[1].n - a[1].n || a[0].localeCompare(b[0]))
    .map(([k, e]) => `${e.n} × ${k} (sent at ${s(e.firstMs)}${e.lastMs > e.firstMs ? `–${s(e.lastMs)}` : ''} s)`)
    .join('; ');
}

/** FailoverResult is the failover row for one system: ms from the kill to the first acknowledged put, per trial. */
export interface FailoverResult {
  trialsMs: number[];
  /** failedTrials: trials with no acknowledged put within FAILOVER_MAX_MS. */
  failedTrials: number;
  medianMs: number;
}

/** runFailoverTrial kills the leader, puts every 10 ms to the survivors, and returns ms to the first success (NaN if none). */
export async function runFailoverTrial(target: Target, seed: number): Promise<{ ms: number; victim: string }> {
  const rng = new Rng(seed);
  const value = makeValue(rng);
  const { t0, victim } = await target.killLeader();
  let firstOk = Number.NaN;
  const inflight = new Set<Promise<void>>();
  for (let i = 0; Number.isNaN(firstOk); i++) {
    const due = t0 + i * FAILOVER_PUT_EVERY_MS;
    if (due - t0 > FAILOVER_MAX_MS) break;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (!Number.isNaN(firstOk)) break;
    const p = target.failoverPut(keyOf(rng.int(KEY_SPACE)), value, FAILOVER_PUT_TIMEOUT_MS).then((acked) => {
      const now = performance.now();
      if (acked && (Number.isNaN(firstOk) || now - t0 < firstOk)) firstOk = now - t0;
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  }
  // Let the stragglers finish (each is bounded by its timeout) before the member is restarted.
  await Promise.all([...inflight]);
  return { ms: firstOk, victim };
}

/** runFailover runs `trials` failover trials, restarting the killed member and waiting for health between them. */
export async function runFailover(
  target: Target,
  trials: number,
  seed: number,
  log: (s: string) => void,
): Promise<FailoverResult> {
  const ms: number[] = [];
  let failed = 0;
  for (let i = 0; i < trials; i++) {
    const r = await runFailoverTrial(target, seed + i);
    if (Number.isNaN(r.ms)) failed++;
    else ms.push(r.ms);
    log(
      `  ${target.name} failover trial ${i + 1}/${trials}: killed ${r.victim}, first put ok after ${Number.isNaN(r.ms) ? 'never' : `${r.ms.toFixed(0)} ms`}`,
    );
    await target.recover();
  }
  return { trialsMs: ms, failedTrials: failed, medianMs: median(ms) };
}
