/**
 * Log replication details (§5.3): conflict hints for fast backup, the inflight bound,
 * entries per message, and InstallSnapshot for a follower behind the leader's first index (§7).
 */
import { describe, expect, it } from 'vitest';
import type { AppendMsg, RaftMessage } from '../../../src-main/core/raft';
import { RaftNetwork, drain, nodeWithLog } from './helpers';

describe('fast backup with conflict hints (§5.3)', () => {
  it("a follower rejecting an append says where its log stops matching the leader's term", () => {
    // Follower log terms: 1 1 2 2 2 2 (indexes 1..6). Leader asks at prevIndex 6 with prevTerm 3.
    const n = nodeWithLog('n2', ['n1', 'n2', 'n3'], [1, 1, 2, 2, 2, 2], { term: 3 });
    n.step({ type: 'append', from: 'n1', to: 'n2', term: 3, prevIndex: 6, prevTerm: 3, entries: [], commit: 0 });
    const r = drain(n).find((m) => m.type === 'appendResp');
    expect(r).toMatchObject({ reject: true, index: 6, rejectHint: 6, logTerm: 2 });
    // Beyond its log: the hint is its last index.
    n.step({ type: 'append', from: 'n1', to: 'n2', term: 3, prevIndex: 20, prevTerm: 3, entries: [], commit: 0 });
    expect(drain(n).find((m) => m.type === 'appendResp')).toMatchObject({
      reject: true,
      index: 20,
      rejectHint: 6,
      logTerm: 2,
    });
    // prevTerm 1 at 6: every term-2 entry is skipped at once.
    n.step({ type: 'append', from: 'n1', to: 'n2', term: 3, prevIndex: 6, prevTerm: 1, entries: [], commit: 0 });
    expect(drain(n).find((m) => m.type === 'appendResp')).toMatchObject({ reject: true, rejectHint: 2, logTerm: 1 });
  });

  it('the leader skips a long conflicting suffix in a couple of round trips, not one per entry', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'a');
    // n1 is cut off and keeps accepting 50 writes that will never commit.
    net.isolate('n1');
    for (let i = 0; i < 50; i++) net.node('n1').propose(`lost${i}`);
    net.process('n1');
    net.deliverAll();
    net.tick(60, ['n2', 'n3']);
    const first = net.leaders().find((l) => l !== 'n1')!;
    for (let i = 0; i < 50; i++) net.propose(first, `new${i}`);
    // Leadership moves, so the next leader starts probing n1 from the end of a long log of other terms.
    const lead = first === 'n2' ? 'n3' : 'n2';
    net.campaign(lead);
    expect(net.node(lead).status().role).toBe('leader');
    const rejects = (): number =>
      net.sentLog.filter((m) => m.type === 'appendResp' && m.from === 'n1' && m.reject).length;
    net.sentLog.length = 0;
    net.recover();
    net.tick(5);
    expect(rejects()).toBeGreaterThan(0);
    // One entry per round trip would take ~50 rejections.
    expect(rejects()).toBeLessThanOrEqual(3);
    expect(net.member('n1').sm.values).toEqual(['a', ...Array.from({ length: 50 }, (_, i) => `new${i}`)]);
    expect(net.node('n1').status().lastIndex).toBe(net.node(lead).status().lastIndex);
  });
});

