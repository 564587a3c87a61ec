/**
 * The header of a sharded cluster: each group (controller, g1, g2, …) has its own leader,
 * elected in its own terms, and its own quorum counted over its own members, whatever
 * the other groups do; a cluster with one group keeps the single leader and quorum chip.
 * The graph draws each group as a box of its nodes, its shards and its quorum, and a shard
 * on its way as an arrow between two boxes.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterNode, ClusterView } from '../../src-main/api/contract';
import type { ShardsView } from '../../src-main/api/shards';
import {
  groupHealth,
  groupLeaderIds,
  groupOfNode,
  groupsFootText,
  groupsTitle,
  leadersText,
  quorumsText,
} from '../../src-renderer/src/model/shard-groups';
import { nodeLook } from '../../src-renderer/src/composables/topology-overlay';
import {
  groupBoxes,
  groupColumns,
  groupDropTarget,
  groupLayout,
  shardMoveEdges,
} from '../../src-renderer/src/composables/topology-groups';

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

describe('the graph of a sharded cluster', () => {
  const map: ShardsView = {
    config: 4,
    scheme: { kind: 'range', shards: 6 },
    controller: ['n1', 'n2', 'n3'],
    shards: [
      { shard: 0, group: 'g1' },
      { shard: 1, group: 'g3', moving: { from: 'g1', to: 'g3' } },
      { shard: 2, group: 'g2' },
      { shard: 3, group: 'g2' },
      { shard: 4, group: 'g3' },
      { shard: 5, group: 'g3' },
    ],
    groups: ['g1', 'g2', 'g3'].map((id, i) => ({
      id,
      nodes: [1, 2, 3].map((k) => `n${3 * (i + 1) + k}`),
      joined: true,
      leader: null,
      config: 4,
    })),
  };

  it('draws a box per group labelled with its shards and its own quorum, the controller first', () => {
    const boxes = groupBoxes(sharded({ ...leaders, n10: { status: 'down' }, n12: { status: 'down' } }), map)!;
    expect(boxes.map((b) => [b.id, b.members.join(' '), b.label, b.ok])).toEqual([
      ['sg-controller', 'n1 n2 n3', 'controller · 3/3 ✓', true],
      ['sg-g1', 'n4 n5 n6', 'g1 · shards 0 · 3/3 ✓', true],
      ['sg-g2', 'n7 n8 n9', 'g2 · shards 2 3 · 3/3 ✓', true],
      ['sg-g3', 'n10 n11 n12', 'g3 · shards (1 ← g1) 4 5 · 1/3 ✗', false],
    ]);
    // Before the shard map is read, the boxes still stand, with their quorums.
    expect(groupBoxes(sharded(leaders), null)!.map((b) => b.label)[1]).toBe('g1 · 3/3 ✓');
  });

  it('draws a shard on its way as an arrow from its source box to its destination box', () => {
    expect(shardMoveEdges(map)).toEqual([{ id: 'move:1', source: 'sg-g1', target: 'sg-g3', label: 'shard 1 → g3' }]);
    expect(shardMoveEdges({ ...map, shards: map.shards.map((s) => ({ shard: s.shard, group: s.group })) })).toEqual([]);
  });

  it('lays each group out in its own place, four boxes to a row', () => {
    const groups = Array.from({ length: 6 }, (_, g) => [1, 2, 3].map((k) => `n${3 * g + k}`));
    const pos = groupLayout(groups);
    const centre = (g: string[]) => ({
      x: g.reduce((s, id) => s + pos.get(id)!.x, 0) / g.length,
      y: g.reduce((s, id) => s + pos.get(id)!.y, 0) / g.length,
    });
    const c = groups.map(centre);
    // Groups 1–4 on one row, left to right; 5 and 6 on the next, under 1 and 2.
    expect(c.slice(0, 4).every((p, i) => i === 0 || p.x > c[i - 1]!.x)).toBe(true);
    expect(new Set(c.slice(0, 4).map((p) => Math.round(p.y))).size).toBe(1);
    expect(c[4]!.y).toBeGreaterThan(c[0]!.y);
    expect(Math.round(c[4]!.x)).toBe(Math.round(c[0]!.x));
    // No two nodes of different groups closer than a group's own width.
    for (const [a, b] of [
      [0, 1],
      [0, 4],
    ] as const)
      for (const x of groups[a]!)
        for (const y of groups[b]!)
          expect(Math.hypot(pos.get(x)!.x - pos.get(y)!.x, pos.get(x)!.y - pos.get(y)!.y)).toBeGreaterThan(150);
  });

  it('stands the boxes in a row in a wide graph, and two by two where a row would crowd their labels', () => {
    // The graph at 1400 px wide, and at 1024 px (narrower for about the same height).
    expect(groupColumns(4, 970, 420)).toBe(4);
    expect(groupColumns(4, 680, 330)).toBe(2);
    expect(groupColumns(8, 970, 420)).toBe(4);
    expect(groupColumns(1, 970, 420)).toBe(1);
    // Two columns: the third group starts the second row, under the first.
    const groups = [['a'], ['b'], ['c']];
    const pos = groupLayout(groups, 2);
    expect(pos.get('c')!.x).toBe(pos.get('a')!.x);
    expect(pos.get('c')!.y).toBeGreaterThan(pos.get('a')!.y);
  });

  it('turns a drop out of a node’s group box into a cut, and a drop back into it into a rejoin', () => {
    const zones = [['n4'], ['n1', 'n2', 'n3', 'n5', 'n6']];
    const g1 = ['n4', 'n5', 'n6'];
    expect(groupDropTarget([['n1', 'n2', 'n3', 'n4', 'n5', 'n6']], g1, 'n4', false)).toBe('new');
    // n4 dropped back among n5 and n6: it joins their zone.
    expect(groupDropTarget(zones, g1, 'n4', true)).toBe(1);
    // n5 dropped in its own box, among as many of g1 as anywhere: it stays in its zone.
    expect(groupDropTarget(zones, g1, 'n5', true)).toBe(1);
    // Alone, in a group cut in three, it joins a zone holding one of its group.
    expect(groupDropTarget([['n5'], ['n4'], ['n6']], g1, 'n5', true)).toBe(1);
  });
});

describe('a sharded cluster drawn per group, not as one configuration', () => {
  it('stars each group’s own leader on the graph, though the view’s one leader and config name none of theirs', () => {
    const v = sharded(leaders);
    const starred = v.nodes.filter((n) => nodeLook(v, n).clusterLeader).map((n) => n.id);
    expect(starred).toEqual(['n2', 'n5', 'n8', 'n11']);
    expect(nodeLook(v, v.nodes[4]!).glyph).toBe('★');
    // A group without a leader stars nobody in it; one group's leader never stars another's.
    const noG2 = sharded({ ...leaders, n8: { role: 'follower', term: 7 } });
    expect(noG2.nodes.filter((n) => nodeLook(noG2, n).clusterLeader).map((n) => n.id)).toEqual(['n2', 'n5', 'n11']);
  });

  it('the foot line and the inspector speak of the groups', () => {
    const v = sharded(leaders);
    expect(groupsFootText(groupHealth(v)!, 'raft')).toBe('4 groups, each its own Raft group with its own leader:');
    expect(groupOfNode(v, 'n7')).toBe('g2');
    expect(groupOfNode(v, 'n1')).toBe('controller');
    expect(groupLeaderIds({ ...v, settings: { ...v.settings, shards: undefined } })).toBeNull();
  });
});
