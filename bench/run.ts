/**
 * `npm run bench`: the lab's 3-node Raft cluster against a 3-member etcd, side by side in
 * one run on loopback, same workload (256-byte puts over HTTP/JSON, keys over 10,000):
 * one sequential client, N concurrent clients, and failover after SIGKILL of the leader.
 * Rows alternate between the two systems so background load on a shared machine hits both
 * alike. Prints the table and rewrites the results section of docs/BENCHMARKS.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { liveCheckMain } from './checker-lab';
import { framesMain } from './frames';
import { EtcdCluster, ETCD_BIN, etcdVersion } from './etcd';
import { LabCluster, labCommand, repoRoot } from './lab';
import { onExit, stopAll } from './procs';
import { measureShards, moveLine, shardsTable, type ShardsResult } from './shards-lib';
import { machineDescription, resultsSection, textTable, writeResults, type RunInfo, type SideResults } from './report';
import type { Target, TargetName } from './target';
import { intOpt, parseCli, stringOpt, UsageError } from '../src-main/cli-args';
import {
  FAILOVER_PUT_EVERY_MS,
  FAILOVER_PUT_TIMEOUT_MS,
  KEY_SPACE,
  runFailover,
  runThroughput,
  VALUE_BYTES,
} from './workload';

const USAGE = `usage: npm run bench -- [options]

  --seconds N        seconds per throughput row (default 10)
  --clients N        concurrent clients in row 2 (default 64)
  --warmup N         seconds of unmeasured load (--clients clients) on each side before its rows,
                     so both measure a warm process (the lab's JIT, etcd's allocator); 0..120
                     (default 5)
  --trials N         failover trials, the median is reported (default 5)
  --only lab|etcd    run one side only
  --rows LIST        the rows to run, comma-separated: sequential (1 client), concurrent, failover
                     (default all three); a list without --shards leaves out the sharding rows too,
                     and writes the results only with an explicit --out FILE
  --out FILE         where to write the results (default docs/BENCHMARKS.md; 'none' to skip)
  --heartbeat-ms N   heartbeat interval for both systems (default 100)
  --election-ms N    election timeout for both systems (default 1000)
  --shards           measure sharding after the comparison (the default; --no-shards skips it, and so
                     does --only etcd): 1, 2 and 3 groups of 3 nodes under the same --clients load,
                     and a shard move's unavailability (bench/shards-lib.ts)
  --moves N          shard moves measured on 3 groups (default 10)
  --frames           measure the renderer's frame time under load instead (see bench/frames.ts; --frames --help)
  --live-check       measure the live checker's lag under a 64-client load instead (bench/checker-lab.ts; --live-check --help)
  --help             this text`;

/** BenchOptions are the parsed command-line options. */
export interface BenchOptions {
  seconds: number;
  clients: number;
  /** warmup: unmeasured seconds of the --clients load on each side before its rows. */
  warmup: number;
  trials: number;
  only: TargetName | null;
  /** rows: the comparison's rows to run (all three unless --rows names fewer). */
  rows: ReadonlySet<BenchRow>;
  out: string | null;
  heartbeatMs: number;
  electionMs: number;
  /** shards: measure the sharding rows too (`moves` moves); on unless --no-shards or --only etcd. */
  shards: boolean;
  moves: number;
}

/** BENCH_ROWS: the comparison's rows, in the order they run. */
export const BENCH_ROWS = ['sequential', 'concurrent', 'failover'] as const;
/** BenchRow is one of the comparison's rows. */
export type BenchRow = (typeof BENCH_ROWS)[number];

/** parseRows reads --rows: a comma-separated subset of BENCH_ROWS (an error message when it is not one). */
function parseRows(v: string | undefined): Set<BenchRow> | string {
  if (v === undefined) return new Set(BENCH_ROWS);
  const rows = new Set<BenchRow>();
  for (const r of v.split(',')) {
    if (!(BENCH_ROWS as readonly string[]).includes(r))
      return `--rows takes a comma-separated list of ${BENCH_ROWS.join(', ')}; got '${r}'`;
    rows.add(r as BenchRow);
  }
  return rows;
}

/** BENCH_OPTIONS are the options the bench takes (names without `--`). */
const BENCH_OPTIONS = {
  seconds: { type: 'string' },
  clients: { type: 'string' },
  warmup: { type: 'string' },
  trials: { type: 'string' },
  only: { type: 'string' },
  rows: { type: 'string' },
  out: { type: 'string' },
  'heartbeat-ms': { type: 'string' },
  'election-ms': { type: 'string' },
  shards: { type: 'boolean' },
  'no-shards': { type: 'boolean' },
  moves: { type: 'string' },
} as const;

