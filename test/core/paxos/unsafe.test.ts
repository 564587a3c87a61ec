/**
 * Multi-Paxos's unsafe lease reads (core/unsafe.ts) on the in-memory network: a leader
 * frozen while the others elect a new one and write answers a read from its lease, stale;
 * with ReadIndex (the safe default) the same read waits for a quorum that never answers.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../../src-main/check/check';
import type { HistoryEvent } from '../../../src-main/check/types';
import { PaxosNetwork } from './helpers';

/** frozenLeaderRead: l1 writes "1", freezes and is cut off; the others elect l2, which writes "2"; l1 wakes and reads. */
function frozenLeaderRead(leaseReads: boolean): string | null {
  const c = new PaxosNetwork(3, { seed: 4, leaseReads });
  const l1 = c.waitLeader();
  c.proposeAndWait('1');
  const others = c.ids.filter((id) => id !== l1);
  c.isolate(l1);
  // Only the others' clocks run: l1 is frozen (a SIGSTOP).
  c.tick(100, others);
  const l2 = c.leaders().find((id) => id !== l1)!;
  expect(l2).toBeDefined();
  expect(c.node(l2).propose('2').ok).toBe(true);
  c.drain();
  c.tick(10, others);
  expect(c.member(l2).sm.values).toEqual(['1', '2']);
  // l1 wakes up still sure it leads, and is asked to read before it hears anything.
  expect(c.node(l1).status().role).toBe('leader');
  expect(c.node(l1).readIndex('r').ok).toBe(true);
  c.drain();
  c.tick(3, [l1]);
  const m = c.member(l1);
  const r = m.reads.find((x) => x.ctx === 'r');
  return r && m.sm.appliedIndex >= r.index ? (m.sm.values.at(-1) ?? null) : null;
}

describe('paxos reads: lease', () => {
  it('read-index: the frozen leader cannot confirm the read, so it is never served', () => {
    expect(frozenLeaderRead(false)).toBeNull();
  });

  it('lease: the frozen leader serves "1" after "2" was written; the checker reports it', () => {
    const got = frozenLeaderRead(true);
    expect(got).toBe('1');
    const ev = (i: number, process: number, type: 'invoke' | 'ok', f: string, value: unknown): HistoryEvent => ({
      index: i,
      time: i,
      process,
      type,
      f,
      key: 'r',
      value,
    });
    const h = [
      ev(0, 1, 'invoke', 'write', '1'),
      ev(1, 1, 'ok', 'write', '1'),
      ev(2, 2, 'invoke', 'write', '2'),
      ev(3, 2, 'ok', 'write', '2'),
      ev(4, 3, 'invoke', 'read', null),
      ev(5, 3, 'ok', 'read', got),
    ];
    expect(checkHistory(h).linearizable).toBe(false);
  });
});
