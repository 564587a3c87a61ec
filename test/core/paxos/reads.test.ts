/**
 * Linearizable reads on Multi-Paxos (ReadIndex, after Ongaro's thesis §6.4): a read is
 * served at the leader's last proposed slot only after a quorum answered a heartbeat sent
 * after the read arrived, so a deposed leader can never serve a stale value.
 */
import { describe, expect, it } from 'vitest';
import type { PaxosMessage } from '../../../src-main/core/paxos';
import { PaxosNetwork, type PaxosMember } from './helpers';

/** isBeat: a heartbeat (each may confirm reads: its seq names the newest read round). */
const isBeat = (m: PaxosMessage): boolean => m.type === 'heartbeat';

/** serveReads answers every read whose read point has been applied: the register's latest value. */
function serveReads(m: PaxosMember, out: Map<string, { value: number; at: number }>, now: number): void {
  const keep: PaxosMember['reads'] = [];
  for (const r of m.reads) {
    if (m.sm.appliedIndex >= r.index) out.set(r.ctx, { value: Number(m.sm.values.at(-1) ?? 0), at: now });
    else keep.push(r);
  }
  m.reads = keep;
}

describe('paxos linearizable reads', () => {
  it('a leader partitioned away cannot serve a read, even without check-quorum', () => {
    const c = new PaxosNetwork(5, { seed: 4, checkQuorum: false });
    const l1 = c.waitLeader();
    c.proposeAndWait('1');
    c.partition(
      [l1],
      c.ids.filter((id) => id !== l1),
    );
    expect(c.runUntil(() => c.leaders().length === 2)).toBe(true);
    const l2 = c.leaders().find((id) => id !== l1)!;
    expect(c.node(l2).propose('2').ok).toBe(true);
    c.drain();
    c.runUntil(() => c.member(l2).sm.values.includes('2'));
    // The old leader still believes it leads; its read must never be confirmed.
    expect(c.node(l1).status().role).toBe('leader');
    expect(c.node(l1).readIndex('stale').ok).toBe(true);
    c.drain();
    c.tick(200);
    expect(c.member(l1).reads.map((r) => r.ctx)).not.toContain('stale');
    // The new leader serves a read that sees the write.
    const served = new Map<string, { value: number; at: number }>();
    expect(c.node(l2).readIndex('fresh').ok).toBe(true);
    c.drain();
    c.runUntil(() => {
      serveReads(c.member(l2), served, c.now);
      return served.has('fresh');
    });
    expect(served.get('fresh')?.value).toBe(2);
  });

  it('reads at leader and followers are linearizable under leader changes (single-writer register)', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const c = new PaxosNetwork(5, { seed, minDelay: 1, maxDelay: 3 });
      const served = new Map<string, { value: number; at: number }>();
      const invoked = new Map<string, number>();
      /** completedAt[v]: tick when write v was applied by the leader (acknowledged to the writer). */
      const completedAt = new Map<number, number>();
      const invokedAt = new Map<number, number>();
      let next = 1;
      let pending: { v: number; index: number; leader: string } | null = null;
      let readSeq = 0;
      for (let t = 0; t < 1000; t++) {
        c.tick();
        for (const m of c.liveMembers()) serveReads(m, served, c.now);
        const l = c.leader();
        // The writer: one write at a time through the leader; a lost proposal is retried as a new value.
        if (pending) {
          const m = c.member(pending.leader);
          if (m.up && m.sm.appliedIndex >= pending.index && m.sm.values.includes(String(pending.v))) {
            completedAt.set(pending.v, c.now);
            pending = null;
          } else if (!m.up || m.node.status().role !== 'leader') {
            pending = null; // outcome unknown: never counted as completed
          }
        }
        if (!pending && l) {
          const r = c.node(l).propose(String(next));
          if (r.ok) {
            invokedAt.set(next, c.now);
            pending = { v: next, index: r.index, leader: l };
            next++;
          }
        }
        // Readers at random nodes (followers forward to the leader).
        if (c.rng.next() < 0.3) {
          const m = c.liveMembers()[c.rng.int(0, c.liveMembers().length - 1)]!;
          const ctx = `r${readSeq++}`;
          if (m.node.readIndex(ctx).ok) invoked.set(ctx, c.now);
        }
        c.drain();
        // Faults: now and then isolate the leader for a while.
        if (t % 300 === 150 && l) c.isolate(l);
        if (t % 300 === 250) c.recover();
      }
      expect(served.size, `seed ${seed}`).toBeGreaterThan(50);
      for (const [ctx, { value, at }] of served) {
        const start = invoked.get(ctx)!;
        // Every write completed before the read began must be visible ...
        let mustSee = 0;
        for (const [v, done] of completedAt) if (done < start && v > mustSee) mustSee = v;
        expect(value, `seed ${seed} ${ctx} read ${value} but ${mustSee} was complete`).toBeGreaterThanOrEqual(mustSee);
        // ... and nothing not yet invoked when the read returned.
        if (value > 0) expect(invokedAt.get(value)!, `seed ${seed} ${ctx}`).toBeLessThanOrEqual(at);
      }
      expect(c.violations).toEqual([]);
    }
  });
});

