/**
 * The runner's pieces, by what a user reads: the Paxos round told in the seed's words
 * (exact lines) from the simulator's real messages; the balancers' table for weights
 * 1, 2, 3 over 100 and 600 requests, and its checks refusing a spread that breaks the
 * promise; a churn storm that is seeded, keeps a majority up and undoes every blow;
 * conditions and node references; a step that cannot run fails its check and the run
 * goes on.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src-main/core/types';
import { bundledScenario } from '../../src-main/scenario/bundled';
import { churnPlan } from '../../src-main/scenario/churn';
import { holds, isolated, resolveNode } from '../../src-main/scenario/conditions';
import { allChecks } from '../../src-main/scenario/report-types';
import { runInSim } from '../../src-main/scenario/sim-sweep';
import { spreadLines } from '../../src-main/scenario/spread';
import type { TargetView } from '../../src-main/scenario/target';
import { validateScenario } from '../../src-main/scenario/validate';
import { DAMAGED_FOLLOWER } from './fixtures';

describe('the seed walk-throughs', () => {
  it('tells one Paxos round in the seed’s words, from the real messages', async () => {
    const r = await runInSim(bundledScenario('paxos-round')!, { seed: 3, protocol: 'paxos' });
    expect(r.passed).toBe(true);
    const lines = r.steps.find((s) => s.kind === 'trace')!.lines;
    expect(lines[0]).toBe('Proposer: Initiate proposal with value: 1');
    const votes = lines.filter((l) => /^Acceptor \d: Received vote request with proposal num: 1$/.test(l));
    expect(votes.length).toBe(4);
    expect(
      lines.filter((l) => /^Acceptor \d: Promise proposal num: 1 \(nothing accepted before\)$/.test(l)).length,
    ).toBe(4);
    expect(lines).toContain(
      'Proposer: Majority promised (5 of 5 with its own, 3 needed): send accept with proposal num: 1, value: 1',
    );
    expect(
      lines.filter((l) => /^Acceptor \d: Received accept request with proposal num: 1, value: 1$/.test(l)).length,
    ).toBe(4);
    expect(lines.at(-1)).toBe('Learner: Learn proposal with value: 1');
    // Phases in order: every vote request before the accept requests, the learning last.
    const lastVote = lines.map((l) => l.includes('vote request')).lastIndexOf(true);
    const firstAccept = lines.findIndex((l) => l.includes('accept request'));
    expect(lastVote).toBeLessThan(firstAccept);
  });

  it('compares round robin, random weighted and smooth weighted round robin over 1, 2, 3', async () => {
    const r = await runInSim(bundledScenario('load-balancing')!, { seed: 1, protocol: 'raft' });
    expect(r.passed).toBe(true);
    const lines = r.steps.find((s) => s.kind === 'spread')!.lines;
    expect(lines).toHaveLength(6);
    const row = (alg: string, n: number): string =>
      lines.find((l) => l.startsWith(alg.padEnd(21)) && l.includes(` ${n} requests`))!;
    expect(row('round-robin', 100)).toContain('n1=34 (34.0%)  n2=33 (33.0%)  n3=33 (33.0%)');
    expect(row('weighted-round-robin', 100)).toContain('n1=17 (17.0%)  n2=33 (33.0%)  n3=50 (50.0%)');
    expect(row('weighted-round-robin', 600)).toContain('n1=100 (16.7%)  n2=200 (33.3%)  n3=300 (50.0%)');
    expect(row('round-robin', 600)).toContain('n1=200 (33.3%)  n2=200 (33.3%)  n3=200 (33.3%)');
    expect(row('random-weighted', 600)).toMatch(/n1=\d+ .*n2=\d+ .*n3=\d+/);
  });

  it('checks what each balancer promises, and says when a spread breaks it', () => {
    const w = { n1: 1, n2: 2, n3: 3 };
    expect(spreadLines('weighted-round-robin', w, 600, { n1: 100, n2: 200, n3: 300 }).check!.ok).toBe(true);
    const off = spreadLines('weighted-round-robin', w, 600, { n1: 200, n2: 200, n3: 200 }).check!;
    expect(off.ok).toBe(false);
    expect(off.detail).toMatch(/^off: n1, n3/);
    expect(spreadLines('round-robin', w, 100, { n1: 50, n2: 25, n3: 25 }).check!.ok).toBe(false);
    // Random weighted: a fair draw passes, a lopsided one (everything to n1) does not.
    expect(spreadLines('random-weighted', w, 600, { n1: 95, n2: 210, n3: 295 }).check!.ok).toBe(true);
    expect(spreadLines('random-weighted', w, 600, { n1: 600, n2: 0, n3: 0 }).check!.ok).toBe(false);
    expect(spreadLines('least-connections', w, 10, { n1: 10 }).check).toBeNull();
  });
});

describe('churn', () => {
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const f = { ms: 10_000, meanGapMs: 200 };

  it('is drawn from the seed: the same seed, the same storm; another seed, another', () => {
    expect(churnPlan(seededRng(5), ids, f)).toEqual(churnPlan(seededRng(5), ids, f));
    expect(churnPlan(seededRng(6), ids, f)).not.toEqual(churnPlan(seededRng(5), ids, f));
  });

  it('never takes down or freezes a majority, and undoes every blow before its end', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const plan = churnPlan(seededRng(seed), ids, f);
      const out = new Set<string>();
      let cut = false;
      for (const e of plan) {
        expect(e.at).toBeLessThanOrEqual(f.ms);
        if (e.what === 'crash' || e.what === 'pause') out.add(e.node);
        else if (e.what === 'restart' || e.what === 'resume') out.delete(e.node);
        else cut = e.what === 'partition';
        expect(out.size, `seed ${seed}`).toBeLessThanOrEqual(2);
      }
      expect(out.size).toBe(0);
      expect(cut).toBe(false);
    }
  });
});

describe('conditions and node references', () => {
  const view: TargetView = {
    nodes: ['n1', 'n2', 'n3'].map((id, i) => ({
      id,
      status: 'up' as const,
      role: i === 1 ? ('leader' as const) : ('follower' as const),
      term: 2,
      commitIndex: 4 + i,
      lastIndex: 6,
      leader: 'n2',
    })),
    leader: 'n2',
    cuts: ['n1>n2', 'n2>n1', 'n1>n3', 'n3>n1', 'n2>n3'],
    voters: ['n1', 'n2'],
  };

  it('resolves leader, follower (skipping named nodes) and labels', () => {
    expect(resolveNode('leader', view, new Map())).toBe('n2');
    expect(resolveNode('follower', view, new Map())).toBe('n1');
    expect(resolveNode('follower', view, new Map([['a', 'n1']]))).toBe('n3');
    expect(() => resolveNode('@b', view, new Map())).toThrow(/names no node/);
    expect(() => resolveNode('leader', { ...view, leader: null }, new Map())).toThrow(/no leader/);
  });

  it('isolated needs every link cut both ways; a one-way cut is not isolation', () => {
    expect(isolated(view, 'n1')).toBe(true);
    expect(isolated(view, 'n3')).toBe(false);
    const m = new Map<string, string>();
    expect(holds({ is: 'commit', atLeast: 4 }, view, m)).toBe(true);
    expect(holds({ is: 'commit', atLeast: 5 }, view, m)).toBe(false);
    expect(holds({ is: 'commit', node: 'n3', atLeast: 6 }, view, m)).toBe(true);
    expect(holds({ is: 'converged' }, view, m)).toBe(false);
    expect(holds({ is: 'role', node: '@nobody', role: 'leader' }, view, m)).toBe(false);
    // A voter is one in the configuration in force, whatever role it shows.
    expect(holds({ is: 'voter', node: 'n1' }, view, m)).toBe(true);
    expect(holds({ is: 'voter', node: 'n3' }, view, m)).toBe(false);
  });
});

describe('the runner', () => {
  it('damages a crashed node’s store in the simulator too; it recovers and nothing is lost', async () => {
    const r = validateScenario(DAMAGED_FOLLOWER);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    for (const protocol of ['raft', 'paxos'] as const) {
      const rep = await runInSim(r.value, { seed: 2, protocol });
      expect(rep.steps[3]!.did).toMatch(/^damage n\d \(log-tail\)$/);
      expect(allChecks(rep).filter((c) => !c.ok)).toEqual([]);
    }
    // A damage needs a crashed node, as in the lab.
    const up = validateScenario({ ...r.value, steps: [{ do: 'damage', node: 'n1' }] });
    if (!up.ok) throw new Error(up.error);
    const rep = await runInSim(up.value, { seed: 1, protocol: 'raft' });
    expect(allChecks(rep).find((c) => !c.ok)?.detail).toBe('cannot damage n1: it is up');
  });

  it('a link step’s bandwidth holds a follower back in the simulator until it is lifted', async () => {
    const r = validateScenario({
      name: 'slow-follower',
      title: 'Slow follower',
      teaches: 'a large value crawls over a slow link',
      setup: { nodes: 3, heartbeatMs: 50, electionMs: 500 },
      steps: [
        { do: 'wait', until: { is: 'leader' }, withinMs: 10000 },
        { do: 'mark', node: 'follower', as: 'f' },
        { do: 'link', from: 'leader', to: '@f', bandwidth: 2048 },
        { do: 'request', request: { op: 'put', key: 'big', value: 'x'.repeat(4000) }, expect: 'ok' },
        { do: 'wait', ms: 500, checks: [{ check: 'commit-stalled', node: '@f' }] },
        { do: 'link', from: 'leader', to: '@f', bandwidth: 0 },
        { do: 'wait', until: { is: 'converged' }, withinMs: 10000 },
        { do: 'check', checks: [{ check: 'linearizable' }] },
      ],
    });
    if (!r.ok) throw new Error(r.error);
    for (const protocol of ['raft', 'paxos'] as const) {
      const rep = await runInSim(r.value, { seed: 3, protocol });
      expect(rep.steps[2]!.did).toMatch(/bandwidth 2048/);
      expect(
        allChecks(rep).filter((c) => !c.ok),
        protocol,
      ).toEqual([]);
    }
  });

  it('reports a step that cannot run as a failed check, and runs the rest', async () => {
    const r = validateScenario({
      name: 'broken',
      title: 'Broken',
      teaches: 'what a failing step looks like',
      setup: { nodes: 3, heartbeatMs: 50, electionMs: 500 },
      steps: [
        { do: 'crash', node: 'n1' },
        { do: 'crash', node: 'n1' },
        { do: 'partition', groups: [['n2'], ['n3']] },
        { do: 'crash', node: 'leader' },
        { do: 'clear', nodes: true },
        { do: 'wait', until: { is: 'leader' }, withinMs: 8000 },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const rep = await runInSim(r.value, { seed: 1, protocol: 'raft' });
    const failed = allChecks(rep).filter((c) => !c.ok);
    expect(failed.map((c) => [c.step, c.detail])).toEqual([
      [1, 'cannot crash n1: it is down'],
      [3, 'there is no leader now'],
    ]);
    expect(rep.steps).toHaveLength(6);
    expect(rep.steps[5]!.checks[0]!.ok).toBe(true);
  });
});
