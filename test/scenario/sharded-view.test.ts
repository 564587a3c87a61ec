/**
 * A scenario's `leader` and `voters` on a sharded cluster are the shard controller's group's,
 * in the lab (lab-target.ts reading GET /api/cluster, whose top-level leader and config are
 * the controller's) and in the simulator (sharded-sim-target.ts) alike, so a condition on
 * the leader or the voters means the same on both targets. Each replica group's leader is
 * in `view.shards`.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterSettings } from '../../src-main/api/contract';
import type { Role } from '../../src-main/core/types';
import { clusterView, type Cluster } from '../../src-main/lab/cluster';
import { toTargetView } from '../../src-main/scenario/lab-target';
import { ShardedSimTarget } from '../../src-main/scenario/sharded-sim-target';

type Reported = [Role | null, number];

/** labCluster is a lab cluster of `reported` nodes in groups of three (controller first), sharded in `groups` groups. */
function labCluster(reported: Reported[], groups: number): Cluster {
  const ids = reported.map((_, i) => `n${i + 1}`);
  const groupOf = (i: number): string[] => ids.slice(i - (i % 3), i - (i % 3) + 3);
  const handles = reported.map(([role, term], i) => ({
    id: ids[i]!,
    state: role === null ? 'down' : 'up',
    pid: 1,
    lastApplied: 0,
    damaged: false,
    status: {
      id: ids[i]!,
      role: role ?? 'follower',
      term,
      vote: null,
      leader: null,
      commitIndex: 0,
      lastIndex: 0,
      conf: { voters: groupOf(i), learners: [], votersOutgoing: [] },
    },
  }));
  const settings: Partial<ClusterSettings> = { nodes: 3, protocol: 'raft', heartbeatMs: 50, electionMs: 300, seed: 1 };
  settings.shards = { groups, scheme: { kind: 'range', shards: 4 } };
  const parts = {
    settings,
    supervisor: { nodes: new Map(handles.map((h) => [h.id, h])) },
    gateway: { served: {}, inflight: {}, weights: {}, algorithm: 'leader-only' },
    router: { rules: () => [], partitionGroups: () => [ids] },
    recorder: { runStartedAt: 1 },
  };
  // Only what clusterView reads is filled in.
  return parts as unknown as Cluster;
}

describe('leader and voters of a sharded cluster, as a scenario sees them', () => {
  it('lab: the controller group’s leader and voters, though a replica group’s leader claims a higher term', () => {
    const f = (term: number): Reported => ['follower', term];
    const l = (term: number): Reported => ['leader', term];
    // The controller (n1-n3) led by n2 in term 2; g1 (n4-n6) led by n5 in term 7; g2 (n7-n9) by n9 in term 3.
    const v = toTargetView(clusterView(labCluster([f(2), l(2), f(2), f(7), l(7), f(7), f(3), f(3), l(3)], 2), 1));
    expect(v.leader).toBe('n2');
    expect(v.voters).toEqual(['n1', 'n2', 'n3']);
    expect(v.nodes).toHaveLength(9);
  });

  it('simulator: the controller group’s leader and voters, and a new controller leader after a crash', async () => {
    const t = new ShardedSimTarget({
      seed: 11,
      protocol: 'raft',
      nodes: 3,
      groups: 2,
      scheme: { kind: 'range', shards: 4 },
    });
    const ctl = [...t.sim.controller.nodes];
    const v = await t.waitUntil((x) => x.leader !== null, 10_000);
    expect(v).not.toBeNull();
    expect(ctl).toContain(v!.leader);
    expect(v!.voters).toEqual(ctl);
    expect(v!.nodes).toHaveLength(9);
    // Each replica group's own leader is in view.shards, not in view.leader.
    for (const g of v!.shards!.groups) if (g.leader !== null) expect(ctl).not.toContain(g.leader);
    const old = v!.leader!;
    await t.crash(old);
    const after = await t.waitUntil((x) => x.leader !== null && x.leader !== old, 20_000);
    expect(after).not.toBeNull();
    expect(ctl.filter((id) => id !== old)).toContain(after!.leader);
    expect(after!.voters).toEqual(ctl);
  });
});
