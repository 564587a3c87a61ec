/**
 * `quorum-lab sim --scenario <name|file>`: a scenario in the simulator — one seed printed
 * step by step (`--seed N`), or a sweep (`--seeds A..B`) that stops at the first seed
 * failing a check and prints the command that replays it.
 */
import type { CliOptions } from '../sim/cli';
import { loadScenario } from './bundled';
import { failureLines, runInSim, sweepScenario } from './sim-sweep';
import { planRun } from './plan';
import { allChecks } from './report-types';
import { TargetError } from './target';

/** scenarioSimMain runs `sim --scenario` and returns the exit code. */
export async function scenarioSimMain(o: CliOptions): Promise<number> {
  const loaded = await loadScenario(o.scenario!);
  if (!loaded.ok) return (console.error(`quorum-lab sim: ${loaded.error}`), 2);
  const s = loaded.value;
  const plan = planRun(s, { protocol: o.protocolGiven ? o.protocol : null, seed: o.seeds[0], contrast: o.contrast });
  if (typeof plan === 'string') return (console.error(`quorum-lab sim: ${plan}`), 2);
  const replay = (seed: number): string =>
    `quorum-lab sim --scenario ${o.scenario} --seed ${seed} --protocol ${plan.protocol}${o.contrast ? ` --contrast ${o.contrast}` : ''}`;
  try {
    if (o.sweep)
      return await sweepScenario(s, { seeds: o.seeds, protocol: plan.protocol, unsafe: plan.unsafe, replay });
    const r = await runInSim(s, { seed: plan.seed, protocol: plan.protocol, unsafe: plan.unsafe });
    for (const st of r.steps) {
      console.log(`${String(st.index + 1).padStart(2)}. [${Math.round(st.startedAt)} ms] ${st.did}`);
      for (const l of st.lines) console.log(`      ${l}`);
      for (const c of st.checks) console.log(`    ${c.ok ? '✓' : '✗'} ${c.name} — ${c.detail}`);
    }
    for (const c of r.closing) console.log(`  ${c.ok ? '✓' : '✗'} ${c.name} — ${c.detail}`);
    const n = allChecks(r).length;
    if (r.passed) console.log(`seed ${plan.seed}: all ${n} checks passed`);
    else console.log([`seed ${plan.seed}: failed`, ...failureLines(r)].join('\n'));
    return r.passed ? 0 : 1;
  } catch (e) {
    if (!(e instanceof TargetError)) throw e;
    console.error(`quorum-lab sim: ${e.message}`);
    return 2;
  }
}
