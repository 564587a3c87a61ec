/**
 * Multi-Paxos scenarios: dueling proposers, adoption of the highest-ballot
 * value (P2c), acceptor crashes before and after replying, and a leader that dies with open
 * slots and a hole. Section numbers cite Lamport, "Paxos Made Simple" (2001).
 */
import { describe, expect, it } from 'vitest';
import { PaxosNode, type PaxosMessage } from '../../../src-main/core/paxos';
import { MemoryStorage } from '../../../src-main/core/storage';
import { seededRng, type Entry } from '../../../src-main/core/types';
import { PaxosNetwork } from './helpers';

const normal = (index: number, term: number, data: string): Entry => ({ index, term, type: 'normal', data });

describe('dueling proposers (§2.4: progress needs a distinguished proposer; random back-off)', () => {
  it('two proposers that start phase 1 together settle on one value for slot 1, over 200 seeds', () => {
    let worst = 0;
    for (let seed = 1; seed <= 200; seed++) {
      const c = new PaxosNetwork(5, { seed, minDelay: 1, maxDelay: 3, electionTicks: 8 });
      // n1 and n2 both start phase 1 at the same instant, each wanting its own value in slot 1.
      c.inject({ type: 'timeoutNow', from: 'n3', to: 'n1', term: 0 });
      c.inject({ type: 'timeoutNow', from: 'n3', to: 'n2', term: 0 });
      const proposed = new Set<string>();
      const start = c.now;
      const ok = c.runUntil(() => {
        for (const id of ['n1', 'n2']) {
          const n = c.member(id).node;
          if (!proposed.has(id) && n.status().role === 'leader') {
            if (n.propose(`from-${id}`).ok) proposed.add(id);
          }
        }
        return c.liveMembers().every((m) => m.sm.appliedIndex >= 1);
      }, 3000);
      expect(ok, `seed ${seed}: slot 1 never chosen everywhere (livelock?)`).toBe(true);
      worst = Math.max(worst, c.now - start);
      expect(c.violations, `seed ${seed}`).toEqual([]);
      const v = c.chosenAt(1);
      expect(['normal:from-n1', 'normal:from-n2', 'noop:'], `seed ${seed}`).toContain(v);
      c.tick(20);
      for (const m of c.liveMembers()) expect(m.sm.appliedIndex, `seed ${seed}`).toBeGreaterThanOrEqual(1);
    }
    // Loose bound (ticks, not time): the duel resolves within a few election timeouts.
    expect(worst).toBeLessThan(500);
  });
});

describe('value adoption (§2.2, P2c)', () => {
  it('b1 accepted A at two acceptors, b2 accepted B at one; b3 over a majority holding both chooses B', () => {
    const c = new PaxosNetwork(5, { seed: 5 });
    const seedState = (id: string, promised: number, e: Entry): void => {
      c.crash(id);
      c.member(id).storage.save({ hardState: { term: promised, vote: null, commit: 0 }, entries: [e], snapshot: null });
      c.restart(id);
    };
    seedState('n1', 101, normal(1, 101, 'A'));
    seedState('n2', 101, normal(1, 101, 'A'));
    seedState('n3', 202, normal(1, 202, 'B'));
    // Only n1, n3, n4 can talk: every quorum of promises now holds both A (b1) and B (b2).
    c.isolate('n2');
    c.isolate('n5');
    const l = c.waitLeader();
    expect(c.node(l).status().term).toBeGreaterThan(202);
    c.runUntil(() => ['n1', 'n3', 'n4'].every((id) => c.member(id).sm.appliedIndex >= 1));
    expect(c.chosenAt(1)).toBe('normal:B');
    c.recover();
    c.runUntil(() => c.liveMembers().every((m) => m.sm.appliedIndex >= 1));
    for (const m of c.liveMembers()) expect(m.sm.values[0]).toBe('B');
    expect(c.violations).toEqual([]);
  });
});

