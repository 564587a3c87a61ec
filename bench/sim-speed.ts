/**
 * `node --import tsx bench/sim-speed.ts`: the simulator's speed, measured the way a user
 * runs it. Two rows, each through the CLI (`bin/quorum-lab.mjs`, as `npx quorum-lab` runs
 * it):
 *
 *  1. one seed of 5 nodes on a clean network, 100 commands/s for 300 simulated seconds
 *     (`sim --no-faults --rate 100 --duration 300 --stats`): simulated seconds per wall
 *     second and per CPU second, as `--stats` prints them;
 *  2. a sweep of --seeds seeds (default 10,000) of 5 nodes on 2 jobs (`sim --seeds 1..N
 *     --nodes 5 --jobs 2 --stats`), every fault, invariant and checker verdict included:
 *     its wall time, and the CPU time its children used.
 *
 * With `--baseline DIR` (another checkout of the lab, e.g. the main branch) every run is
 * made with both trees, alternating which goes first, so the two see the same machine; the
 * table then has a row per tree. The machine is shared, so each run carries the load
 * average when it started. Prints a Markdown table; it writes nothing (copy it into
 * docs/BENCHMARKS.md by hand).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError, intOpt, parseCli, stringOpt } from '../src-main/cli-args';
import { repoRoot } from './lab';
import { machineDescription } from './report';

const USAGE = `usage: node --import tsx bench/sim-speed.ts [--seeds N] [--repeat N] [--sweeps N] [--baseline DIR]

  --seeds N       seeds in the sweep row (default 10000)
  --repeat N      runs of the single-seed row, per tree (default 3)
  --sweeps N      runs of the sweep row, per tree (default 1)
  --baseline DIR  another checkout to measure alternately with this one (e.g. /work/main)`;

/** Tree is one checkout whose CLI is measured. */
interface Tree {
  name: string;
  bin: string;
}

/** Run is one measured command's numbers. */
interface Run {
  load: string;
  simS: number;
  wallS: number;
  cpuS: number;
  /** speed, perCpu: the ×real-time figures `--stats` printed. */
  speed: number;
  perCpu: number;
  summary: string;
  status: number | null;
}

/** STATS matches the `--stats` line: simulated s, wall s, CPU s, × real time, × per CPU second. */
const STATS = /simulated ([\d.]+) s in ([\d.]+) s wall \(([\d.]+) s CPU\): (\d+)x real time \((\d+)x per CPU second\)/;

const SINGLE = ['--no-faults', '--rate', '100', '--duration', '300'];
const sweepArgs = (seeds: number): string[] => ['--seeds', `1..${seeds}`, '--nodes', '5', '--jobs', '2'];

function loadAverage(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

/** runSim runs `quorum-lab sim <args> --stats` with a tree's CLI and returns what it measured. */
function runSim(tree: Tree, args: string[]): Run {
  const load = loadAverage();
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [tree.bin, 'sim', ...args, '--stats'], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  const wallS = (performance.now() - t0) / 1000;
  const m = STATS.exec(r.stdout);
  if (!m) throw new Error(`no --stats line from ${tree.name} sim ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  const summary = r.stdout.trim().split('\n').pop() ?? '';
  const [simS, , cpuS, speed, perCpu] = m.slice(1).map(Number) as [number, number, number, number, number];
  return { load, simS, wallS, cpuS, speed, perCpu, summary, status: r.status };
}

/** alternate runs `args` `times` times with every tree, the first tree going first on even rounds. */
function alternate(trees: Tree[], args: string[], times: number): Map<Tree, Run[]> {
  const out = new Map<Tree, Run[]>(trees.map((t) => [t, []]));
  for (let i = 0; i < times; i++) {
    const order = i % 2 === 0 ? trees : [...trees].reverse();
    for (const t of order) out.get(t)!.push(runSim(t, args));
  }
  return out;
}

function singleCell(runs: Run[]): [string, string] {
  const best = runs.reduce((a, b) => (b.speed > a.speed ? b : a));
  const all = runs.map((r) => `${r.speed}×`).join(', ');
  const result = `best ${best.speed}× real time, ${best.perCpu}× per CPU second (${best.wallS.toFixed(2)} s process wall; all runs: ${all})`;
  return [runs.map((r) => r.load.split(' ')[0]).join(', '), result];
}

function sweepCell(runs: Run[]): [string, string] {
  const parts = runs.map(
    (r) =>
      `${r.wallS.toFixed(1)} s wall, ${r.cpuS.toFixed(1)} s CPU in the children, ${(r.simS / r.cpuS).toFixed(0)}× per CPU second (exit ${r.status}; "${r.summary}")`,
  );
  return [runs.map((r) => r.load.split(' ')[0]).join(', '), parts.join('; ')];
}

function main(argv: string[]): number {
  let seeds: number;
  let repeat: number;
  let sweeps: number;
  let baseline: string | undefined;
  try {
    const p = parseCli(argv, {
      help: { type: 'boolean' },
      seeds: { type: 'string' },
      repeat: { type: 'string' },
      sweeps: { type: 'string' },
      baseline: { type: 'string' },
    });
    if (p.values.help) {
      console.log(USAGE);
      return 0;
    }
    seeds = intOpt(p, 'seeds', 1, 1_000_000, 10_000);
    repeat = intOpt(p, 'repeat', 1, 20, 3);
    sweeps = intOpt(p, 'sweeps', 1, 10, 1);
    baseline = stringOpt(p, 'baseline', undefined);
    if (baseline !== undefined && !existsSync(path.join(baseline, 'bin', 'quorum-lab.mjs')))
      throw new UsageError(`--baseline: no bin/quorum-lab.mjs under ${baseline}`);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`sim-speed: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const trees: Tree[] = [{ name: 'this tree', bin: path.join(repoRoot(), 'bin', 'quorum-lab.mjs') }];
  if (baseline !== undefined)
    trees.unshift({ name: `baseline ${baseline}`, bin: path.join(baseline, 'bin', 'quorum-lab.mjs') });
  const single = alternate(trees, SINGLE, repeat);
  const sweep = alternate(trees, sweepArgs(seeds), sweeps);
  console.log(`Machine: ${machineDescription()}; ${new Date().toISOString()}\n`);
  console.log('| run | tree | command | load average (1 min) at each start | result |');
  console.log('|---|---|---|---|---|');
  const row = (what: string, t: Tree, args: string[], cell: [string, string]): void =>
    console.log(`| ${what} | ${t.name} | \`npx quorum-lab sim ${args.join(' ')} --stats\` | ${cell[0]} | ${cell[1]} |`);
  for (const t of trees) row(`1 seed, 5 nodes, no faults, 100 cmd/s, 300 s`, t, SINGLE, singleCell(single.get(t)!));
  for (const t of trees) row(`sweep of ${seeds} seeds, 5 nodes, 2 jobs`, t, sweepArgs(seeds), sweepCell(sweep.get(t)!));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
