/**
 * Random fault schedules. From one Rng a schedule of partitions, one-way cuts, loss /
 * duplication / reordering, crashes and pauses is drawn over the fault phase; every crash
 * and pause is undone later (or at the heal). The schedule is plain data, so it can be
 * logged, printed and replayed.
 */
import { assertNever, type NodeId, type Rng } from '../core/types';
import type { Cluster } from './cluster';
import { RELIABLE, type NetworkFaults } from './network';
import { exponential, pick, shuffle } from './random';

/** FaultAction is one change to the cluster or its network. */
export type FaultAction =
  | { kind: 'partition'; groups: NodeId[][] }
  | { kind: 'cut'; from: NodeId; to: NodeId }
  | { kind: 'heal-network' }
  | { kind: 'net'; faults: NetworkFaults }
  | { kind: 'crash'; node: NodeId }
  | { kind: 'restart'; node: NodeId }
  | { kind: 'pause'; node: NodeId }
  | { kind: 'resume'; node: NodeId };

/** TimedFault is a FaultAction at a virtual time (ms). */
export interface TimedFault {
  atMs: number;
  action: FaultAction;
}

/** ScheduleOptions bound a random schedule. */
export interface ScheduleOptions {
  /** durationMs: faults happen in [0, durationMs); the heal comes at durationMs. */
  durationMs: number;
  /** meanGapMs: mean time between fault actions. */
  meanGapMs: number;
  /** electionMs: one election timeout, the scale of outages and pauses. */
  electionMs: number;
}

/** randomSchedule draws a fault schedule for the given nodes. */
export function randomSchedule(rng: Rng, ids: NodeId[], o: ScheduleOptions): TimedFault[] {
  const out: TimedFault[] = [];
  // Nodes that are down or paused until a given time, so actions stay meaningful.
  const busyUntil = new Map<NodeId, number>();
  let t = exponential(rng, o.meanGapMs);
  while (t < o.durationMs) {
    const free = ids.filter((id) => (busyUntil.get(id) ?? -1) < t);
    const r = rng.next();
    if (r < 0.2 && ids.length > 1) {
      out.push({ atMs: t, action: { kind: 'partition', groups: randomGroups(rng, ids) } });
    } else if (r < 0.3 && ids.length > 1) {
      const [from, to] = shuffle(rng, ids);
      out.push({ atMs: t, action: { kind: 'cut', from: from!, to: to! } });
    } else if (r < 0.45) {
      out.push({ atMs: t, action: { kind: 'heal-network' } });
    } else if (r < 0.6) {
      out.push({ atMs: t, action: { kind: 'net', faults: randomFaults(rng, o.electionMs) } });
    } else if (r < 0.85 && free.length > 0) {
      const node = pick(rng, free);
      const down = o.electionMs * (0.2 + rng.next() * 4);
      out.push({ atMs: t, action: { kind: 'crash', node } });
      if (t + down < o.durationMs) out.push({ atMs: t + down, action: { kind: 'restart', node } });
      busyUntil.set(node, t + down);
    } else if (free.length > 0) {
      const node = pick(rng, free);
      const frozen = o.electionMs * (0.2 + rng.next() * 3);
      out.push({ atMs: t, action: { kind: 'pause', node } });
      if (t + frozen < o.durationMs) out.push({ atMs: t + frozen, action: { kind: 'resume', node } });
      busyUntil.set(node, t + frozen);
    }
    t += exponential(rng, o.meanGapMs);
  }
  // Stable sort: equal times keep the order they were drawn in.
  return out
    .map((f, i) => ({ f, i }))
    .sort((a, b) => a.f.atMs - b.f.atMs || a.i - b.i)
    .map((x) => x.f);
}

function randomGroups(rng: Rng, ids: NodeId[]): NodeId[][] {
  const order = shuffle(rng, ids);
  const k = ids.length >= 5 && rng.next() < 0.3 ? 3 : 2;
  const groups: NodeId[][] = Array.from({ length: k }, () => []);
  order.forEach((id, i) => groups[i < k ? i : rng.int(0, k - 1)]!.push(id));
  return groups.map((g) => g.sort());
}

function randomFaults(rng: Rng, electionMs: number): NetworkFaults {
  const drop = pick(rng, [0, 0, 0.05, 0.1, 0.3]);
  const duplicate = pick(rng, [0, 0, 0.05, 0.2]);
  const maxMs = pick(rng, [3, 10, 30]);
  const reorder = pick(rng, [0, 0, 0.05, 0.2]);
  return {
    drop,
    duplicate,
    delay: { minMs: 0.5, maxMs, reorder, reorderMinMs: maxMs, reorderMaxMs: electionMs * (1 + rng.next() * 3) },
  };
}

/** applyFault performs one action on the cluster. */
export function applyFault(c: Cluster, a: FaultAction): void {
  switch (a.kind) {
    case 'partition':
      c.partition(a.groups);
      return;
    case 'cut':
      c.cut(a.from, a.to);
      return;
    case 'heal-network':
      c.healNetwork();
      return;
    case 'net':
      c.setFaults(a.faults);
      return;
    case 'crash':
      c.crash(a.node);
      return;
    case 'restart':
      c.restart(a.node);
      return;
    case 'pause':
      c.pause(a.node);
      return;
    case 'resume':
      c.resume(a.node);
      return;
    default:
      assertNever(a, 'fault action');
  }
}

/** healAll ends every fault: network healed and clean, every node up and running. */
export function healAll(c: Cluster): void {
  c.healNetwork();
  c.setFaults(RELIABLE);
  for (const n of c.nodes) {
    if (n.state === 'down') c.restart(n.id);
    else if (n.state === 'paused') c.resume(n.id);
  }
}
