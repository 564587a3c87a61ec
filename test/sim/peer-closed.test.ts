/**
 * The simulator models what the lab's router does when a process dies: its connections
 * close and each peer with an open link from it learns it (sim/wire.ts closeLinks), so a
 * leader that crashes is replaced before an election timeout — in virtual time — while a
 * paused leader, or a peer cut off from the dead one, gets no such notice.
 */
import { describe, expect, it } from 'vitest';
import { Cluster } from '../../src-main/sim/cluster';
import { RunLog } from '../../src-main/sim/run-log';
import type { ProtocolName } from '../../src-main/core/protocols';

function leaderOf(c: Cluster): string {
  expect(c.runUntilTrue(() => c.stableLeader() !== null, 10 * c.electionMs)).toBe(true);
  return c.stableLeader()!;
}

/** records: the kept run-log lines of `kind`, parsed. */
function records(log: RunLog, kind: string): Record<string, unknown>[] {
  return log.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((r) => r.kind === kind);
}

describe.each<ProtocolName>(['raft', 'paxos'])('%s in the simulator: a crash closes the links', (protocol) => {
  it('a crashed leader is replaced well within an election timeout, and the new leader commits', () => {
    const c = new Cluster({ seed: 21, nodes: 5, protocol });
    const old = leaderOf(c);
    c.runFor(c.electionMs / 2);
    c.crash(old);
    expect(c.runUntilTrue(() => ![null, old].includes(c.stableLeader()), c.electionMs / 2)).toBe(true);
    const fresh = c.stableLeader()!;
    expect(c.propose(fresh, 'x').ok).toBe(true);
    c.runFor(200);
    expect(c.violations).toEqual([]);
  });

  it('(a paused leader closes nothing: nobody takes over within the election timeout)', () => {
    const c = new Cluster({ seed: 21, nodes: 5, protocol });
    const old = leaderOf(c);
    c.runFor(c.electionMs / 2);
    c.pause(old);
    c.runFor(0.9 * c.electionMs);
    expect(c.nodes.filter((n) => n.id !== old).map((n) => n.status()!.role)).not.toContain('leader');
  });

  it('a node cut off from the dead leader does not see the close', () => {
    const log = new RunLog({ keep: true });
    const c = new Cluster({ seed: 21, nodes: 5, protocol, log });
    const old = leaderOf(c);
    const [near, ...far] = c.ids.filter((id) => id !== old) as [string, ...string[]];
    c.partition([[old, near], far]);
    c.crash(old);
    c.runFor(100);
    expect(records(log, 'peer-closed').map((r) => [r.node, r.peer])).toEqual([[near, old]]);
    expect(records(log, 'peer-closed-dropped').map((r) => r.node)).toEqual(far);
  });
});
