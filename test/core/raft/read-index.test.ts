/**
 * Linearizable reads without appending: ReadIndex (Raft §6.4, §8).
 */
import { describe, expect, it } from 'vitest';
import { RaftNetwork } from './helpers';

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
