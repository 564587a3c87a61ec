/**
 * The Cluster harness's faults behave as a user of the lab would expect: a paused node
 * neither ticks nor receives and catches up on resume; a one-way cut is one-way; a crash
 * loses exactly what was not yet persisted; duplicates and loss do not break safety.
 */
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src-main/core/kv/codec';
import { Cluster } from '../../src-main/sim/cluster';
import { ClientWorkload, DEFAULT_WORKLOAD } from '../../src-main/sim/clients';
import { RELIABLE } from '../../src-main/sim/network';
import { streamRng } from '../../src-main/sim/random';

const put = (key: string, value: string, seq: number): string =>
  encodeCommand({ client: 'test', seq, now: 0, cmd: { op: 'put', key, value } });

function leaderOf(c: Cluster): string {
  expect(c.runUntilTrue(() => c.stableLeader() !== null, 10 * c.electionMs)).toBe(true);
  return c.stableLeader()!;
}

describe('Cluster faults', () => {
  it('rejects impossible clusters with a clear error', () => {
    expect(() => new Cluster({ seed: 1, nodes: 0 })).toThrow(/nodes must be an integer in 1\.\.9/);
    expect(() => new Cluster({ seed: 1, nodes: 10 })).toThrow(/1\.\.9/);
    expect(() => new Cluster({ seed: 1.5, nodes: 3 })).toThrow(/seed/);
    const c = new Cluster({ seed: 1, nodes: 3 });
    expect(() => c.crash('n7')).toThrow(/unknown node 'n7'/);
    expect(() => c.setFaults({ ...RELIABLE, drop: 2 })).toThrow(/drop must be a probability/);
  });

  it('a one-node cluster elects itself and commits', () => {
    const c = new Cluster({ seed: 3, nodes: 1 });
    expect(leaderOf(c)).toBe('n1');
    const r = c.propose('n1', put('a', '1', 1));
    expect(r.ok).toBe(true);
    c.runFor(100);
    expect(c.node('n1').sm!.get('a')).toBe('1');
  });

  it('a paused leader is replaced, its messages queue, and on resume it steps down and catches up', () => {
    const c = new Cluster({ seed: 5, nodes: 5 });
    const old = leaderOf(c);
    c.pause(old);
    const oldTerm = c.node(old).lastStatus!.term;
    c.runFor(20 * c.electionMs);
    const next = c.stableLeader();
    expect(next).not.toBeNull();
    expect(next).not.toBe(old);
    // Frozen: it neither ticked nor received — it still thinks it leads, in its old term.
    expect(c.node(old).status()!.role).toBe('leader');
    expect(c.node(old).status()!.term).toBe(oldTerm);
    expect(c.node(old).inbox.length).toBeGreaterThan(0);
    const r = c.propose(next!, put('k', 'v', 1));
    expect(r.ok).toBe(true);
    c.runFor(c.electionMs);
    c.resume(old);
    // What queued is stepped as it thaws, before anything new arrives: the newer term's
    // messages depose it at once.
    expect(c.node(old).inbox.length).toBe(0);
    expect(c.node(old).status()!.role).not.toBe('leader');
    expect(c.node(old).status()!.term).toBeGreaterThan(oldTerm);
    c.runFor(5 * c.electionMs);
    expect(c.node(old).status()!.role).not.toBe('leader');
    expect(c.node(old).sm!.get('k')).toBe('v');
    expect(c.violations).toEqual([]);
  });

  it('a one-way cut from the leader lets the others elect a new leader that the old one follows', () => {
    const c = new Cluster({ seed: 7, nodes: 3 });
    const old = leaderOf(c);
    for (const id of c.ids) if (id !== old) c.cut(old, id);
    // Messages still flow towards the old leader, never from it.
    expect(c.net.linkUp('n1' === old ? 'n2' : 'n1', old)).toBe(true);
    c.runFor(20 * c.electionMs);
    const next = c.stableLeader();
    expect(next).not.toBeNull();
    expect(next).not.toBe(old);
    expect(c.node(old).status()!.role).not.toBe('leader');
    c.healNetwork();
    const r = c.propose(next!, put('x', '1', 1));
    expect(r.ok).toBe(true);
    c.runFor(5 * c.electionMs);
    for (const n of c.nodes) expect(n.sm!.get('x')).toBe('1');
    expect(c.violations).toEqual([]);
  });

  it('a crash loses the Ready being persisted, and a restart rebuilds state from storage', () => {
    // Every Ready takes 5 ms to persist, so a crash 1 ms after a proposal catches it unsaved.
    const c = new Cluster({ seed: 11, nodes: 3, diskMs: [5, 5], snapshotEvery: 4 });
    const leader = leaderOf(c);
    for (let i = 1; i <= 10; i++) {
      expect(c.propose(leader, put(`k${i}`, `v${i}`, i)).ok).toBe(true);
      c.runFor(50);
    }
    const lost = put('lost', 'x', 11);
    expect(c.propose(leader, lost).ok).toBe(true);
    c.runFor(1);
    c.crash(leader);
    const disk = c.node(leader).storage.load();
    expect(disk.entries.some((e) => e.data === lost)).toBe(false);
    expect(disk.snapshot).not.toBeNull(); // compaction reached the disk
    c.restart(leader);
    const n = c.node(leader);
    // Restored from the snapshot and re-applied the committed tail: all ten writes are there.
    c.runFor(5 * c.electionMs);
    for (let i = 1; i <= 10; i++) expect(n.sm!.get(`k${i}`)).toBe(`v${i}`);
    expect(c.violations).toEqual([]);
  });

  it('duplication and loss do not break safety, and clients still get answers', () => {
    const c = new Cluster({ seed: 13, nodes: 5, network: { ...RELIABLE, drop: 0.1, duplicate: 0.3 } });
    const w = new ClientWorkload(c, streamRng(13, 99), { ...DEFAULT_WORKLOAD, rate: 200 });
    w.start();
    c.runFor(5000);
    w.stopIssuing();
    c.setFaults(RELIABLE);
    expect(c.runUntilTrue(() => w.outstanding === 0, 10_000)).toBe(true);
    expect(c.stats.duplicated).toBeGreaterThan(100);
    expect(c.stats.dropped).toBeGreaterThan(100);
    expect(w.history.filter((h) => h.type === 'ok').length).toBeGreaterThan(400);
    expect(w.acked.length).toBeGreaterThan(250);
    expect(c.violations).toEqual([]);
    // Every message is counted once, against its sender, lost and duplicated ones too.
    const by = c.stats.sentBy;
    expect(Object.keys(by)).toEqual(c.ids);
    expect(Object.values(by).reduce((a, b) => a + b, 0)).toBe(c.stats.sent);
    expect(Math.min(...Object.values(by))).toBeGreaterThan(0);
  });

  it('counts what a node sent across its crashes, and a spare that never ran sent nothing', () => {
    const c = new Cluster({ seed: 5, nodes: 3, spares: 1 });
    const lead = leaderOf(c);
    c.runFor(500);
    const before = c.stats.sentBy[lead]!;
    expect(before).toBeGreaterThan(0);
    c.crash(lead);
    c.runFor(500);
    expect(c.stats.sentBy[lead]).toBe(before);
    c.restart(lead);
    c.runFor(2000);
    expect(c.stats.sentBy[lead]).toBeGreaterThan(before);
    expect(c.stats.sentBy.n4).toBe(0);
    const by = c.stats.sentBy;
    expect(Object.values(by).reduce((a, b) => a + b, 0)).toBe(c.stats.sent);
  });
});
