/**
 * clusterLeader: who leads the cluster, decided once for the lab's views and the replay
 * model. Raft §5.2 (one leader per term: a newer term's leader supersedes an older one)
 * and §5.4 (a leader can only commit with a majority) are what the rules encode.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterNode, NodeRunState } from '../../src-main/api/contract';
import { clusterLeader, leaderNode } from '../../src-main/api/leader';
import type { Role } from '../../src-main/core/types';

/** n builds a node row: id, status, role, term, and whom it believes leads. */
function n(
  id: string,
  status: NodeRunState,
  role: Role | null,
  term: number,
  leader: string | null = null,
): ClusterNode {
  return {
    id,
    status,
    role,
    term,
    leader,
    commitIndex: 0,
    lastApplied: 0,
    lastIndex: 0,
    vote: null,
    pid: null,
    damaged: false,
    served: 0,
    inflight: 0,
    weight: 1,
  };
}

const ids = (count: number) => Array.from({ length: count }, (_, i) => `n${i + 1}`);

describe('clusterLeader', () => {
  it('names the one leader of a healthy cluster', () => {
    const nodes = [
      n('n1', 'up', 'leader', 3, 'n1'),
      n('n2', 'up', 'follower', 3, 'n1'),
      n('n3', 'up', 'follower', 3, 'n1'),
    ];
    expect(clusterLeader({ nodes, groups: [ids(3)] })).toBe('n1');
    expect(leaderNode({ nodes, leader: 'n1' })?.term).toBe(3);
  });

  it('partition with two claimed leaders in different terms: the newer term’s, on the majority side', () => {
    // n1 led term 1, was cut off alone and still believes it leads; n2 and n3 elected n2 in term 2.
    const nodes = [
      n('n1', 'up', 'leader', 1, 'n1'),
      n('n2', 'up', 'leader', 2, 'n2'),
      n('n3', 'up', 'follower', 2, 'n2'),
    ];
    expect(clusterLeader({ nodes, groups: [['n1'], ['n2', 'n3']] })).toBe('n2');
    // The same when the followers' beliefs lag (each node reports on its own schedule).
    const lagging = [
      n('n1', 'up', 'leader', 1, 'n1'),
      n('n2', 'up', 'leader', 2, 'n1'),
      n('n3', 'up', 'follower', 1, 'n1'),
    ];
    expect(clusterLeader({ nodes: lagging, groups: [ids(3)] })).toBe('n2');
    // Five nodes: the old leader kept one follower (term 3); the other three elected n3 (term 4).
    const five = [
      n('n1', 'up', 'leader', 3, 'n1'),
      n('n2', 'up', 'follower', 3, 'n1'),
      n('n3', 'up', 'leader', 4, 'n3'),
      n('n4', 'up', 'follower', 4, 'n3'),
      n('n5', 'up', 'follower', 4, 'n3'),
    ];
    expect(
      clusterLeader({
        nodes: five,
        groups: [
          ['n1', 'n2'],
          ['n3', 'n4', 'n5'],
        ],
      }),
    ).toBe('n3');
  });

  it('an old leader cut off in a minority is not the leader, even before the majority elects', () => {
    const nodes = [n('n1', 'up', 'leader', 1, 'n1'), n('n2', 'up', 'follower', 1, 'n1'), n('n3', 'up', 'candidate', 2)];
    expect(clusterLeader({ nodes, groups: [['n1'], ['n2', 'n3']] })).toBeNull();
    // Healed, it reaches a majority still in its term again: it leads until n3's vote request reaches it.
    expect(clusterLeader({ nodes, groups: [ids(3)] })).toBe('n1');
  });

  it('a paused leader is not the leader, and the older leader it superseded is no fallback', () => {
    const paused = [
      n('n1', 'paused', 'leader', 2, 'n1'),
      n('n2', 'up', 'follower', 2, 'n1'),
      n('n3', 'up', 'follower', 2, 'n1'),
    ];
    expect(clusterLeader({ nodes: paused, groups: [ids(3)] })).toBeNull();
    // n3 still believes it leads term 1; n1 (paused) leads term 2: nobody leads.
    const stale = [
      n('n1', 'paused', 'leader', 2, 'n1'),
      n('n2', 'up', 'follower', 2, 'n1'),
      n('n3', 'up', 'leader', 1, 'n3'),
    ];
    expect(clusterLeader({ nodes: stale, groups: [ids(3)] })).toBeNull();
    // The others elect n2 in term 3; the paused n1 still thinks it leads term 2.
    const replaced = [
      n('n1', 'paused', 'leader', 2, 'n1'),
      n('n2', 'up', 'leader', 3, 'n2'),
      n('n3', 'up', 'follower', 3, 'n2'),
    ];
    expect(clusterLeader({ nodes: replaced, groups: [ids(3)] })).toBe('n2');
  });

  it('no majority up: no leader, though a node still claims it', () => {
    const nodes = [n('n1', 'up', 'leader', 1, 'n1'), n('n2', 'down', null, 1), n('n3', 'down', null, 1)];
    expect(clusterLeader({ nodes, groups: [ids(3)] })).toBeNull();
    // Paused peers do not count toward the majority either.
    const pausedPeers = [
      n('n1', 'up', 'leader', 1, 'n1'),
      n('n2', 'paused', 'follower', 1),
      n('n3', 'paused', 'follower', 1),
    ];
    expect(clusterLeader({ nodes: pausedPeers, groups: [ids(3)] })).toBeNull();
    // Five nodes with two down: three up is a majority.
    const five = [
      n('n1', 'up', 'leader', 1, 'n1'),
      n('n2', 'up', 'follower', 1, 'n1'),
      n('n3', 'up', 'follower', 1, 'n1'),
      n('n4', 'down', null, 1),
      n('n5', 'down', null, 1),
    ];
    expect(clusterLeader({ nodes: five, groups: [ids(5)] })).toBe('n1');
  });

  it('ignores down nodes’ roles, and refuses to pick between two claimants of one term', () => {
    const down = [n('n1', 'down', 'leader', 9), n('n2', 'up', 'leader', 2, 'n2'), n('n3', 'up', 'follower', 2, 'n2')];
    expect(clusterLeader({ nodes: down, groups: [ids(3)] })).toBe('n2');
    const tie = [n('n1', 'up', 'leader', 2), n('n2', 'up', 'leader', 2), n('n3', 'up', 'follower', 2)];
    expect(clusterLeader({ nodes: tie, groups: [ids(3)] })).toBeNull();
    expect(clusterLeader({ nodes: [], groups: [] })).toBeNull();
    expect(leaderNode(null)).toBeNull();
  });

  it('a node no partition group names reaches everyone', () => {
    const nodes = [
      n('n1', 'up', 'leader', 1, 'n1'),
      n('n2', 'up', 'follower', 1, 'n1'),
      n('n3', 'up', 'follower', 1, 'n1'),
    ];
    expect(clusterLeader({ nodes, groups: [['n2', 'n3']] })).toBe('n1');
  });
});
