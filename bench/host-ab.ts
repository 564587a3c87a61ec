/**
 * `node --import tsx bench/host-ab.ts --base DIR [--rounds 3] [--clients 64] [--warm 5] [--seconds 8] [--rate N]`:
 * the host's CPU per put, this checkout against another (`--base`, e.g. main unpacked with
 * `git archive`), in alternating runs of one sitting: base, this, base, this, …
 *
 * Each run starts `quorum-lab serve` (3 Raft nodes) from its checkout, sends puts (256-byte
 * values over HTTP, as `npm run bench` does) from `--clients` keep-alive connections for
 * `--warm` seconds unmeasured (the JIT settles, the rings fill), then `--seconds` measured,
 * and reports puts/s, client p50/p99, and CPU per put (user + system, from /proc): the
 * host's main thread, its other threads (V8's GC helpers, the live checker's worker, libuv's
 * pool; the busiest are named by thread id), and each node. With `--rate N` the clients
 * together send at most N puts/s, so both versions are compared at the same throughput (CPU
 * per put falls as throughput rises: more puts share each event-loop turn and each write).
 * `--only base|this` runs one side. `--perf DIR` also samples the host's CPU with Linux
 * `perf record -e cpu-clock -g` over each measured window (the host started with
 * `--perf-basic-prof`, so JavaScript frames have names; `perf report -i DIR/<side>-<n>.data`).
 * Unlike a V8 profile, which samples the main thread by the wall clock (a write that wakes a
 * node and is descheduled looks costly), these samples are CPU time, kernel work included.
 * Not part of `npm run bench`: a tool for A/B runs of a change to the host.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { intOpt, numOpt, oneOfOpt, stringOpt } from '../src-main/cli-args';
import { benchArgs } from './cli';
import { LabCluster, repoRoot } from './lab';
import { cpuMs } from './profile-lib';
import { killPid, onExit, sleep, startProcess, stopAll, waitExit } from './procs';
import { startPutLoad } from './put-load';
import { median, percentile } from './workload';

const USAGE = `usage: node --import tsx bench/host-ab.ts --base DIR [--rounds N] [--clients N] [--warm S] [--seconds S] [--rate N]

  --base DIR    the other checkout (its node_modules installed or linked)
  --rounds N    alternating pairs of runs (1..20, default 3)
  --clients N   concurrent put clients (1..600, default 64)
  --warm S      unmeasured seconds of the same load first (0..120, default 5)
  --seconds S   measured seconds per run (1..600, default 8)
  --rate N      at most N puts/s from all clients together (default: unpaced)
  --only SIDE   run only base or this
  --perf DIR    record the host with Linux perf over each measured window into DIR
  --help, -h    this text`;

const OPTIONS = {
  base: { type: 'string' },
  rounds: { type: 'string' },
  clients: { type: 'string' },
  warm: { type: 'string' },
  seconds: { type: 'string' },
  rate: { type: 'string' },
  only: { type: 'string' },
  perf: { type: 'string' },
} as const;

/** threadCpuMs reads every thread's user+system CPU time (ms) of a process, by thread id (and the system part, as `-tid`). */
function threadCpuMs(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tids) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(t), ((Number(rest[11]) + Number(rest[12])) * 1000) / 100);
      out.set(-Number(t), (Number(rest[12]) * 1000) / 100);
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** Run is one measured run of one checkout. */
interface Run {
  side: 'base' | 'this';
  puts: number;
  errors: number;
  putsPerSec: number;
  p50: number;
  p99: number;
  /** host µs per put: all threads, the main thread, and the other threads (busiest first). */
  host: number;
  main: number;
  /** mainSys: the main thread's system time per put (µs): system calls, loopback TCP included. */
  mainSys: number;
  others: [number, number][];
  /** nodes: µs per put of each node process. */
  nodes: number[];
  load: string;
}

