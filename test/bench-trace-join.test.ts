/**
 * bench/trace-put.ts joins a put's stamps across processes by the labels the router and the
 * nodes stamp: the AppendEntries that carries the put's index, and the AppendResp that
 * acknowledges it. The labels are the space-time diagram's (core/raft/describe.ts), worded
 * for a reader; when their wording changed ("→ ok 7" became "→ ok, match 7") the trace
 * printed "no stamps" for every stage between the leader and its followers, silently. These
 * hold the join to the labels the code makes now.
 */
import { describe, expect, it } from 'vitest';
import { acks, covers } from '../bench/trace-join';
import { describeRaftMessage } from '../src-main/core/raft/describe';
import type { Entry } from '../src-main/core/types';

const entry = (index: number): Entry => ({ index, term: 2, type: 'normal', data: '{}' });
const base = { from: 'n1', to: 'n2', term: 2 } as const;

describe("trace-put's join by message label", () => {
  it('finds the index an AppendEntries carries, one entry or a range', () => {
    const one = describeRaftMessage({
      ...base,
      type: 'append',
      prevIndex: 6,
      prevTerm: 2,
      entries: [entry(7)],
      commit: 6,
    });
    const range = describeRaftMessage({
      ...base,
      type: 'append',
      prevIndex: 4,
      prevTerm: 2,
      entries: [entry(5), entry(6), entry(7)],
      commit: 4,
    });
    const empty = describeRaftMessage({ ...base, type: 'append', prevIndex: 7, prevTerm: 2, entries: [], commit: 7 });
    expect(covers(one.label, 7)).toBe(true);
    expect(covers(one.label, 6)).toBe(false);
    expect([4, 5, 6, 7, 8].map((i) => covers(range.label, i))).toEqual([false, true, true, true, false]);
    expect(covers(empty.label, 7)).toBe(false);
  });

  it('finds the acknowledgement of an index, and not a rejection', () => {
    const ok = describeRaftMessage({ ...base, type: 'appendResp', index: 7, reject: false, rejectHint: 0, logTerm: 2 });
    const no = describeRaftMessage({ ...base, type: 'appendResp', index: 7, reject: true, rejectHint: 3, logTerm: 2 });
    expect(acks(ok.label, 7)).toBe(true);
    expect(acks(ok.label, 5)).toBe(true);
    expect(acks(ok.label, 8)).toBe(false);
    expect(acks(no.label, 3)).toBe(false);
  });
});
