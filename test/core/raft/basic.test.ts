/**
 * Election, replication, commit, Ready/advance and restart from disk (Raft §5.2–§5.4).
 */
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../../src-main/core/types';
import { drain, logOf, nodeWithLog, RaftNetwork } from './helpers';

describe('raft election and replication (§5.2, §5.3)', () => {
  it('elects exactly one leader with a higher term, and everyone follows it', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.tick(40);
    const leaders = net.leaders();
    expect(leaders).toHaveLength(1);
    const lead = leaders[0]!;
    const term = net.node(lead).status().term;
    expect(term).toBeGreaterThan(0);
    for (const id of net.ids) {
      expect(net.node(id).status().leader).toBe(lead);
      expect(net.node(id).status().term).toBe(term);
    }
  });

  it('draws election timeouts from [electionTicks, 2*electionTicks) (§5.2)', () => {
    // Each node alone: it campaigns exactly when its randomized timeout expires.
    const firsts: number[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      const net = new RaftNetwork(['n1', 'n2', 'n3'], { seed, electionTicks: 10 });
      net.isolate('n1');
      let t = 0;
      while (net.node('n1').status().role === 'follower' && t < 100) {
        net.tick(1, ['n1']);
        t++;
      }
      firsts.push(t);
    }
    expect(Math.min(...firsts)).toBeGreaterThanOrEqual(10);
    expect(Math.max(...firsts)).toBeLessThan(20);
    expect(new Set(firsts).size).toBeGreaterThan(3);
  });

  it('replicates, commits and applies proposals in the same order on every node', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    for (let i = 0; i < 20; i++) expect(net.propose('n1', `c${i}`).ok).toBe(true);
    net.tick(2);
    const want = Array.from({ length: 20 }, (_, i) => `c${i}`);
    for (const id of net.ids) {
      expect(net.member(id).sm.values).toEqual(want);
      expect(net.node(id).status().commitIndex).toBe(21); // the leader's no-op + 20
    }
  });

  it('a status is a snapshot: each change shows in the next one, none in one read before', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    const f = net.node('n2');
    const before = f.status();
    expect(f.status()).toEqual(before);
    expect(Object.isFrozen(before) && Object.isFrozen(before.conf.voters)).toBe(true);
    expect(() => {
      (before as { commitIndex: number }).commitIndex = 99;
    }).toThrow(TypeError);
    net.propose('n1', 'x');
    net.tick(2);
    const after = f.status();
    expect([after.lastIndex, after.commitIndex]).toEqual([before.lastIndex + 1, before.commitIndex + 1]);
    expect([before.lastIndex, before.commitIndex, before.leader]).toEqual([1, 1, 'n1']);
    net.elect('n2');
    const led = f.status();
    expect([led.role, led.term, led.leader, led.vote]).toEqual(['leader', after.term + 1, 'n2', 'n2']);
    expect([after.role, after.term, after.leader]).toEqual(['follower', before.term, 'n1']);
    // A leader's status shows its followers' progress as it moves on, and keeps what it showed.
    const matched = (st: typeof led): number[] => st.progress!.map((p) => p.match);
    const was = matched(led);
    net.propose('n2', 'y');
    net.tick(2);
    expect(matched(f.status())).toEqual(was.map(() => led.lastIndex + 1));
    expect(matched(led)).toEqual(was);
    expect(Object.isFrozen(led.progress) && Object.isFrozen(led.progress![0])).toBe(true);
    // A follower that catches up alone moves nothing but its progress.
    net.isolate('n3');
    net.propose('n2', 'z');
    net.tick(2);
    const behind = f.status();
    net.recover();
    net.tick(12);
    const caught = f.status();
    expect([caught.lastIndex, caught.commitIndex]).toEqual([behind.lastIndex, behind.commitIndex]);
    const n3 = (st: typeof led): number => st.progress!.find((p) => p.id === 'n3')!.match;
    expect([n3(behind), n3(caught)]).toEqual([behind.lastIndex - 1, behind.lastIndex]);
  });

  it('a follower status shows a change of one field alone: last index, then commit, then leader', () => {
    const n = nodeWithLog('n2', ['n1', 'n2', 'n3'], [1, 1], { term: 1, commit: 1 });
    const append = (entries: Entry[], commit: number, from = 'n1', term = 1): void => {
      const prev = entries[0] ? entries[0].index - 1 : n.status().lastIndex;
      n.step({ type: 'append', from, to: 'n2', term, prevIndex: prev, prevTerm: 1, entries, commit });
      drain(n);
    };
    append([], 1);
    const s0 = n.status();
    append(logOf([1, 1, 1]).slice(2), 1);
    const s1 = n.status();
    expect([s0.lastIndex, s1.lastIndex, s1.commitIndex, s1.leader]).toEqual([2, 3, 1, 'n1']);
    append([], 3);
    const s2 = n.status();
    expect([s2.lastIndex, s2.commitIndex, s1.commitIndex]).toEqual([3, 3, 1]);
    append([], 3, 'n3');
    expect([n.status().leader, s2.leader]).toEqual(['n3', 'n1']);
  });

  it('a follower refuses proposals and names the leader', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    expect(net.node('n2').propose('x')).toEqual({ ok: false, reason: 'not-leader', leader: 'n1' });
  });

  it('a single-node cluster commits once its own write is persisted', () => {
    const net = new RaftNetwork(['n1']);
    net.elect('n1');
    const n = net.node('n1');
    n.propose('a');
    // Before the Ready carrying the entry is persisted, the leader must not count itself.
    const rd = n.ready();
    expect(rd.entries.map((e) => e.data)).toEqual(['a']);
    expect(rd.committed).toEqual([]);
    expect(n.status().commitIndex).toBe(1);
    n.advance(rd);
    expect(n.status().commitIndex).toBe(2);
    const rd2 = n.ready();
    expect(rd2.committed.map((e) => e.data)).toEqual(['a']);
    expect(rd2.hardState?.commit).toBe(2);
    n.advance(rd2);
    expect(n.hasReady()).toBe(false);
  });

  it('does not commit without a majority, and commits once the majority is back', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3', 'n4', 'n5']);
    net.elect('n1');
    net.isolate('n4');
    net.isolate('n5');
    net.isolate('n3');
    net.propose('n1', 'x');
    net.tick(3);
    expect(net.node('n1').status().commitIndex).toBe(1);
    expect(net.member('n1').sm.values).toEqual([]);
    net.recover();
    net.tick(3);
    for (const id of net.ids) expect(net.member(id).sm.values).toEqual(['x']);
  });

  it('a restarted node keeps term, vote and log, re-applies committed entries, and catches up', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'a');
    net.propose('n1', 'b');
    net.tick(2);
    const before = net.node('n2').status();
    net.crash('n2');
    net.propose('n1', 'c');
    net.restart('n2');
    const after = net.node('n2').status();
    expect(after.term).toBe(before.term);
    expect(after.vote).toBe(before.vote);
    expect(after.lastIndex).toBe(before.lastIndex);
    expect(net.member('n2').sm.values).toEqual(['a', 'b']);
    net.tick(3);
    expect(net.member('n2').sm.values).toEqual(['a', 'b', 'c']);
  });

  it('respects cfg.applied on restart: entries the state machine already holds are not applied again', async () => {
    const { RaftNode } = await import('../../../src-main/core/raft');
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    for (const c of ['a', 'b', 'c']) net.propose('n1', c);
    net.tick(2);
    const p = net.member('n2').storage.load();
    const cfg = { ...net.config('n2', net.ids, p), applied: 3 };
    const n = new RaftNode(cfg);
    const rd = n.ready();
    expect(rd.committed.map((e) => e.index)).toEqual([4]);
  });

  it('a leader cut off from the rest is replaced, and it steps down when it hears the new term', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.isolate('n1');
    net.tick(40, ['n2', 'n3']);
    const newLeader = net.leaders().find((l) => l !== 'n1');
    expect(newLeader).toBeDefined();
    net.recover();
    net.tick(5);
    expect(net.leaders()).toEqual([newLeader]);
    expect(net.node('n1').status().leader).toBe(newLeader);
  });
});
