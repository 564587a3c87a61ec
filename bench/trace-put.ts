/**
 * `node --import tsx bench/trace-put.ts [--puts 400] [--warmup 50] [--keep DIR]`: where does
 * one sequential put spend its time? Starts `quorum-lab serve` (3 nodes, as `npm run bench`)
 * with QUORUM_TRACE set (src-main/node/trace.ts: every process stamps the stages of a put
 * into a file of its own), sends the puts one after another through the HTTP host, stops
 * the lab, joins the stamps per put (by the gateway's request id, the entry index, and
 * the message labels the router sees) and prints, per stage, the median, p90 and p99 in ms;
 * then, for the slowest 5% of puts, the critical-path stage furthest over its median and
 * the stalls stamped in any process that overlapped it (garbage collections, WAL
 * checkpoints, the host's run-log flushes and status reports, heartbeats; with --slow-ms
 * every long event-loop callback, with its CPU time).
 * Not part of `npm run bench`: a tool for finding where the time goes.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { intOpt, numOpt, stringOpt } from '../src-main/cli-args';
import { benchArgs, runMain } from './cli';
import { clientAgent, parseJson, request } from './http';
import { LabCluster, repoRoot } from './lab';
import { onExit, sleep } from './procs';
import { analyze } from './trace-join';
import { KEY_SPACE, keyOf, makeValue, percentile, Rng } from './workload';

const HELP = `usage: node --import tsx bench/trace-put.ts [--puts N] [--warmup N] [--slow-ms N] [--keep DIR | --from DIR] [--base DIR [--rounds N]]
  --puts N     sequential puts traced (default 400)
  --warmup N   puts sent first and left out (default 50)
  --slow-ms N  also stamp every event-loop callback longer than N ms in every process (async_hooks,
               QUORUM_TRACE_SLOW_MS; a small cost on every callback) for the tail's blame (default off)
  --keep DIR   write the raw trace files into DIR (an empty or new folder) and keep them
  --from DIR   start nothing: join and report the trace files a --keep run left in DIR
  --base DIR   A/B: alternate runs of the checkout in DIR (its node_modules installed) and this one,
               base first, and print one line per run (load average, host total and client p50 / p90 /
               p99) and the medians; with --keep, the traces go to DIR/base-N and DIR/this-N (join one
               with --from for the whole report)
  --rounds N   pairs of runs with --base (1..20, default 3)
  --help, -h   this text`;

/** Opts: the options of one traced run. */
interface Opts {
  puts: number;
  warmup: number;
  slowMs: number;
}

/**
 * traceRun starts `repo`'s lab with tracing into `traceDir`, sends the puts, stops the lab
 * and returns the client's latencies (ms) of the puts after the warm-up.
 */
