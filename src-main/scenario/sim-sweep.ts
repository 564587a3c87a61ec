/**
 * A scenario in the simulator: one seed (runInSim), or a sweep over seeds that stops at
 * the first seed failing a check and prints how to replay it (`quorum-lab sim --scenario
 * <name|file> --seeds 1..1000`). The schedule is the scenario's; what differs between
 * seeds is every random choice — election timeouts, message delays and losses, disk
 * latency, a churn step's blows — so a sweep hunts for the interleaving that breaks a
 * check.
 */
import type { ProtocolName } from '../core/protocols';
import { allChecks, type RunReport } from './report-types';
import { runScenario } from './runner';
import { SimTarget } from './sim-target';
import { ShardedSimTarget } from './sharded-sim-target';
import { shardSettingsOf } from './shard-rules';
import { TargetError } from './target';
import type { Scenario } from './types';
import type { UnsafeModes } from './unsafe';

/** SimRun names one simulated run of a scenario. */
export interface SimRun {
  seed: number;
  protocol: ProtocolName;
  unsafe?: UnsafeModes;
}

/** runInSim runs the scenario once in the simulator (throws TargetError for an unsafe mode it cannot apply). */
export async function runInSim(s: Scenario, r: SimRun): Promise<RunReport> {
  const sh = s.setup.shards;
  if (sh) {
    if (r.unsafe && Object.keys(r.unsafe).length > 0)
      throw new TargetError('a sharded simulation runs safe: no contrasts');
    const target = new ShardedSimTarget({
      seed: r.seed,
      protocol: r.protocol,
      nodes: s.setup.nodes,
      groups: sh.groups,
      ...(sh.spare ? { spare: sh.spare } : {}),
      scheme: shardSettingsOf(sh).scheme,
      ...(s.setup.heartbeatMs !== undefined ? { heartbeatMs: s.setup.heartbeatMs } : {}),
      ...(s.setup.electionMs !== undefined ? { electionMs: s.setup.electionMs } : {}),
    });
    return runScenario(s, target);
  }
  const target = new SimTarget({
    seed: r.seed,
    nodes: s.setup.nodes,
    protocol: r.protocol,
    ...(s.setup.heartbeatMs !== undefined ? { heartbeatMs: s.setup.heartbeatMs } : {}),
    ...(s.setup.electionMs !== undefined ? { electionMs: s.setup.electionMs } : {}),
    unsafe: r.unsafe ?? {},
    trace: s.steps.some((st) => st.do === 'trace'),
    spares: Math.min(s.steps.filter((st) => st.do === 'add').length, Math.max(0, 9 - s.setup.nodes)),
  });
  return runScenario(s, target, { ...(r.unsafe ? { unsafe: r.unsafe } : {}) });
}

/** failureLines describes a failed run's failing checks. */
export function failureLines(r: RunReport): string[] {
  return allChecks(r)
    .filter((c) => !c.ok)
    .map((c) => `  ✗ ${c.step >= 0 ? `step ${c.step + 1}: ` : ''}${c.name} — ${c.detail}`);
}

/** SweepOptions: the seeds and what to print. */
export interface SweepOptions extends Omit<SimRun, 'seed'> {
  seeds: [number, number];
  /** replay: the command line that replays one seed (for the failure report). */
  replay: (seed: number) => string;
  out?: (line: string) => void;
}

/** sweepScenario runs seeds in order until one fails; returns the exit code (0: all passed, 1: one failed). */
export async function sweepScenario(s: Scenario, o: SweepOptions): Promise<number> {
  const out = o.out ?? ((l: string) => console.log(l));
  const [lo, hi] = o.seeds;
  const t0 = performance.now();
  for (let seed = lo; seed <= hi; seed++) {
    const r = await runInSim(s, { seed, protocol: o.protocol, ...(o.unsafe ? { unsafe: o.unsafe } : {}) });
    if (r.passed) continue;
    out(`seed ${seed}: ${s.name} failed ${allChecks(r).filter((c) => !c.ok).length} check(s)`);
    for (const l of failureLines(r)) out(l);
    out(`  replay: ${o.replay(seed)}`);
    out(`${seed - lo + 1} seeds run; first failing seed: ${seed}`);
    return 1;
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  out(`${hi - lo + 1} seeds, every check of ${s.name} passed (${secs} s)`);
  return 0;
}
