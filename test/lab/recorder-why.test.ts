/**
 * What Explain reads from the Recorder: select (the newest or the oldest records of the
 * kinds it asks for, in seq order, bounded) and findMessage (the newest message record
 * before a seq that matches, bounded in how far back it looks).
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { Recorder } from '../../src-main/lab/recorder';

describe('recorder lookups for Explain', () => {
  it('select returns the newest (or oldest) matching records in seq order, at most limit', () => {
    const rec = new Recorder();
    for (let i = 1; i <= 10; i++) {
      rec.record('commit', { node: 'n1', commitIndex: i });
      rec.record('role', { node: 'n1', role: i % 2 ? 'leader' : 'follower' });
      rec.message('send', i, 'n1', 'n2', 'append', 'append', 1);
    }
    const commits = (r: RunLogRecord): boolean => r.kind === 'commit';
    expect(rec.select(commits, 3).map((r) => r.commitIndex)).toEqual([8, 9, 10]);
    expect(rec.select(commits, 3, true).map((r) => r.commitIndex)).toEqual([1, 2, 3]);
    // Message records are never selected: they live in their own ring.
    expect(rec.select(() => true, 100).some((r) => r.kind === 'send')).toBe(false);
    expect(rec.select(() => true, 100).length).toBe(20);
  });

  it('findMessage finds the newest matching message before a seq, and gives up past maxScan', () => {
    const rec = new Recorder();
    rec.message('deliver', 1, 'n1', 'n2', 'heartbeat', 'heartbeat', 1);
    rec.message('deliver', 2, 'n3', 'n2', 'vote', 'vote', 2);
    const mark = rec.record('role-reason', { node: 'n2' });
    rec.message('deliver', 3, 'n1', 'n2', 'heartbeat', 'heartbeat', 1);
    const fromN1 = (r: RunLogRecord): boolean => r.from === 'n1';
    expect(rec.findMessage(fromN1, mark.seq)?.id).toBe(1);
    expect(rec.findMessage(fromN1, Infinity)?.id).toBe(3);
    expect(rec.findMessage((r) => r.type === 'vote', mark.seq)?.id).toBe(2);
    expect(rec.findMessage(fromN1, mark.seq, 1)).toBeNull();
    expect(rec.findMessage((r) => r.from === 'n9', Infinity)).toBeNull();
  });
});
