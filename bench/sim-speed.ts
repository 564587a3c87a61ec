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
 * The machine is shared, so each row carries the load average when it started. Prints a
 * Markdown table; it writes nothing (copy it into docs/BENCHMARKS.md by hand).
 */
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { UsageError, intOpt, parseCli } from '../src-main/cli-args';
import { repoRoot } from './lab';
import { machineDescription } from './report';

const USAGE = `usage: node --import tsx bench/sim-speed.ts [--seeds N] [--repeat N]

  --seeds N    seeds in the sweep row (default 10000)
  --repeat N   runs of the single-seed row; the best is reported (default 3)`;

/** Row is one measured command. */
interface Row {
  what: string;
  command: string;
  load: string;
  /** result: the numbers, as text. */
  result: string;
}

const BIN = path.join(repoRoot(), 'bin', 'quorum-lab.mjs');

/** STATS matches the `--stats` line: simulated s, wall s, CPU s. */
const STATS = /simulated ([\d.]+) s in ([\d.]+) s wall \(([\d.]+) s CPU\)/;

function loadAverage(): string {
  return os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
}

/** runSim runs `quorum-lab sim <args> --stats` and returns its stats and its exit status. */
function runSim(args: string[]): { simS: number; wallS: number; cpuS: number; out: string; status: number | null } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'sim', ...args, '--stats'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const wallS = (performance.now() - t0) / 1000;
  const m = STATS.exec(r.stdout);
  if (!m) throw new Error(`no --stats line from sim ${args.join(' ')}:\n${r.stdout}\n${r.stderr}`);
  return { simS: Number(m[1]), wallS, cpuS: Number(m[3]), out: r.stdout, status: r.status };
}

function singleRow(repeat: number): Row {
  const args = ['--no-faults', '--rate', '100', '--duration', '300'];
  const load = loadAverage();
  let best: { speed: number; perCpu: number; line: string } | null = null;
  for (let i = 0; i < repeat; i++) {
    const r = runSim(args);
    const line = STATS.exec(r.out)![0];
    const m = /(\d+)x real time \((\d+)x per CPU second\)/.exec(r.out);
    const speed = Number(m?.[1] ?? 0);
    if (!best || speed > best.speed) best = { speed, perCpu: Number(m?.[2] ?? 0), line };
  }
  return {
    what: `1 seed, 5 nodes, no faults, 100 cmd/s, 300 s (best of ${repeat})`,
    command: `npx quorum-lab sim ${args.join(' ')} --stats`,
    load,
    result: `${best!.speed}× real time, ${best!.perCpu}× per CPU second (${best!.line})`,
  };
}

function sweepRow(seeds: number): Row {
  const args = ['--seeds', `1..${seeds}`, '--nodes', '5', '--jobs', '2'];
  const load = loadAverage();
  const r = runSim(args);
  const summary = r.out.trim().split('\n').pop() ?? '';
  return {
    what: `sweep of ${seeds} seeds, 5 nodes, 2 jobs (exit ${r.status})`,
    command: `npx quorum-lab sim ${args.join(' ')} --stats`,
    load,
    result: `${r.wallS.toFixed(1)} s wall, ${r.cpuS.toFixed(1)} s CPU in the children, ${(r.simS / r.cpuS).toFixed(0)}× per CPU second; "${summary}"`,
  };
}

function main(argv: string[]): number {
  let seeds: number;
  let repeat: number;
  try {
    const p = parseCli(argv, { help: { type: 'boolean' }, seeds: { type: 'string' }, repeat: { type: 'string' } });
    if (p.values.help) {
      console.log(USAGE);
      return 0;
    }
    seeds = intOpt(p, 'seeds', 1, 1_000_000, 10_000);
    repeat = intOpt(p, 'repeat', 1, 20, 3);
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`sim-speed: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const rows = [singleRow(repeat), sweepRow(seeds)];
  console.log(`Machine: ${machineDescription()}; ${new Date().toISOString()}\n`);
  console.log('| run | command | load average (1/5/15 min) at start | result |');
  console.log('|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.what} | \`${r.command}\` | ${r.load} | ${r.result} |`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
