/**
 * Raft's unsafe modes (core/unsafe.ts) on the in-memory network, which runs the shared host
 * loop and checks State Machine Safety on every apply: the Figure 8 schedule with the
 * commit rule broken (§5.4.2) and a lease read from a leader whose clock stalled (§6.4's
 * warning); each next to the same schedule with the rule kept.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../../src-main/check/check';
import type { HistoryEvent } from '../../../src-main/check/types';
import type { RaftMessage } from '../../../src-main/core/raft';
import { RaftNetwork } from './helpers';

const five = ['n1', 'n2', 'n3', 'n4', 'n5'];

function electEventually(net: RaftNetwork, id: string): void {
  for (let i = 0; i < 6 && net.node(id).status().role !== 'leader'; i++) net.campaign(id);
  expect(net.node(id).status().role).toBe('leader');
}

/**
 * figure8 plays Figure 8: (a) n1 puts "A" at index 2, only n2 gets it; (b) n5 wins a later
 * term and writes its own index 2, which nobody gets; (c) n1 wins again and gets "A" onto a
 * majority, but nothing of its new term — and is cut off the moment it would announce a
 * commit of "A"; (d) n5 wins once more and overwrites index 2 everywhere it can.
 */
function figure8(countOldTerms: boolean): RaftNetwork {
  const net = new RaftNetwork(five, { maxEntriesPerMsg: 1, countOldTerms });
  net.elect('n1');
  net.node('n1').propose('A');
  net.process('n1');
  net.take((m) => m.type === 'append' && m.to !== 'n2');
  net.deliverAll();
  net.crash('n1');
  net.drop = (m: RaftMessage) => m.from === 'n5' && m.type === 'append';
  electEventually(net, 'n5');
  net.drop = null;
  net.crash('n5');
  net.restart('n1');
  const term = (): number => net.node('n1').status().term;
  net.rewrite = (m: RaftMessage): RaftMessage =>
    m.from === 'n1' && m.type === 'append' ? { ...m, entries: m.entries.filter((e) => e.term !== term()) } : m;
  // n1 "crashes" the instant it would tell anyone that index 2 is committed.
  net.drop = (m: RaftMessage) => m.from === 'n1' && (m.type === 'append' || m.type === 'heartbeat') && m.commit >= 2;
  electEventually(net, 'n1');
  net.tick(3, ['n1', 'n2', 'n3', 'n4']);
  net.crash('n1');
  net.recover();
  net.restart('n5');
  electEventually(net, 'n5');
  net.node('n5').propose('B');
  net.tick(5, ['n2', 'n3', 'n4', 'n5']);
  return net;
}

describe('commitRule: count-old-terms — the Figure 8 bug (§5.4.2)', () => {
  it('paper: "A" is stored on a majority but never committed, so n5 overwriting it loses nothing', () => {
    const net = figure8(false);
    expect(net.member('n1').sm.values).not.toContain('A');
    expect(net.violations).toEqual([]);
    for (const id of ['n2', 'n3', 'n4', 'n5']) expect(net.member(id).sm.values).toEqual(['B']);
  });

  it('count-old-terms: n1 commits and applies "A", then n5 overwrites index 2: state machine safety breaks', () => {
    const net = figure8(true);
    expect(net.member('n1').sm.values).toEqual(['A']);
    expect(net.violations.some((v) => /^slot 2: n\d applied noop:, another node normal:A$/.test(v))).toBe(true);
  });
});

/** history builds a Jepsen history from [process, f, value-in, value-out-or-null(fail)] in order. */
function history(ops: [number, string, unknown, unknown][]): HistoryEvent[] {
  const out: HistoryEvent[] = [];
  for (const [process, f, input, output] of ops) {
    out.push({ index: out.length, time: out.length, process, type: 'invoke', f, key: 'x', value: input });
    out.push({ index: out.length, time: out.length, process, type: 'ok', f, key: 'x', value: output });
  }
  return out;
}

describe('reads: lease — a leader whose clock stalled answers from a lease it no longer holds', () => {
  /**
   * n1 leads and has applied "A"; it freezes (no ticks, nothing received: a SIGSTOP) and is
   * cut off; n2 wins a later term and commits "B". Then n1 wakes up and is asked to read
   * before it hears anything: its clock says its lease still runs.
   */
  function stalledLeaderRead(leaseReads: boolean): { net: RaftNetwork; read: string[] | null } {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { checkQuorum: true, leaseReads });
    net.elect('n1');
    net.proposeAndWait('A');
    net.isolate('n1');
    // Only n2 and n3 tick: n1 is frozen.
    net.tick(60, ['n2', 'n3']);
    const next = net.leaders().find((id) => id !== 'n1')!;
    expect(next).toBeDefined();
    expect(net.propose(next, 'B').ok).toBe(true);
    net.tick(3, ['n2', 'n3']);
    expect(net.member(next).sm.values).toEqual(['A', 'B']);
    // n1 wakes: still leader in its old term, its lease not run out by its own clock.
    expect(net.node('n1').status().role).toBe('leader');
    expect(net.node('n1').readIndex('r').ok).toBe(true);
    net.process('n1');
    net.tick(3, ['n1']);
    const got = net.member('n1').reads.find((r) => r.ctx === 'r');
    return { net, read: got ? net.member('n1').sm.values.slice() : null };
  }

  it('read-index: the read waits for a heartbeat round nobody answers, and is never served', () => {
    const { read } = stalledLeaderRead(false);
    expect(read).toBeNull();
  });

  it('lease: the read is served at once from the stale state, and the checker says so', () => {
    const { read } = stalledLeaderRead(true);
    expect(read).toEqual(['A']);
    // write x=A, write x=B (both completed), then the read returns A: not linearizable.
    const h = history([
      [1, 'write', 'A', 'A'],
      [2, 'write', 'B', 'B'],
      [3, 'read', null, read!.at(-1)],
    ]);
    const v = checkHistory(h);
    expect(v.linearizable).toBe(false);
    expect(v.violation?.explanation).toMatch(/read x returned A after write x=B had completed/);
  });
});