describe('paxos read rounds shared by many reads', () => {
  it('the reads of one step share one heartbeat round, own and forwarded alike', () => {
    const c = new PaxosNetwork(5, { seed: 2 });
    const l = c.waitLeader();
    c.proposeAndWait('1');
    c.deliverAll();
    c.sentLog.length = 0;
    for (let i = 0; i < 10; i++) expect(c.node(l).readIndex(`own${i}`).ok).toBe(true);
    const followers = c.ids.filter((id) => id !== l);
    for (const f of followers) expect(c.node(f).readIndex(`fwd-${f}`).ok).toBe(true);
    for (const f of followers) c.process(f);
    for (const m of c.take((m) => m.type === 'readIndex')) c.node(l).step(m);
    c.process(l);
    // One round: a heartbeat to each of the four others, all with the same seq.
    const round = c.sentLog.filter(isBeat);
    expect(round.length).toBe(4);
    expect(new Set(round.map((m) => (m.type === 'heartbeat' ? m.seq : -1))).size).toBe(1);
    c.deliverAll();
    expect(c.member(l).reads.map((r) => r.ctx)).toEqual(Array.from({ length: 10 }, (_, i) => `own${i}`));
    for (const f of followers) expect(c.member(f).reads.map((r) => r.ctx)).toEqual([`fwd-${f}`]);
    expect(c.sentLog.filter(isBeat).length).toBe(4);
  });

  it('a read arriving while a round is in flight is not answered by that round, but by the next', () => {
    const c = new PaxosNetwork(3, { seed: 3 });
    const l = c.waitLeader();
    c.proposeAndWait('1');
    c.deliverAll();
    c.node(l).readIndex('first');
    c.process(l);
    const first = c.take(isBeat);
    expect(first.length).toBe(2);
    // 'second' arrives with the first round in flight: no round leaves for it yet.
    c.node(l).readIndex('second');
    c.process(l);
    expect(c.pending().filter(isBeat)).toEqual([]);
    // The first round's answers confirm 'first' only...
    for (const hb of first) c.deliver(hb);
    const acks = c.take((m) => m.type === 'heartbeatAck');
    expect(acks.length).toBe(2);
    for (const a of acks) c.deliver(a);
    expect(c.member(l).reads.map((r) => r.ctx)).toEqual(['first']);
    // ...and the next round leaves at once, for 'second'.
    expect(c.pending().filter(isBeat).length).toBe(2);
    c.deliverAll();
    expect(c.member(l).reads.map((r) => r.ctx)).toEqual(['first', 'second']);
  });

  it('a lone voter answers a read even when a heartbeat falls between the read and its Ready', () => {
    const c = new PaxosNetwork(1, { seed: 5 });
    const l = c.waitLeader();
    c.proposeAndWait('1');
    expect(c.node(l).readIndex('r').ok).toBe(true);
    // The heartbeat timer fires before the host takes the Ready that would send the round.
    c.node(l).tick();
    c.node(l).tick();
    c.drain();
    expect(c.member(l).reads.map((r) => r.ctx)).toEqual(['r']);
  });

  it("a follower's reads of one step share one request to the leader; one arriving meanwhile waits for the next", () => {
    const c = new PaxosNetwork(3, { seed: 6 });
    const l = c.waitLeader();
    c.proposeAndWait('1');
    c.deliverAll();
    const f = c.ids.find((id) => id !== l)!;
    c.sentLog.length = 0;
    for (let i = 0; i < 5; i++) expect(c.node(f).readIndex(`f${i}`).ok).toBe(true);
    c.process(f);
    const asks = c.take((m) => m.type === 'readIndex');
    expect(asks.length).toBe(1);
    // 'late' arrives with the request in flight: it waits for the next request.
    expect(c.node(f).readIndex('late').ok).toBe(true);
    c.process(f);
    expect(c.pending().filter((m) => m.type === 'readIndex')).toEqual([]);
    for (const m of asks) c.deliver(m);
    c.deliverAll();
    expect(c.member(f).reads.map((r) => r.ctx)).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'late']);
    expect(c.sentLog.filter((m) => m.type === 'readIndex').length).toBe(2);
    expect(c.sentLog.filter((m) => m.type === 'readIndexResp').length).toBe(2);
  });
});
