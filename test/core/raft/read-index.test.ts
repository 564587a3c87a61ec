/**
 * Linearizable reads without appending: ReadIndex (Raft §6.4, §8).
 */
import { describe, expect, it } from 'vitest';
import type { RaftMessage } from '../../../src-main/core/raft';
import { RaftNetwork } from './helpers';

/** isRound: a heartbeat that carries a read round's key. */
const isRound = (m: RaftMessage): boolean => m.type === 'heartbeat' && m.ctx !== null;

const five = ['n1', 'n2', 'n3', 'n4', 'n5'];

describe('ReadIndex (§6.4)', () => {
  it('the leader answers with its commit index after a quorum confirms it is still leader', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'x');
    expect(net.node('n1').readIndex('r1')).toEqual({ ok: true });
    net.process('n1');
    // Not before the heartbeat round is answered.
    expect(net.member('n1').reads).toEqual([]);
    net.deliverAll();
    expect(net.member('n1').reads).toEqual([{ ctx: 'r1', index: net.node('n1').status().commitIndex }]);
  });

  it("a follower's read is forwarded to the leader and the read point comes back to it", () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'x');
    expect(net.node('n3').readIndex('f1')).toEqual({ ok: true });
    net.process('n3');
    net.deliverAll();
    expect(net.member('n3').reads).toEqual([{ ctx: 'f1', index: 2 }]);
    expect(net.member('n1').reads).toEqual([]);
  });

  it('a node that knows no leader refuses', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    expect(net.node('n2').readIndex('x')).toEqual({ ok: false, reason: 'not-leader', leader: null });
  });

  it('a new leader delays reads until it has committed an entry of its own term', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'x');
    // x (index 2) is committed and applied on n1 — its client has its answer — but n2 has
    // not heard so: a read point at n2's commit index would miss x.
    expect(net.member('n1').sm.appliedIndex).toBe(2);
    expect(net.node('n2').status().commitIndex).toBeLessThan(2);
    // n2 wins, but its no-op does not reach anyone yet.
    net.drop = (m) => m.from === 'n2' && m.type === 'append';
    net.campaign('n2');
    expect(net.node('n2').status().role).toBe('leader');
    net.node('n2').readIndex('early');
    net.process('n2');
    net.deliverAll();
    net.tick(3, ['n2']);
    expect(net.member('n2').reads).toEqual([]);
    net.drop = null;
    net.tick(2);
    // Served at the no-op's index (3), so the read sees everything committed before it.
    expect(net.member('n2').reads).toEqual([{ ctx: 'early', index: 3 }]);
  });

  it('a deposed leader never serves a read it could not confirm (§8), even after the partition heals', () => {
    const net = new RaftNetwork(five);
    net.elect('n1');
    net.propose('n1', 'x');
    net.partition(['n1', 'n2'], ['n3', 'n4', 'n5']);
    net.tick(60, ['n3', 'n4', 'n5']);
    const newLeader = net.leaders().find((l) => l !== 'n1')!;
    expect(newLeader).toBeDefined();
    net.propose(newLeader, 'y');
    net.tick(2, ['n3', 'n4', 'n5']);
    // The old leader still thinks it leads (no CheckQuorum here) and accepts the read...
    expect(net.node('n1').status().role).toBe('leader');
    expect(net.node('n1').readIndex('stale').ok).toBe(true);
    net.process('n1');
    net.tick(20, ['n1', 'n2']);
    // ...but only n2 answers its heartbeat round: no quorum, no read state.
    expect(net.member('n1').reads).toEqual([]);
    net.recover();
    net.tick(10);
    expect(net.node('n1').status().role).toBe('follower');
    expect(net.member('n1').reads).toEqual([]);
    // A read at the new leader sees y.
    net.node(newLeader).readIndex('fresh');
    net.process(newLeader);
    net.deliverAll();
    const read = net.member(newLeader).reads[0]!;
    expect(read.ctx).toBe('fresh');
    expect(read.index).toBeGreaterThanOrEqual(net.node(newLeader).status().commitIndex);
    expect(net.member(newLeader).sm.values).toEqual(['x', 'y']);
  });

  it('a stale heartbeat answer from an earlier term does not confirm a read', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.node('n1').readIndex('r');
    net.process('n1');
    const hbs = net.take((m) => m.type === 'heartbeat' && m.ctx !== null);
    expect(hbs.length).toBe(2);
    // Answers arrive from n2 and n3, but claim an older term.
    for (const hb of hbs) {
      if (hb.type !== 'heartbeat') continue;
      net.node('n1').step({ type: 'heartbeatResp', from: hb.to, to: 'n1', term: hb.term - 1, ctx: hb.ctx });
      net.process('n1');
    }
    expect(net.member('n1').reads).toEqual([]);
  });
});

