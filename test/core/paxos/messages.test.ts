/** Wire validation, message kinds and ballot encoding of the Multi-Paxos core. */
import { describe, expect, it } from 'vitest';
import {
  formatBallot,
  makeBallot,
  nextBallot,
  paxosMessageKind,
  paxosMessageSlots,
  validatePaxosMessage,
  type PaxosMessage,
} from '../../../src-main/core/paxos';
import { nodeNumbers } from '../../../src-main/core/paxos/ballot';

const base = { from: 'n1', to: 'n2', term: 301 };
const entry = (index: number) => ({ index, term: 301, type: 'normal', data: 'x' });
const snapshot = {
  index: 5,
  term: 201,
  conf: { voters: ['n1', 'n2', 'n3'], learners: [], votersOutgoing: [] },
  data: '{}',
};

const good: PaxosMessage[] = [
  { ...base, type: 'prepare', fromIndex: 1, force: false },
  { ...base, type: 'promise', fromIndex: 1, commit: 0, entries: [entry(1), entry(3)] as never, snapshot: null },
  { ...base, type: 'promise', fromIndex: 1, commit: 5, entries: [], snapshot },
  { ...base, type: 'accept', entries: [entry(4), entry(5)] as never, commit: 3 },
  { ...base, type: 'accepted', lo: 4, hi: 5, commit: 3 },
  { ...base, type: 'nack', ballot: 201, commit: 0 },
  { ...base, type: 'decide', commit: 9 },
  { ...base, type: 'heartbeat', commit: 9, seq: 2 },
  { ...base, type: 'heartbeatAck', commit: 9, seq: 2, hbCommit: 9 },
  { ...base, type: 'catchup', entries: [entry(1)] as never, commit: 1 },
  { ...base, type: 'snapshot', snapshot },
  { ...base, type: 'learned', commit: 4 },
  { ...base, type: 'readIndex', ctx: 'r1' },
  { ...base, type: 'readIndexResp', ctx: 'r1', index: 7 },
  { ...base, type: 'timeoutNow' },
];

describe('validatePaxosMessage', () => {
  it('accepts every well-formed message', () => {
    for (const m of good) expect(validatePaxosMessage(JSON.parse(JSON.stringify(m)))).toEqual(m);
  });

  it.each([
    ['null', null, 'must be an object'],
    ['an array', [1, 2], 'must be an object'],
    ['a string', 'prepare', 'must be an object'],
    ['an unknown type', { ...base, type: 'propose' }, 'paxos message type must be one of prepare, promise'],
    ['no type', { ...base }, 'paxos message type must be one of'],
    ['an empty from', { ...base, from: '', type: 'decide', commit: 1 }, 'from must be a node id'],
    ['a huge to', { ...base, to: 'x'.repeat(100), type: 'decide', commit: 1 }, 'to must be a node id'],
    ['a negative ballot', { ...base, term: -1, type: 'decide', commit: 1 }, 'decide.term must be a ballot'],
    ['a fractional ballot', { ...base, term: 1.5, type: 'decide', commit: 1 }, 'decide.term must be a ballot'],
    ['a string ballot', { ...base, term: '3', type: 'decide', commit: 1 }, 'decide.term must be a ballot'],
    ['prepare without force', { ...base, type: 'prepare', fromIndex: 1 }, 'prepare.force'],
    ['prepare with NaN fromIndex', { ...base, type: 'prepare', fromIndex: NaN, force: true }, 'prepare.fromIndex'],
    [
      'promise with entries not an array',
      { ...base, type: 'promise', fromIndex: 1, commit: 0, entries: {}, snapshot: null },
      'promise.entries',
    ],
    [
      'promise with decreasing entries',
      { ...base, type: 'promise', fromIndex: 1, commit: 0, entries: [entry(3), entry(2)], snapshot: null },
      'increasing',
    ],
    [
      'promise with a bad snapshot',
      { ...base, type: 'promise', fromIndex: 1, commit: 0, entries: [], snapshot: { index: 1 } },
      'promise.snapshot',
    ],
    ['accept with a gap', { ...base, type: 'accept', entries: [entry(1), entry(3)], commit: 0 }, 'contiguous'],
    ['accept with slot 0', { ...base, type: 'accept', entries: [entry(0)], commit: 0 }, 'index must be a positive'],
    [
      'accept with a bad entry type',
      { ...base, type: 'accept', entries: [{ ...entry(1), type: 'evil' }], commit: 0 },
      'type must be one of',
    ],
    [
      'accept with numeric data',
      { ...base, type: 'accept', entries: [{ ...entry(1), data: 5 }], commit: 0 },
      'data must be a string',
    ],
    ['accepted with lo > hi', { ...base, type: 'accepted', lo: 5, hi: 4, commit: 0 }, 'lo <= hi'],
    ['accepted with lo 0', { ...base, type: 'accepted', lo: 0, hi: 4, commit: 0 }, 'lo <= hi'],
    ['nack without ballot', { ...base, type: 'nack', commit: 0 }, 'nack.ballot'],
    ['heartbeat without seq', { ...base, type: 'heartbeat', commit: 0 }, 'heartbeat.seq'],
    [
      'snapshot with conf voters not ids',
      { ...base, type: 'snapshot', snapshot: { ...snapshot, conf: { voters: [1], learners: [], votersOutgoing: [] } } },
      'conf.voters',
    ],
    ['readIndex with a huge ctx', { ...base, type: 'readIndex', ctx: 'x'.repeat(1000) }, 'readIndex.ctx'],
    [
      'readIndexResp with a negative index',
      { ...base, type: 'readIndexResp', ctx: 'a', index: -2 },
      'readIndexResp.index',
    ],
  ])('rejects %s', (_name, value, why) => {
    const r = validatePaxosMessage(value);
    expect(typeof r).toBe('string');
    expect(r as string).toContain(why);
  });
});

describe('paxosMessageKind', () => {
  it('names the phases for the UI', () => {
    const kinds = Object.fromEntries(good.map((m) => [m.type, paxosMessageKind(m)]));
    expect(kinds).toMatchObject({
      prepare: 'vote',
      promise: 'vote',
      accept: 'append',
      accepted: 'append',
      decide: 'append',
      heartbeat: 'heartbeat',
      heartbeatAck: 'heartbeat',
      snapshot: 'snapshot',
    });
  });
});

describe('paxosMessageSlots', () => {
  it('names the slots each phase is about, so one slot can be followed in the log', () => {
    const slots = Object.fromEntries(good.map((m) => [m.type, paxosMessageSlots(m)]));
    expect(slots).toMatchObject({
      prepare: { from: 1, to: null },
      accept: { from: 4, to: 5 },
      accepted: { from: 4, to: 5 },
      decide: { from: 1, to: 9 },
      heartbeat: null,
    });
  });
});

describe('ballots', () => {
  it('encode (round, node) as round * 100 + node and order by round first', () => {
    expect(makeBallot(2, 3)).toBe(203);
    expect(formatBallot(203)).toBe('2.n3');
    expect(nextBallot(203, 1)).toBe(301);
    expect(nextBallot(0, 5)).toBe(105);
    expect(nextBallot(105, 1)).toBeGreaterThan(105);
  });

  it('keep readable node numbers for n1..n99 and fall back to sorted positions otherwise', () => {
    expect([...nodeNumbers(['n1', 'n2', 'n10'])]).toEqual([
      ['n1', 1],
      ['n2', 2],
      ['n10', 10],
    ]);
    expect([...nodeNumbers(['b', 'a'])]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
  });
});
