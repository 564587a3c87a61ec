/**
 * `npm run bench`'s command line: its usage, its options and their checks (bench/run.ts runs
 * them; kept apart so the checks are unit-tested without starting a run).
 */
import path from 'node:path';
import { intOpt, oneOfOpt, parseCli, stringOpt, UsageError } from '../src-main/cli-args';
import type { TargetName } from './target';

/** BENCH_USAGE is `npm run bench -- --help`. */
export const BENCH_USAGE = `usage: npm run bench -- [options]

  --seconds N        seconds per throughput row (default 10)
  --clients N        concurrent clients in the concurrent rows (default 64)
  --warmup N         seconds of unmeasured load (--clients clients) on each side before its rows,
                     so both measure a warm process (the lab's JIT, etcd's allocator); 0..120
                     (default 5); after it, each side's idle CPU is measured for 3 s (not with 0)
  --trials N         failover trials, the median is reported (default 5)
  --only lab|etcd    run one side only
  --protocol P       the lab's protocol: raft or paxos (Multi-Paxos); etcd is Raft either way (default
                     raft). A paxos run leaves out the sharding rows (they run Raft) unless --shards is
                     given, and writes the results only with an explicit --out FILE
  --rows LIST        the rows to run, comma-separated: sequential (1 client puts), concurrent (puts),
                     reads-sequential (1 client gets), reads-concurrent (gets), failover (default all
                     five); a list without --shards leaves out the sharding rows too, and writes the
                     results only with an explicit --out FILE
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

/** BENCH_ROWS: the comparison's rows, in the order they run (reads before failover, on a cluster no kill has touched). */
export const BENCH_ROWS = ['sequential', 'concurrent', 'reads-sequential', 'reads-concurrent', 'failover'] as const;
/** BenchRow is one of the comparison's rows. */
export type BenchRow = (typeof BENCH_ROWS)[number];

/** LabProtocol is the lab's protocol core for the comparison. */
export type LabProtocol = 'raft' | 'paxos';

/** BenchOptions are the parsed command-line options. */
export interface BenchOptions {
  seconds: number;
  clients: number;
  /** warmup: unmeasured seconds of the --clients load on each side before its rows. */
  warmup: number;
  trials: number;
  only: TargetName | null;
  /** protocol: the lab's core (etcd is Raft either way). */
  protocol: LabProtocol;
  /** rows: the comparison's rows to run (all of them unless --rows names fewer). */
  rows: ReadonlySet<BenchRow>;
  out: string | null;
  heartbeatMs: number;
  electionMs: number;
  /** shards: measure the sharding rows too (`moves` moves); on unless --no-shards, --only etcd, --rows or --protocol paxos. */
  shards: boolean;
  moves: number;
}

/** parseRows reads --rows: a comma-separated subset of BENCH_ROWS (an error message when it is not one). */
function parseRows(v: string | undefined): Set<BenchRow> | string {
  if (v === undefined) return new Set(BENCH_ROWS);
  const rows = new Set<BenchRow>();
  for (const r of v.split(',')) {
    if (!(BENCH_ROWS as readonly string[]).includes(r))
      return `--rows takes a comma-separated list of ${BENCH_ROWS.join(', ')}; got '${r.slice(0, 40)}'`;
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
  protocol: { type: 'string' },
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
    const protocol = oneOfOpt(p, 'protocol', ['raft', 'paxos'] as const, 'raft');
    const rowsOpt = stringOpt(p, 'rows', undefined);
    const rows = parseRows(rowsOpt);
    if (typeof rows === 'string') return rows;
    // A subset of the rows, or Multi-Paxos, is a measurement, not the results of record:
    // written only where asked, no shards unless asked.
    const some = rowsOpt !== undefined || protocol !== 'raft';
    o = {
      seconds: intOpt(p, 'seconds', 1, 600, 10),
      clients: intOpt(p, 'clients', 1, 1024, 64),
      warmup: intOpt(p, 'warmup', 0, 120, 5),
      trials: intOpt(p, 'trials', 1, 50, 5),
      only: only ?? null,
      protocol,
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
