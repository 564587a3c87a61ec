/**
 * The quorum words a learner reads: zone labels ("3/5 · has quorum"), the header chip
 * ("quorum 3/5 ✓"), the partition's one-line description, the explanation of a request
 * that failed because no zone reaches a majority, and a candidate's vote tally.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterNode, ClusterView } from '../../src-main/api/contract';
import {
  chipText,
  clusterQuorum,
  majorityOf,
  partitionText,
  quorumProblem,
  voteTally,
  zoneLabel,
  zoneQuorums,
} from '../../src-main/api/quorum';

function node(id: string, over: Partial<ClusterNode> = {}): ClusterNode {
  return {
    id,
    status: 'up',
    role: 'follower',
    term: 1,
    commitIndex: 0,
    lastApplied: 0,
    lastIndex: 0,
    leader: null,
    vote: null,
    pid: 1,
    damaged: false,
    served: 0,
    inflight: 0,
    weight: 1,
    ...over,
  };
}

type V = Pick<ClusterView, 'nodes' | 'groups' | 'leader'>;

function five(down: string[] = [], groups?: string[][], leader: string | null = null): V {
  const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];
  return {
    nodes: ids.map((id) => node(id, down.includes(id) ? { status: 'down', role: null } : {})),
    groups: groups ?? [ids],
    leader,
  };
}

describe('quorum', () => {
  it('a majority is more than half of every node, down ones included', () => {
    expect([1, 2, 3, 4, 5, 9].map(majorityOf)).toEqual([1, 2, 2, 3, 3, 5]);
  });

  it('labels zones by the nodes up in them and whether that is a majority of the cluster', () => {
    const v = five(
      ['n5'],
      [
        ['n1', 'n2'],
        ['n3', 'n4', 'n5'],
      ],
    );
    expect(zoneQuorums(v).map(zoneLabel)).toEqual(['2/5 · no quorum', '2/5 · no quorum']);
    const w = five(
      [],
      [
        ['n1', 'n2'],
        ['n3', 'n4', 'n5'],
      ],
    );
    expect(zoneQuorums(w).map(zoneLabel)).toEqual(['2/5 · no quorum', '3/5 · has quorum']);
    expect(zoneQuorums(five(['n3', 'n4', 'n5'])).map(zoneLabel)).toEqual(['2/5 · no quorum']);
    // A paused node answers nobody: it does not count.
    const p = five();
    p.nodes[0]!.status = 'paused';
    p.nodes[1]!.status = 'paused';
    p.nodes[2]!.status = 'paused';
    expect(zoneQuorums(p).map(zoneLabel)).toEqual(['2/5 · no quorum']);
  });

  it('nodes no group names form one more zone, as the router treats them', () => {
    const v = five([], [['n1', 'n2']]);
    expect(zoneQuorums(v).map((z) => z.members)).toEqual([
      ['n1', 'n2'],
      ['n3', 'n4', 'n5'],
    ]);
  });

  it('the header chip shows the best zone and ✓ only when some zone has a majority', () => {
    expect(chipText(clusterQuorum(five()))).toBe('quorum 5/5 ✓');
    expect(chipText(clusterQuorum(five(['n4', 'n5'])))).toBe('quorum 3/5 ✓');
    expect(chipText(clusterQuorum(five(['n3', 'n4', 'n5'])))).toBe('quorum 2/5 ✗');
    expect(chipText(clusterQuorum(five([], [['n1', 'n2'], ['n3'], ['n4', 'n5']])))).toBe('quorum 2/5 ✗');
  });

  it('describes a partition once, as the wall label', () => {
    expect(partitionText(five())).toBeNull();
    expect(
      partitionText(
        five(
          [],
          [
            ['n1', 'n2'],
            ['n3', 'n4', 'n5'],
          ],
        ),
      ),
    ).toBe('partition: {n1,n2} | {n3,n4,n5}');
  });

  it('explains what is missing when no zone has a quorum', () => {
    expect(quorumProblem(five(['n3', 'n4', 'n5']))).toBe(
      'no quorum: 2 of 5 nodes reachable, 3 needed (n3, n4, n5 down)',
    );
    expect(quorumProblem(five([], [['n1', 'n2'], ['n3'], ['n4', 'n5']]))).toBe(
      'no quorum: at most 2 of 5 nodes reach each other, 3 needed (partition: {n1,n2} | {n3} | {n4,n5})',
    );
    expect(quorumProblem(five(['n4']))).toBe('no leader yet: n1, n2, n3, n5 (4 of 5, 3 needed) are electing one');
    expect(quorumProblem(five(['n4'], undefined, 'n1'))).toBeNull();
  });

  it('tallies the votes a candidate holds in its term', () => {
    const v = five(['n5']);
    v.nodes[0] = node('n1', { role: 'candidate', term: 4, vote: 'n1' });
    v.nodes[1] = node('n2', { term: 4, vote: 'n1' });
    v.nodes[2] = node('n3', { term: 3, vote: 'n1' }); // an old term's vote is no vote now
    v.nodes[3] = node('n4', { term: 4, vote: 'n4' });
    expect(voteTally(v, 'n1')).toEqual({ candidate: 'n1', term: 4, granted: ['n1', 'n2'], needed: 3 });
    expect(voteTally(v, 'n2')).toBeNull();
  });

  it("tallies a Multi-Paxos candidate's promises: the nodes whose promised ballot is its own", () => {
    const v = { ...five(['n5']), protocol: 'paxos' as const };
    // Paxos records no vote: n1 runs phase 1 with ballot 601 (round 6 of n1), n2 promised it.
    v.nodes[0] = node('n1', { role: 'candidate', term: 601, vote: null });
    v.nodes[1] = node('n2', { term: 601, vote: null });
    v.nodes[2] = node('n3', { term: 204, vote: null }); // promised another proposer's ballot
    expect(voteTally(v, 'n1')).toEqual({ candidate: 'n1', term: 601, granted: ['n1', 'n2'], needed: 3 });
  });
});
