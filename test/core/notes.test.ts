/**
 * The cores' notes (core/notes.ts): each role change names its cause and each vote or
 * prepare answer its reason, in Raft and Multi-Paxos, as a node takes them — the election
 * timeout, a won pre-vote and vote (§5.2), a lost election, a higher term (§5.1), CheckQuorum,
 * the vote rules (§5.4.1: a candidate's log must be at least as up to date), the leader
 * lease, and Paxos's promises, nacks and phase 1. Notes are data: taking them or not
 * changes nothing a core does.
 */
import { describe, expect, it } from 'vitest';
import {
  causeText,
  noteText,
  PAXOS_WORDS,
  type CoreNote,
  type RoleNote,
  type VoteNote,
} from '../../src-main/core/notes';
import type { PaxosMessage } from '../../src-main/core/paxos';
import { formatBallot } from '../../src-main/core/paxos/ballot';
import { RaftNode, type RaftMessage } from '../../src-main/core/raft';
import { PaxosNetwork } from './paxos/helpers';
import { drain, nodeWithLog, RaftNetwork } from './raft/helpers';

const roles = (ns: CoreNote[]): RoleNote[] => ns.filter((n): n is RoleNote => n.type === 'role');
const votes = (ns: CoreNote[]): VoteNote[] => ns.filter((n): n is VoteNote => n.type === 'vote');
const P3 = ['n1', 'n2', 'n3'];

function vote(from: string, to: string, term: number, lastIndex: number, lastTerm: number): RaftMessage {
  return { type: 'vote', from, to, term, lastIndex, lastTerm, transfer: false };
}