async function traceRun(repo: string, traceDir: string, tmp: string, o: Opts): Promise<number[]> {
  fs.mkdirSync(traceDir, { recursive: true });
  if (fs.readdirSync(traceDir).length > 0) throw new Error(`${traceDir} is not empty`);
  process.env.QUORUM_TRACE = traceDir;
  if (o.slowMs > 0) process.env.QUORUM_TRACE_SLOW_MS = String(o.slowMs);
  const lab = await LabCluster.start({
    repo,
    dir: fs.mkdtempSync(path.join(tmp, 'lab-')),
    heartbeatMs: 100,
    electionMs: 1000,
    log: console.log,
  });
  delete process.env.QUORUM_TRACE;
  delete process.env.QUORUM_TRACE_SLOW_MS;
  const ep = lab.endpoint;
  const rng = new Rng(7);
  const value = makeValue(rng);
  const agent = clientAgent(1);
  const client: number[] = [];
  const t0 = performance.now();
  try {
    for (let n = 0; n < o.warmup + o.puts; n++) {
      const t = performance.now();
      const body = JSON.stringify({ op: 'put', key: keyOf(rng.int(KEY_SPACE)), value });
      const r = await request(agent, ep, 'POST', '/api/kv', body, 10_000);
      const j = parseJson(r.body) as { outcome?: string } | null;
      if (n >= o.warmup && r.status === 200 && j?.outcome === 'ok') client.push(performance.now() - t);
    }
    await sleep(1500); // every process flushes its stamps at least once a second
  } finally {
    agent.destroy();
    await lab.stop();
  }
  console.log(
    `${o.warmup + o.puts} puts in ${((performance.now() - t0) / 1000).toFixed(1)} s; load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  return client;
}

/**
 * alternate runs `rounds` pairs, the checkout at `base` then this one, and prints one line
 * per run (load average at its start, host total and client p50 / p90 / p99) and the medians.
 */
async function alternate(
  base: string,
  rounds: number,
  tmp: string,
  keep: string | undefined,
  o: Opts,
): Promise<number> {
  const f = (x: number): string => x.toFixed(2).padStart(6);
  const rows: Record<'base' | 'this', { host: number[]; client: number[] }[]> = { base: [], this: [] };
  const lines: string[] = [];
  for (let i = 1; i <= rounds; i++) {
    for (const side of ['base', 'this'] as const) {
      const load = os.loadavg()[0]!.toFixed(1);
      const dir = path.join(keep ?? tmp, `${side}-${i}`);
      const client = await traceRun(side === 'base' ? base : repoRoot(), dir, tmp, o);
      const s = analyze(dir, o.puts, client, o.slowMs || 0.3, true);
      if (!s) return 1;
      const c = [...client].sort((x, y) => x - y);
      const cq = [0.5, 0.9, 0.99].map((q) => percentile(c, q));
      rows[side].push({ host: [s.p50, s.p90, s.p99], client: cq });
      lines.push(
        `${side.padEnd(4)} ${String(i).padStart(2)}  load ${load.padStart(5)}  host ${f(s.p50)} ${f(s.p90)} ${f(s.p99)}  client ${cq.map(f).join(' ')}`,
      );
      console.log(lines.at(-1));
    }
  }
  console.log(`\nrun      load at start  host total p50 p90 p99 ms     client p50 p90 p99 ms`);
  for (const l of lines) console.log(l);
  for (const side of ['base', 'this'] as const) {
    const med = (k: 'host' | 'client', j: number): string =>
      f(
        percentile(
          rows[side].map((r) => r[k][j]!).sort((x, y) => x - y),
          0.5,
        ),
      );
    console.log(
      `median ${side.padEnd(4)}          host ${med('host', 0)} ${med('host', 1)} ${med('host', 2)}  client ${med('client', 0)} ${med('client', 1)} ${med('client', 2)}`,
    );
  }
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const args = benchArgs(
    'trace-put',
    argv,
    {
      puts: { type: 'string' },
      warmup: { type: 'string' },
      'slow-ms': { type: 'string' },
      keep: { type: 'string' },
      from: { type: 'string' },
      base: { type: 'string' },
      rounds: { type: 'string' },
    },
    HELP,
    (p) => ({
      puts: intOpt(p, 'puts', 0, 100_000, 400),
      warmup: intOpt(p, 'warmup', 0, 100_000, 50),
      slowMs: numOpt(p, 'slow-ms', 0, 1000, 0),
      keep: stringOpt(p, 'keep', undefined),
      from: stringOpt(p, 'from', undefined),
      base: stringOpt(p, 'base', undefined),
      rounds: intOpt(p, 'rounds', 1, 20, 3),
    }),
  );
  if (args.exit !== undefined) return args.exit;
  const { keep, from, base, rounds, ...o } = args.opts;
  if (from !== undefined) return analyze(path.resolve(from), o.puts, [], o.slowMs || 0.3) ? 0 : 1;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorum-trace-'));
  onExit(() => fs.rmSync(tmp, { recursive: true, force: true }));
  if (base !== undefined) return alternate(path.resolve(base), rounds, tmp, keep && path.resolve(keep), o);
  const traceDir = keep !== undefined ? path.resolve(keep) : path.join(tmp, 'trace');
  const client = await traceRun(repoRoot(), traceDir, tmp, o);
  return analyze(traceDir, o.puts, client, o.slowMs || 0.3) ? 0 : 1;
}

runMain(main);
