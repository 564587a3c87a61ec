/**
 * `node --import tsx bench/wakes.ts [--base DIR] [--rounds N] [--clients 1] [--rate N] [--warm S] [--seconds S] [--syscalls]`:
 * the wake-ups, context switches and system calls of each process of a lab per put, by thread.
 *
 * Each run starts `quorum-lab serve` (3 Raft nodes) from a checkout, sends puts (256-byte
 * values over HTTP, as `npm run bench` does) from `--clients` keep-alive connections (default
 * one, sequential), `--warm` seconds unmeasured, then `--seconds` measured, and reads from
 * /proc, for every thread of the host and of each node (the leader first): CPU time (user +
 * system) and context switches — voluntary (the thread blocked: it was asleep and something
 * woke it, one wake-up each) and involuntary (preempted) — divided by the puts. Threads are
 * grouped by name (`node` is the main thread; `V8 Worker`/`V8 DefaultWorke` the GC and
 * compiler helpers, `libuv-worker` libuv's pool, `quorum-check` and the like worker threads).
 * With `--syscalls` the measured window also runs `perf trace -s -p PID` on every process
 * (a second, slower run of its own: tracing costs each call, so CPU and latency are taken
 * from the untraced run) and prints each process's system calls per put, by thread and by
 * call. With `--base DIR` runs alternate base / this, as `bench/host-ab.ts` does.
 * Not part of `npm run bench`: a tool for counting what wakes per put.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { ChildProcess } from 'node:child_process';
import { flagOpt, intOpt, numOpt, stringOpt } from '../src-main/cli-args';
import { benchArgs } from './cli';
import { LabCluster, repoRoot } from './lab';
import { killPid, onExit, sleep, startProcess, stopAll, waitExit } from './procs';
import { startPutLoad } from './put-load';
import { median, percentile } from './workload';

const USAGE = `usage: node --import tsx bench/wakes.ts [--base DIR] [--rounds N] [--clients N] [--rate N] [--warm S] [--seconds S] [--syscalls]

  --base DIR    another checkout to alternate with (its node_modules installed or linked)
  --rounds N    runs (pairs with --base) (1..20, default 1)
  --clients N   concurrent put clients (1..600, default 1)
  --rate N      at most N puts/s from all clients together (default: unpaced)
  --warm S      unmeasured seconds of the same load first (0..120, default 4)
  --seconds S   measured seconds per run (1..120, default 6)
  --syscalls    also count system calls with perf trace (a second, traced window per run)
  --log DIR     also write each process's system calls, one a line, over 300 ms into DIR/<side>-<process>.txt
  --base-env K=V  the base side's lab runs with this environment variable (e.g. --base . --base-env QUORUM_SYNC_SENT=0)
  --help, -h    this text`;

const OPTIONS = {
  base: { type: 'string' },
  rounds: { type: 'string' },
  clients: { type: 'string' },
  rate: { type: 'string' },
  warm: { type: 'string' },
  seconds: { type: 'string' },
  syscalls: { type: 'boolean' },
  log: { type: 'string' },
  'base-env': { type: 'string' },
} as const;

/** ThreadSample: one thread's counters. */
interface ThreadSample {
  name: string;
  cpuMs: number;
  vol: number;
  invol: number;
}

