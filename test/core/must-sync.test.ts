/**
 * The one rule both the node's SQLite store and the simulator's disk use to decide whether a
 * Ready's write must be durable before what depends on it leaves (core/storage.ts): entries,
 * a snapshot, or a term or vote other than the last written — never a commit index alone.
 */
import { describe, expect, it } from 'vitest';
import { mustSync, noteWritten, type LastVote, type StorageWrite } from '../../src-main/core/storage';
import type { HardState } from '../../src-main/core/types';

const hard = (term: number, vote: string | null, commit: number): HardState => ({ term, vote, commit });
const write = (w: Partial<StorageWrite>): StorageWrite => ({ hardState: null, entries: [], snapshot: null, ...w });

describe('mustSync', () => {
  it('syncs a new term or vote, entries and snapshots; not a commit index alone; the first write of a run always', () => {
    const last: LastVote = { term: -1, vote: null };
    const first = write({ hardState: hard(0, null, 0) });
    expect(mustSync(first, last)).toBe(true);
    noteWritten(first, last);
    expect(last).toEqual({ term: 0, vote: null });
    // Only the commit index moved: a power cut that loses it loses nothing a peer relies on.
    expect(mustSync(write({ hardState: hard(0, null, 5) }), last)).toBe(false);
    expect(mustSync(write({}), last)).toBe(false);
    // A vote in the term the node already knew (a second candidate of that term): a grant
    // vouches for it, so it must be durable first.
    expect(mustSync(write({ hardState: hard(0, 'n2', 5) }), last)).toBe(true);
    expect(mustSync(write({ hardState: hard(1, null, 5) }), last)).toBe(true);
    expect(mustSync(write({ entries: [{ index: 6, term: 0, type: 'normal', data: '' }] }), last)).toBe(true);
    const conf = { voters: ['n1'], learners: [], votersOutgoing: [] };
    expect(mustSync(write({ snapshot: { index: 9, term: 0, conf, data: '' } }), last)).toBe(true);
    // noteWritten ignores a write without a hard state, and records one in place.
    noteWritten(write({}), last);
    expect(last).toEqual({ term: 0, vote: null });
    noteWritten(write({ hardState: hard(2, 'n3', 7) }), last);
    expect(last).toEqual({ term: 2, vote: 'n3' });
    expect(mustSync(write({ hardState: hard(2, 'n3', 8) }), last)).toBe(false);
  });
});
