/**
 * `node --import tsx bench/sim-same.ts --baseline DIR [--seeds N]`: does this tree's
 * simulator give the same runs as another checkout's, byte for byte? Each case is run by
 * both trees in one process with its run log kept; the run log, the client history, the
 * fault schedule, the violations and the verdict must be identical. Cases: Raft and
 * Multi-Paxos, with every fault and on a clean network, 5 and 3 nodes, membership changes,
 * slow links, and the clean 60 s run at 100 commands per second. Exits 1 on the first
 * difference, naming the case and the first differing log line.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { UsageError, intOpt, stringOpt } from '../src-main/cli-args';
import type { SimOptions, SimResult } from '../src-main/sim/run';
import { benchArgs } from './cli';
import { repoRoot } from './lab';

const USAGE = `usage: node --import tsx bench/sim-same.ts --baseline DIR [--seeds N]

  --baseline DIR  the other checkout (its src-main/sim/run.ts is loaded)
  --seeds N       seeds per case (default 10)
  --help, -h      this text`;

type Run = (o: SimOptions) => SimResult;

/** cases lists what both trees run: name and options, per seed. */
function cases(seeds: number): { name: string; opts: SimOptions }[] {
  const out: { name: string; opts: SimOptions }[] = [];
  const kinds: [string, Omit<SimOptions, 'seed'>][] = [
    ['raft, 5 nodes, faults', { nodes: 5, protocol: 'raft' }],
    ['paxos, 5 nodes, faults', { nodes: 5, protocol: 'paxos' }],
    ['raft, 3 nodes, no faults', { nodes: 3, protocol: 'raft', faults: false }],
    ['paxos, 3 nodes, no faults', { nodes: 3, protocol: 'paxos', faults: false }],
    ['raft, membership', { nodes: 5, protocol: 'raft', membership: true }],
    ['paxos, slow links', { nodes: 5, protocol: 'paxos', slowLinks: true }],
  ];
  for (const [name, o] of kinds) for (let s = 1; s <= seeds; s++) out.push({ name, opts: { ...o, seed: s * 7919 } });
  out.push({
    name: 'clean 60 s run',
    opts: { seed: 1, nodes: 5, faults: false, faultMs: 60_000, workload: { rate: 100 } },
  });
  return out;
}

function digest(r: SimResult): { sum: string; log: string[] } {
  const h = createHash('sha256');
  for (const line of r.log) h.update(line).update('\n');
  h.update(JSON.stringify(r.history));
  h.update(JSON.stringify(r.schedule));
  h.update(JSON.stringify(r.violations));
  h.update(String(r.linearizable));
  return { sum: h.digest('hex'), log: r.log };
}

async function main(argv: string[]): Promise<number> {
  const args = benchArgs('sim-same', argv, { baseline: { type: 'string' }, seeds: { type: 'string' } }, USAGE, (p) => {
    const baseline = stringOpt(p, 'baseline', undefined);
    if (baseline === undefined) throw new UsageError('--baseline DIR is required');
    return { baseline, seeds: intOpt(p, 'seeds', 1, 1000, 10) };
  });
  if (args.exit !== undefined) return args.exit;
  const { baseline, seeds } = args.opts;
  const load = async (dir: string): Promise<Run> =>
    ((await import(path.join(dir, 'src-main', 'sim', 'run.ts'))) as { runSimulation: Run }).runSimulation;
  const base = await load(baseline);
  const mine = await load(repoRoot());
  let lines = 0;
  const all = cases(seeds);
  for (const c of all) {
    const a = digest(base({ ...c.opts, log: true }));
    const b = digest(mine({ ...c.opts, log: true }));
    lines += a.log.length;
    if (a.sum === b.sum) continue;
    const i = a.log.findIndex((l, k) => l !== b.log[k]);
    console.error(`${c.name}, seed ${c.opts.seed}: the runs differ`);
    if (i >= 0) console.error(`  first differing log line ${i}:\n  base: ${a.log[i]}\n  this: ${b.log[i] ?? '(none)'}`);
    else console.error('  the logs agree; the history, schedule, violations or verdict differ');
    return 1;
  }
  console.log(`${all.length} runs identical (run log, history, schedule, violations, verdict): ${lines} log lines`);
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
