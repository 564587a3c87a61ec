/**
 * A Multi-Paxos leader's progress (what the inspector and Explain show as each acceptor's
 * match index): a new leader's acceptors hold the chosen prefix, so their match follows the
 * slots they accept after it instead of staying at 0 for the leader's whole ballot.
 */
import { describe, expect, it } from 'vitest';
import { PaxosNetwork } from './helpers';

describe('paxos leader progress', () => {
  it('after a leader change, every live acceptor’s match reaches the new leader’s last slot', () => {
    const c = new PaxosNetwork(3, { seed: 7 });
    const l1 = c.waitLeader();
    for (let i = 1; i <= 5; i++) c.proposeAndWait(`v${i}`);
    c.crash(l1);
    const l2 = c.waitLeader();
    for (let i = 1; i <= 3; i++) c.proposeAndWait(`w${i}`);
    c.tick(10);
    const st = c.node(l2).status();
    const live = st.progress!.filter((p) => p.id !== l1);
    expect(live.length).toBe(1);
    expect(live[0]!.match).toBe(st.lastIndex);
    // The crashed acceptor accepted nothing under the new ballot.
    expect(st.progress!.find((p) => p.id === l1)!.match).toBeLessThan(st.lastIndex);
  });
});
