/**
 * Elections: the vote is durable before it is revealed (§5.2, Figure 2), the up-to-date
 * check (§5.4.1), PreVote (dissertation §9.6), CheckQuorum and the leader lease (§9.6 / etcd).
 */
import { describe, expect, it } from 'vitest';
import type { RaftMessage } from '../../../src-main/core/raft';
import { RaftNetwork, drain, nodeWithLog } from './helpers';

describe('a vote is persisted before it is revealed (§5.2, Figure 2)', () => {
  it("puts the grant in messagesAfterPersist, with the vote in the same Ready's hard state", () => {
    const n = nodeWithLog('n2', ['n1', 'n2', 'n3'], [], { term: 0 });
    n.step({ type: 'vote', from: 'n1', to: 'n2', term: 1, lastIndex: 0, lastTerm: 0, transfer: false });
    const rd = n.ready();
    expect(rd.hardState).toEqual({ term: 1, vote: 'n1', commit: 0 });
    expect(rd.messages).toEqual([]);
    expect(rd.messagesAfterPersist).toEqual([{ type: 'voteResp', from: 'n2', to: 'n1', term: 1, reject: false }]);
  });

  it('a crash between granting and persisting cannot give two candidates its vote in one term', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    // n1 and n3 cannot talk: each needs n2's vote to win.
    net.cutLink('n1', 'n3');
    for (let i = 0; i < 30 && net.node('n1').status().role === 'follower'; i++) {
      net.node('n1').tick();
      net.process('n1');
    }
    const term = net.node('n1').status().term;
    const [req] = net.take((m) => m.to === 'n2');
    expect(req?.type).toBe('vote');
    net.node('n2').step(req!);
    // n2 grants, then dies before its disk write: the grant must not have left.
    net.crashBeforePersist('n2');
    expect(net.pending().filter((m) => m.from === 'n2')).toEqual([]);
    net.restart('n2');
    expect(net.node('n2').status().vote).toBeNull();
    // n3 now campaigns in the same term and gets n2's (only durable) vote.
    while (net.node('n3').status().term < term) net.campaign('n3');
    net.deliverAll();
    const leadersInTerm = ['n1', 'n3'].filter(
      (id) => net.node(id).status().role === 'leader' && net.node(id).status().term === term,
    );
    expect(leadersInTerm.length).toBeLessThanOrEqual(1);
    expect(net.node('n1').status().role === 'leader' && net.node('n1').status().term === term).toBe(false);
  });
});

describe('the election restriction (§5.4.1)', () => {
  it('grants a vote only to a candidate whose last log term is higher, or equal with a log as long', () => {
    const ask = (lastIndex: number, lastTerm: number): boolean => {
      const n = nodeWithLog('n2', ['n1', 'n2', 'n3'], [1, 1, 2], { term: 2 });
      n.step({ type: 'vote', from: 'n1', to: 'n2', term: 3, lastIndex, lastTerm, transfer: false });
      const resp = drain(n).find((m) => m.type === 'voteResp');
      return resp?.type === 'voteResp' && !resp.reject;
    };
    expect(ask(3, 2)).toBe(true); // same last term, same length
    expect(ask(5, 2)).toBe(true); // same last term, longer
    expect(ask(1, 3)).toBe(true); // higher last term wins even if shorter
    expect(ask(2, 2)).toBe(false); // same last term, shorter
    expect(ask(9, 1)).toBe(false); // lower last term loses even if longer
  });

  it('a node that missed committed entries cannot become leader', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.isolate('n3');
    net.propose('n1', 'x');
    net.tick(2, ['n1', 'n2']);
    expect(net.member('n2').sm.values).toEqual(['x']);
    net.crash('n1');
    net.recover();
    for (let i = 0; i < 5; i++) net.campaign('n3');
    expect(net.node('n3').status().role).not.toBe('leader');
    net.tick(60, ['n2', 'n3']);
    expect(net.leaders()).toEqual(['n2']);
  });
});

describe('PreVote (dissertation §9.6)', () => {
  function rejoin(preVote: boolean): { termBefore: number; termAfter: number; leader: string[] } {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { preVote });
    net.elect('n1');
    const termBefore = net.node('n1').status().term;
    net.isolate('n3');
    net.tick(100);
    net.recover();
    net.tick(30);
    return { termBefore, termAfter: net.node('n1').status().term, leader: net.leaders() };
  }

  it('keeps a rejoining partitioned node from deposing a healthy leader', () => {
    const r = rejoin(true);
    expect(r.termAfter).toBe(r.termBefore);
    expect(r.leader).toEqual(['n1']);
  });

  it('(without PreVote the same rejoin does depose the leader: the test can tell)', () => {
    const r = rejoin(false);
    expect(r.termAfter).toBeGreaterThan(r.termBefore);
  });

  it('a pre-candidate keeps its term while it cannot win', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { preVote: true });
    net.elect('n1');
    const term = net.node('n3').status().term;
    net.isolate('n3');
    net.tick(100, ['n3']);
    expect(net.node('n3').status().term).toBe(term);
    expect(net.node('n3').status().role).toBe('precandidate');
  });
});

describe('CheckQuorum and the leader lease', () => {
  it('a leader that has not heard from a quorum within an election timeout steps down', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { checkQuorum: true });
    net.elect('n1');
    net.isolate('n1');
    net.tick(25, ['n1']);
    expect(net.node('n1').status().role).toBe('follower');
  });

  it('(without CheckQuorum it would stay leader forever)', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { checkQuorum: false });
    net.elect('n1');
    net.isolate('n1');
    net.tick(25, ['n1']);
    expect(net.node('n1').status().role).toBe('leader');
  });

  it('a leader that hears from a quorum stays leader', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { checkQuorum: true });
    net.elect('n1');
    net.isolate('n3');
    net.tick(50, ['n1', 'n2']);
    expect(net.node('n1').status().role).toBe('leader');
  });

  it('a follower that heard from its leader within the election timeout ignores a higher-term vote request', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { checkQuorum: true });
    net.elect('n1');
    const n2 = net.node('n2');
    const term = n2.status().term;
    const vote: RaftMessage = {
      type: 'vote',
      from: 'n3',
      to: 'n2',
      term: term + 5,
      lastIndex: 99,
      lastTerm: term + 4,
      transfer: false,
    };
    n2.step(vote);
    expect(n2.status().term).toBe(term);
    expect(drain(n2)).toEqual([]);
    // Once the lease has run out (no leader heard for an election timeout), it votes.
    net.isolate('n2');
    for (let i = 0; i < 10; i++) n2.tick();
    drain(n2);
    n2.step({ ...vote, term: n2.status().term + 5 });
    expect(drain(n2).some((m) => m.type === 'voteResp' && !m.reject)).toBe(true);
  });
});
