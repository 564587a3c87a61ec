/**
 * A Multi-Paxos learner that restarts below the commit index it last reported still catches
 * up. A learner saves its commit index with its Readies, but a heartbeat answer leaves
 * before the Ready's write: with a slow disk it can report slots as learned that a crash
 * then takes away (their values not yet written either), and its leader must not go on
 * believing the higher figure — it would never send those slots again.
 */
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src-main/core/kv/codec';
import { Cluster } from '../../src-main/sim/cluster';

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
