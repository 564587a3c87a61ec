/**
 * RaftNode.ticksToNextEvent lets the node process sleep through ticks that change nothing
 * (node/core-clock.ts). It must never promise more quiet than there is: whenever it says
 * k > 1, the next tick sends nothing, persists nothing and changes no role or term — else
 * a sleeping node would miss a heartbeat (§5.2), an election timeout or a quorum check.
 * Checked on quiet clusters and under random partitions, loss, crashes, a dead leader's
 * closed connections (early campaigns) and proposals.
 */
import { describe, expect, it } from 'vitest';
import type { RaftNode } from '../../../src-main/core/raft';
import { seededRng } from '../../../src-main/core/types';
import { RaftNetwork } from './helpers';

const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** watch wraps a core's tick so every tick checks the promise ticksToNextEvent made before it. */
function watch(n: RaftNode, seen: WeakSet<RaftNode>, stats: { quiet: number; acted: number }): void {
  if (seen.has(n)) return;
  seen.add(n);
  const tick = n.tick.bind(n);
  n.tick = () => {
    const k = n.ticksToNextEvent();
    expect(k).toBeGreaterThanOrEqual(1);
    const before = n.status();
    const idle = !n.hasReady();
    tick();
    if (!idle) return;
    const after = n.status();
    const acted = n.hasReady() || after.role !== before.role || after.term !== before.term;
    if (k > 1) expect(acted, `${n.id} as ${before.role} promised ${k} quiet ticks but acted`).toBe(false);
    if (acted) stats.acted++;
    else stats.quiet++;
  };
}

describe('ticksToNextEvent (a host may sleep that many ticks, §5.2 timers)', () => {
  it('a follower acts exactly at its election timeout, a leader exactly at its heartbeat', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], {
      electionTicks: 10,
      heartbeatTicks: 3,
      preVote: true,
      checkQuorum: true,
    });
    const f = net.node('n1');
    const k = f.ticksToNextEvent();
    expect(k).toBeGreaterThanOrEqual(10);
    for (let i = 1; i < k; i++) {
      f.tick();
      expect(f.hasReady()).toBe(false);
      expect(f.ticksToNextEvent()).toBe(k - i);
    }
    f.tick();
    expect(f.status().role).toBe('precandidate');
    net.elect('n1');
    const l = net.node('n1');
    net.drain();
    net.deliverAll();
    const beat = l.ticksToNextEvent();
    expect(beat).toBeLessThanOrEqual(3);
    for (let i = 1; i < beat; i++) {
      l.tick();
      expect(l.hasReady()).toBe(false);
    }
    l.tick();
    const rd = l.ready();
    expect(
      rd.messages
        .filter((m) => m.type === 'heartbeat')
        .map((m) => m.to)
        .sort(),
    ).toEqual(['n2', 'n3']);
  });

  it('a follower whose leader closed its connection acts when its early campaign is due, not at its timeout', () => {
    const net = new RaftNetwork(['n1', 'n2', 'n3'], { electionTicks: 10, heartbeatTicks: 3, preVote: true });
    net.elect('n1');
    net.drain();
    net.deliverAll();
    // Only n3 sees the close: ranked second among the survivors, it waits one heartbeat interval.
    net.kill('n1', ['n3']);
    const n3 = net.node('n3');
    expect(n3.ticksToNextEvent()).toBe(3);
    n3.tick();
    n3.tick();
    expect(n3.status().role).toBe('follower');
    n3.tick();
    expect(n3.status().role).toBe('precandidate');
  });

  it('never promises quiet ticks that are not quiet, under random faults', () => {
    for (let seed = 1; seed <= 12; seed++) {
      const rng = seededRng(seed * 131);
      const net = new RaftNetwork(ids, {
        seed,
        preVote: rng.next() < 0.5,
        checkQuorum: rng.next() < 0.5,
        electionTicks: 10,
        heartbeatTicks: 1 + rng.int(0, 3),
      });
      const seen = new WeakSet<RaftNode>();
      const stats = { quiet: 0, acted: 0 };
      for (let step = 0; step < 600; step++) {
        for (const id of ids) if (net.member(id).up) watch(net.node(id), seen, stats);
        const r = rng.next();
        if (r < 0.02) net.partition(ids.slice(0, 2), ids.slice(2));
        else if (r < 0.04) net.recover();
        else if (r < 0.05) net.crash(ids[rng.int(0, 4)]!);
        else if (r < 0.055) {
          // A leader's process dies: its followers see the close and campaign early, by rank.
          const l = net.leader();
          if (l) net.kill(l);
        } else if (r < 0.07) {
          for (const id of ids) if (!net.member(id).up) net.restart(id);
        } else if (r < 0.2) {
          const l = net.leader();
          if (l) net.node(l).propose(`v${step}`);
        }
        net.tick();
      }
      // The check ran on both kinds of tick: many quiet ones, and ones where a node acted.
      expect(stats.quiet).toBeGreaterThan(100);
      expect(stats.acted).toBeGreaterThan(10);
    }
  });
});
