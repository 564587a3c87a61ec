/**
 * The describers label every message type of both protocols with what a person needs on
 * the space-time diagram: the phase, the term or ballot, the index range, the commit, and
 * for an answer whether it granted. describeMessage keeps a malformed message from
 * throwing (the router calls it on every send) and bounds every label.
 */
import { describe, expect, it } from 'vitest';
import { MAX_LABEL_CHARS } from '../../src-main/core/message-summary';
import type { PaxosMessage, PaxosMessageType } from '../../src-main/core/paxos';
import { PAXOS_MESSAGE_TYPES } from '../../src-main/core/paxos';
import { describePaxosMessage } from '../../src-main/core/paxos/describe';
import { describeMessage, PROTOCOL_CORES } from '../../src-main/core/protocols';
import type { RaftMessage, RaftMessageType } from '../../src-main/core/raft';
import { RAFT_MESSAGE_TYPES } from '../../src-main/core/raft';
import { describeRaftMessage } from '../../src-main/core/raft/describe';
import type { Entry, Snapshot } from '../../src-main/core/types';

const env = { from: 'n1', to: 'n2' };
const entries = (a: number, b: number): Entry[] =>
  Array.from({ length: b - a + 1 }, (_, i) => ({ index: a + i, term: 3, type: 'normal', data: 'x' }));
const snap: Snapshot = { index: 120, term: 3, conf: { voters: ['n1'], learners: [] }, data: '' } as unknown as Snapshot;

/** RAFT: one message of every Raft type, with the label it must get and its granted flag. */
const RAFT: Record<RaftMessageType, [RaftMessage, string, boolean | undefined]> = {
  vote: [
    { ...env, type: 'vote', term: 4, lastIndex: 7, lastTerm: 3, transfer: false },
    'RequestVote t4 log 7@t3',
    undefined,
  ],
  preVote: [{ ...env, type: 'preVote', term: 5, lastIndex: 7, lastTerm: 3 }, 'PreVote? t5 log 7@t3', undefined],
  voteResp: [{ ...env, type: 'voteResp', term: 4, reject: false }, 'Vote t4 → granted', true],
  preVoteResp: [{ ...env, type: 'preVoteResp', term: 5, reject: true }, 'PreVote t5 → rejected', false],
  append: [
    { ...env, type: 'append', term: 3, prevIndex: 4, prevTerm: 3, entries: entries(5, 7), commit: 4 },
    'AppendEntries t3 [5..7] c=4',
    undefined,
  ],
  appendResp: [
    { ...env, type: 'appendResp', term: 3, index: 5, reject: true, rejectHint: 3, logTerm: 2 },
    'AppendResp t3 → reject 5 (hint 3)',
    false,
  ],
  heartbeat: [{ ...env, type: 'heartbeat', term: 3, commit: 7, ctx: 'r1' }, 'Heartbeat t3 c=7 +read', undefined],
  heartbeatResp: [{ ...env, type: 'heartbeatResp', term: 3, ctx: null }, 'HeartbeatResp t3', undefined],
  snapshot: [{ ...env, type: 'snapshot', term: 3, snapshot: snap }, 'InstallSnapshot t3 @120t3', undefined],
  timeoutNow: [{ ...env, type: 'timeoutNow', term: 3 }, 'TimeoutNow t3', undefined],
  readIndex: [{ ...env, type: 'readIndex', term: 3, ctx: 'r' }, 'ReadIndex t3', undefined],
  readIndexResp: [{ ...env, type: 'readIndexResp', term: 3, ctx: 'r', index: 9 }, 'ReadIndexResp t3 @9', undefined],
};

