/**
 * validateRaftMessage: every frame from the wire is checked before it reaches the core.
 */
import { describe, expect, it } from 'vitest';
import { raftMessageKind, validateRaftMessage } from '../../../src-main/core/raft';
import type { RaftMessage } from '../../../src-main/core/raft';

const append = {
  type: 'append',
  from: 'n1',
  to: 'n2',
  term: 3,
  prevIndex: 4,
  prevTerm: 2,
  commit: 4,
  entries: [
    { index: 5, term: 3, type: 'normal', data: '{"op":"put"}' },
    { index: 6, term: 3, type: 'config', data: '{"type":"addLearner","node":"n4"}' },
  ],
};

describe('validateRaftMessage', () => {
  it('accepts a well-formed message and drops unknown fields', () => {
    const m = validateRaftMessage({ ...append, evil: { x: 1 } });
    expect(typeof m).toBe('object');
    expect((m as unknown as Record<string, unknown>).evil).toBeUndefined();
    expect((m as RaftMessage).type).toBe('append');
  });

  it.each([
    [null, 'must be an object'],
    [[1, 2], 'must be an object'],
    ['append', 'must be an object'],
    [{ ...append, type: 'appendz' }, 'type must be one of'],
    [{ ...append, from: '' }, 'append.from must be a node id'],
    [{ ...append, to: 'x'.repeat(65) }, 'append.to must be a node id'],
    [{ ...append, to: 'n1' }, 'from and to are the same node'],
    [{ ...append, term: -1 }, 'append.term must be a non-negative integer'],
    [{ ...append, term: 1.5 }, 'append.term must be a non-negative integer'],
    [{ ...append, term: '3' }, 'append.term must be a non-negative integer'],
    [{ ...append, prevIndex: Number.MAX_SAFE_INTEGER + 2 }, 'append.prevIndex must be a non-negative integer'],
    [{ ...append, entries: 'lots' }, 'append.entries must be an array'],
    [{ ...append, entries: [{ index: 5, term: 3, type: 'normal' }] }, 'append.entries[0].data must be a string'],
    [{ ...append, entries: [{ index: 7, term: 3, type: 'normal', data: '' }] }, 'append.entries[0].index must be 5'],
    [{ ...append, entries: [{ index: 5, term: 9, type: 'normal', data: '' }] }, 'above the message term'],
    [{ ...append, entries: [{ index: 5, term: 3, type: 'weird', data: '' }] }, 'append.entries[0].type must be one of'],
    [
      { ...append, entries: [{ index: 5, term: 3, type: 'config', data: '{"type":"nuke","node":"n4"}' }] },
      'config change type',
    ],
    [{ ...append, entries: [{ index: 5, term: 3, type: 'config', data: 'not json' }] }, 'not JSON'],
    [{ type: 'vote', from: 'n1', to: 'n2', term: 1, lastIndex: 0, lastTerm: 0 }, 'vote.transfer must be a boolean'],
    [{ type: 'voteResp', from: 'n1', to: 'n2', term: 1, reject: 'no' }, 'voteResp.reject must be a boolean'],
    [{ type: 'heartbeat', from: 'n1', to: 'n2', term: 1, commit: 0 }, 'heartbeat.ctx must be a string'],
    [
      { type: 'heartbeat', from: 'n1', to: 'n2', term: 1, commit: 0, ctx: 'x'.repeat(300) },
      'heartbeat.ctx must be a string of at most 256 bytes, got a string of 300 bytes',
    ],
    [{ type: 'readIndex', from: 'n1', to: 'n2', term: 1, ctx: 5 }, 'readIndex.ctx must be a string'],
    [{ type: 'snapshot', from: 'n1', to: 'n2', term: 1 }, 'snapshot.snapshot must be an object'],
    [
      {
        type: 'snapshot',
        from: 'n1',
        to: 'n2',
        term: 1,
        snapshot: { index: 5, term: 1, data: '', conf: { voters: [], learners: [], votersOutgoing: [] } },
      },
      'voters must not be empty',
    ],
    [
      {
        type: 'snapshot',
        from: 'n1',
        to: 'n2',
        term: 1,
        snapshot: { index: 5, term: 1, data: '', conf: { voters: ['n1', 'n1'], learners: [], votersOutgoing: [] } },
      },
      'duplicate node id',
    ],
    [
      {
        type: 'snapshot',
        from: 'n1',
        to: 'n2',
        term: 1,
        snapshot: { index: 5, term: 1, data: 7, conf: { voters: ['n1'], learners: [], votersOutgoing: [] } },
      },
      'snapshot.snapshot.data must be a string',
    ],
    [
      { type: 'appendResp', from: 'n1', to: 'n2', term: 1, index: 3, reject: false, rejectHint: 0 },
      'appendResp.logTerm',
    ],
  ])('rejects %j', (x, why) => {
    const r = validateRaftMessage(x);
    expect(typeof r).toBe('string');
    expect(r).toContain(why);
  });

  it('keeps the fields in wire order (type, from, to, term, the body, then optional flags) and only those present', () => {
    const keys = (x: unknown): string[] => Object.keys(x as object);
    expect(keys(validateRaftMessage({ ...append, epoch: 2, evil: 1 }))).toEqual([
      'type',
      'from',
      'to',
      'term',
      'prevIndex',
      'prevTerm',
      'entries',
      'commit',
      'epoch',
    ]);
    const resp = {
      type: 'appendResp',
      from: 'n2',
      to: 'n1',
      term: 3,
      index: 6,
      reject: false,
      rejectHint: 0,
      logTerm: 3,
    };
    expect(keys(validateRaftMessage(resp))).toEqual([
      'type',
      'from',
      'to',
      'term',
      'index',
      'reject',
      'rejectHint',
      'logTerm',
    ]);
    expect(keys(validateRaftMessage({ ...resp, recovering: false }))).not.toContain('recovering');
    expect(keys(validateRaftMessage({ boot: 'b1', recovering: true, epoch: 1, ...resp }))).toEqual([
      'type',
      'from',
      'to',
      'term',
      'index',
      'reject',
      'rejectHint',
      'logTerm',
      'epoch',
      'recovering',
      'boot',
    ]);
    expect(validateRaftMessage({ ...resp, boot: 'b1' })).toMatch(/appendResp.boot is sent only with recovering: true/);
    expect(validateRaftMessage({ ...resp, recovering: true, boot: '' })).toMatch(/appendResp.boot/);
    expect(
      keys(validateRaftMessage({ type: 'heartbeatResp', from: 'n2', to: 'n1', term: 3, ctx: null, recovering: true })),
    ).toEqual(['type', 'from', 'to', 'term', 'ctx', 'recovering']);
  });

  it('never throws on deeply odd values', () => {
    const odd: unknown[] = [
      undefined,
      0,
      NaN,
      Symbol('s'),
      () => 1,
      new Map(),
      { type: { toString: 'x' } },
      Object.create(null),
    ];
    for (const x of odd) expect(typeof validateRaftMessage(x)).toBe('string');
  });

  it('classifies messages for the UI', () => {
    const base = { from: 'n1', to: 'n2', term: 1 };
    expect(raftMessageKind({ ...base, type: 'preVote', lastIndex: 0, lastTerm: 0 })).toBe('vote');
    expect(raftMessageKind({ ...base, type: 'vote', lastIndex: 0, lastTerm: 0, transfer: false })).toBe('vote');
    expect(raftMessageKind(validateRaftMessage(append) as RaftMessage)).toBe('append');
    expect(raftMessageKind({ ...base, type: 'heartbeat', commit: 0, ctx: null })).toBe('heartbeat');
    expect(raftMessageKind({ ...base, type: 'timeoutNow' })).toBe('other');
  });
});