/** parseBenchArgs validates the options; it returns an error message instead of throwing. */
export function parseBenchArgs(argv: string[], root: string): BenchOptions | string {
  let o: BenchOptions;
  try {
    const p = parseCli(argv, BENCH_OPTIONS);
    const out = stringOpt(p, 'out', undefined);
    const only = stringOpt(p, 'only', undefined);
    if (only !== undefined && only !== 'lab' && only !== 'etcd') return `--only needs 'lab' or 'etcd', got '${only}'`;
    const rowsOpt = stringOpt(p, 'rows', undefined);
    const rows = parseRows(rowsOpt);
    if (typeof rows === 'string') return rows;
    // A subset of the rows is a measurement, not the results of record: written only where asked, no shards unless asked.
    const some = rowsOpt !== undefined;
    o = {
      seconds: intOpt(p, 'seconds', 1, 600, 10),
      clients: intOpt(p, 'clients', 1, 1024, 64),
      warmup: intOpt(p, 'warmup', 0, 120, 5),
      trials: intOpt(p, 'trials', 1, 50, 5),
      only: only ?? null,
      rows,
      out:
        out === undefined
          ? some
            ? null
            : path.join(root, 'docs', 'BENCHMARKS.md')
          : out === 'none'
            ? null
            : path.resolve(out),
      heartbeatMs: intOpt(p, 'heartbeat-ms', 1, 10_000, 100),
      electionMs: intOpt(p, 'election-ms', 1, 60_000, 1000),
      shards: p.values['no-shards'] !== true && only !== 'etcd' && (!some || p.values.shards === true),
      moves: intOpt(p, 'moves', 1, 100, 10),
    };
    if (p.values.shards === true && p.values['no-shards'] === true) return 'give --shards or --no-shards, not both';
    if (p.values.shards === true && only === 'etcd') return '--shards measures the lab: not with --only etcd';
    if (p.values.moves !== undefined && !o.shards) return '--moves goes with the sharding rows (not --no-shards)';
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  // etcd refuses an election timeout under 5 heartbeats; hold the lab to the same rule.
  if (o.electionMs < 5 * o.heartbeatMs) return `--election-ms must be at least 5 x --heartbeat-ms (etcd requires it)`;
  return o;
}

function log(s: string): void {
  console.log(s);
}

function emptySide(t: Target): SideResults {
  return { version: t.version, sequential: null, concurrent: null, failover: null };
}

async function main(argv: string[]): Promise<number> {
  // The renderer's frame-time bench is its own run (a browser, a 5-node lab): hand over to it.
  if (argv.includes('--frames')) return framesMain(argv.filter((a) => a !== '--frames'));
  if (argv.includes('--live-check')) return liveCheckMain(argv.filter((a) => a !== '--live-check'));
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(USAGE);
    return 0;
  }
  const root = repoRoot();
  const parsed = parseBenchArgs(argv, root);
  if (typeof parsed === 'string') {
    console.error(`bench: ${parsed}\n\n${USAGE}`);
    return 2;
  }
  const o = parsed;
  const notes: string[] = [];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quorum-bench-'));
  onExit(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const targets: Target[] = [];
  let exit = 0;
  const info: RunInfo = {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    machine: machineDescription(),
    command: `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`,
    settings: [
      `heartbeat ${o.heartbeatMs} ms, election ${o.electionMs} ms (both systems)`,
      `${VALUE_BYTES}-byte values, keys uniform over ${KEY_SPACE.toLocaleString('en-US')}`,
      `${o.seconds} s per throughput row, 1 and ${o.clients} clients (one keep-alive connection each), after ${o.warmup} s of ${o.clients} clients unmeasured`,
      `failover: a put every ${FAILOVER_PUT_EVERY_MS} ms (each bounded by ${FAILOVER_PUT_TIMEOUT_MS} ms), median of ${o.trials}`,
      `lab: \`node ${labCommand(o).join(' ')} --data <tmpdir>\``,
      `etcd: 3 members, \`${ETCD_BIN} --heartbeat-interval ${o.heartbeatMs} --election-timeout ${o.electionMs}\`, own data dirs, 127.0.0.1 ports`,
    ].join('; '),
    load: [os.loadavg()[0] ?? 0, 0],
    lab: null,
    etcd: null,
    notes,
  };
  log(`quorum-lab bench: ${info.machine}`);
  log(`data under ${tmp}`);
  try {
    if (o.only !== 'lab') {
      if (etcdVersion() === null) {
        const msg = `etcd is not installed (${ETCD_BIN} missing): the etcd side is skipped. Install it with: apt-get install -y etcd-server`;
        console.error(`bench: ${msg}`);
        notes.push(msg);
      } else {
        log('starting etcd (3 members)...');
        try {
          targets.push(
            await EtcdCluster.start({
              dir: path.join(tmp, 'etcd'),
              heartbeatMs: o.heartbeatMs,
              electionMs: o.electionMs,
              log,
            }),
          );
        } catch (e) {
          notes.push(`etcd side failed to start: ${(e as Error).message.split('\n')[0]}`);
          console.error(`bench: ${(e as Error).message}`);
          exit = 1;
        }
      }
    }
    if (o.only !== 'etcd') {
      log('starting the lab (quorum-lab serve, 3 nodes)...');
      try {
        const lab = await LabCluster.start({
          repo: root,
          dir: path.join(tmp, 'lab'),
          heartbeatMs: o.heartbeatMs,
          electionMs: o.electionMs,
          log,
        });
        log(`  lab on ${lab.url}`);
        targets.push(lab);
      } catch (e) {
        notes.push(`lab side failed to start: ${(e as Error).message.split('\n')[0]}`);
        console.error(`bench: ${(e as Error).message}`);
        exit = 1;
      }
    }
    if (targets.length === 0) throw new Error('nothing to measure');
    const sides = new Map<TargetName, SideResults>(targets.map((t) => [t.name, emptySide(t)]));
    const side = (t: Target): SideResults => sides.get(t.name)!;
    const pin = async (t: Target): Promise<void> => {
      if (t instanceof EtcdCluster) await t.pinLeader();
    };

    for (const t of targets) {
      await pin(t);
      // The same unmeasured load on each side first: what follows measures warm processes
      // (the lab's nodes spend a fifth of their CPU in V8's optimising compiler 5–11 s into a
      // load; etcd's Go runtime grows its heap), not their start-up.
      log(`warming up ${t.name} (${o.warmup} s of ${o.clients} clients)...`);
      if (o.warmup > 0) await runThroughput(t, o.clients, o.warmup, 1);
    }
    for (const t of o.rows.has('sequential') ? targets : []) {
      log(`${t.name}: 1 client for ${o.seconds} s...`);
      await pin(t);
      const r = await runThroughput(t, 1, o.seconds, 42);
      side(t).sequential = r;
      log(
        `  ${r.putsPerSec.toFixed(0)} puts/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${r.errors} errors`,
      );
    }
    for (const t of o.rows.has('concurrent') ? targets : []) {
      log(`${t.name}: ${o.clients} clients for ${o.seconds} s...`);
      await pin(t);
      const r = await runThroughput(t, o.clients, o.seconds, 43);
      side(t).concurrent = r;
      log(
        `  ${r.putsPerSec.toFixed(0)} puts/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${r.errors} errors`,
      );
    }
    for (const t of o.rows.has('failover') ? targets : []) {
      log(`${t.name}: failover, ${o.trials} trial(s)...`);
      try {
        side(t).failover = await runFailover(t, o.trials, 1000, log);
      } catch (e) {
        notes.push(`${t.name} failover did not complete: ${(e as Error).message.split('\n')[0]}`);
        console.error(`bench: ${t.name} failover: ${(e as Error).message}`);
        exit = 1;
      }
    }
    info.lab = sides.get('lab') ?? null;
    info.etcd = sides.get('etcd') ?? null;
  } catch (e) {
    console.error(`bench: ${(e as Error).stack ?? String(e)}`);
    notes.push(`run aborted: ${(e as Error).message.split('\n')[0]}`);
    exit = 1;
  } finally {
    log('stopping clusters...');
    for (const t of targets)
      await t.stop().catch((e: unknown) => console.error(`bench: stopping ${t.name}: ${String(e)}`));
    await stopAll();
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  // The sharded clusters run after the comparison's are stopped, so neither slows the other.
  // Three more clusters (4-12 processes each): about 70-100 s more than the comparison's ~80 s.
  const shards = o.shards ? await shardRows(root, o, notes) : null;
  info.load[1] = os.loadavg()[0] ?? 0;
  log('');
  log(textTable(info, o.clients));
  if (shards) log(`\n${shardsTable(shards).join('\n')}\n\n${moveLine(shards)}`);
  log(`load average (1 min): ${info.load[0].toFixed(1)} at start, ${info.load[1].toFixed(1)} at end`);
  for (const n of notes) log(`note: ${n}`);
  const section = resultsSection(info, o.clients) + (shards ? `\n\n${shardsMarkdown(shards)}` : '');
  const raw = path.join(root, 'bench', 'results');
  fs.mkdirSync(raw, { recursive: true });
  fs.writeFileSync(
    path.join(raw, `${info.date.replace(/[:]/g, '-')}.json`),
    JSON.stringify(shards ? { ...info, shards } : info, null, 2),
  );
  if (o.out && (info.lab || info.etcd)) {
    writeResults(o.out, section);
    log(`\nresults written to ${path.relative(process.cwd(), o.out) || o.out}`);
  }
  return exit;
}

/** shardRows runs the sharding measurement (null, with a note, when it fails). */
async function shardRows(root: string, o: BenchOptions, notes: string[]): Promise<ShardsResult | null> {
  const groups = [1, 2, 3];
  try {
    return await measureShards({ repo: root, seconds: o.seconds, clients: o.clients, groups, moves: o.moves, log });
  } catch (e) {
    notes.push(`sharding rows failed: ${(e as Error).message.split('\n')[0]}`);
    console.error(`bench: sharding: ${(e as Error).message}`);
    return null;
  } finally {
    await stopAll();
  }
}

/** shardsMarkdown is the sharding part of the results section. */
function shardsMarkdown(r: ShardsResult): string {
  const head = `Sharding (lab only; \`quorum-lab serve --groups G --nodes 3\`, a controller of 3 more, same put load, run after the comparison):`;
  return [head, '', ...shardsTable(r), '', moveLine(r)].join('\n');
}

process.exitCode = await main(process.argv.slice(2));
