/**
 * `node --import tsx bench/sim-ab.ts --baseline DIR`: this tree's simulator against another
 * checkout's (e.g. the main branch), in one process, warm, on the same seeds. Each round
 * runs one batch with both, alternating which goes first, and takes the ratio of their CPU
 * times; the median ratio over the rounds cancels most of what a shared machine's load
 * does to single timings. Every batch must give the same runs in both trees (messages,
 * applied index, simulated time, violations, verdict): a change that alters runs is
 * reported, not timed.
 *
 * Two workloads: `sweep` (batches of seeds of the default sweep: 5 nodes, every fault) and
 * `single` (seed 1 of `sim --no-faults --rate 100 --duration 300`).
 */
import os from 'node:os';
import path from 'node:path';
import { UsageError, intOpt, parseCli, stringOpt } from '../src-main/cli-args';
import type { SimOptions, SimResult } from '../src-main/sim/run';
import { repoRoot } from './lab';

const USAGE = `usage: node --import tsx bench/sim-ab.ts --baseline DIR [--mode sweep|single] [--rounds N] [--batch N]

  --baseline DIR  the other checkout (its src-main/sim/run.ts is loaded)
  --mode M        sweep (default) or single
  --rounds N      alternating rounds (default 12)
  --batch N       seeds per sweep round (default 20)`;

type Run = (o: SimOptions) => SimResult;

/** fingerprint is what two trees' runs of one seed must share. */
function fingerprint(r: SimResult): string {
  const s = r.stats;
  return `${s.messages}/${s.delivered}/${s.appliedIndex}/${s.simulatedMs}/${r.violations.length}/${r.linearizable}`;
}

function workload(mode: string, batch: number, round: number): SimOptions[] {
  if (mode === 'single') return [{ seed: 1, nodes: 5, faults: false, faultMs: 300_000, workload: { rate: 100 } }];
  return Array.from({ length: batch }, (_, i) => ({ seed: round * batch + i + 1, nodes: 5, faultMs: 5000 }));
}

/** timed runs a batch and returns its CPU ms and the runs' fingerprints. */
function timed(run: Run, opts: SimOptions[]): [number, string] {
  const c0 = process.cpuUsage();
  const out = opts.map((o) => fingerprint(run(o))).join(';');
  const c = process.cpuUsage(c0);
  return [(c.user + c.system) / 1000, out];
}

async function main(argv: string[]): Promise<number> {
  let o: { baseline: string; mode: string; rounds: number; batch: number };
  try {
    const p = parseCli(argv, {
      help: { type: 'boolean' },
      baseline: { type: 'string' },
      mode: { type: 'string' },
      rounds: { type: 'string' },
      batch: { type: 'string' },
    });
    if (p.values.help) {
      console.log(USAGE);
      return 0;
    }
    const baseline = stringOpt(p, 'baseline', undefined);
    if (baseline === undefined) throw new UsageError('--baseline DIR is required');
    const mode = stringOpt(p, 'mode', 'sweep');
    if (mode !== 'sweep' && mode !== 'single') throw new UsageError('--mode must be sweep or single');
    o = { baseline, mode, rounds: intOpt(p, 'rounds', 2, 1000, 12), batch: intOpt(p, 'batch', 1, 10_000, 20) };
  } catch (e) {
    if (e instanceof UsageError) {
      console.error(`sim-ab: ${e.message}\n${USAGE}`);
      return 2;
    }
    throw e;
  }
  const base = ((await import(path.join(o.baseline, 'src-main', 'sim', 'run.ts'))) as { runSimulation: Run })
    .runSimulation;
  const mine = ((await import(path.join(repoRoot(), 'src-main', 'sim', 'run.ts'))) as { runSimulation: Run })
    .runSimulation;
  // Warm both up on a batch that is not measured.
  timed(base, workload(o.mode, o.batch, o.rounds));
  timed(mine, workload(o.mode, o.batch, o.rounds));
  const load0 = os.loadavg()[0]!;
  const ratios: number[] = [];
  let baseMs = 0;
  let mineMs = 0;
  for (let i = 0; i < o.rounds; i++) {
    const opts = workload(o.mode, o.batch, i);
    const first = i % 2 === 0;
    const a = first ? timed(base, opts) : null;
    const b = timed(mine, opts);
    const a2 = a ?? timed(base, opts);
    if (a2[1] !== b[1]) {
      console.error(`round ${i}: the two trees gave different runs; not a like-for-like timing`);
      return 1;
    }
    ratios.push(a2[0] / b[0]);
    baseMs += a2[0];
    mineMs += b[0];
  }
  ratios.sort((x, y) => x - y);
  const what = o.mode === 'single' ? 'seed 1, no faults, 300 s' : `batches of ${o.batch} seeds`;
  console.log(
    `${what}, ${o.rounds} rounds: baseline ${(baseMs / o.rounds).toFixed(0)} ms CPU, this tree ${(mineMs / o.rounds).toFixed(0)} ms CPU per round; ` +
      `speedup median ${ratios[o.rounds >> 1]!.toFixed(2)}× (range ${ratios[0]!.toFixed(2)}–${ratios[o.rounds - 1]!.toFixed(2)}); ` +
      `load average ${load0.toFixed(2)} at the start, ${os.loadavg()[0]!.toFixed(2)} at the end; identical runs`,
  );
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
