/**
 * The header of a sharded cluster: each group (controller, g1, g2, …) has its own leader,
 * elected in its own terms, and its own quorum counted over its own members, whatever
 * the other groups do; a cluster with one group keeps the single leader and quorum chip.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterNode, ClusterView } from '../../src-main/api/contract';
import { groupHealth, groupsTitle, leadersText, quorumsText } from '../../src-renderer/src/model/shard-groups';

function node(id: string, over: Partial<ClusterNode> = {}): ClusterNode {
  return {
    ...{ id, status: 'up', role: 'follower', term: 1, commitIndex: 3, lastApplied: 3, lastIndex: 3 },
    ...{ leader: null, vote: null, pid: 1, damaged: false, served: 0, inflight: 0, weight: 1 },
    ...over,
  } as ClusterNode;
}

/** sharded is a controller (n1–n3) and g1–g3 (n4–n12), three nodes each. */
function sharded(over: Record<string, Partial<ClusterNode>>, groups?: string[][]): ClusterView {
  const ids = Array.from({ length: 12 }, (_, i) => `n${i + 1}`);
  return {
    protocol: 'raft',
    settings: {
      ...{ nodes: 3, protocol: 'raft', heartbeatMs: 50, electionMs: 300, seed: 1 },
      shards: { groups: 3, scheme: { kind: 'range', shards: 6 } },
    },
    nodes: ids.map((id) => node(id, over[id])),
    links: [],
    groups: groups ?? [ids],
    balance: { algorithm: 'leader-only', weights: {} },
    timeScale: 1,
    runStartedAt: 1,
    // What the lab computes over all twelve: no one leader has a majority of twelve.
    leader: null,
    config: { voters: ['n1', 'n2', 'n3'], learners: [], change: null } as unknown as ClusterView['config'],
  };
}

const leaders = {
  n2: { role: 'leader', term: 2 },
  n5: { role: 'leader', term: 1 },
  n8: { role: 'leader', term: 7 },
  n11: { role: 'leader', term: 3 },
} as const;

describe('per-group leaders and quorums of a sharded cluster', () => {
  it('names each group’s own leader, in terms that differ between groups', () => {
    const gs = groupHealth(sharded(leaders))!;
    expect(gs.map((g) => [g.id, g.leader, g.term])).toEqual([
      ['controller', 'n2', 2],
      ['g1', 'n5', 1],
      ['g2', 'n8', 7],
      ['g3', 'n11', 3],
    ]);
    expect(leadersText(gs)).toBe('leaders ctl n2 · g1 n5 · g2 n8 · g3 n11');
    expect(quorumsText(gs)).toBe('quorum ctl 3/3 ✓ · g1 3/3 ✓ · g2 3/3 ✓ · g3 3/3 ✓');
  });

  it('counts a group’s quorum over its own members: two down in g3 cost g3 its quorum and its leader only', () => {
    const gs = groupHealth(sharded({ ...leaders, n10: { status: 'down' }, n12: { status: 'down' } }))!;
    expect(leadersText(gs)).toBe('leaders ctl n2 · g1 n5 · g2 n8 · g3 none');
    expect(quorumsText(gs)).toBe('quorum ctl 3/3 ✓ · g1 3/3 ✓ · g2 3/3 ✓ · g3 1/3 ✗');
    expect(groupsTitle(gs)).toContain(
      'group g3 (n10 n11 n12): no leader; no majority: at most 1 of 3 up together, 2 needed',
    );
  });

  it('sees a partition from inside each group: the side with two of g1 keeps g1’s quorum', () => {
    const rest = ['n1', 'n2', 'n3', 'n5', 'n6', 'n7', 'n8', 'n9', 'n10', 'n11', 'n12'];
    // n4 cut off alone still believes it leads g1 in an older term; n5 leads the majority side.
    const gs = groupHealth(sharded({ ...leaders, n4: { role: 'leader', term: 0 } }, [['n4'], rest]))!;
    expect(gs.find((g) => g.id === 'g1')).toMatchObject({ leader: 'n5', quorum: { best: 2, total: 3, ok: true } });
    expect(quorumsText(gs)).toBe('quorum ctl 3/3 ✓ · g1 2/3 ✓ · g2 3/3 ✓ · g3 3/3 ✓');
    // Cut g2 in three: no side has two of its three.
    const others = ['n4', ...rest].filter((x) => x !== 'n7' && x !== 'n8');
    const split = groupHealth(sharded(leaders, [['n7'], ['n8'], others]))!;
    expect(quorumsText(split)).toBe('quorum ctl 3/3 ✓ · g1 3/3 ✓ · g2 1/3 ✗ · g3 3/3 ✓');
    expect(leadersText(split)).toBe('leaders ctl n2 · g1 n5 · g2 none · g3 n11');
  });

  it('says nothing per group for a cluster of one group', () => {
    const v = sharded(leaders);
    delete v.settings.shards;
    expect(groupHealth(v)).toBeNull();
  });
});
