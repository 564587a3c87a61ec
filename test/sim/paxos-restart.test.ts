/**
 * How a Multi-Paxos leader catches a lagging learner up, in the simulator.
 *
 * A learner that restarts below the commit index it last reported still catches up. A
 * learner saves its commit index with its Readies, but a heartbeat answer leaves before the
 * Ready's write: with a slow disk it can report slots as learned that a crash then takes
 * away (their values not yet written either), and its leader must not go on believing the
 * higher figure — it would never send those slots again.
 *
 * And catching up a learner far behind, one slot per message, over a network that
 * duplicates messages, takes one exchange at a time: were every answer to start another
 * catch-up, each duplicate would start an exchange that never ends.
 */
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src-main/core/kv/codec';
import { Cluster } from '../../src-main/sim/cluster';
import { RELIABLE } from '../../src-main/sim/network';

const put = (seq: number): string =>
  encodeCommand({ client: 'script', seq, now: 0, cmd: { op: 'put', key: 'k', value: `v${seq}` } });

describe('a Paxos learner restarted below the commit it reported', () => {
  it('is caught up by its leader and converges', () => {
    let stuck = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const c = new Cluster({ seed, nodes: 3, protocol: 'paxos' });
      expect(c.runUntilTrue(() => c.stableLeader() !== null, 20 * c.electionMs)).toBe(true);
      const l = c.stableLeader()!;
      const f = c.ids.find((id) => id !== l)!;
      c.setDisk(f, [20, 40]);
      let seq = 0;
      // A steady stream of commands while the learner's writes lag behind.
      for (let t = 0; t < 600; t += 7) c.after(t, () => c.propose(l, put(++seq)));
      c.runFor(200 + seed * 9);
      c.crash(f);
      c.setDisk(f, null);
      c.restart(f);
      c.runFor(600);
      const caughtUp = c.runUntilTrue(() => c.node(f).applied >= c.node(l).applied, 20 * c.electionMs);
      if (!caughtUp) stuck++;
      expect(c.violations).toEqual([]);
    }
    expect(stuck, 'learners left behind for good').toBe(0);
  });
});

describe('a Paxos learner far behind, on a network that duplicates messages', () => {
  it('is caught up one exchange at a time, without flooding the network', () => {
    const c = new Cluster({ seed: 3, nodes: 3, protocol: 'paxos', maxEntriesPerMsg: 1 });
    expect(c.runUntilTrue(() => c.stableLeader() !== null, 20 * c.electionMs)).toBe(true);
    const l = c.stableLeader()!;
    const f = c.ids.find((id) => id !== l)!;
    c.partition([[f], c.ids.filter((id) => id !== f)]);
    for (let i = 1; i <= 150; i++) {
      expect(c.propose(l, put(i)).ok).toBe(true);
      c.runFor(2);
    }
    c.runFor(c.electionMs);
    c.setFaults({ ...RELIABLE, duplicate: 0.5 });
    c.healNetwork();
    const sent = c.stats.sent;
    expect(c.runUntilTrue(() => c.node(f).applied >= c.node(l).applied, 40 * c.electionMs)).toBe(true);
    // About two messages per slot (a catch-up and its answer), duplicates and heartbeats aside.
    expect(c.stats.sent - sent).toBeLessThan(5_000);
    expect(c.violations).toEqual([]);
  });
});