describe('flow control (§5.3, etcd progress)', () => {
  it('never has more than maxInflight appends outstanding to a follower, nor more than maxEntriesPerMsg entries in one', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { maxInflight: 3, maxEntriesPerMsg: 2 });
    net.elect('n1');
    for (let i = 0; i < 40; i++) net.node('n1').propose(`c${i}`);
    net.process('n1');
    const toN2 = net.pending().filter((m): m is AppendMsg => m.type === 'append' && m.to === 'n2');
    // Appends that continue each other leave as one message (coalesce.ts), so the wire may
    // carry fewer than the leader counts in flight, never more.
    expect(toN2.length).toBeGreaterThan(0);
    expect(toN2.length).toBeLessThanOrEqual(3);
    for (const m of net.pending()) if (m.type === 'append') expect(m.entries.length).toBeLessThanOrEqual(2);
    const pr = net
      .node('n1')
      .status()
      .progress!.find((p) => p.id === 'n2')!;
    expect(pr.state).toBe('replicate');
    expect(pr.inflight).toBe(3);
    // As answers come back the pipe refills, and everything gets through in bounded batches.
    let maxOut = 0;
    for (let i = 0; i < 10_000 && net.pending().length > 0; i++) {
      net.deliver(net.shift()!);
      const out = net
        .node('n1')
        .status()
        .progress!.map((p) => p.inflight);
      maxOut = Math.max(maxOut, ...out);
    }
    expect(maxOut).toBeLessThanOrEqual(3);
    expect(net.member('n1').sm.values).toHaveLength(40);
    // The last commit index reaches the followers with the next heartbeat (§5.3: heartbeats carry leaderCommit).
    net.tick(1);
    for (const id of net.ids) expect(net.member(id).sm.values).toHaveLength(40);
  });

  it('a lost append is retried: a heartbeat answer frees the pipe and the follower catches up', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { maxInflight: 2, maxEntriesPerMsg: 1 });
    net.elect('n1');
    net.drop = (m: RaftMessage) => m.type === 'append' && m.to === 'n2';
    for (let i = 0; i < 5; i++) net.propose('n1', `c${i}`);
    net.drop = null;
    net.tick(10);
    expect(net.member('n2').sm.values).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
  });
});

describe('log compaction and InstallSnapshot (§7)', () => {
  it("a follower behind the leader's first index gets the snapshot in one message, returns it in Ready.snapshot, and catches up", () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'a');
    net.isolate('n3');
    for (let i = 0; i < 20; i++) net.propose('n1', `c${i}`);
    net.tick(2, ['n1', 'n2']);
    const snap = net.compact('n1');
    expect(net.node('n1').status().firstIndex).toBe(snap.index + 1);
    expect(net.node('n1').entries(1, snap.index + 1)).toEqual([]);
    // Watch n3's Ready for the snapshot.
    const n3 = net.member('n3');
    let sawSnapshot = false;
    const ready = n3.node.ready.bind(n3.node);
    n3.node.ready = () => {
      const rd = ready();
      if (rd.snapshot) sawSnapshot = rd.snapshot.index === snap.index;
      return rd;
    };
    net.recover();
    net.tick(3);
    expect(net.sent.get('snapshot')).toBe(1);
    expect(sawSnapshot).toBe(true);
    expect(n3.storage.load().snapshot?.index).toBe(snap.index);
    net.propose('n1', 'after');
    net.tick(2);
    const want = ['a', ...Array.from({ length: 20 }, (_, i) => `c${i}`), 'after'];
    for (const id of net.ids) expect(net.member(id).sm.values).toEqual(want);
    // n3 restarts from its disk (snapshot + entries after it) with the same state.
    net.crash('n3');
    net.restart('n3');
    net.tick(2);
    expect(net.member('n3').sm.values).toEqual(want);
    expect(net.node('n3').status().firstIndex).toBe(snap.index + 1);
  });

  it("a follower whose log already holds the snapshot's last entry keeps its log", () => {
    const n = nodeWithLog('n2', ['n1', 'n2', 'n3'], [1, 1, 1, 1], { term: 1 });
    n.step({
      type: 'snapshot',
      from: 'n1',
      to: 'n2',
      term: 1,
      snapshot: {
        index: 3,
        term: 1,
        data: '[]',
        conf: { voters: ['n1', 'n2', 'n3'], learners: [], votersOutgoing: [] },
      },
    });
    const rd = n.ready();
    expect(rd.snapshot).toBeNull();
    expect(rd.committed.map((e) => e.index)).toEqual([1, 2, 3]);
    expect(n.status().lastIndex).toBe(4);
  });

  it('a leader with a compacted log restarts from snapshot and entries', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    for (let i = 0; i < 5; i++) net.propose('n1', `c${i}`);
    net.tick(1);
    net.compact('n1');
    net.propose('n1', 'c5');
    net.crash('n1');
    net.restart('n1');
    expect(net.member('n1').sm.values).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5']);
  });
});
