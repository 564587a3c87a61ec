/**
 * Random fault schedules. From one Rng a schedule of partitions, one-way cuts, loss /
 * duplication / reordering, crashes (some with a damaged store: the term/vote record, the
 * log's tail, or the whole file), pauses, slow disks, and faults armed to fire on an event
 * (the leader elected, its commit index moving, its lease held) is drawn over the fault
 * phase; every crash, pause and slow disk is undone later (or at the heal). The schedule
 * is plain data, so it can be logged, printed and replayed.
 */
import { assertNever, type NodeId, type Rng } from '../core/types';
import type { Cluster } from './cluster';
import { RELIABLE, type NetworkFaults } from './network';
import { exponential, pick, shuffle } from './random';
import { DAMAGE_KINDS, type DamageKind } from './sim-storage';
import { TRIGGER_EVENTS, type Trigger } from './triggers';

/** FaultAction is one change to the cluster or its network. */
export type FaultAction =
  | { kind: 'partition'; groups: NodeId[][] }
  | { kind: 'cut'; from: NodeId; to: NodeId }
  | { kind: 'heal-network' }
  | { kind: 'net'; faults: NetworkFaults }
  | { kind: 'crash'; node: NodeId }
  | { kind: 'restart'; node: NodeId }
  | { kind: 'pause'; node: NodeId }
  | { kind: 'resume'; node: NodeId }
  /** damage: a crashed node's store is damaged before it restarts. */
  | { kind: 'damage'; node: NodeId; damage: DamageKind }
  /** disk: a node's disk becomes slow ([min, max] ms per write) or, with null, normal again. */
  | { kind: 'disk'; node: NodeId; ms: [number, number] | null }
  /** arm: the next leader to match the trigger's event gets its fault. */
  | { kind: 'arm'; trigger: Trigger };

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
  /** damage: at most this many distinct nodes get a damaged store (0: none; keep it a minority). */
  damage?: number;
  /** triggers: arm event-triggered faults too. */
  triggers?: boolean;
  /** slowDisks: make disks slow now and then. */
  slowDisks?: boolean;
}

/** randomSchedule draws a fault schedule for the given nodes. */
export function randomSchedule(rng: Rng, ids: NodeId[], o: ScheduleOptions): TimedFault[] {
  const out: TimedFault[] = [];
  const push = (atMs: number, action: FaultAction): void => {
    out.push({ atMs, action });
  };
  // Nodes that are down or paused until a given time, so actions stay meaningful.
  const busyUntil = new Map<NodeId, number>();
  const damaged = new Set<NodeId>();
  let t = exponential(rng, o.meanGapMs);
  while (t < o.durationMs) {
    const free = ids.filter((id) => (busyUntil.get(id) ?? -1) < t);
    const r = rng.next();
    if (r < 0.15 && ids.length > 1) {
      push(t, { kind: 'partition', groups: randomGroups(rng, ids) });
    } else if (r < 0.22 && ids.length > 1) {
      const [from, to] = shuffle(rng, ids);
      push(t, { kind: 'cut', from: from!, to: to! });
    } else if (r < 0.32) {
      push(t, { kind: 'heal-network' });
    } else if (r < 0.42) {
      push(t, { kind: 'net', faults: randomFaults(rng, o.electionMs) });
    } else if (r < 0.62 && free.length > 0) {
      const node = pick(rng, free);
      const down = o.electionMs * (0.2 + rng.next() * 4);
      push(t, { kind: 'crash', node });
      // Some crashes also damage the store: only ever a minority of nodes, so no committed entry is lost for good.
      const budget = o.damage ?? 0;
      if (budget > 0 && rng.next() < 0.35 && (damaged.has(node) || damaged.size < budget)) {
        damaged.add(node);
        push(t, { kind: 'damage', node, damage: pick(rng, DAMAGE_KINDS) });
      }
      if (t + down < o.durationMs) push(t + down, { kind: 'restart', node });
      busyUntil.set(node, t + down);
    } else if (r < 0.74 && free.length > 0) {
      const node = pick(rng, free);
      const frozen = o.electionMs * (0.2 + rng.next() * 3);
      push(t, { kind: 'pause', node });
      if (t + frozen < o.durationMs) push(t + frozen, { kind: 'resume', node });
      busyUntil.set(node, t + frozen);
    } else if (r < 0.9 && o.triggers) {
      // Half the triggers wait for a leaseholder: a paused leader is how stale reads happen.
      const event = rng.next() < 0.5 ? 'lease' : pick(rng, TRIGGER_EVENTS);
      // A lease is broken by a pause (the leader wakes up believing it still leads); the others by a crash.
      const action = event === 'lease' || rng.next() < 0.2 ? 'pause' : 'crash';
      // A paused leaseholder sleeps through an election and a little more (a new leader takes over meanwhile).
      const forMs = o.electionMs * (event === 'lease' ? 1.6 + rng.next() * 1.6 : 0.5 + rng.next() * 3);
      push(t, { kind: 'arm', trigger: { event, action, forMs } });
    } else if (o.slowDisks && free.length > 0) {
      const node = pick(rng, free);
      const slow = o.electionMs * (1 + rng.next() * 4);
      push(t, { kind: 'disk', node, ms: [1, pick(rng, [5, 20, 60])] });
      push(t + slow, { kind: 'disk', node, ms: null });
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
    case 'damage':
      // Only a node still down: something else may have restarted it meanwhile.
      if (c.node(a.node).state === 'down') c.damage(a.node, a.damage);
      return;
    case 'disk':
      c.setDisk(a.node, a.ms);
      return;
    case 'arm':
      c.triggers.arm(a.trigger);
      return;
    default:
      assertNever(a, 'fault action');
  }
}

/** healAll ends every fault: network healed and clean, every node up and running. */
export function healAll(c: Cluster): void {
  c.triggers.disarm();
  c.healNetwork();
  c.setFaults(RELIABLE);
  for (const n of c.nodes) c.setDisk(n.id, null);
  for (const n of c.nodes) {
    if (n.state === 'down') c.restart(n.id);
    else if (n.state === 'paused') c.resume(n.id);
  }
}
