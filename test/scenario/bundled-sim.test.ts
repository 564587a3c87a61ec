/**
 * Every bundled scenario is a test: its checks pass in the simulator, for each protocol it
 * is written for, on a few seeds (QUORUM_SCENARIO_SEEDS widens it). A contrast whose unsafe
 * mode the simulator can apply must show its anomaly there (some check fails); a contrast
 * whose mode it cannot apply yet is listed below by name, so the list has to change — and
 * the contrast start being tested — the day the simulator learns the mode.
 */
import { describe, expect, it } from 'vitest';
import { bundledScenarios } from '../../src-main/scenario/bundled';
import { allChecks } from '../../src-main/scenario/report-types';
import { runInSim } from '../../src-main/scenario/sim-sweep';
import { unsupportedIn } from '../../src-main/scenario/sim-target';
import type { UnsafeModes } from '../../src-main/scenario/unsafe';

const SEEDS = Number(process.env.QUORUM_SCENARIO_SEEDS ?? 5);

/** CONTRASTS_NOT_IN_SIM: scenario → contrast labels whose unsafe mode the simulator cannot apply yet. */
const CONTRASTS_NOT_IN_SIM: Record<string, string[]> = {
  'commitment-rule': ['count replicas of old terms'],
};

function failed(r: Awaited<ReturnType<typeof runInSim>>): string {
  return allChecks(r)
    .filter((c) => !c.ok)
    .map((c) => `step ${c.step + 1}: ${c.name} — ${c.detail}`)
    .join('\n');
}

describe('bundled scenarios in the simulator', () => {
  const all = bundledScenarios();

  it('are all there, numbered once each, with unique names', () => {
    expect(all.length).toBe(23);
    const numbers = all.map((s) => s.number);
    expect(new Set(numbers).size).toBe(all.length);
    // 13 is the membership change of the list of lessons: a node added under load.
    expect(all.find((s) => s.number === 13)?.name).toBe('add-node-under-load');
    // 23 moves a shard between replica groups under load: it needs a sharded cluster.
    expect(all.find((s) => s.number === 23)?.setup.shards).toEqual({ groups: 2, scheme: 'range', shards: 4 });
  });

  for (const s of all) {
    for (const protocol of s.setup.protocols) {
      it(`${s.name} (${protocol}) passes its checks`, async () => {
        for (let seed = 1; seed <= SEEDS; seed++) {
          const r = await runInSim(s, { seed, protocol });
          expect(failed(r), `${s.name} ${protocol} seed ${seed}`).toBe('');
          expect(r.passed).toBe(true);
        }
      });
    }
    for (const c of s.contrast) {
      const missing = unsupportedIn(c.unsafe as UnsafeModes);
      if (missing) {
        it(`${s.name}: contrast "${c.label}" waits for the simulator to learn its mode`, () => {
          expect(CONTRASTS_NOT_IN_SIM[s.name] ?? []).toContain(c.label);
        });
        continue;
      }
      it(`${s.name}: contrast "${c.label}" ${c.expect === 'fail' ? 'shows its anomaly' : 'still passes'}`, async () => {
        // On every seed the safe runs pass: the anomaly must show each time, not now and then.
        for (const protocol of s.setup.protocols) {
          for (let seed = 1; seed <= SEEDS; seed++) {
            const r = await runInSim(s, { seed, protocol, unsafe: c.unsafe as UnsafeModes });
            const why = `${protocol} seed ${seed}: ${failed(r) || 'every check passed'}`;
            expect(r.passed, why).toBe(c.expect === 'pass');
          }
        }
      });
    }
  }

  it('the same seed replays the same run', async () => {
    const s = all.find((x) => x.name === 'churn')!;
    const a = await runInSim(s, { seed: 7, protocol: 'raft' });
    const b = await runInSim(s, { seed: 7, protocol: 'raft' });
    const strip = (r: typeof a): unknown => r.steps.map((st) => [st.did, st.lines, st.checks]);
    expect(strip(a)).toEqual(strip(b));
    const c = await runInSim(s, { seed: 8, protocol: 'raft' });
    expect(strip(c)).not.toEqual(strip(a));
  });
});
