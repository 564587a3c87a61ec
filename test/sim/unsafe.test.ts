/**
 * Unsafe modes in the simulator: each test plays one short, scripted fault schedule on a
 * seeded Cluster that breaks one rule on purpose (core/unsafe.ts), and shows an invariant
 * catching what the rule was there for; the same schedule with the rule kept passes. The
 * simulator runs the lab's own cores, state machine and Ready loop, so the rule is broken
 * in the same code the node processes run.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../src-main/check/check';
import type { HistoryEvent } from '../../src-main/check/types';
import { encodeCommand } from '../../src-main/core/kv/codec';
import type { KvResult } from '../../src-main/core/kv/types';
import type { UnsafeSettings } from '../../src-main/core/unsafe';
import { ClientWorkload, DEFAULT_WORKLOAD } from '../../src-main/sim/clients';
import { Cluster, type ClusterOptions } from '../../src-main/sim/cluster';
import { watchLeaders } from '../../src-main/sim/leader-watch';
import { Stream, streamRng } from '../../src-main/sim/random';
import { checkFinalState } from '../../src-main/sim/run';

const put = (key: string, value: string, seq: number): string =>
  encodeCommand({ client: 'script', seq, now: 0, cmd: { op: 'put', key, value } });

function cluster(o: Partial<ClusterOptions> & { unsafe?: Partial<UnsafeSettings> }): Cluster {
  return new Cluster({ seed: 7, nodes: 3, ...o });
}

function leaderOf(c: Cluster): string {
  expect(c.runUntilTrue(() => c.stableLeader() !== null, 20 * c.electionMs)).toBe(true);
  return c.stableLeader()!;
}

const invariants = (c: Cluster): string[] => c.violations.map((v) => v.invariant);

describe('prevote: false — a node back from a partition deposes a healthy leader', () => {
  /** One follower is cut off for ten election timeouts, then the network heals. */
  function rejoin(unsafe: Partial<UnsafeSettings>): Cluster {
    const c = cluster({ unsafe });
    const lead = leaderOf(c);
    watchLeaders(c, { staleLeader: false });
    const loner = c.ids.find((id) => id !== lead)!;
    c.partition([[loner], c.ids.filter((id) => id !== loner)]);
    c.runFor(10 * c.electionMs);
    c.healNetwork();
    c.runFor(5 * c.electionMs);
    return c;
  }

  it('with pre-vote the loner never raises its term, and the leader keeps leading', () => {
    const c = rejoin({});
    expect(c.violations).toEqual([]);
  });

  it('without it the loner inflates its term and, on rejoining, deposes the leader (disruption)', () => {
    const c = rejoin({ prevote: false });
    expect(invariants(c)).toContain('disruption');
    expect(invariants(c).filter((i) => i !== 'disruption')).toEqual([]);
  });
});

describe('checkQuorum: false — a leader cut off from a majority keeps claiming to lead', () => {
  function isolateLeader(unsafe: Partial<UnsafeSettings>, protocol: 'raft' | 'paxos'): Cluster {
    const c = cluster({ unsafe, protocol });
    const lead = leaderOf(c);
    watchLeaders(c, { disruption: false });
    c.partition([[lead], c.ids.filter((id) => id !== lead)]);
    c.runFor(6 * c.electionMs);
    return c;
  }

  for (const protocol of ['raft', 'paxos'] as const) {
    it(`${protocol}: with the quorum check the old leader steps down within two election timeouts`, () => {
      const c = isolateLeader({}, protocol);
      expect(c.violations).toEqual([]);
    });

    it(`${protocol}: without it the old leader still leads three election timeouts later (stale-leader)`, () => {
      const c = isolateLeader({ checkQuorum: false }, protocol);
      expect(invariants(c)).toEqual(['stale-leader']);
    });
  }
});

describe('adoptHighestAccepted: false — a new Paxos leader ignores accepted values (P2c broken)', () => {
  /**
   * The leader gets "x" accepted by a majority, applies it (it is chosen) and is cut off
   * before anyone else learns it was chosen; the others elect a new leader.
   */
  function chosenThenCut(unsafe: Partial<UnsafeSettings>): { c: Cluster; lead: string } {
    const c = cluster({ protocol: 'paxos', unsafe });
    const lead = leaderOf(c);
    const others = c.ids.filter((id) => id !== lead);
    const x = put('x', '1', 1);
    let cut = false;
    c.onApply((node, e) => {
      // The instant the leader applies x: its decide is still in flight, and the cut loses it.
      if (!cut && node.id === lead && e.data === x) {
        cut = true;
        c.partition([[lead], others]);
      }
    });
    expect(c.propose(lead, x).ok).toBe(true);
    c.runFor(10 * c.electionMs);
    expect(cut).toBe(true);
    c.healNetwork();
    c.runFor(10 * c.electionMs);
    return { c, lead };
  }

  it('adopting the highest accepted value, the new leader proposes x again: every node applies x', () => {
    const { c } = chosenThenCut({});
    expect(c.violations).toEqual([]);
    for (const n of c.nodes) expect(n.sm!.get('x')).toBe('1');
  });

  it('ignoring it, the new leader proposes a no-op in the chosen slot: state machine safety breaks', () => {
    const { c, lead } = chosenThenCut({ adoptHighestAccepted: false });
    // The commit oracle sees the new leader start without the chosen value (Leader Completeness)...
    expect(c.violations[0]).toMatchObject({ invariant: 'leader-completeness' });
    expect(c.violations[0]!.description).toMatch(
      /holding noop "" \(term \d+\) where "\{.*put.*\(term \d+\) was committed at \d+$/,
    );
    // ...and the replicas then apply a no-op where the old leader applied x.
    const sms = c.violations.filter((v) => v.invariant === 'state-machine-safety');
    expect(sms.some((v) => new RegExp(`noop.*on .*but as "\\{.*x.*on ${lead}`).test(v.description))).toBe(true);
  });
});

