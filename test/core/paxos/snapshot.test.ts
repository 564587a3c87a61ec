/**
 * Log compaction on Multi-Paxos ("Paxos Made Live" §5.5): a node that missed slots the
 * others already compacted is brought up to date with a snapshot, then with entries.
 */
import { describe, expect, it } from 'vitest';
import { PaxosNetwork } from './helpers';

describe('paxos snapshots', () => {
  it('a node cut off while the others compacted catches up from a snapshot', () => {
    const c = new PaxosNetwork(3, { seed: 17, maxEntriesPerMsg: 8 });
    const l = c.waitLeader();
    const lag = c.ids.find((id) => id !== l)!;
    // Every live node compacts at each multiple of 20 applied slots.
    for (const m of c.members.values()) {
      m.onApplied = (mm, e) => {
        if (e.index % 20 === 0) mm.node.compact(e.index, mm.sm.snapshot());
      };
    }
    c.isolate(lag);
    for (let i = 1; i <= 50; i++) {
      expect(c.node(l).propose(`v${i}`).ok).toBe(true);
      c.drain();
      c.tick(1);
    }
    const leaderApplied = () => c.member(l).sm.appliedIndex;
    c.runUntil(() => leaderApplied() >= 50);
    expect(c.node(l).status().firstIndex).toBeGreaterThan(1); // the leader really dropped its log head
    expect(c.member(lag).sm.appliedIndex).toBe(0);
    c.recover();
    c.runUntil(() => c.member(lag).sm.appliedIndex >= leaderApplied());
    expect(c.sent.get('snapshot') ?? 0).toBeGreaterThan(0);
    expect(c.member(lag).sm.values).toEqual(c.member(l).sm.values);
    expect(c.member(lag).storage.load().snapshot?.index).toBeGreaterThanOrEqual(20);
    // And it keeps up afterwards, also across its own restart from the snapshot.
    c.proposeAndWait('after');
    c.crash(lag);
    c.restart(lag);
    c.proposeAndWait('after-restart');
    expect(c.member(lag).sm.values.slice(-2)).toEqual(['after', 'after-restart']);
    expect(c.violations).toEqual([]);
  });

  it('a candidate behind a compacted promiser installs the snapshot before leading', () => {
    const c = new PaxosNetwork(3, { seed: 23 });
    const l = c.waitLeader();
    const [a, b] = c.ids.filter((id) => id !== l) as [string, string];
    for (const m of c.members.values()) {
      m.onApplied = (mm, e) => {
        if (e.index % 10 === 0) mm.node.compact(e.index, mm.sm.snapshot());
      };
    }
    c.isolate(b);
    for (let i = 1; i <= 25; i++) c.proposeAndWait(`w${i}`, 2000, [l, a]);
    // Now the leader dies; b returns and only b and a remain.
    c.crash(l);
    c.recover();
    // b, which lacks the compacted slots, runs phase 1 (a leadership hand-off to it).
    c.inject({ type: 'timeoutNow', from: a, to: b, term: c.node(b).status().term });
    const l2 = c.waitLeader();
    expect(l2).toBe(b);
    expect(c.node(b).status().firstIndex).toBeGreaterThan(1);
    expect(c.node(l2).propose('next').ok).toBe(true);
    c.drain();
    c.runUntil(() => [a, b].every((id) => c.member(id).sm.values.includes('next')));
    for (const id of [a, b])
      expect(c.member(id).sm.values).toEqual([...Array.from({ length: 25 }, (_, i) => `w${i + 1}`), 'next']);
    expect(c.violations).toEqual([]);
  });
});
