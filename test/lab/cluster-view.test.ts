/**
 * clusterView (GET /api/cluster) names the cluster's leader from what the nodes report and
 * the router's partition groups: built here from a cluster's parts as plain objects, so the
 * partition and crash cases need no real processes (test/lab's cluster tests run those).
 */
import { describe, expect, it } from 'vitest';
import type { NodeRunState } from '../../src-main/api/contract';
import type { Role } from '../../src-main/core/types';
import { clusterView, type Cluster } from '../../src-main/lab/cluster';

interface Reported {
  state: NodeRunState;
  role: Role;
  term: number;
  leader: string | null;
}

/** clusterOf is a cluster whose nodes last reported `nodes` and whose router has `groups`. */
function clusterOf(nodes: Record<string, Reported>, groups: string[][]): Cluster {
  const handles = Object.entries(nodes).map(([id, r]) => ({
    id,
    state: r.state,
    pid: 1,
    lastApplied: 0,
    damaged: false,
    status: { id, role: r.role, term: r.term, vote: null, leader: r.leader, commitIndex: 0, lastIndex: 0 },
  }));
  const parts = {
    settings: { nodes: handles.length, protocol: 'raft', heartbeatMs: 50, electionMs: 300, seed: 1 },
    supervisor: { nodes: new Map(handles.map((h) => [h.id, h])) },
    gateway: { served: {}, inflight: {}, weights: {}, algorithm: 'leader-only' },
    router: { rules: () => [], partitionGroups: () => groups.map((g) => [...g]) },
    recorder: { runStartedAt: 1 },
  };
  // Only what clusterView reads is filled in.
  return parts as unknown as Cluster;
}

const up = (role: Role, term: number, leader: string | null): Reported => ({ state: 'up', role, term, leader });

describe('clusterView names the leader', () => {
  it('the newer term’s leader on the majority side, not the old leader cut off alone', () => {
    const c = clusterOf({ n1: up('leader', 1, 'n1'), n2: up('leader', 2, 'n2'), n3: up('follower', 2, 'n2') }, [
      ['n1'],
      ['n2', 'n3'],
    ]);
    const v = clusterView(c, 1);
    expect(v.leader).toBe('n2');
    // Each node's own belief is still shown as it reported it.
    expect(v.nodes.map((n) => n.leader)).toEqual(['n1', 'n2', 'n2']);
  });

  it('no leader while the only claimant is in a minority, or crashed', () => {
    const cut = clusterOf({ n1: up('leader', 1, 'n1'), n2: up('follower', 1, 'n1'), n3: up('follower', 1, 'n1') }, [
      ['n1'],
      ['n2', 'n3'],
    ]);
    expect(clusterView(cut, 1).leader).toBeNull();
    // A crashed node's last report still says leader; the view shows it down with no role.
    const crashed = clusterOf(
      { n1: { ...up('leader', 1, 'n1'), state: 'down' }, n2: up('follower', 1, 'n1'), n3: up('follower', 1, 'n1') },
      [['n1', 'n2', 'n3']],
    );
    expect(clusterView(crashed, 1).leader).toBeNull();
  });
});