describe('fsync: false — acknowledged writes vanish when every node is killed at once', () => {
  /**
   * Three clients read and write for a second and a half; every node is killed at the same
   * instant and restarted 50 ms later; the clients go on for another second and a half.
   */
  function killAll(unsafe: Partial<UnsafeSettings>): { c: Cluster; w: ClientWorkload } {
    const c = cluster({ unsafe, diskMs: [0.2, 1] });
    leaderOf(c);
    const w = new ClientWorkload(c, streamRng(7, Stream.clients), { ...DEFAULT_WORKLOAD, clients: 3, rate: 300 });
    w.start();
    c.runFor(1500);
    for (const id of c.ids) c.crash(id);
    c.runFor(50);
    for (const id of c.ids) c.restart(id);
    c.runFor(1500);
    w.stopIssuing();
    expect(c.runUntilTrue(() => w.outstanding === 0, 40 * c.electionMs)).toBe(true);
    w.finish();
    // Every node up and at one applied index, everything committed applied. (convergedIndex
    // would wait for the index applied before the kill, which a log that lost entries may never reach again.)
    const settled = (): boolean =>
      c.nodes.every(
        (n) => n.state === 'up' && n.applied === c.nodes[0]!.applied && n.lastStatus?.commitIndex === n.applied,
      );
    expect(c.runUntilTrue(settled, 20 * c.electionMs)).toBe(true);
    checkFinalState(c, w.acked);
    return { c, w };
  }

  it('fsync on: every acknowledged write is still in the log after the restart', () => {
    const { c, w } = killAll({});
    expect(w.acked.length).toBeGreaterThan(100);
    expect(c.violations).toEqual([]);
    expect(checkHistory(w.history).linearizable).toBe(true);
  });

  it('fsync off: the writes of the last second are gone, other commands take their slots, and reads show it', () => {
    const { c, w } = killAll({ fsync: false });
    // Each node comes back with a commit index below what it had made "durable" before the kill...
    expect(c.violations[0]!.description).toMatch(/^n\d restarted with commit index \d+ below its persisted \d+$/);
    // ...so later commands land on indexes that had already been applied with other commands...
    expect(invariants(c)).toContain('state-machine-safety');
    // ...and reads no longer see acknowledged writes.
    expect(checkHistory(w.history).linearizable).toBe(false);
  });
});

describe('sessions: false — a retried command applies twice', () => {
  /**
   * A client's cas reaches a majority, but the leader never hears the acknowledgements (the
   * links back to it are cut) and steps down; the next leader commits the cas. The client
   * heard nothing, so it retries the same command (same session, same seq) there — as the
   * lab's gateway and the simulator's clients do — and then reads the key.
   */
  function retriedCas(unsafe: Partial<UnsafeSettings>): HistoryEvent[] {
    const c = cluster({ unsafe });
    const lead = leaderOf(c);
    // A first write settles replication (every follower past probing), so the cas goes out at once.
    expect(c.propose(lead, put('warm', 'up', 1)).ok).toBe(true);
    expect(c.runUntilTrue(() => c.nodes.every((n) => n.sm!.get('warm') === 'up'), 10 * c.electionMs)).toBe(true);
    const cas = encodeCommand({
      client: 'c1',
      seq: 1,
      now: 0,
      cmd: { op: 'cas', key: 'k', expected: null, value: 'a' },
    });
    for (const o of c.ids) if (o !== lead) c.cut(o, lead);
    expect(c.propose(lead, cas).ok).toBe(true);
    c.runFor(10 * c.electionMs);
    const next = c.stableLeader();
    expect(next).not.toBeNull();
    expect(next).not.toBe(lead);
    const results = new Map<number, KvResult | null>();
    c.onApply((node, e, result) => {
      if (node.id === next) results.set(e.index, result);
    });
    const retry = c.propose(next!, cas);
    expect(retry.ok).toBe(true);
    c.runFor(c.electionMs);
    const answer = retry.ok ? results.get(retry.index) : null;
    expect(answer).toBeDefined();
    const ev = (type: HistoryEvent['type'], process: number, f: string, value: unknown): HistoryEvent => ({
      index: 0,
      time: 0,
      process,
      type,
      f,
      key: 'k',
      value,
    });
    const h = [
      ev('invoke', 1, 'cas', [null, 'a']),
      ev(answer?.ok ? 'ok' : 'fail', 1, 'cas', [null, 'a']),
      ev('invoke', 2, 'read', null),
      ev('ok', 2, 'read', c.node(next!).sm!.get('k')),
    ];
    return h.map((e, i) => ({ ...e, index: i, time: i }));
  }

  it('with sessions the retry is answered from the session (ok) and applies once: linearizable', () => {
    const h = retriedCas({});
    expect(h[1]!.type).toBe('ok');
    expect(checkHistory(h).linearizable).toBe(true);
  });

  it('without them the retry applies again, finds "a" and fails — yet "a" is there: not linearizable', () => {
    const h = retriedCas({ sessions: false });
    expect(h[1]!.type).toBe('fail');
    expect(h[3]!.value).toBe('a');
    expect(checkHistory(h).linearizable).toBe(false);
  });
});
