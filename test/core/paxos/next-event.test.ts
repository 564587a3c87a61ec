/**
 * PaxosNode.ticksToNextEvent lets a Multi-Paxos node process sleep through ticks that change
 * nothing (node/core-clock.ts), as Raft's does. It must never promise more quiet than there
 * is: whenever it says k > 1, the next tick sends nothing, persists nothing and changes no
 * role or ballot — else a sleeping node would miss a heartbeat, a retransmission, an
 * election timeout, an early campaign or a quorum check. Checked on a quiet cluster and
 * under random partitions, crashes, dead leaders' closed connections and proposals.
 */
import { describe, expect, it } from 'vitest';
import type { PaxosNode } from '../../../src-main/core/paxos';
import { seededRng } from '../../../src-main/core/types';
import { PaxosNetwork } from './helpers';

const ids = ['n1', 'n2', 'n3', 'n4', 'n5'];

/** watch wraps a core's tick so every tick checks the promise ticksToNextEvent made before it. */
function watch(n: PaxosNode, seen: WeakSet<PaxosNode>, stats: { quiet: number; acted: number }): void {
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

describe('Multi-Paxos ticksToNextEvent (a host may sleep that many ticks)', () => {
  it('a follower acts exactly at its election timeout, a leader exactly at its heartbeat', () => {
    const net = new PaxosNetwork(3, { electionTicks: 10, heartbeatTicks: 3, seed: 2 });
    const f = net.node('n1');
    const k = f.ticksToNextEvent();
    expect(k).toBeGreaterThanOrEqual(10);
    for (let i = 1; i < k; i++) {
      f.tick();
      expect(f.hasReady()).toBe(false);
      expect(f.ticksToNextEvent()).toBe(k - i);
    }
    f.tick();
    expect(f.status().role).toBe('candidate');
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
    const sent = l.ready().messages.filter((m) => m.type === 'heartbeat');
    expect(sent.map((m) => m.to).sort()).toEqual(['n2', 'n3']);
  });

  it('never promises quiet ticks that are not quiet, under random faults', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const rng = seededRng(seed * 131);
      const net = new PaxosNetwork(5, {
        seed,
        checkQuorum: rng.next() < 0.7,
        electionTicks: 10,
        heartbeatTicks: 1 + rng.int(0, 3),
      });
      const seen = new WeakSet<PaxosNode>();
      const stats = { quiet: 0, acted: 0 };
      for (let step = 0; step < 600; step++) {
        for (const id of ids) if (net.member(id).up) watch(net.node(id), seen, stats);
        const r = rng.next();
        if (r < 0.02) net.partition(ids.slice(0, 2), ids.slice(2));
        else if (r < 0.04) net.recover();
        else if (r < 0.05) net.crash(ids[rng.int(0, 4)]!);
        else if (r < 0.055) {
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
      expect(stats.quiet).toBeGreaterThan(100);
      expect(stats.acted).toBeGreaterThan(10);
    }
  });
});
