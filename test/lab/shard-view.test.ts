/**
 * GET /api/cluster of a sharded cluster (lab/shard-view.ts), built from a cluster's parts as
 * plain objects: every group is a consensus group of its own, so the view names each
 * group's leader, term and members in `shardGroups`, and its `leader` and `config` are
 * the shard controller's group's — never another group's leader that happens to claim a
 * higher term. An unsharded cluster's view has no `shardGroups`. test/lab/shards.test.ts
 * reads the same through the HTTP API of a real sharded cluster.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterSettings } from '../../src-main/api/contract';
import type { Role } from '../../src-main/core/types';
import { clusterView, type Cluster } from '../../src-main/lab/cluster';

type Reported = [Role | null, number];

/** clusterOf is a cluster of `reported` nodes (null role: down) in groups of three, sharded when `groups` > 0. */
function clusterOf(reported: Reported[], groups: number, partition: string[][] = []): Cluster {
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
  if (groups > 0) settings.shards = { groups, scheme: { kind: 'range', shards: 4 } };
  const parts = {
    settings,
    supervisor: { nodes: new Map(handles.map((h) => [h.id, h])) },
    gateway: { served: {}, inflight: {}, weights: {}, algorithm: 'leader-only' },
    router: { rules: () => [], partitionGroups: () => (partition.length > 0 ? partition : [ids]) },
    recorder: { runStartedAt: 1 },
  };
  // Only what clusterView reads is filled in.
  return parts as unknown as Cluster;
}

const f = (term: number): Reported => ['follower', term];
const l = (term: number): Reported => ['leader', term];

describe('GET /api/cluster of a sharded cluster', () => {
  it('names each group’s own leader and members; leader and config are the controller’s, whatever term another group is in', () => {
    // The controller's leader n2 in term 2; g1's n5 in term 7 (g1 elected often); g2's n9 in term 3.
    const v = clusterView(clusterOf([f(2), l(2), f(2), f(7), l(7), f(7), f(3), f(3), l(3)], 2), 1);
    expect(v.shardGroups).toEqual([
      { id: 'controller', nodes: ['n1', 'n2', 'n3'], leader: 'n2', term: 2, config: cfg(['n1', 'n2', 'n3']) },
      { id: 'g1', nodes: ['n4', 'n5', 'n6'], leader: 'n5', term: 7, config: cfg(['n4', 'n5', 'n6']) },
      { id: 'g2', nodes: ['n7', 'n8', 'n9'], leader: 'n9', term: 3, config: cfg(['n7', 'n8', 'n9']) },
    ]);
    expect(v.leader).toBe('n2');
    expect(v.config).toEqual(cfg(['n1', 'n2', 'n3']));
  });

  it('a group without a majority has no leader, and the others keep theirs', () => {
    // g1's leader n5 is cut off alone with its followers down: it leads nobody.
    const partition = [['n5'], ['n1', 'n2', 'n3', 'n4', 'n6', 'n7', 'n8', 'n9']];
    const v = clusterView(clusterOf([f(2), l(2), f(2), [null, 4], l(4), [null, 4], f(3), l(3), f(3)], 2, partition), 1);
    expect(v.shardGroups?.map((g) => [g.id, g.leader, g.term])).toEqual([
      ['controller', 'n2', 2],
      ['g1', null, null],
      ['g2', 'n8', 3],
    ]);
    expect(v.leader).toBe('n2');
  });

  it('an unsharded cluster’s view is as before: no shardGroups, its own leader', () => {
    const v = clusterView(clusterOf([f(4), l(4), f(4)], 0), 1);
    expect(v.shardGroups).toBeUndefined();
    expect(v.leader).toBe('n2');
  });
});

function cfg(voters: string[]): unknown {
  return { voters, learners: [], pending: null, method: 'single-server' };
}