async function oneRun(
  side: 'base' | 'this',
  repo: string,
  o: { clients: number; warm: number; seconds: number; rate: number | null; perf: string | null },
  n: number,
): Promise<Run> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorum-host-ab-'));
  let lab: LabCluster | null = null;
  try {
    // perf names the JIT's frames from the maps --perf-basic-prof writes.
    const env =
      o.perf === null ? undefined : { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --perf-basic-prof`.trim() };
    lab = await LabCluster.start({ repo, dir: tmp, heartbeatMs: 100, electionMs: 1000, env, log: () => undefined });
    const ep = lab.endpoint;
    const load = startPutLoad(ep, o.clients, o.rate);
    await sleep(o.warm * 1000);
    const pids = await lab.pids();
    const hostPid = pids[0] ?? -1;
    const hostBefore = threadCpuMs(hostPid);
    const nodesBefore = pids.slice(1).map(cpuMs);
    const perf =
      o.perf === null
        ? null
        : startProcess(
            'perf record',
            'perf',
            [
              'record',
              '-q',
              '-e',
              'cpu-clock',
              '-g',
              '-o',
              path.join(o.perf, `${side}-${n}.data`),
              '-p',
              String(hostPid),
            ],
            { stdio: 'ignore' },
          );
    load.mark();
    const t0 = performance.now();
    await sleep(o.seconds * 1000);
    const hostAfter = threadCpuMs(hostPid);
    if (perf) {
      killPid(perf.pid ?? -1, 'SIGINT');
      await waitExit(perf, 10_000);
    }
    const nodesAfter = pids.slice(1).map(cpuMs);
    const wall = (performance.now() - t0) / 1000;
    const { lat, errors } = load.take();
    const puts = Math.max(1, lat.length);
    await load.stop();
    const per = (ms: number): number => (ms * 1000) / puts;
    let host = 0;
    const others: [number, number][] = [];
    let main = 0;
    const mainSys = (hostAfter.get(-hostPid) ?? 0) - (hostBefore.get(-hostPid) ?? 0);
    for (const [tid, after] of hostAfter) {
      if (tid < 0) continue;
      const used = after - (hostBefore.get(tid) ?? 0);
      host += used;
      if (tid === hostPid) main = used;
      else if (used > 0) others.push([tid, per(used)]);
    }
    others.sort((a, b) => b[1] - a[1]);
    lat.sort((a, b) => a - b);
    return {
      side,
      puts: lat.length,
      errors,
      putsPerSec: lat.length / wall,
      p50: percentile(lat, 0.5),
      p99: percentile(lat, 0.99),
      host: per(host),
      main: per(main),
      mainSys: per(mainSys),
      others,
      nodes: nodesAfter.map((a, i) => per(a - (nodesBefore[i] ?? 0))),
      load: os
        .loadavg()
        .map((x) => x.toFixed(1))
        .join(' '),
    };
  } finally {
    if (lab) await lab.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function show(r: Run): string {
  const f0 = (x: number): string => x.toFixed(0);
  const others = r.others
    .slice(0, 4)
    .map(([tid, us]) => `${tid}:${f0(us)}`)
    .join(' ');
  return (
    `${r.side.padEnd(4)} ${f0(r.putsPerSec).padStart(6)} puts/s  p50 ${r.p50.toFixed(1)} p99 ${r.p99.toFixed(1)} ms` +
    `  host ${f0(r.host)} µs/put (main ${f0(r.main)}, of it sys ${f0(r.mainSys)}; others ${f0(r.host - r.main)}: ${others})` +
    `  nodes ${r.nodes.map(f0).join('/')}  errors ${r.errors}  load ${r.load}`
  );
}

async function main(argv: string[]): Promise<number> {
  const args = benchArgs('host-ab', argv, OPTIONS, USAGE, (p) => ({
    base: stringOpt(p, 'base', null),
    rounds: intOpt(p, 'rounds', 1, 20, 3),
    clients: intOpt(p, 'clients', 1, 600, 64),
    warm: numOpt(p, 'warm', 0, 120, 5),
    seconds: numOpt(p, 'seconds', 1, 600, 8),
    rate: intOpt(p, 'rate', 1, 1_000_000),
    only: oneOfOpt(p, 'only', ['base', 'this', 'both'] as const, 'both'),
    perf: stringOpt(p, 'perf', null),
  }));
  if (args.exit !== undefined) return args.exit;
  const o = args.opts;
  if (o.base === null) {
    console.error(`host-ab: --base DIR is required\n\n${USAGE}`);
    return 2;
  }
  const base = path.resolve(o.base);
  if (!fs.existsSync(path.join(base, 'bin', 'quorum-lab.mjs'))) {
    console.error(`host-ab: ${base} has no bin/quorum-lab.mjs`);
    return 2;
  }
  onExit(() => undefined);
  const here = repoRoot();
  const runs: Run[] = [];
  const opts = { ...o, rate: o.rate ?? null, perf: o.perf === null ? null : path.resolve(o.perf) };
  if (opts.perf !== null) fs.mkdirSync(opts.perf, { recursive: true });
  console.log(`host-ab: base ${base}, this ${here}; ${o.clients} clients, ${o.warm} s warm, ${o.seconds} s measured`);
  try {
    for (let i = 0; i < o.rounds; i++) {
      // Alternate which side goes first, so a drift in the machine's load favours neither.
      const order: ('base' | 'this')[] = i % 2 === 0 ? ['base', 'this'] : ['this', 'base'];
      for (const side of order) {
        if (o.only !== 'both' && side !== o.only) continue;
        const r = await oneRun(side, side === 'base' ? base : here, opts, i + 1);
        runs.push(r);
        console.log(show(r));
      }
    }
  } finally {
    await stopAll();
  }
  for (const side of ['base', 'this'] as const) {
    const rs = runs.filter((r) => r.side === side);
    console.log(
      `median ${side}: ${median(rs.map((r) => r.putsPerSec)).toFixed(0)} puts/s, p99 ${median(rs.map((r) => r.p99)).toFixed(1)} ms, ` +
        `host ${median(rs.map((r) => r.host)).toFixed(0)} µs/put (main ${median(rs.map((r) => r.main)).toFixed(0)})`,
    );
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`host-ab: ${(e as Error).stack ?? String(e)}`);
  return 1;
});
