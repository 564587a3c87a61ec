/**
 * Leadership transfer (Raft dissertation §3.10): catch the target up, send TimeoutNow, and
 * the target campaigns at once, past PreVote and the leader lease.
 */
import { describe, expect, it } from 'vitest';
import { RaftNetwork } from './helpers';

describe('leadership transfer (dissertation §3.10)', () => {
  it('catches a lagging target up first, then hands over in the next term', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { preVote: true, checkQuorum: true });
    net.elect('n1');
    const term = net.node('n1').status().term;
    // n3 misses some writes.
    net.isolate('n3');
    for (let i = 0; i < 5; i++) net.propose('n1', `c${i}`);
    net.recover();
    net.sentLog.length = 0;
    const last = net.node('n1').status().lastIndex;
    expect(net.node('n1').transferLeadership('n3')).toBe(true);
    net.process('n1');
    net.deliverAll();
    // TimeoutNow went out only after n3 had everything.
    const log = net.sentLog;
    const tn = log.findIndex((m) => m.type === 'timeoutNow');
    expect(tn).toBeGreaterThan(0);
    const acked = log.slice(0, tn).filter((m) => m.type === 'appendResp' && m.from === 'n3' && !m.reject);
    expect(acked.length).toBeGreaterThan(0);
    expect(Math.max(...acked.map((m) => (m.type === 'appendResp' ? m.index : 0)))).toBe(last);
    expect(net.leaders()).toEqual(['n3']);
    expect(net.node('n3').status().term).toBe(term + 1);
    expect(net.member('n3').sm.values).toEqual(['c0', 'c1', 'c2', 'c3', 'c4']);
    net.propose('n3', 'after');
    net.tick(2);
    for (const id of net.ids) expect(net.member(id).sm.values.at(-1)).toBe('after');
  });

  it('refuses proposals while a transfer is under way, and gives up after an election timeout', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    net.isolate('n2');
    expect(net.node('n1').transferLeadership('n2')).toBe(true);
    expect(net.node('n1').propose('x')).toEqual({ ok: false, reason: 'busy', leader: 'n1' });
    net.tick(12, ['n1', 'n3']);
    expect(net.node('n1').status().role).toBe('leader');
    expect(net.node('n1').propose('x').ok).toBe(true);
  });

  it('rejects a transfer to itself, to a non-member, or from a follower', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3']);
    net.elect('n1');
    expect(net.node('n1').transferLeadership('n1')).toBe(false);
    expect(net.node('n1').transferLeadership('n9')).toBe(false);
    expect(net.node('n2').transferLeadership('n3')).toBe(false);
  });
});
