/**
 * `quorum-lab run`'s command line and plan, and `sim --scenario`'s sweep, without real
 * processes: options read as documented, a protocol the scenario is not written for or a
 * contrast it does not have is refused, --list shows every bundled scenario and its
 * contrasts, and a sweep stops at the first failing seed with the command that replays it.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src-main/cli-args';
import { bundledScenario } from '../../src-main/scenario/bundled';
import { planRun } from '../../src-main/scenario/plan';
import { listLines, parseRunArgs } from '../../src-main/scenario/run-cli';
import { sweepScenario } from '../../src-main/scenario/sim-sweep';
import { validateScenario } from '../../src-main/scenario/validate';
import { loadScenario } from '../../src-main/scenario/bundled';

describe('quorum-lab run', () => {
  it('reads its options', () => {
    expect(parseRunArgs(['split-vote', '--seed', '4', '--report', 'out'])).toEqual({
      target: 'split-vote',
      protocol: null,
      seed: 4,
      contrast: null,
      report: 'out',
      quiet: false,
    });
    expect(parseRunArgs(['--list'])).toBe('list');
    expect(() => parseRunArgs([])).toThrow(UsageError);
    expect(() => parseRunArgs(['a', 'b'])).toThrow(/name one scenario/);
    expect(() => parseRunArgs(['x', '--protocol', 'zab'])).toThrow(/--protocol must be one of raft, paxos/);
    expect(() => parseRunArgs(['x', '--contrast', '0'])).toThrow(/--contrast must be 1..8/);
  });

  it('plans the protocol, seed and unsafe modes, and refuses what the scenario does not have', () => {
    const s = bundledScenario('disruptive-rejoin')!;
    expect(planRun(s, { protocol: null, seed: null, contrast: null })).toEqual({
      protocol: 'raft',
      seed: 1,
      unsafe: {},
      contrast: null,
      expect: 'pass',
    });
    expect(planRun(s, { protocol: null, seed: 9, contrast: 1 })).toMatchObject({
      seed: 9,
      unsafe: { prevote: false },
      contrast: 'without PreVote',
      expect: 'fail',
    });
    expect(planRun(s, { protocol: 'paxos', seed: null, contrast: null })).toBe(
      'disruptive-rejoin is written for raft, not paxos',
    );
    expect(planRun(s, { protocol: null, seed: null, contrast: 2 })).toMatch(/has 1 contrast\(s\)/);
  });

  it('--list shows every bundled scenario and its contrasts', () => {
    const lines = listLines();
    expect(lines.filter((l) => /^\s*\d+\s{2}\S/.test(l))).toHaveLength(23);
    expect(lines.join('\n')).toContain('--contrast 1: without PreVote (prevote: off)');
  });

  it('names a missing file and an unknown name', async () => {
    const a = await loadScenario('no-such-scenario');
    expect(a.ok === false && a.error).toMatch(/no bundled scenario 'no-such-scenario'/);
    const b = await loadScenario('./no/such/file.json');
    expect(b.ok === false && b.error).toMatch(/no such file/);
    const c = await loadScenario('/dev/zero');
    expect(c.ok === false && c.error).toMatch(/not a regular file/);
  });
});

describe('sim --scenario sweeps', () => {
  it('stops at the first failing seed and prints how to replay it', async () => {
    // A scenario that fails on some seeds: a new leader within 0.7 s of pausing the old one
    // is luck (a paused process closes no connection, so its followers wait out their
    // randomized election timeout, 0.5-1 s after its last heartbeat).
    const r = validateScenario({
      name: 'lucky',
      title: 'Lucky',
      teaches: 'a check that only some seeds pass',
      setup: { nodes: 3, heartbeatMs: 50, electionMs: 500 },
      steps: [
        { do: 'wait', until: { is: 'leader' }, withinMs: 10000 },
        { do: 'pause', node: 'leader', checks: [{ check: 'leader-within', ms: 700, new: true }] },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const out: string[] = [];
    const code = await sweepScenario(r.value, {
      seeds: [1, 50],
      protocol: 'raft',
      replay: (seed) => `quorum-lab sim --scenario lucky.json --seed ${seed}`,
      out: (l) => out.push(l),
    });
    expect(code).toBe(1);
    const seed = Number(/^seed (\d+): lucky failed/.exec(out[0]!)?.[1]);
    expect(seed).toBeGreaterThanOrEqual(1);
    expect(out.at(-2)).toBe(`  replay: quorum-lab sim --scenario lucky.json --seed ${seed}`);
    expect(out.at(-1)).toBe(`${seed} seeds run; first failing seed: ${seed}`);
    expect(out.join('\n')).toMatch(/✗ step 2: a new leader within 0.7 s — no new leader 700 ms after the step began/);
    const ok: string[] = [];
    expect(
      await sweepScenario(bundledScenario('election-basics')!, {
        seeds: [1, 3],
        protocol: 'raft',
        replay: String,
        out: (l) => ok.push(l),
      }),
    ).toBe(0);
    expect(ok.at(-1)).toMatch(/^3 seeds, every check of election-basics passed/);
  });
});