/** threads reads every thread of a process: name, CPU ms, voluntary and involuntary context switches. */
function threads(pid: number): Map<number, ThreadSample> {
  const out = new Map<number, ThreadSample>();
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
      const status = fs.readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
      const field = (k: string): number => Number(new RegExp(`^${k}:\\s*(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      const name = (/^Name:\s*(.*)$/m.exec(status)?.[1] ?? '?').trim();
      out.set(Number(t), {
        name: Number(t) === pid ? 'main' : name,
        cpuMs: ((Number(rest[11]) + Number(rest[12])) * 1000) / 100,
        vol: field('voluntary_ctxt_switches'),
        invol: field('nonvoluntary_ctxt_switches'),
      });
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** Group: a thread kind's totals per put in one process. */
interface Group {
  threads: number;
  cpuUs: number;
  vol: number;
  invol: number;
}

/** perThread: each thread's CPU (µs), wake-ups and preemptions per put over the window, by thread id. */
function perThread(
  before: Map<number, ThreadSample>,
  after: Map<number, ThreadSample>,
  puts: number,
): Map<number, Group> {
  const g = new Map<number, Group>();
  for (const [tid, a] of after) {
    const b = before.get(tid) ?? { name: a.name, cpuMs: 0, vol: 0, invol: 0 };
    const cpu = a.cpuMs - b.cpuMs;
    const vol = a.vol - b.vol;
    const invol = a.invol - b.invol;
    if (cpu === 0 && vol === 0 && invol === 0) continue;
    g.set(tid, { threads: 1, cpuUs: (cpu * 1000) / puts, vol: vol / puts, invol: invol / puts });
  }
  return g;
}

/**
 * kindOf names a thread by what it calls (Node 20 names none of its threads): the main
 * thread; a thread with an event loop of its own (epoll) is a worker thread (the host's
 * live checker, a node's WAL checkpointer); one that syncs or writes is libuv's pool (its
 * `write`s are files and the eventfd that wakes the loop); the rest (futex, memory calls)
 * are V8's platform threads (GC helpers, the compiler).
 */
function kindOf(tid: number, pid: number, calls: Map<string, number> | undefined): string {
  if (tid === pid) return 'main';
  if (!calls) return 'other';
  const has = (c: string): boolean => (calls.get(c) ?? 0) > 0;
  if (has('epoll_pwait') || has('epoll_wait')) return 'worker thread';
  // V8's own threads write nothing; libuv's pool writes files (the host's run log) and syncs.
  if (['fdatasync', 'fsync', 'pwrite64', 'write', 'writev', 'statx', 'openat'].some(has)) return 'libuv pool';
  return 'V8 helper';
}

function group(
  threadRows: Map<number, Group>,
  pid: number,
  sys: Map<number, Map<string, number>> | null,
): Map<string, Group> {
  const g = new Map<string, Group>();
  for (const [tid, r] of threadRows) {
    const k = kindOf(tid, pid, sys?.get(tid));
    const x = g.get(k) ?? { threads: 0, cpuUs: 0, vol: 0, invol: 0 };
    x.threads++;
    x.cpuUs += r.cpuUs;
    x.vol += r.vol;
    x.invol += r.invol;
    g.set(k, x);
  }
  return g;
}

/** parseTrace reads `perf trace -s` output: a block per thread ("name (tid), N events…") listing calls and counts; per tid, per call, per put. */
function parseTrace(text: string, puts: number): Map<number, Map<string, number>> {
  const out = new Map<number, Map<string, number>>();
  let cur: Map<string, number> | null = null;
  for (const line of text.split('\n')) {
    const head = /^\s*(.+?) \((\d+)\), \d+ events/.exec(line);
    if (head) {
      cur = new Map<string, number>();
      out.set(Number(head[2]), cur);
      continue;
    }
    const row = /^\s+([a-z_0-9]+)\s+(\d+)\s+\d+\s+[\d.]+/.exec(line);
    if (row && cur) cur.set(row[1] ?? '?', Number(row[2]) / puts);
  }
  return out;
}

/** Syscalls: per thread kind, per call, the count per put. */
type Syscalls = Map<string, Map<string, number>>;

function syscallsByKind(sys: Map<number, Map<string, number>>, pid: number): Syscalls {
  const out: Syscalls = new Map();
  for (const [tid, calls] of sys) {
    const k = kindOf(tid, pid, calls);
    const m = out.get(k) ?? new Map<string, number>();
    for (const [c, n] of calls) m.set(c, (m.get(c) ?? 0) + n);
    out.set(k, m);
  }
  return out;
}

/** rank orders processes: the host, the leader, the rest. */
function rank(name: string): number {
  return name === 'host' ? 0 : name.includes('leader') ? 1 : 2;
}

interface Proc {
  name: string;
  pid: number;
}

interface Run {
  side: string;
  puts: number;
  errors: number;
  putsPerSec: number;
  p50: number;
  p99: number;
  procs: { name: string; groups: Map<string, Group>; syscalls: Syscalls | null; tracedPuts: number }[];
  load: string;
}

async function oneRun(
  side: string,
  repo: string,
  o: {
    clients: number;
    warm: number;
    seconds: number;
    rate: number | null;
    syscalls: boolean;
    log: string | null;
    baseEnv: Record<string, string> | null;
  },
): Promise<Run> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorum-wakes-'));
  let lab: LabCluster | null = null;
  try {
    const env = side === 'base' && o.baseEnv !== null ? o.baseEnv : undefined;
    lab = await LabCluster.start({ repo, dir: tmp, heartbeatMs: 100, electionMs: 1000, env, log: () => undefined });
    const load = startPutLoad(lab.endpoint, o.clients, o.rate);
    await sleep(o.warm * 1000);
    // The host, the leader, then the followers: the same order in every run.
    const ps: Proc[] = (await lab.processes()).sort((a, b) => rank(a.name) - rank(b.name));
    const before = ps.map((p) => threads(p.pid));
    load.mark();
    const t0 = performance.now();
    await sleep(o.seconds * 1000);
    const after = ps.map((p) => threads(p.pid));
    const wall = (performance.now() - t0) / 1000;
    const { lat, errors } = load.take();
    const puts = Math.max(1, lat.length);
    const sorted = [...lat].sort((a, b) => a - b);
    const rows = ps.map((_, i) => perThread(before[i] ?? new Map(), after[i] ?? new Map(), puts));
    const procs: Run['procs'] = ps.map((p, i) => ({
      name: p.name,
      groups: group(rows[i] ?? new Map(), p.pid, null),
      syscalls: null,
      tracedPuts: 0,
    }));
    if (o.syscalls) {
      const tracers: { child: ChildProcess; out: string[] }[] = ps.map((p) => {
        const child = startProcess('perf trace', 'perf', ['trace', '-s', '-p', String(p.pid)], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const out: string[] = [];
        child.stdout?.on('data', (d: Buffer) => out.push(d.toString()));
        child.stderr?.on('data', (d: Buffer) => out.push(d.toString()));
        return { child, out };
      });
      await sleep(500);
      load.mark();
      await sleep(o.seconds * 1000);
      const traced = Math.max(1, load.take().lat.length);
      for (const t of tracers) killPid(t.child.pid ?? -1, 'SIGINT');
      await Promise.all(tracers.map((t) => waitExit(t.child, 10_000)));
      ps.forEach((p, i) => {
        const pr = procs[i];
        if (!pr) return;
        const sys = parseTrace((tracers[i]?.out ?? []).join(''), traced);
        pr.groups = group(rows[i] ?? new Map(), p.pid, sys);
        pr.syscalls = syscallsByKind(sys, p.pid);
        pr.tracedPuts = traced;
      });
    }
    if (o.log !== null) {
      const dir = o.log;
      fs.mkdirSync(dir, { recursive: true });
      const tracers = ps.map((p) =>
        startProcess(
          'perf trace',
          'perf',
          ['trace', '-o', path.join(dir, `${side}-${p.name.replace(/\W+/g, '_')}.txt`), '-p', String(p.pid)],
          { stdio: 'ignore' },
        ),
      );
      await sleep(800);
      for (const t of tracers) killPid(t.pid ?? -1, 'SIGINT');
      await Promise.all(tracers.map((t) => waitExit(t, 10_000)));
    }
    await load.stop();
    return {
      side,
      puts: lat.length,
      errors,
      putsPerSec: lat.length / wall,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      procs,
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
  const f = (x: number, d = 2): string => x.toFixed(d);
  const lines = [
    `${r.side}: ${f(r.putsPerSec, 0)} puts/s, p50 ${f(r.p50)} p99 ${f(r.p99)} ms, ${r.puts} puts, errors ${r.errors}, load ${r.load}`,
  ];
  for (const p of r.procs) {
    let cpu = 0;
    let vol = 0;
    let invol = 0;
    for (const g of p.groups.values()) {
      cpu += g.cpuUs;
      vol += g.vol;
      invol += g.invol;
    }
    lines.push(`  ${p.name}: CPU ${f(cpu, 0)} µs/put, wake-ups ${f(vol)}/put, preempted ${f(invol)}/put`);
    const gs = [...p.groups.entries()].sort((a, b) => b[1].cpuUs - a[1].cpuUs);
    for (const [name, g] of gs) {
      lines.push(
        `    ${name.padEnd(16)} ×${g.threads}  CPU ${f(g.cpuUs, 0).padStart(5)} µs  wake ${f(g.vol).padStart(6)}  preempt ${f(g.invol).padStart(5)}`,
      );
    }
    if (p.syscalls) {
      let total = 0;
      for (const calls of p.syscalls.values()) for (const n of calls.values()) total += n;
      lines.push(`    system calls per put (traced window, ${p.tracedPuts} puts): ${f(total)}`);
      for (const [name, calls] of p.syscalls) {
        const top = [...calls.entries()]
          .sort((a, b) => b[1] - a[1])
          .filter(([, n]) => n >= 0.01)
          .map(([c, n]) => `${c} ${f(n)}`)
          .join(', ');
        if (top) lines.push(`      ${name}: ${top}`);
      }
    }
  }
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const args = benchArgs('wakes', argv, OPTIONS, USAGE, (p) => ({
    base: stringOpt(p, 'base', null),
    rounds: intOpt(p, 'rounds', 1, 20, 1),
    clients: intOpt(p, 'clients', 1, 600, 1),
    rate: intOpt(p, 'rate', 1, 1_000_000),
    warm: numOpt(p, 'warm', 0, 120, 4),
    seconds: numOpt(p, 'seconds', 1, 120, 6),
    syscalls: flagOpt(p, 'syscalls'),
    log: stringOpt(p, 'log', null),
    baseEnv: stringOpt(p, 'base-env', null),
  }));
  if (args.exit !== undefined) return args.exit;
  const o = args.opts;
  const kv = o.baseEnv === null ? null : /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(o.baseEnv);
  if (o.baseEnv !== null && kv === null) {
    console.error(
      `wakes: --base-env takes NAME=VALUE (a name in capitals, digits and _), not ${JSON.stringify(o.baseEnv)}`,
    );
    return 2;
  }
  const baseEnv = kv === null ? null : { [kv[1]!]: kv[2]! };
  const base = o.base === null ? null : path.resolve(o.base);
  if (base !== null && !fs.existsSync(path.join(base, 'bin', 'quorum-lab.mjs'))) {
    console.error(`wakes: ${base} has no bin/quorum-lab.mjs`);
    return 2;
  }
  onExit(() => undefined);
  const here = repoRoot();
  const opts = { ...o, rate: o.rate ?? null, baseEnv };
  const runs: Run[] = [];
  try {
    for (let i = 0; i < o.rounds; i++) {
      const order: ('base' | 'this')[] = base === null ? ['this'] : i % 2 === 0 ? ['base', 'this'] : ['this', 'base'];
      for (const side of order) {
        const r = await oneRun(side, side === 'base' && base !== null ? base : here, opts);
        runs.push(r);
        console.log(show(r));
      }
    }
  } finally {
    await stopAll();
  }
  if (runs.length > 1) {
    for (const side of ['base', 'this']) {
      const rs = runs.filter((r) => r.side === side);
      if (rs.length === 0) continue;
      const cpu = (r: Run, i: number): number => {
        let s = 0;
        for (const g of r.procs[i]?.groups.values() ?? []) s += g.cpuUs;
        return s;
      };
      const n = Math.max(...rs.map((r) => r.procs.length));
      const per = Array.from({ length: n }, (_, i) => median(rs.map((r) => cpu(r, i))).toFixed(0)).join(' / ');
      console.log(
        `median ${side}: ${median(rs.map((r) => r.putsPerSec)).toFixed(0)} puts/s, p50 ${median(rs.map((r) => r.p50)).toFixed(2)} ` +
          `p99 ${median(rs.map((r) => r.p99)).toFixed(2)} ms, CPU µs/put by process ${per}`,
      );
    }
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`wakes: ${(e as Error).stack ?? String(e)}`);
  return 1;
});
