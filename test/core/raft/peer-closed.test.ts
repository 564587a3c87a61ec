/**
 * Early elections when the leader's connection closes (core/peer-closed.ts): a process that
 * dies closes its connections, its followers forget it as their leader — the lease they
 * granted it ends — and campaign at once, one after another by rank, through PreVote.
 * Elections stay decided by the vote rules (§5.2, §5.4.1; PreVote and the lease, §9.6).
 */
import { describe, expect, it } from 'vitest';
import { RaftNetwork } from './helpers';

const OPTS = { preVote: true, checkQuorum: true, electionTicks: 20, heartbeatTicks: 2 };

/** settled: a 3- or 5-node cluster led by n1 with one entry committed, its followers inside their lease. */
function settled(ids: string[]): { net: RaftNetwork; term: number } {
  const net = new RaftNetwork(ids, OPTS);
  net.elect('n1');
  net.proposeAndWait('a');
  net.tick(3);
  return { net, term: net.node('n1').status().term };
}

describe('a closed connection from the leader starts an early election (PreVote, §9.6)', () => {
  it('the first survivor by rank campaigns at once and the others, who saw the close too, elect it', () => {
    const { net, term } = settled(['n1', 'n2', 'n3']);
    net.kill('n1');
    net.deliverAll();
    // No tick has passed: without the close nobody could have campaigned yet.
    expect(net.leader()).toBe('n2');
    expect(net.node('n2').status().term).toBe(term + 1);
    expect(net.node('n3').status().leader).toBe('n2');
    // The new leader serves: a proposal commits on both survivors.
    net.proposeAndWait('b', 50, ['n2', 'n3']);
    expect(net.chosenAt(net.node('n2').status().commitIndex)).toBe('normal:b');
  });

  it('(a leader that dies without closing its connections is replaced only after an election timeout)', () => {
    const { net, term } = settled(['n1', 'n2', 'n3']);
    net.crash('n1');
    net.tick(OPTS.electionTicks - 1);
    expect(net.leaders()).toEqual([]);
    expect(net.node('n2').status().term).toBe(term);
    expect(net.node('n3').status().term).toBe(term);
  });

  it('a follower that did not see the close keeps its lease and refuses the early pre-vote', () => {
    const { net, term } = settled(['n1', 'n2', 'n3', 'n4', 'n5']);
    // Only n2 hears of the close (the others' notice is still on its way).
    net.kill('n1', ['n2']);
    net.deliverAll();
    expect(net.leaders()).toEqual([]);
    for (const id of ['n2', 'n3', 'n4', 'n5']) expect(net.node(id).status().term).toBe(term);
    // Each of the others ignores the pre-vote: it still hears from a live leader as far as it knows.
    expect(net.sentLog.filter((m) => m.type === 'preVoteResp' && m.to === 'n2' && !m.reject)).toEqual([]);
    for (const id of ['n3', 'n4', 'n5']) {
      const answers = (net.node(id).takeNotes?.() ?? []).filter((n) => n.type === 'vote' && n.candidate === 'n2');
      expect(answers.map((n) => (n.type === 'vote' ? n.reason.kind : null))).toEqual(['in-lease']);
    }
  });

  it('when the first survivor is refused (its log is behind), the next one wins a heartbeat interval later', () => {
    const { net } = settled(['n1', 'n2', 'n3']);
    // n2 misses entry b, which n1 and n3 commit.
    net.drop = (m) => m.to === 'n2' && m.type === 'append';
    net.proposeAndWait('b', 50, ['n1', 'n3']);
    net.drop = null;
    const b = net.node('n3').status().commitIndex;
    net.kill('n1');
    net.deliverAll();
    // n2 (rank 0) asked first and was refused by n3 (log behind, §5.4.1): nobody leads yet.
    expect(net.leaders()).toEqual([]);
    net.tick(OPTS.heartbeatTicks);
    expect(net.leader()).toBe('n3');
    net.tick(2);
    expect(net.node('n2').status().commitIndex).toBeGreaterThanOrEqual(b);
    expect(net.chosenAt(b)).toBe('normal:b');
  });

  it('a message from the peer after its close (it is alive) cancels the early campaign', () => {
    const { net, term } = settled(['n1', 'n2', 'n3']);
    // A wrong close reaches n3 (rank 1: it would campaign after one heartbeat interval)...
    net.node('n3').peerClosed('n1');
    expect(net.node('n3').status().leader).toBeNull();
    net.sentLog.length = 0;
    // ...but n1's next heartbeat arrives before its turn.
    net.tick(3 * OPTS.heartbeatTicks);
    expect(net.sentLog.filter((m) => m.from === 'n3' && m.type === 'preVote')).toEqual([]);
    expect(net.node('n3').status()).toMatchObject({ role: 'follower', leader: 'n1', term });
    expect(net.leader()).toBe('n1');
  });

  it('the close of a peer that is not our leader changes nothing', () => {
    const { net, term } = settled(['n1', 'n2', 'n3']);
    net.sentLog.length = 0;
    net.node('n2').peerClosed('n3');
    net.drain();
    expect(net.sentLog.filter((m) => m.from === 'n2')).toEqual([]);
    expect(net.node('n2').status()).toMatchObject({ role: 'follower', leader: 'n1', term });
  });
});