describe('ReadIndex rounds shared by many reads (§6.4)', () => {
  it('the reads of one step share one heartbeat round, own and forwarded alike', () => {
    const net = new RaftNetwork(five);
    net.elect('n1');
    net.propose('n1', 'x');
    net.deliverAll();
    net.sentLog.length = 0;
    for (let i = 0; i < 10; i++) expect(net.node('n1').readIndex(`own${i}`)).toEqual({ ok: true });
    const term = net.node('n1').status().term;
    for (const f of ['n2', 'n3', 'n4', 'n5'])
      net.node('n1').step({ type: 'readIndex', from: f, to: 'n1', term, ctx: `fwd-${f}` });
    net.process('n1');
    // One round: a heartbeat to each of the four followers, all with the same key.
    const round = net.sentLog.filter(isRound);
    expect(round.length).toBe(4);
    expect(new Set(round.map((m) => (m.type === 'heartbeat' ? m.ctx : null))).size).toBe(1);
    net.deliverAll();
    expect(net.member('n1').reads.map((r) => r.ctx)).toEqual(Array.from({ length: 10 }, (_, i) => `own${i}`));
    expect(net.sentLog.filter((m) => m.type === 'readIndexResp').map((m) => m.to)).toEqual(['n2', 'n3', 'n4', 'n5']);
    // Fourteen reads cost 4 heartbeats and 4 answers, where a round per read cost 112.
    expect(net.sentLog.filter(isRound).length).toBe(4);
    expect(net.sentLog.filter((m) => m.type === 'heartbeatResp').length).toBe(4);
  });

  it('a read arriving while a round is in flight is not answered by that round, but by the next', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'x');
    net.deliverAll();
    net.node('n1').readIndex('first');
    net.process('n1');
    const first = net.take(isRound);
    expect(first.length).toBe(2);
    // 'second' arrives with the first round in flight: no round leaves for it yet.
    net.node('n1').readIndex('second');
    net.process('n1');
    expect(net.pending().filter(isRound)).toEqual([]);
    // The first round's answers confirm 'first' only...
    for (const hb of first) net.deliver(hb);
    const answers = net.take((m) => m.type === 'heartbeatResp');
    expect(answers.length).toBe(2);
    for (const a of answers) net.deliver(a);
    expect(net.member('n1').reads.map((r) => r.ctx)).toEqual(['first']);
    // ...and the next round leaves at once, for 'second'.
    const next = net.pending().filter(isRound);
    expect(next.length).toBe(2);
    net.deliverAll();
    expect(net.member('n1').reads.map((r) => r.ctx)).toEqual(['first', 'second']);
  });

  it('a late answer to a round sent before a read arrived never serves that read a stale point (§6.4)', () => {
    // n1 sends a round; n2 and n3 answer it, but the answers are held up in the network.
    // Meanwhile n2 is elected in a new term and commits y; a client that saw y acknowledged
    // then reads at n1, which still thinks it leads. The held answers (of n1's term) must not
    // confirm that read: its read point would miss y.
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'x');
    net.deliverAll();
    net.node('n1').readIndex('before');
    net.process('n1');
    for (const hb of net.take(isRound)) net.deliver(hb);
    const held = net.take((m) => m.type === 'heartbeatResp');
    expect(held.length).toBe(2);
    net.isolate('n1');
    net.campaign('n2');
    expect(net.node('n2').status().role).toBe('leader');
    const y = net.node('n2').propose('y');
    net.tick(5, ['n2', 'n3']);
    expect(y.ok && net.node('n2').status().commitIndex >= y.index).toBe(true);
    expect(net.member('n2').sm.values).toEqual(['x', 'y']);
    expect(net.node('n1').status().role).toBe('leader');
    net.node('n1').readIndex('after');
    net.process('n1');
    for (const a of held) net.inject(a);
    // 'before' may be served (it began before y did); 'after' must not be.
    expect(net.member('n1').reads.map((r) => r.ctx)).toEqual(['before']);
    net.tick(20, ['n1']);
    expect(net.member('n1').reads.map((r) => r.ctx)).toEqual(['before']);
  });

  it('a round whose answers were lost is made good by the periodic heartbeat', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'x');
    net.deliverAll();
    net.node('n1').readIndex('r');
    net.process('n1');
    expect(net.take(isRound).length).toBe(2);
    // Meanwhile more reads wait behind the lost round; the next heartbeat carries them all.
    net.node('n1').readIndex('r2');
    net.process('n1');
    net.tick(2);
    expect(net.member('n1').reads.map((x) => x.ctx)).toEqual(['r', 'r2']);
  });
});

