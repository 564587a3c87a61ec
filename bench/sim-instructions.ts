/**
 * `node --import tsx bench/sim-instructions.ts --baseline DIR`: how many instructions this
 * tree's simulator executes against another checkout's, on the same seeds. On a shared
 * machine CPU seconds move by more than most changes do; an instruction count does not
 * depend on the load. Each tree's `src-main/sim/run.ts` is bundled with esbuild (in a
 * temporary directory), and each round runs both bundles under
 * `valgrind --tool=cachegrind --cache-sim=no` with `node --single-threaded` (the garbage
 * collector and the compiler on the main thread, so their work is counted too), and reads
 * its "I refs". Rounds alternate which tree goes first. Both trees must give the same runs
 * (messages, applied index, simulated time, violations, verdict).
 *
 * A count includes node's start-up (≈ 0.6 G instructions) and the warm-up of the first
 * seeds; two runs of one tree differ by about 1% (when the optimizing compiler finishes
 * is not fixed). Instructions are not time: memory stalls are not in them.
 *
 * Needs valgrind (`apt-get install valgrind`); under it a run is ≈ 40× slower.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UsageError, intOpt, stringOpt } from '../src-main/cli-args';
import { benchArgs } from './cli';
import { repoRoot } from './lab';

const USAGE = `usage: node --import tsx bench/sim-instructions.ts --baseline DIR [--mode sweep|single] [--seeds N] [--rounds N]

  --baseline DIR  the other checkout (its src-main/sim/run.ts is bundled)
  --mode M        sweep (default: seeds 1..N of the default sweep, 5 nodes, every fault)
                  or single (seed 1, no faults, 100 cmd/s, 60 s)
  --seeds N       seeds of the sweep (default 30)
  --rounds N      runs of each tree (default 2)
  --help, -h      this text`;

/** DRIVER runs one workload in a bundle and prints the runs' fingerprint. */
const DRIVER = `const { runSimulation } = await import(process.argv[2]);
const [mode, seeds] = [process.argv[3], Number(process.argv[4])];
const opts = mode === 'single'
  ? [{ seed: 1, nodes: 5, faults: false, faultMs: 60000, workload: { rate: 100 } }]
  : Array.from({ length: seeds }, (_, i) => ({ seed: i + 1, nodes: 5, faultMs: 5000 }));
const out = [];
for (const o of opts) {
  const r = runSimulation(o);
  const s = r.stats;
  out.push(\`\${s.messages}/\${s.delivered}/\${s.appliedIndex}/\${s.simulatedMs}/\${r.violations.length}/\${r.linearizable}\`);
}
console.log(out.join(';'));
`;

/** bundle builds dir's simulator into tmp/name.mjs, resolving its packages from dir's node_modules. */
function bundle(esbuild: string, dir: string, tmp: string, name: string): string {
  const where = path.join(tmp, name);
  const file = path.join(where, 'run.mjs');
  const entry = path.join(dir, 'src-main', 'sim', 'run.ts');
  if (!existsSync(entry)) throw new Error(`${entry} does not exist`);
  const args = [entry, '--bundle', '--platform=node', '--packages=external', '--format=esm', `--outfile=${file}`];
  const r = spawnSync(esbuild, [...args, '--log-level=warning'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`esbuild failed on ${entry}: ${r.stderr.trim().slice(0, 400)}`);
  symlinkSync(path.join(dir, 'node_modules'), path.join(where, 'node_modules'));
  return file;
}

/** count runs the driver on one bundle under cachegrind; returns its instructions and the runs' fingerprint. */
function count(driver: string, lib: string, mode: string, seeds: number): { ir: number; runs: string } {
  const r = spawnSync(
    'valgrind',
    [
      '--tool=cachegrind',
      '--cache-sim=no',
      '--cachegrind-out-file=/dev/null',
      process.execPath,
      '--single-threaded',
      driver,
      lib,
      mode,
      String(seeds),
    ],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const m = /I\s+refs:\s+([\d,]+)/.exec(r.stderr);
  if (r.status !== 0 || !m)
    throw new Error(`the run under valgrind failed (exit ${r.status}): ${r.stderr.slice(-400)}`);
  return { ir: Number(m[1]!.replaceAll(',', '')), runs: r.stdout.trim() };
}

function main(argv: string[]): number {
  const args = benchArgs(
    'sim-instructions',
    argv,
    { baseline: { type: 'string' }, mode: { type: 'string' }, seeds: { type: 'string' }, rounds: { type: 'string' } },
    USAGE,
    (p) => {
      const baseline = stringOpt(p, 'baseline', undefined);
      if (baseline === undefined) throw new UsageError('--baseline DIR is required');
      const mode = stringOpt(p, 'mode', 'sweep');
      if (mode !== 'sweep' && mode !== 'single') throw new UsageError(`--mode must be sweep or single, got ${mode}`);
      return {
        baseline: path.resolve(baseline),
        mode,
        seeds: intOpt(p, 'seeds', 1, 1000, 30),
        rounds: intOpt(p, 'rounds', 1, 20, 2),
      };
    },
  );
  if (args.exit !== undefined) return args.exit;
  const o = args.opts;
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error('sim-instructions: valgrind is not installed (apt-get install valgrind)');
    return 1;
  }
  const esbuild = path.join(repoRoot(), 'node_modules', '.bin', 'esbuild');
  if (!existsSync(esbuild)) {
    console.error(`sim-instructions: ${esbuild} is missing (npm ci)`);
    return 1;
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'sim-instructions-'));
  try {
    const driver = path.join(tmp, 'driver.mjs');
    writeFileSync(driver, DRIVER);
    const trees = [
      { name: 'baseline', lib: bundle(esbuild, o.baseline, tmp, 'baseline'), counts: [] as number[] },
      { name: 'this tree', lib: bundle(esbuild, repoRoot(), tmp, 'this'), counts: [] as number[] },
    ];
    const what = o.mode === 'single' ? 'seed 1, no faults, 100 cmd/s, 60 s' : `seeds 1..${o.seeds} of the sweep`;
    console.log(`${what}: instructions per run, ${o.rounds} round(s), load average ${os.loadavg()[0]!.toFixed(2)}`);
    for (let i = 0; i < o.rounds; i++) {
      const order = i % 2 === 0 ? trees : [...trees].reverse();
      const runs = order.map((t) => {
        const c = count(driver, t.lib, o.mode, o.seeds);
        t.counts.push(c.ir);
        console.log(`  round ${i + 1}, ${t.name}: ${(c.ir / 1e9).toFixed(3)} G`);
        return c.runs;
      });
      if (runs[0] !== runs[1]) {
        console.error(`round ${i + 1}: the two trees gave different runs; not a like-for-like count`);
        return 1;
      }
    }
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const [base, mine] = [mean(trees[0]!.counts), mean(trees[1]!.counts)];
    console.log(
      `baseline ${(base / 1e9).toFixed(3)} G, this tree ${(mine / 1e9).toFixed(3)} G on average: ` +
        `${(((mine - base) / base) * 100).toFixed(1)}%; identical runs`,
    );
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

process.exitCode = main(process.argv.slice(2));