describe('Raft notes: why a role changed', () => {
  it('an election: start, timeout, pre-vote won, vote won — each with its cause (§5.2, §9.6)', () => {
    const net = new RaftNetwork(P3, { preVote: true, seed: 3 });
    const l = net.waitLeader();
    const chain = roles(net.node(l).takeNotes());
    expect(chain.map((n) => `${n.prev}→${n.role}:${n.cause.kind}`)).toEqual([
      'follower→follower:start',
      'follower→precandidate:election-timeout',
      'precandidate→candidate:pre-vote-won',
      'candidate→leader:vote-won',
    ]);
    const timeout = chain[1]!.cause;
    expect(timeout).toMatchObject({ kind: 'election-timeout', leader: null });
    if (timeout.kind !== 'election-timeout') throw new Error('not a timeout');
    expect(timeout.elapsed).toBeGreaterThanOrEqual(10);
    const won = chain[3]!.cause;
    expect(won.kind === 'vote-won' && won.granted.includes(l) && won.granted.length >= 2).toBe(true);
    // Drained: nothing again until something happens.
    expect(net.node(l).takeNotes()).toEqual([]);
  });

  it('a follower moves to a candidate’s higher term, naming the message; it then grants the vote', () => {
    const n = nodeWithLog('n1', P3, [1, 1], { term: 1 });
    n.takeNotes();
    n.step(vote('n2', 'n1', 2, 2, 1));
    const ns = n.takeNotes();
    expect(roles(ns)[0]).toMatchObject({
      role: 'follower',
      term: 2,
      prevTerm: 1,
      cause: { kind: 'higher-term', from: 'n2', msg: 'vote', term: 2, prevTerm: 1 },
    });
    expect(votes(ns)[0]).toMatchObject({ candidate: 'n2', term: 2, granted: true, reason: { kind: 'granted' } });
    expect(noteText(roles(ns)[0]!)).toBe('follower → follower (t2): higher term from n2 (vote t2; was t1)');
  });

  it('vote refusals say which rule refused: log behind (§5.4.1), already voted, stale term', () => {
    const n = nodeWithLog('n1', P3, [1, 1, 2], { term: 2 });
    n.takeNotes();
    n.step(vote('n2', 'n1', 3, 2, 1));
    const behind = votes(n.takeNotes())[0]!;
    expect(behind).toMatchObject({ granted: false, reason: { kind: 'log-behind' } });
    expect(noteText(behind)).toBe("refused n2's vote (t3): candidate log behind (last 2/t1 < 3/t2)");
    n.step(vote('n3', 'n1', 3, 3, 2));
    expect(votes(n.takeNotes())[0]).toMatchObject({ candidate: 'n3', granted: true });
    n.step(vote('n2', 'n1', 3, 9, 3));
    expect(noteText(votes(n.takeNotes())[0]!)).toBe("refused n2's vote (t3): already voted for n3 in this term");
    n.step({ type: 'preVote', from: 'n2', to: 'n1', term: 2, lastIndex: 9, lastTerm: 3 });
    expect(noteText(votes(n.takeNotes())[0]!)).toBe("refused n2's pre-vote (t2): its term is behind ours (t3)");
  });

  it('a recovering node (its store was damaged) refuses every vote, and says why', () => {
    const net = new RaftNetwork([], {});
    const n = new RaftNode({ ...net.config('n1', P3, null), recovering: true });
    n.takeNotes();
    n.step(vote('n2', 'n1', 2, 5, 1));
    const v = votes(n.takeNotes())[0]!;
    expect(v).toMatchObject({ granted: false, reason: { kind: 'recovering' } });
    expect(noteText(v)).toBe("refused n2's vote (t2): its store was damaged: it grants no vote until it has caught up");
  });

  it('while it hears from a live leader (CheckQuorum lease), a vote request is ignored and says so', () => {
    const n = nodeWithLog('n1', P3, [1], { term: 1 }, { checkQuorum: true });
    n.step({ type: 'heartbeat', from: 'n2', to: 'n1', term: 1, commit: 0, ctx: null });
    drain(n);
    n.takeNotes();
    n.step(vote('n3', 'n1', 2, 5, 1));
    const v = votes(n.takeNotes())[0]!;
    expect(v.reason).toEqual({ kind: 'in-lease', leader: 'n2', elapsed: 0, lease: 10 });
    expect(noteText(v, undefined, 10)).toBe(
      "refused n3's vote (t2): ignored: heard from leader n2 0 ticks (0 ms) ago (lease 10 ticks (100 ms))",
    );
    expect(n.status().term).toBe(1);
  });

  it('a lost election names who refused; a cut-off leader steps down by CheckQuorum naming who it heard from', () => {
    const n = nodeWithLog('n1', P3, [1], { term: 1 });
    for (let i = 0; i < 20 && n.status().role !== 'candidate'; i++) n.tick();
    drain(n);
    n.takeNotes();
    n.step({ type: 'voteResp', from: 'n2', to: 'n1', term: 2, reject: true });
    n.step({ type: 'voteResp', from: 'n3', to: 'n1', term: 2, reject: true });
    expect(roles(n.takeNotes())[0]?.cause).toEqual({ kind: 'election-lost', refused: ['n2', 'n3'], pre: false });

    const net = new RaftNetwork(P3, { checkQuorum: true, seed: 5 });
    const l = net.waitLeader();
    net.node(l).takeNotes();
    net.isolate(l);
    net.runUntil(() => net.node(l).status().role !== 'leader', 100);
    const down = roles(net.node(l).takeNotes())[0]!;
    expect(down).toMatchObject({ prev: 'leader', role: 'follower', cause: { kind: 'check-quorum', active: [l] } });
    expect(causeText(down.cause)).toBe(`check-quorum: heard from only ${l} of n1, n2, n3 within an election timeout`);
  });

  it('notes change nothing: the same seed gives the same messages whether they are taken or not', () => {
    const run = (take: boolean): string[] => {
      const net = new RaftNetwork(P3, { preVote: true, checkQuorum: true, seed: 11 });
      net.tap = () => {
        if (take) for (const id of P3) net.node(id).takeNotes();
        return true;
      };
      net.waitLeader();
      net.isolate(net.leader()!);
      net.tick(60);
      return net.sentLog.map((m) => JSON.stringify(m));
    };
    expect(run(true)).toEqual(run(false));
  });
});