describe("a follower's reads forwarded a batch per request (§6.4)", () => {
  const isAsk = (m: RaftMessage): boolean => m.type === 'readIndex';

  it('the reads of one step share one request to the leader and one answer', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'x');
    net.deliverAll();
    net.sentLog.length = 0;
    for (let i = 0; i < 5; i++) expect(net.node('n3').readIndex(`f${i}`)).toEqual({ ok: true });
    net.process('n3');
    expect(net.sentLog.filter(isAsk).length).toBe(1);
    net.deliverAll();
    const index = net.node('n1').status().commitIndex;
    expect(net.member('n3').reads).toEqual(Array.from({ length: 5 }, (_, i) => ({ ctx: `f${i}`, index })));
    expect(net.sentLog.filter((m) => m.type === 'readIndexResp').length).toBe(1);
  });

  it('a read arriving while a request is in flight waits for the next: the answer may predate it', () => {
    // n1 takes n3's request for 'd' at commit C and answers, but the answer is held up; a
    // write w then commits and is acknowledged, and only then does 'b' arrive at n3. The
    // held answer (point C) must not serve 'b': its point must cover w.
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'x');
    net.deliverAll();
    const notAnswer = (m: RaftMessage): boolean => m.type !== 'readIndexResp';
    const deliverAllBut = (): void => {
      for (let i = 0; i < 50 && net.pending().some(notAnswer); i++) for (const m of net.take(notAnswer)) net.deliver(m);
    };
    net.node('n3').readIndex('d');
    net.process('n3');
    deliverAllBut();
    const answer = net.take((m) => m.type === 'readIndexResp');
    expect(answer.length).toBe(1);
    const w = net.node('n1').propose('w');
    net.process('n1');
    deliverAllBut();
    expect(net.member('n1').sm.values).toEqual(['x', 'w']);
    net.node('n3').readIndex('b');
    net.process('n3');
    for (const m of answer) net.deliver(m);
    net.deliverAll();
    const reads = new Map(net.member('n3').reads.map((r) => [r.ctx, r.index]));
    const wIndex = w.ok ? w.index : Infinity;
    expect(reads.get('d')).toBeLessThan(wIndex);
    expect(reads.get('b')).toBeGreaterThanOrEqual(wIndex);
  });

  it('a lost request does not hold the next one back for long', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.propose('n1', 'x');
    net.deliverAll();
    net.node('n3').readIndex('lost');
    net.process('n3');
    expect(net.take(isAsk).length).toBe(1);
    net.node('n3').readIndex('next');
    net.process('n3');
    expect(net.pending().filter(isAsk)).toEqual([]);
    net.tick(3);
    expect(net.member('n3').reads.map((r) => r.ctx)).toEqual(['next']);
  });
});
