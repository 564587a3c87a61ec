/**
 * The unsafe modes' one definition (core/unsafe.ts): omitted means safe, every bad input is
 * refused with the field it is about, a rule a protocol lacks cannot be broken, and each
 * setting reaches the core flag it is meant to; and the write-behind store of fsync:false
 * keeps writes in order and loses exactly what was not flushed.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../../src-main/core/storage';
import { UNSAFE_DEFAULTS, activeUnsafe, coreFlags, parseUnsafe, unsafeProtocolError } from '../../src-main/core/unsafe';
import { WriteBehind } from '../../src-main/core/write-behind';

const err = (x: unknown): string => {
  const r = parseUnsafe(x);
  if (r.ok) throw new Error(`expected ${JSON.stringify(x)} to be refused`);
  return r.error;
};

describe('parseUnsafe', () => {
  it('fills every omitted field with its safe value', () => {
    expect(parseUnsafe(undefined)).toEqual({ ok: true, value: UNSAFE_DEFAULTS });
    expect(parseUnsafe({})).toEqual({ ok: true, value: UNSAFE_DEFAULTS });
    expect(parseUnsafe({ reads: 'lease', sessions: false })).toEqual({
      ok: true,
      value: { ...UNSAFE_DEFAULTS, reads: 'lease', sessions: false },
    });
  });

  it('refuses bad values and unknown fields, naming them', () => {
    expect(err({ reads: 'eventual' })).toBe('unsafe.reads must be one of read-index, lease, local, got "eventual"');
    expect(err({ commitRule: 1 })).toBe('unsafe.commitRule must be one of paper, count-old-terms, got 1');
    expect(err({ checkQuorum: 'false' })).toBe('unsafe.checkQuorum must be true or false, got "false"');
    expect(err({ nofsync: true })).toBe("unsafe: unknown field 'nofsync'");
    expect(err([])).toMatch(/^unsafe must be an object of unsafe settings/);
  });

  it('refuses a rule the protocol does not have', () => {
    expect(unsafeProtocolError('paxos', { ...UNSAFE_DEFAULTS, commitRule: 'count-old-terms' })).toMatch(
      /commitRule applies to Raft only/,
    );
    expect(unsafeProtocolError('paxos', { ...UNSAFE_DEFAULTS, prevote: false })).toMatch(
      /prevote applies to Raft only/,
    );
    expect(unsafeProtocolError('raft', { ...UNSAFE_DEFAULTS, adoptHighestAccepted: false })).toMatch(
      /adoptHighestAccepted applies to Multi-Paxos only/,
    );
    expect(unsafeProtocolError('paxos', { ...UNSAFE_DEFAULTS, reads: 'lease', checkQuorum: false })).toBeNull();
  });

  it('labels the broken rules and maps them onto the cores', () => {
    expect(activeUnsafe(UNSAFE_DEFAULTS)).toEqual([]);
    expect(activeUnsafe(undefined)).toEqual([]);
    expect(activeUnsafe({ fencing: false, reads: 'local' })).toEqual(['reads=local', 'fencing=false']);
    expect(coreFlags(UNSAFE_DEFAULTS)).toEqual({
      preVote: true,
      checkQuorum: true,
      leaseReads: false,
      countOldTerms: false,
      ignoreAccepted: false,
    });
    const all = { ...UNSAFE_DEFAULTS, reads: 'lease', commitRule: 'count-old-terms', prevote: false } as const;
    expect(coreFlags({ ...all, checkQuorum: false, adoptHighestAccepted: false })).toEqual({
      preVote: false,
      checkQuorum: false,
      leaseReads: true,
      countOldTerms: true,
      ignoreAccepted: true,
    });
  });
});

describe('WriteBehind (fsync: false)', () => {
  const entry = (index: number, data: string) => ({ index, term: 1, type: 'normal' as const, data });

  it('acknowledges at once, writes in order when flushed, and loses what a crash finds unflushed', () => {
    const disk = new MemoryStorage();
    const flushes: (() => void)[] = [];
    const wb = new WriteBehind(disk, (f) => flushes.push(f));
    wb.save({ hardState: { term: 1, vote: 'n1', commit: 0 }, entries: [entry(1, 'a')], snapshot: null });
    wb.save({ hardState: null, entries: [entry(2, 'b')], snapshot: null });
    // One flush asked for per batch, and nothing on disk yet.
    expect(flushes.length).toBe(1);
    expect(disk.load().entries).toEqual([]);
    expect(wb.unflushed).toBe(2);
    flushes.shift()!();
    expect(disk.load().entries.map((e) => e.data)).toEqual(['a', 'b']);
    expect(disk.load().hardState).toEqual({ term: 1, vote: 'n1', commit: 0 });
    // The next write asks for a new flush; a "crash" (the flush never runs) loses it.
    const e3 = entry(3, 'c');
    wb.save({ hardState: { term: 2, vote: 'n2', commit: 2 }, entries: [e3], snapshot: null });
    e3.data = 'changed after the save';
    expect(flushes.length).toBe(1);
    expect(disk.load().entries.length).toBe(2);
    expect(disk.load().hardState.term).toBe(1);
    // The write was copied when it was made.
    flushes.shift()!();
    expect(disk.load().entries.map((e) => e.data)).toEqual(['a', 'b', 'c']);
  });
});
