/**
 * LabTarget over a scripted lab (deterministic): waits on commit indices, and sleeps.
 *
 * A lab's cluster view is built from the nodes' status reports, which trail the nodes: a
 * report waits while a write is held, and at most one goes out per 20 ms. Right after a
 * write was acknowledged, every node may still read commit 0 in the view — all equal, so
 * "converged" held on a view that did not have the write yet; the step after it then took
 * its "before" from that view, and the late report (the old leader at commit 1) read as a
 * commit during the step (the "minority-leader (paxos)" flake: "no commit on @old during
 * this step — n1 committed up to 1"). A wait on commit indices must end only on a view
 * that shows what the nodes hold now. Driven by a scripted lab, so it is deterministic.
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ClusterView, LabEvent, NodeInspect } from '../../src-main/api/contract';
import type { NodeId } from '../../src-main/core/types';
import { LabTarget, type ScenarioLab } from '../../src-main/scenario/lab-target';
import { allChecks } from '../../src-main/scenario/report-types';
import { runScenario } from '../../src-main/scenario/runner';
import { validateScenario } from '../../src-main/scenario/validate';

const IDS: NodeId[] = ['n1', 'n2', 'n3'];

/**
 * ScriptedLab: n1 leads; every node holds commit 1 (the write was acknowledged), but the
 * view reads commit 0 until the `staleViews`-th cluster() call, when the reports "arrive"
 * (each as a run-log commit record, as the real lab logs them).
 */
class ScriptedLab {
  calls = 0;
  private listeners: ((e: LabEvent) => void)[] = [];
  private readonly startedAt = Date.now();
  private seq = 0;

  constructor(private readonly staleViews: number) {}

  get fresh(): boolean {
    return this.calls > this.staleViews;
  }

  view(commit: number): ClusterView {
    const nodes = IDS.map((id) => ({
      id,
      status: 'up',
      role: id === 'n1' ? 'leader' : 'follower',
      term: 1,
      commitIndex: commit,
      lastIndex: 1,
      leader: 'n1',
    }));
    const v = { protocol: 'paxos', nodes, links: [], groups: [IDS], runStartedAt: this.startedAt, leader: 'n1' };
    return v as unknown as ClusterView;
  }

  async createCluster(): Promise<ClusterView> {
    return this.view(0);
  }

  async cluster(): Promise<ClusterView> {
    const wasFresh = this.fresh;
    this.calls++;
    if (this.fresh && !wasFresh) for (const id of IDS) this.log({ kind: 'commit', node: id, commitIndex: 1 });
    return this.view(this.fresh ? 1 : 0);
  }

  async inspect(id: NodeId): Promise<NodeInspect> {
    // The node itself: the write is committed on it, whatever its last report said.
    const n = this.view(1).nodes.find((x) => x.id === id)!;
    return { status: { commitIndex: n.commitIndex } } as unknown as NodeInspect;
  }

  on(listener: (e: LabEvent) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  private log(fields: { kind: string } & Record<string, unknown>): void {
    const record = { t: (Date.now() - this.startedAt) * 1e6, seq: ++this.seq, ...fields };
    for (const l of this.listeners) l({ type: 'log', record });
  }
}

async function target(lab: ScriptedLab, signal?: AbortSignal): Promise<LabTarget> {
  return LabTarget.create(lab as unknown as ScenarioLab, { nodes: 3, protocol: 'paxos', seed: 1 }, signal);
}

describe('waits on commit indices see the nodes, not a view that trails them', () => {
  it('"converged" does not end on a view where no node has reported the acknowledged write yet', async () => {
    const lab = new ScriptedLab(3);
    const t = await target(lab);
    const v = await t.waitUntil((x) => x.nodes.every((n) => n.commitIndex === x.nodes[0]!.commitIndex), 5000, {
      commits: true,
    });
    expect(v?.nodes.map((n) => n.commitIndex)).toEqual([1, 1, 1]);
    expect(lab.fresh).toBe(true);
    await t.close();
  });

  it('the step after "converged" sees no commit on the old leader (the minority-leader flake)', async () => {
    const r = validateScenario({
      name: 'stale-view',
      title: 'Stale view',
      teaches: 'a wait on commit indices needs a current view',
      setup: { nodes: 3 },
      steps: [
        { do: 'wait', until: { is: 'converged' }, withinMs: 5000 },
        { do: 'mark', node: 'leader', as: 'old' },
        { do: 'wait', ms: 30, checks: [{ check: 'commit-stalled', node: '@old' }] },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const lab = new ScriptedLab(4);
    const t = await target(lab);
    const rep = await runScenario(r.value, t);
    await t.close();
    expect(allChecks(rep).map((c) => `${c.name}: ${c.ok ? 'ok' : 'FAILED'} (${c.detail})`)).toEqual([
      expect.stringMatching(/^every node runs, all at the same commit index within 5 s: ok/),
      'no commit on @old during this step: ok (no commit past 1)',
      'safety invariants hold: ok (no invariant broken)',
    ]);
  });
});

describe('sleeps on the run’s abort signal', () => {
  it('many sleeps at once add one abort listener (no MaxListenersExceededWarning); an abort wakes them all', async () => {
    const ac = new AbortController();
    const t = await target(new ScriptedLab(0), ac.signal);
    // The durable check reads 16 keys at once, each waiting in settle → sleep.
    const sleeps = Array.from({ length: 40 }, () => t.sleep(60_000));
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(1);
    const t0 = Date.now();
    ac.abort();
    await Promise.all(sleeps);
    expect(Date.now() - t0).toBeLessThan(5000);
    await t.sleep(60_000); // after the abort, a sleep returns at once
    await t.close();
    expect(getEventListeners(ac.signal, 'abort')).toHaveLength(0);
  });
});
