/**
 * `node --import tsx bench/sim-messages.ts [--tree DIR] [--seeds A..B]`: the messages and
 * CPU per seed of the default sweep (5 nodes, every fault, as `sim --seeds A..B`) in one
 * checkout (this one by default, or DIR's src-main/sim/run.ts), one process, seed after
 * seed: mean, median, 90th percentile and largest messages per seed, the share of all
 * messages the seeds above 20,000 carry (the replication storms, docs/BENCHMARKS.md), CPU
 * per seed, violations and checker verdicts. Run it for two checkouts one after the other
 * (alternating) to compare them on the same seeds.
 */
import os from 'node:os';
import path from 'node:path';
import { UsageError, parseCli, stringOpt } from '../src-main/cli-args';
import type { SimOptions, SimResult } from '../src-main/sim/run';
import { repoRoot } from './lab';

const USAGE = `usage: node --import tsx bench/sim-messages.ts [--tree DIR] [--seeds A..B]

  --tree DIR   the checkout whose simulator runs (default: this one)
  --seeds A..B the seeds (default 1..300)`;

/** STORM: a seed sending more messages than this is counted as a storm seed. */
const STORM = 20_000;

type Run = (o: SimOptions) => SimResult;

function seedRange(s: string): [number, number] {
  const m = /^(\d+)\.\.(\d+)$/.exec(s);
  if (!m) throw new UsageError('--seeds must be A..B');
  const a = Number(m[1]);
  const b = Number(m[2]);
  if (a < 1 || b < a || b - a > 100_000)
    throw new UsageError('--seeds must be A..B with 1 <= A <= B, at most 100,001 seeds');
  return [a, b];
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

async function main(argv: string[]): Promise<number> {
  let tree: string;
  let seeds: [number, number];
  try {
    const p = parseCli(argv, { help: { type: 'boolean' }, tree: { type: 'string' }, seeds: { type: 'string' } });
    if (p.values.help) {
      console.log(USAGE);
      return 0;
    }
    tree = stringOpt(p, 'tree', repoRoot());
    seeds = seedRange(stringOpt(p, 'seeds', '1..300'));
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`sim-messages: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const run = ((await import(path.join(tree, 'src-main', 'sim', 'run.ts'))) as { runSimulation: Run }).runSimulation;
  const load0 = os.loadavg()[0]!;
  const msgs: number[] = [];
  const top: [number, number][] = [];
  let violations = 0;
  let notLinearizable = 0;
  const c0 = process.cpuUsage();
  for (let seed = seeds[0]; seed <= seeds[1]; seed++) {
    const r = run({ seed, nodes: 5, faultMs: 5000 });
    msgs.push(r.stats.messages);
    top.push([r.stats.messages, seed]);
    violations += r.violations.length;
    if (r.linearizable !== true) notLinearizable++;
  }
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  const total = msgs.reduce((a, b) => a + b, 0);
  const sorted = [...msgs].sort((a, b) => a - b);
  const storms = msgs.filter((m) => m > STORM);
  const stormShare = storms.reduce((a, b) => a + b, 0) / Math.max(1, total);
  const n = msgs.length;
  console.log(
    `${tree}: seeds ${seeds[0]}..${seeds[1]}: messages per seed mean ${Math.round(total / n)}, median ${pct(sorted, 0.5)}, ` +
      `p90 ${pct(sorted, 0.9)}, max ${sorted[n - 1]}; ${storms.length} seeds above ${STORM} carry ` +
      `${(100 * stormShare).toFixed(0)}%; CPU ${(cpuMs / n).toFixed(1)} ms per seed (${(cpuMs / 1000).toFixed(1)} s); ` +
      `${violations} violations, ${notLinearizable} not linearizable; load ${load0.toFixed(1)} -> ${os.loadavg()[0]!.toFixed(1)}`,
  );
  top.sort((a, b) => b[0] - a[0]);
  console.log(
    `largest: ${top
      .slice(0, 8)
      .map(([m, s]) => `seed ${s} ${m}`)
      .join(', ')}`,
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
