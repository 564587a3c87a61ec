/**
 * Multi-Paxos: when the leader's connection closes (core/peer-closed.ts) its followers drop
 * the lease they granted it and the first survivor by rank runs phase 1 at once, instead of
 * waiting out its election timeout; the others promise its ballot.
 */
import { describe, expect, it } from 'vitest';
import { PaxosNetwork } from './helpers';

const ELECTION = 20;

/** settled: a 3-node cluster with a leader, one command chosen, and every follower inside its lease. */
function settled(): { net: PaxosNetwork; leader: string; survivors: string[] } {
  const net = new PaxosNetwork(3, { electionTicks: ELECTION });
  const leader = net.waitLeader();
  net.proposeAndWait('a');
  net.tick(3);
  return { net, leader, survivors: net.ids.filter((id) => id !== leader) };
}

describe('Multi-Paxos: a closed connection from the leader starts phase 1 early', () => {
  it('the first survivor by rank leads after one round of phase 1, and the new leader serves', () => {
    const { net, leader, survivors } = settled();
    const [first, other] = [...survivors].sort() as [string, string];
    net.kill(leader);
    // Phase 1 is one round trip (messages take one tick here), far less than an election timeout.
    expect(net.runUntil(() => net.leader() !== null, 3)).toBe(true);
    expect(net.leader()).toBe(first);
    // The other survivor saw the close too: no lease held it back from promising.
    const answers = (net.node(other).takeNotes?.() ?? []).filter((n) => n.type === 'vote' && n.candidate === first);
    expect(answers.map((n) => (n.type === 'vote' ? n.reason.kind : null))).toEqual(['granted']);
    net.proposeAndWait('b', 50, survivors);
    expect([...net.chosen.values()]).toContain('normal:b');
  });

  it('(a leader that dies without closing its connections is replaced only after an election timeout)', () => {
    const { net, leader } = settled();
    net.crash(leader);
    net.tick(ELECTION - 1);
    expect(net.leaders()).toEqual([]);
  });

  it('a survivor that did not see the close keeps its lease: no promise, no new leader', () => {
    const { net, leader, survivors } = settled();
    const [first, other] = [...survivors].sort() as [string, string];
    net.kill(leader, [first]);
    net.tick(6);
    expect(net.leaders()).toEqual([]);
    const answers = (net.node(other).takeNotes?.() ?? []).filter((n) => n.type === 'vote' && n.candidate === first);
    expect(answers.map((n) => (n.type === 'vote' ? n.reason.kind : null))).toEqual(['in-lease']);
  });
});
