/**
 * `npm run bench:shards`: how a sharded cluster scales and how long a move makes a shard
 * unavailable (bench/shards-lib.ts: 1, 2 and 3 replica groups of 3 Raft nodes under the
 * same 64-client put load as `npm run bench`, then a shard moved back and forth under a
 * probe). Prints the table and rewrites its own fenced section of docs/BENCHMARKS.md;
 * `npm run bench -- --shards` measures the same beside the etcd comparison.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { intOpt, stringOpt, UsageError } from '../src-main/cli-args';
import { benchArgs, runMain } from './cli';
import { onExit, stopAll } from './procs';
import { machineDescription } from './report';
import { measureShards, moveLine, shardsTable } from './shards-lib';

const USAGE = `usage: npm run bench:shards -- [options]

  --seconds N   seconds per throughput row (default 10)
  --clients N   concurrent clients (default 64)
  --groups L    the group counts to measure (default 1,2,3)
  --moves N     shard moves measured on the largest cluster (default 10)
  --out FILE    where to write the results (default docs/BENCHMARKS.md; 'none' to skip)
  --help, -h    this text`;

const START = '<!-- bench:shards:start (written by `npm run bench:shards`; edits inside are overwritten) -->';
const END = '<!-- bench:shards:end -->';

async function main(argv: string[]): Promise<number> {
  const opts = {
    seconds: { type: 'string' },
    clients: { type: 'string' },
    groups: { type: 'string' },
    moves: { type: 'string' },
    out: { type: 'string' },
  } as const;
  const args = benchArgs('bench:shards', argv, opts, USAGE, (p) => {
    const groups = (stringOpt(p, 'groups', '1,2,3') ?? '1,2,3').split(',').map(Number);
    if (groups.some((g) => !Number.isInteger(g) || g < 1 || g > 7)) throw new UsageError('--groups must list 1..7');
    return {
      seconds: intOpt(p, 'seconds', 1, 600, 10),
      clients: intOpt(p, 'clients', 1, 1024, 64),
      moves: intOpt(p, 'moves', 1, 100, 10),
      groups,
      out: stringOpt(p, 'out', undefined),
    };
  });
  if (args.exit !== undefined) return args.exit;
  const { seconds, clients, moves, groups, out } = args.opts;
  const repo = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
  const outFile = out ?? path.join(repo, 'docs', 'BENCHMARKS.md');
  onExit(() => void stopAll());
  const load0 = os.loadavg()[0] ?? 0;
  const r = await measureShards({ repo, seconds, clients, groups, moves, log: (l) => console.log(l) });
  const table = shardsTable(r);
  const moved = moveLine(r);
  const section = [
    `Command: \`npm run bench:shards -- --seconds ${seconds} --clients ${clients} --groups ${groups.join(',')} --moves ${moves}\` · ${new Date().toISOString()} · load average at start ${load0.toFixed(2)} · ${machineDescription()}`,
    '',
    ...table,
    '',
    moved,
  ].join('\n');
  console.log(`\n${table.join('\n')}\n\n${moved}`);
  if (outFile && outFile !== 'none') {
    let doc = fs.existsSync(outFile) ? fs.readFileSync(outFile, 'utf8') : '# Benchmarks\n';
    const fenced = `${START}\n${section}\n${END}`;
    const a = doc.indexOf(START);
    const b = doc.indexOf(END);
    doc =
      a >= 0 && b > a
        ? doc.slice(0, a) + fenced + doc.slice(b + END.length)
        : `${doc.trimEnd()}\n\n## Sharding\n\n${fenced}\n`;
    fs.writeFileSync(outFile, doc);
  }
  return 0;
}

runMain(main);
