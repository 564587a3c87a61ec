/**
 * A simulated node waits for its disk the way the node process does (node/deferred-sync.ts
 * with HostLoop's applyWhileHeld): while a Ready's write is held, the entries it commits are
 * applied and their clients answered; and a Ready that only moves the commit index is not
 * held at all (SqliteStorage.mustSync). So a client of a leader on a slow disk waits for
 * one write of its entry, not also for the write of whatever the leader took on meanwhile.
 * All times are virtual: the leader's disk takes exactly DISK_MS per write, the others'
 * none, and the network delivers in about a millisecond.
 */
import { describe, expect, it } from 'vitest';
import type { ProtocolName } from '../../src-main/core/protocols';
import type { ClientRequestFrame, ClientResponseFrame } from '../../src-main/node/contract';
import { Cluster } from '../../src-main/sim/cluster';

const DISK_MS = 30;

/** Answer is one client request's outcome and how long it took (null: no answer yet). */
interface Answer {
  res: ClientResponseFrame | null;
  tookMs: number;
}

/** put sends client `client`'s first put straight to node `id` and records the answer. */
function put(c: Cluster, id: string, client: string, key: string): Answer {
  const a: Answer = { res: null, tookMs: -1 };
  const t0 = c.now;
  const req: ClientRequestFrame = {
    t: 'req',
    id: c.now + key.length,
    client,
    seq: 1,
    op: { op: 'put', key, value: client },
    timeoutMs: 10 * DISK_MS,
  };
  c.clientRequest(id, req, (res) => {
    a.res = res;
    a.tookMs = c.now - t0;
  });
  return a;
}

/** slowLeader elects a leader in a 3-node cluster and gives it a disk of DISK_MS per write. */
function slowLeader(seed: number, protocol: ProtocolName): { c: Cluster; leader: string } {
  const c = new Cluster({ seed, nodes: 3, protocol });
  expect(c.runUntilTrue(() => c.stableLeader() !== null, 10 * c.electionMs)).toBe(true);
  const leader = c.stableLeader()!;
  c.setDisk(leader, [DISK_MS, DISK_MS]);
  // Let the leader's own writes (its noop) settle first.
  c.runFor(5 * DISK_MS);
  return { c, leader };
}

describe.each(['raft', 'paxos'] as const)('a simulated %s leader on a slow disk', (protocol) => {
  it('answers a committed entry while its next write is held', () => {
    const { c, leader } = slowLeader(11, protocol);
    const a = put(c, leader, 'a', 'ka');
    // b arrives while a's write is held: its entry goes into the leader's next write, which
    // is held while a commits. a's answer must not wait for that second write.
    c.runFor(2);
    const b = put(c, leader, 'b', 'kb');
    c.runFor(6 * DISK_MS);
    expect(a.res?.outcome, 'a answered').toBe('ok');
    expect(b.res?.outcome, 'b answered').toBe('ok');
    expect(a.tookMs).toBeGreaterThanOrEqual(DISK_MS);
    expect(a.tookMs, 'a waited for one write only').toBeLessThan(1.5 * DISK_MS);
    // b's entry was written after a's: two writes.
    expect(b.tookMs).toBeGreaterThanOrEqual(2 * DISK_MS - 2);
    expect(c.violations).toEqual([]);
  });

  it('does not hold a write that only moves the commit index', () => {
    const { c, leader } = slowLeader(13, protocol);
    const a = put(c, leader, 'a', 'ka');
    c.runUntilTrue(() => a.res !== null, 4 * DISK_MS, 1);
    expect(a.res?.outcome).toBe('ok');
    // Right after a's answer the leader writes only a's commit; b's entry need not wait
    // for that write, so b too is answered after about one write.
    c.runFor(1);
    const b = put(c, leader, 'b', 'kb');
    c.runFor(6 * DISK_MS);
    expect(b.res?.outcome).toBe('ok');
    expect(b.tookMs, 'b waited for one write only').toBeLessThan(1.5 * DISK_MS);
    expect(c.violations).toEqual([]);
  });
});