describe('Multi-Paxos notes: why a role changed, why a promise was refused', () => {
  it('phase 1: a timeout makes a candidate, a quorum of promises a leader', () => {
    const net = new PaxosNetwork(3, { seed: 7 });
    const l = net.waitLeader();
    const chain = roles(net.node(l).takeNotes());
    expect(chain.map((n) => `${n.prev}→${n.role}:${n.cause.kind}`)).toEqual([
      'follower→follower:start',
      'follower→candidate:election-timeout',
      'candidate→leader:vote-won',
    ]);
    const ballot = net.node(l).status().term;
    expect(chain[2]!.term).toBe(ballot);
    expect(noteText(chain[2]!, PAXOS_WORDS)).toMatch(
      new RegExp(
        `^candidate → leader \\(b=${formatBallot(ballot).replace('.', '\\.')}\\): phase 1 won: promises from `,
      ),
    );
  });

  it('a prepare below the promised ballot is refused (nack); one above, granted', () => {
    const net = new PaxosNetwork(3, { seed: 7 });
    const l = net.waitLeader();
    const f = P3.find((id) => id !== l)!;
    const other = P3.find((id) => id !== l && id !== f)!;
    const promised = net.node(f).status().term;
    net.node(f).takeNotes();
    const prepare = (term: number): PaxosMessage => ({
      type: 'prepare',
      from: other,
      to: f,
      term,
      fromIndex: 1,
      force: true,
    });
    net.node(f).step(prepare(promised - 1));
    const refused = votes(net.node(f).takeNotes())[0]!;
    expect(refused).toMatchObject({
      request: 'prepare',
      granted: false,
      reason: { kind: 'promised-higher', promised },
    });
    expect(noteText(refused, PAXOS_WORDS)).toBe(
      `refused ${other}'s promise (b=${formatBallot(promised - 1)}): already promised a higher ballot (${formatBallot(promised)})`,
    );
    net.node(f).step(prepare(promised + 100));
    expect(votes(net.node(f).takeNotes())[0]).toMatchObject({ granted: true, term: promised + 100 });
  });

  it('a leader cut off steps down by check-quorum; a candidate refused by a nack backs off, naming it', () => {
    const net = new PaxosNetwork(3, { seed: 7 });
    const l = net.waitLeader();
    net.node(l).takeNotes();
    net.isolate(l);
    net.runUntil(() => net.node(l).status().role !== 'leader', 200);
    const down = roles(net.node(l).takeNotes()).find((n) => n.prev === 'leader')!;
    expect(down.cause).toMatchObject({ kind: 'check-quorum', active: [l] });

    const n = net.node(l);
    net.runUntil(() => n.status().role === 'candidate', 200);
    const ballot = n.status().term;
    n.takeNotes();
    n.step({ type: 'nack', from: 'n2' === l ? 'n1' : 'n2', to: l, term: ballot + 100, ballot, commit: 0 });
    const back = roles(n.takeNotes())[0]!;
    expect(back).toMatchObject({
      prev: 'candidate',
      role: 'follower',
      cause: { kind: 'nack', ballot, promised: ballot + 100 },
    });
    // Ballots as the UI writes them (round.node), never the integer they are encoded in.
    expect(noteText(back, PAXOS_WORDS)).toMatch(
      new RegExp(
        `^candidate → follower \\(b=${formatBallot(ballot + 100).replace('.', '\\.')}\\): n\\d refused ballot ${formatBallot(ballot).replace('.', '\\.')}: it promised ballot ${formatBallot(ballot + 100).replace('.', '\\.')}$`,
      ),
    );
    expect(noteText(back, PAXOS_WORDS)).not.toMatch(/\b\d{3,}\b/);
  });
});

describe('notes that are not news', () => {
  it('a pre-candidate cut off from everyone notes its first timeout, not every one after (same role, same term)', () => {
    const net = new RaftNetwork(P3, { preVote: true, seed: 3 });
    net.isolate('n1');
    net.node('n1').takeNotes();
    net.tick(200, ['n1']);
    const chain = roles(net.node('n1').takeNotes());
    expect(chain.map((n) => `${n.prev}→${n.role}:${n.cause.kind}`)).toEqual(['follower→precandidate:election-timeout']);
    expect(net.node('n1').status().role).toBe('precandidate');
  });
});
