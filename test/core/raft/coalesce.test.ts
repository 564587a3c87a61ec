/**
 * Coalescing of a Ready's messages (src-main/core/raft/coalesce.ts): fewer messages on the
 * wire, the same information for every peer, in the same order per peer.
 */
import { describe, expect, it } from 'vitest';
import { coalesceMessages } from '../../../src-main/core/raft/coalesce';
import type { AppendMsg, AppendRespMsg, HeartbeatMsg, RaftMessage } from '../../../src-main/core/raft/messages';
import type { Entry } from '../../../src-main/core/types';

const e = (index: number, term = 2): Entry => ({ index, term, type: 'normal', data: `c${index}` });
const app = (to: string, prevIndex: number, idx: number[], commit = 0, term = 2): AppendMsg => ({
  type: 'append',
  from: 'n1',
  to,
  term,
  prevIndex,
  prevTerm: prevIndex === 0 ? 0 : 2,
  entries: idx.map((i) => e(i, term)),
  commit,
});
const ack = (to: string, index: number, reject = false): AppendRespMsg => ({
  type: 'appendResp',
  from: 'n2',
  to,
  term: 2,
  index,
  reject,
  rejectHint: 0,
  logTerm: 0,
});
const hb = (to: string): HeartbeatMsg =>
  ({ type: 'heartbeat', from: 'n1', to, term: 2, commit: 0, ctx: '' }) as HeartbeatMsg;

describe('coalesceMessages (one Ready, Raft §5.3 appends)', () => {
  it('merges appends to one peer that continue each other, keeping the newest commit', () => {
    const out = coalesceMessages(
      [app('n2', 4, [5], 3), app('n3', 4, [5], 3), app('n2', 5, [6], 4), app('n2', 6, [7, 8], 5)],
      64,
    );
    expect(out).toHaveLength(2);
    const toN2 = out[0] as AppendMsg;
    expect(toN2.to).toBe('n2');
    expect(toN2.prevIndex).toBe(4);
    expect(toN2.entries.map((x) => x.index)).toEqual([5, 6, 7, 8]);
    expect(toN2.commit).toBe(5);
    expect((out[1] as AppendMsg).to).toBe('n3');
  });

  it('merges a long run into one append without touching the messages it was given', () => {
    const msgs = Array.from({ length: 40 }, (_, i) =>
      app(i % 2 ? 'n3' : 'n2', 4 + (i >> 1), [5 + (i >> 1)], 3 + (i >> 1)),
    );
    const before = JSON.stringify(msgs);
    const out = coalesceMessages(msgs, 64) as AppendMsg[];
    expect(out.map((m) => [m.to, m.prevIndex, m.entries.length, m.commit])).toEqual([
      ['n2', 4, 20, 22],
      ['n3', 4, 20, 22],
    ]);
    expect(out[0]!.entries.map((x) => x.index)).toEqual(Array.from({ length: 20 }, (_, i) => 5 + i));
    // Neither the input messages nor their entry arrays were changed (a core may still hold them).
    expect(JSON.stringify(msgs)).toBe(before);
    expect(out.some((m) => msgs.includes(m))).toBe(false);
    // Past the cap, the run is cut and the next append starts a new merge.
    const capped = coalesceMessages(msgs, 8) as AppendMsg[];
    expect(capped.filter((m) => m.to === 'n2').map((m) => m.entries.length)).toEqual([8, 8, 4]);
    expect(JSON.stringify(msgs)).toBe(before);
  });

  it('does not merge past maxEntriesPerMsg, across a gap, across terms or epochs, or across another message to that peer', () => {
    expect(coalesceMessages([app('n2', 4, [5, 6]), app('n2', 6, [7])], 2)).toHaveLength(2);
    expect(coalesceMessages([app('n2', 4, [5]), app('n2', 9, [10])], 64)).toHaveLength(2);
    expect(coalesceMessages([app('n2', 4, [5], 0, 2), { ...app('n2', 5, [6], 0, 3), prevTerm: 2 }], 64)).toHaveLength(
      2,
    );
    // A reset between them (Progress.epoch): the later one must keep its newer epoch.
    expect(
      coalesceMessages(
        [
          { ...app('n2', 4, [5]), epoch: 1 },
          { ...app('n2', 5, [6]), epoch: 2 },
        ],
        64,
      ),
    ).toHaveLength(2);
    expect(
      coalesceMessages(
        [
          { ...app('n2', 4, [5]), epoch: 2 },
          { ...app('n2', 5, [6]), epoch: 2 },
        ],
        64,
      ),
    ).toHaveLength(1);
    const kept: RaftMessage[] = [app('n2', 4, [5]), hb('n2'), app('n2', 5, [6])];
    expect(coalesceMessages(kept, 64).map((m) => m.type)).toEqual(['append', 'heartbeat', 'append']);
  });

  it('drops an acknowledgement a later one to the same leader covers, never a rejection', () => {
    const out = coalesceMessages([ack('n1', 5), ack('n1', 7), ack('n1', 7, true), ack('n1', 9)], 64) as AppendRespMsg[];
    expect(out.map((m) => [m.index, m.reject])).toEqual([
      [7, false],
      [7, true],
      [9, false],
    ]);
  });

  it('merges per peer in a big Ready too (many peers and heartbeats between the appends)', () => {
    // 10 peers, each sent a heartbeat and then three appends that continue each other:
    // past 16 messages the coalescer keeps the last position per peer in a table (built
    // while the first appends arrive), and every peer must still get one heartbeat and one
    // merged append, in that order.
    const peers = Array.from({ length: 10 }, (_, i) => `p${i}`);
    const msgs: RaftMessage[] = [];
    for (const p of peers) msgs.push(hb(p));
    for (let k = 0; k < 3; k++) for (const p of peers) msgs.push(app(p, 4 + k, [5 + k], k));
    const out = coalesceMessages(msgs, 64);
    for (const p of peers) {
      const mine = out.filter((m) => m.to === p);
      expect(mine.map((m) => m.type)).toEqual(['heartbeat', 'append']);
      const a = mine[1] as AppendMsg;
      expect([a.prevIndex, a.entries.map((x) => x.index), a.commit]).toEqual([4, [5, 6, 7], 2]);
    }
    expect(out).toHaveLength(2 * peers.length);
  });

  it('leaves a single message, or messages to different peers, as they are', () => {
    const one = [app('n2', 4, [5])];
    expect(coalesceMessages(one, 64)).toBe(one);
    expect(coalesceMessages([app('n2', 4, [5]), app('n3', 5, [6])], 64)).toHaveLength(2);
  });
});