describe('acceptor crashes (§2.3: an acceptor remembers its promise and accepted value across failures)', () => {
  it('crash before replying: the unpersisted acceptance is lost, nothing was acknowledged, and retries still choose the value', () => {
    const c = new PaxosNetwork(3, { seed: 9 });
    const l = c.waitLeader();
    const f = c.ids.find((id) => id !== l)!;
    c.member(f).crashOnReady = (rd) => rd.messagesAfterPersist.some((m) => m.type === 'accepted');
    const r = c.node(l).propose('X');
    expect(r.ok).toBe(true);
    c.tick(3);
    expect(c.member(f).up).toBe(false);
    expect(
      c
        .member(f)
        .storage.load()
        .entries.some((e) => e.data === 'X'),
    ).toBe(false);
    c.restart(f);
    c.runUntil(() => c.liveMembers().every((m) => m.sm.values.includes('X')));
    for (const m of c.liveMembers()) expect(m.sm.values).toEqual(['X']);
    expect(
      c
        .member(f)
        .storage.load()
        .entries.some((e) => e.data === 'X'),
    ).toBe(true);
    expect(c.violations).toEqual([]);
  });

  it('crash after replying: the accepted value survives on disk and the next leader adopts it', () => {
    const c = new PaxosNetwork(3, { seed: 13 });
    const l = c.waitLeader();
    const [f1, f2] = c.ids.filter((id) => id !== l) as [string, string];
    c.cutLink(l, f2); // only f1 hears the accept
    c.member(f1).crashAfterReady = (rd) => rd.messagesAfterPersist.some((m) => m.type === 'accepted');
    expect(c.node(l).propose('Y').ok).toBe(true);
    c.tick(3);
    expect(c.member(f1).up).toBe(false);
    // The leader counted f1's reply: Y is chosen (leader + f1), then the leader dies too.
    expect(c.node(l).status().commitIndex).toBe(1);
    c.crash(l);
    c.recover();
    c.restart(f1);
    const l2 = c.waitLeader();
    expect([f1, f2]).toContain(l2);
    c.runUntil(() => c.liveMembers().every((m) => m.sm.appliedIndex >= 1));
    expect(c.chosenAt(1)).toBe('normal:Y');
    expect(c.member(f2).sm.values).toEqual(['Y']);
    expect(c.violations).toEqual([]);
  });

  it('a promise persisted before the reply is kept after a crash: a lower ballot is refused', () => {
    const storage = new MemoryStorage();
    const cfg = (restore: ReturnType<MemoryStorage['load']> | null) => ({
      id: 'n3',
      peers: ['n1', 'n2', 'n3'],
      electionTicks: 10,
      heartbeatTicks: 2,
      maxInflight: 8,
      maxEntriesPerMsg: 16,
      preVote: false,
      checkQuorum: true,
      rng: seededRng(1),
      restore,
    });
    let n = new PaxosNode(cfg(null));
    n.step({ type: 'prepare', from: 'n2', to: 'n3', term: 502, fromIndex: 1, force: false });
    let rd = n.ready();
    expect(rd.hardState?.term).toBe(502);
    expect(rd.messages.some((m) => m.type === 'promise')).toBe(false); // waits for the disk
    expect(rd.messagesAfterPersist.map((m) => m.type)).toEqual(['promise']);
    storage.save({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot });
    n.advance(rd);
    // Crash and restart from disk.
    n = new PaxosNode(cfg(storage.load()));
    expect(n.status().term).toBe(502);
    n.step({ type: 'accept', from: 'n1', to: 'n3', term: 401, entries: [normal(1, 401, 'old')], commit: 0 });
    rd = n.ready();
    const replies = [...rd.messages, ...rd.messagesAfterPersist] as PaxosMessage[];
    expect(replies.map((m) => m.type)).toEqual(['nack']);
    expect(replies[0]!.term).toBe(502);
    expect(rd.entries).toEqual([]);
    // ... and a lower prepare is refused the same way.
    n.advance(rd);
    n.step({ type: 'prepare', from: 'n1', to: 'n3', term: 501, fromIndex: 1, force: false });
    expect(n.ready().messages.map((m) => m.type)).toEqual(['nack']);
  });
});

describe('leader killed with open slots and a hole (§3: gaps are filled with no-ops)', () => {
  it('the new leader re-proposes accepted values and fills the hole with a no-op', () => {
    const c = new PaxosNetwork(3, { seed: 21 });
    const l = c.waitLeader();
    const [f1, f2] = c.ids.filter((id) => id !== l) as [string, string];
    // Phase 2a for slot 2 is lost everywhere; f2 hears no accepts at all.
    c.tap = (m) => !(m.type === 'accept' && (m.to === f2 || m.entries.some((e) => e.index === 2)));
    for (const v of ['X1', 'X2', 'X3']) {
      expect(c.node(l).propose(v).ok).toBe(true);
      c.drain();
    }
    c.tick(2);
    // The leader knows 1 and 3 chosen (itself + f1); 2 is open: a hole.
    expect(c.node(l).status().commitIndex).toBe(1);
    expect(
      c
        .member(f1)
        .storage.load()
        .entries.map((e) => e.data),
    ).toEqual(['X1', '', 'X3']);
    c.crash(l);
    c.tap = null;
    const l2 = c.waitLeader();
    expect([f1, f2]).toContain(l2);
    c.runUntil(() => c.liveMembers().every((m) => m.sm.appliedIndex >= 3));
    expect(c.chosenAt(1)).toBe('normal:X1');
    expect(c.chosenAt(2)).toBe('noop:');
    expect(c.chosenAt(3)).toBe('normal:X3');
    // The old leader accepted X2 itself; when it returns it learns the no-op instead.
    c.restart(l);
    c.runUntil(() => c.member(l).sm.appliedIndex >= 3);
    expect(c.member(l).sm.values).toEqual(['X1', 'X3']);
    expect(c.violations).toEqual([]);
  });
});