/** PAXOS: one message of every Multi-Paxos type (ballot 203 = round 2 of n3). */
const PAXOS: Record<PaxosMessageType, [PaxosMessage, string, boolean | undefined]> = {
  prepare: [{ ...env, type: 'prepare', term: 1203, fromIndex: 5, force: false }, 'Prepare b=12.n3 from 5', undefined],
  promise: [
    { ...env, type: 'promise', term: 203, fromIndex: 5, commit: 4, entries: entries(5, 7), snapshot: null },
    'Promise b=2.n3 from 5: 3 accepted c=4',
    true,
  ],
  accept: [
    { ...env, type: 'accept', term: 203, entries: entries(5, 7), commit: 4 },
    'Accept b=2.n3 [5..7] c=4',
    undefined,
  ],
  accepted: [{ ...env, type: 'accepted', term: 203, lo: 5, hi: 5, commit: 4 }, 'Accepted b=2.n3 [5]', true],
  nack: [{ ...env, type: 'nack', term: 301, ballot: 203, commit: 4 }, 'Nack b=2.n3 < promised 3.n1', false],
  decide: [{ ...env, type: 'decide', term: 203, commit: 7 }, 'Decide b=2.n3 c=7', undefined],
  heartbeat: [{ ...env, type: 'heartbeat', term: 203, commit: 7, seq: 9 }, 'Heartbeat b=2.n3 c=7', undefined],
  heartbeatAck: [
    { ...env, type: 'heartbeatAck', term: 203, seq: 9, commit: 7, hbCommit: 7 },
    'HeartbeatAck b=2.n3 c=7',
    undefined,
  ],
  catchup: [
    { ...env, type: 'catchup', term: 203, entries: entries(5, 6), commit: 6 },
    'Catchup b=2.n3 [5..6] c=6',
    undefined,
  ],
  snapshot: [{ ...env, type: 'snapshot', term: 203, snapshot: snap }, 'Snapshot b=2.n3 @120', undefined],
  learned: [{ ...env, type: 'learned', term: 203, commit: 7 }, 'Learned c=7', undefined],
  readIndex: [{ ...env, type: 'readIndex', term: 203, ctx: 'r' }, 'ReadIndex b=2.n3', undefined],
  readIndexResp: [
    { ...env, type: 'readIndexResp', term: 203, ctx: 'r', index: 9 },
    'ReadIndexResp b=2.n3 @9',
    undefined,
  ],
  timeoutNow: [{ ...env, type: 'timeoutNow', term: 203 }, 'TimeoutNow b=2.n3', undefined],
};

describe('describeRaftMessage', () => {
  it('has a sample for every Raft message type', () => {
    expect(Object.keys(RAFT).sort()).toEqual([...RAFT_MESSAGE_TYPES].sort());
  });
  it.each(RAFT_MESSAGE_TYPES.map((t) => [t, ...RAFT[t]] as const))('labels %s', (_t, msg, label, granted) => {
    expect(describeRaftMessage(msg)).toEqual(granted === undefined ? { label } : { label, granted });
  });
  it('says when an AppendEntries carries no entries (a probe or a commit update) and after which index', () => {
    const m: RaftMessage = { ...env, type: 'append', term: 3, prevIndex: 4, prevTerm: 3, entries: [], commit: 4 };
    expect(describeRaftMessage(m).label).toBe('AppendEntries t3 [] after 4 c=4');
    expect(
      describeRaftMessage({ ...env, type: 'appendResp', term: 3, index: 7, reject: false, rejectHint: 0, logTerm: 0 }),
    ).toEqual({
      label: 'AppendResp t3 → ok, match 7',
      granted: true,
    });
  });
});

describe('describePaxosMessage', () => {
  it('has a sample for every Multi-Paxos message type', () => {
    expect(Object.keys(PAXOS).sort()).toEqual([...PAXOS_MESSAGE_TYPES].sort());
  });
  it.each(PAXOS_MESSAGE_TYPES.map((t) => [t, ...PAXOS[t]] as const))('labels %s', (_t, msg, label, granted) => {
    expect(describePaxosMessage(msg)).toEqual(granted === undefined ? { label } : { label, granted });
  });
});

describe('describeMessage', () => {
  it('is what each protocol record describes with', () => {
    expect(PROTOCOL_CORES.raft.describe).toBe(describeRaftMessage);
    expect(PROTOCOL_CORES.paxos.describe).toBe(describePaxosMessage);
    expect(describeMessage('raft', RAFT.voteResp[0])).toEqual({ label: 'Vote t4 → granted', granted: true });
  });
  it('labels a message it cannot read by its type, and never throws', () => {
    expect(describeMessage('raft', { ...env, type: 'append', term: 1 })).toEqual({ label: 'append' });
    expect(describeMessage('paxos', { ...env, type: 'nonsense', term: 1 })).toEqual({ label: 'nonsense' });
  });
  it(`bounds a label to ${MAX_LABEL_CHARS} characters whatever a field holds`, () => {
    const huge = { ...env, type: 'vote', term: 1, lastIndex: 'x'.repeat(100_000), lastTerm: 1, transfer: false };
    const d = describeMessage('raft', huge);
    expect(d.label.length).toBe(MAX_LABEL_CHARS);
    expect(d.label.startsWith('RequestVote t1 log xxx')).toBe(true);
  });
});
