/**
 * The commit oracle sees every committed index: it reads each node's log after every Ready
 * (in place where the core allows it, ProtocolNode.entryAt), and an index it skipped would
 * be one whose agreement across the nodes nobody checks.
 */
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src-main/core/kv/codec';
import { Cluster } from '../../src-main/sim/cluster';

const put = (key: string, value: string, seq: number): string =>
  encodeCommand({ client: 'oracle-test', seq, now: 0, cmd: { op: 'put', key, value } });

describe('CommitOracle', () => {
  for (const protocol of ['raft', 'paxos'] as const) {
    it(`records every index a ${protocol} cluster commits, through a crash and a restart`, () => {
      const c = new Cluster({ seed: 11, nodes: 3, protocol, snapshotEvery: 0 });
      expect(c.runUntilTrue(() => c.stableLeader() !== null, 10 * c.electionMs)).toBe(true);
      for (let seq = 1; seq <= 30; seq++) {
        const leader = c.stableLeader();
        if (leader) c.propose(leader, put(`k${seq % 4}`, `v${seq}`, seq));
        c.runFor(20);
        if (seq === 12) c.crash(c.ids.find((id) => id !== c.stableLeader())!);
        if (seq === 20) for (const n of c.nodes) if (n.state === 'down') c.restart(n.id);
      }
      c.runFor(10 * c.electionMs);
      const top = Math.max(...c.nodes.map((n) => n.status()?.commitIndex ?? 0));
      expect(top).toBeGreaterThan(20);
      expect(c.oracle.committedCount).toBe(top);
      expect(c.violations).toEqual([]);
    });
  }
});
