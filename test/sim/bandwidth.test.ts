/**
 * Slow links in the simulator: the same rate-limit model as the lab's router
 * (core/link-queue.ts) on virtual time. A follower behind a slow link falls behind and
 * catches up once the backlog has crossed; a full queue drops as 'queue-full'; a run with
 * slow links in the fault mix is byte-for-byte the same for the same seed and stays safe.
 */
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src-main/core/kv/codec';
import { Cluster } from '../../src-main/sim/cluster';
import { RunLog } from '../../src-main/sim/run-log';
import { runSimulation } from '../../src-main/sim/run';
import { setBandwidth } from '../../src-main/sim/slow-links';

const put = (key: string, value: string, seq: number): string =>
  encodeCommand({ client: 'test', seq, now: 0, cmd: { op: 'put', key, value } });

function leaderOf(c: Cluster): string {
  expect(c.runUntilTrue(() => c.stableLeader() !== null, 10 * c.electionMs)).toBe(true);
  return c.stableLeader()!;
}

describe('simulated slow links', () => {
  it('a follower behind a slow link falls behind while the rest commit, then catches up', () => {
    const c = new Cluster({ seed: 11, nodes: 3, log: new RunLog({ keep: true }) });
    const leader = leaderOf(c);
    const slow = c.ids.find((id) => id !== leader)!;
    const other = c.ids.find((id) => id !== leader && id !== slow)!;
    setBandwidth(c, leader, slow, 8 * 1024);
    const big = 'v'.repeat(4000);
    for (let i = 1; i <= 20; i++) expect(c.propose(leader, put(`k${i}`, big, i)).ok).toBe(true);
    c.runFor(1000);
    // The majority (leader + the other follower) has every write; the slow one has fewer.
    const last = c.node(leader).status()!.commitIndex;
    expect(c.node(other).applied).toBe(last);
    expect(c.node(slow).applied).toBeLessThan(last);
    expect(c.net.backlog(c.now, leader, slow).bytes).toBeGreaterThan(0);
    // ~80 KB at 8 KiB/s is ~10 s; the queue drops what does not fit and the leader resends it.
    expect(c.runUntilTrue(() => c.node(slow).applied >= last, 60_000)).toBe(true);
    expect(c.node(slow).sm!.get('k20')).toBe(big);
    const lines = c.log.lines;
    expect(lines.some((l) => l.includes('"reason":"queue-full"'))).toBe(true);
    expect(lines.some((l) => l.includes('"kind":"bandwidth"'))).toBe(true);
    expect(c.violations).toEqual([]);
  });

  it('a message takes its size over the rate to cross, then its latency', () => {
    const c = new Cluster({ seed: 12, nodes: 3, log: new RunLog({ keep: true }) });
    const leader = leaderOf(c);
    const slow = c.ids.find((id) => id !== leader)!;
    setBandwidth(c, leader, slow, 8 * 1024);
    const t0 = c.now;
    expect(c.propose(leader, put('k', 'v'.repeat(8000), 1)).ok).toBe(true);
    expect(c.runUntilTrue(() => c.node(slow).sm!.get('k') !== null, 10_000, 1)).toBe(true);
    // ~8 KB at 8 KiB/s is about a second on the wire, plus 1–3 ms of latency.
    expect(c.now - t0).toBeGreaterThanOrEqual(950);
    const sent = new Map<number, number>();
    let longest = 0;
    for (const line of c.log.lines) {
      const r = JSON.parse(line) as { t: number; kind: string; id: number; from: string; to: string };
      if (r.from !== leader || r.to !== slow) continue;
      if (r.kind === 'send') sent.set(r.id, r.t);
      if (r.kind === 'deliver') longest = Math.max(longest, r.t - sent.get(r.id)!);
    }
    expect(longest / 1e6).toBeGreaterThanOrEqual(950);
    expect(longest / 1e6).toBeLessThan(1100);
  });

  it('an unlimited link is not slowed: the same writes reach every follower at once', () => {
    const c = new Cluster({ seed: 11, nodes: 3 });
    const leader = leaderOf(c);
    for (let i = 1; i <= 20; i++) c.propose(leader, put(`k${i}`, 'v'.repeat(4000), i));
    c.runFor(1000);
    const last = c.node(leader).status()!.commitIndex;
    for (const id of c.ids) expect(c.node(id).applied).toBe(last);
  });

  it('slow links in the fault mix: the same seed gives the same run, and the run is safe', () => {
    const run = (seed: number) =>
      runSimulation({ seed, nodes: 3, faultMs: 4000, log: true, slowLinks: true, meanFaultGapMs: 300 });
    const runs = [1, 2, 3, 4, 5, 6, 7, 8].map(run);
    const slowed = runs.filter((r) => r.schedule.some((f) => f.action.kind === 'bandwidth'));
    expect(slowed.length).toBeGreaterThanOrEqual(2);
    for (const r of runs) expect(r.violations).toEqual([]);
    const first = slowed[0]!;
    expect(first.log.some((l) => l.includes('"kind":"bandwidth"'))).toBe(true);
    expect(run(first.seed).log.join('\n')).toBe(first.log.join('\n'));
  });

  it('leaving slowLinks off keeps the schedules of existing seeds as they were', () => {
    const a = runSimulation({ seed: 7, nodes: 3, faultMs: 4000, meanFaultGapMs: 300 });
    expect(a.schedule.some((f) => f.action.kind === 'bandwidth')).toBe(false);
  });
});
