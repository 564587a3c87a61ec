/**
 * Random fault schedules. From one Rng a schedule of partitions, one-way cuts, loss /
 * duplication / reordering, crashes (some with a damaged store: the term/vote record, the
 * log's tail, or the whole file; some restarting faster than a message travels), power
 * cuts (a majority down at once), pauses, slow disks, and faults armed to fire on an event
 * (the leader elected, its commit index moving, its lease held, a damaged node recovered —
 * the last armed with a rolling outage, Drawer.rollingOutage),
 * and when asked for, slow links and membership changes, is drawn over the fault phase; every crash, pause and slow disk is undone later (or at
 * the heal). The schedule is plain data, so it can be logged, printed and replayed.
 */
import { DAMAGE_KINDS, type DamageKind } from '../core/recovery';
import { assertNever, type NodeId, type Rng } from '../core/types';
import type { Cluster } from './cluster';
import { changeMembership } from './membership';
import { setBandwidth } from './slow-links';
import { RELIABLE, type NetworkFaults } from './network';
import { exponential, pick, shuffle } from './random';
import type { Trigger } from './triggers';

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
  | { kind: 'arm'; trigger: Trigger }
  /** bandwidth: a rate limit on one directed link, bytes a second (0 lifts it). */
  | { kind: 'bandwidth'; from: NodeId; to: NodeId; rate: number }
  /** member: one membership change, chosen when it runs from the leader's configuration (pick in [0, 1)). */
  | { kind: 'member'; pick: number };

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
  /** slowLinks: some actions rate-limit one link (both ways). Off by default, so existing seeds keep their schedules. */
  slowLinks?: boolean;
  /** membership: about a third of the actions become membership changes (sim/membership.ts). Off by default too. */
  membership?: boolean;
}

/** SLOW_RATES are the rates a slow link gets in random schedules, bytes a second (a heartbeat is ~100 B). */
const SLOW_RATES = [2 * 1024, 16 * 1024, 64 * 1024, 512 * 1024];

/** randomSchedule draws a fault schedule for the given nodes. */
export function randomSchedule(rng: Rng, ids: NodeId[], o: ScheduleOptions): TimedFault[] {
  const d = new Drawer(rng, ids, o);
  let t = exponential(rng, o.meanGapMs);
  while (t < o.durationMs) {
    d.drawAt(t);
    t += exponential(rng, o.meanGapMs);
  }
  // Stable sort: equal times keep the order they were drawn in.
  return d.out
    .map((f, i) => ({ f, i }))
    .sort((a, b) => a.f.atMs - b.f.atMs || a.i - b.i)
    .map((x) => x.f);
}

/** Drawer draws one fault at a time, keeping track of which nodes are busy (down or paused) and which were damaged. */
class Drawer {
  readonly out: TimedFault[] = [];
  /** busyUntil: nodes down or paused until a given time, so actions stay meaningful. */
  private readonly busyUntil = new Map<NodeId, number>();
  private readonly damaged = new Set<NodeId>();
  private readonly e: number;

  constructor(
    private readonly rng: Rng,
    private readonly ids: NodeId[],
    private readonly o: ScheduleOptions,
  ) {
    this.e = o.electionMs;
  }

  /** drawAt draws the fault action(s) starting at t. */
  drawAt(t: number): void {
    const rng = this.rng;
    const ids = this.ids;
    const free = ids.filter((id) => (this.busyUntil.get(id) ?? -1) < t);
    const r = rng.next();
    // The opt-in kinds draw only when asked for, so the schedules of existing seeds stay what they were.
    if (this.o.membership === true && rng.next() < 0.3) {
      this.push(t, { kind: 'member', pick: rng.next() });
    } else if (this.o.slowLinks === true && ids.length > 1 && rng.next() < 0.15) {
      const [from, to] = shuffle(rng, ids);
      const rate = pick(rng, SLOW_RATES);
      this.push(t, { kind: 'bandwidth', from: from!, to: to!, rate });
      this.push(t, { kind: 'bandwidth', from: to!, to: from!, rate });
    } else if (r < 0.15 && ids.length > 1) {
      this.push(t, { kind: 'partition', groups: randomGroups(rng, ids) });
    } else if (r < 0.22 && ids.length > 1) {
      const [from, to] = shuffle(rng, ids);
      this.push(t, { kind: 'cut', from: from!, to: to! });
    } else if (r < 0.31) {
      this.push(t, { kind: 'heal-network' });
    } else if (r < 0.4) {
      this.push(t, { kind: 'net', faults: randomFaults(rng, this.e) });
    } else if (r < 0.54 && free.length > 0) {
      this.crash(t, pick(rng, free), 0.35);
    } else if (r < 0.58 && free.length > 0) {
      this.flap(t, pick(rng, free));
    } else if (r < 0.62 && free.length > Math.floor(ids.length / 2)) {
      this.powerCut(t, free);
    } else if (r < 0.73 && free.length > 0) {
      const node = pick(rng, free);
      this.pause(t, node, this.e * (0.2 + rng.next() * 3));
    } else if (r < 0.89 && this.o.triggers) {
      this.trigger(t, free);
    } else if (this.o.slowDisks && free.length > 0) {
      const node = pick(rng, free);
      this.push(t, { kind: 'disk', node, ms: [1, pick(rng, [5, 20, 60])] });
      this.push(t + this.e * (1 + rng.next() * 4), { kind: 'disk', node, ms: null });
    }
  }

  /** push adds an action before the heal (which undoes everything still in force itself). */
  private push(atMs: number, action: FaultAction): void {
    if (atMs < this.o.durationMs) this.out.push({ atMs, action });
  }

  /**
   * crash takes a node down, its store damaged with chance `damageChance` (only ever a
   * minority of nodes, so no committed entry is lost for good). Now and then it restarts
   * quicker than a message flies, so answers meant for the old process reach the new one.
   */
  private crash(t: number, node: NodeId, damageChance: number, down?: number, kind?: DamageKind): void {
    const rng = this.rng;
    const d = down ?? (rng.next() < 0.25 ? 1 + rng.next() * 20 : this.e * (0.2 + rng.next() * 4));
    this.push(t, { kind: 'crash', node });
    const budget = this.o.damage ?? 0;
    if (budget > 0 && rng.next() < damageChance && (this.damaged.has(node) || this.damaged.size < budget)) {
      this.damaged.add(node);
      this.push(t, { kind: 'damage', node, damage: kind ?? pick(rng, DAMAGE_KINDS) });
    }
    this.push(t + d, { kind: 'restart', node });
    this.busyUntil.set(node, t + d);
  }

  /** flap is a crash loop: a node dies soon after each start, a few times over, each time back within moments. */
  private flap(t: number, node: NodeId): void {
    const rng = this.rng;
    let at = t;
    for (let i = rng.int(2, 4); i > 0; i--) {
      const down = 1 + rng.next() * 20;
      this.crash(at, node, 0, down);
      at += down + this.e * (0.05 + rng.next() * 0.5);
    }
  }

  /** powerCut takes a majority (or all) of the nodes down at once; they come back one by one. */
  private powerCut(t: number, free: NodeId[]): void {
    const rng = this.rng;
    const victims = shuffle(rng, free).slice(0, rng.int(Math.floor(this.ids.length / 2) + 1, free.length));
    for (const node of victims) this.crash(t, node, 0, this.e * (0.2 + rng.next() * 2));
  }

  private pause(t: number, node: NodeId, frozen: number): void {
    this.push(t, { kind: 'pause', node });
    this.push(t + frozen, { kind: 'resume', node });
    this.busyUntil.set(node, t + frozen);
  }

  /** trigger arms an event-triggered fault; one waiting for a recovery comes with a rolling outage that damages a store. */
  private trigger(t: number, free: NodeId[]): void {
    const trig = randomTrigger(this.rng, this.o);
    this.push(t, { kind: 'arm', trigger: trig });
    // The node whose disk fails: one the damage budget still allows.
    const budget = this.o.damage ?? 0;
    const disks = free.filter((id) => this.damaged.has(id) || this.damaged.size < budget);
    if (trig.event === 'recovered' && disks.length > 0) this.rollingOutage(t, pick(this.rng, disks));
  }

  /**
   * rollingOutage: a minority of the other nodes is cut off (its switch fails), so the rest
   * commit without it; then `node` crashes and its disk is replaced — the whole file lost,
   * nothing known of what it held — and it comes back half an election timeout later; the
   * cut ends a moment after that (the other damage kinds come with plain crashes). With the
   * 'recovered' trigger armed beside it, the leader crashes as soon as `node` ends its recovery: the
   * lagging minority and the rebuilt node can now elect a leader between them, so the
   * rebuilt node must not vote before it holds everything it had acknowledged (the case
   * for a recovery read, core/recovery/recovery.ts).
   */
  private rollingOutage(t: number, node: NodeId): void {
    const rng = this.rng;
    const e = this.e;
    const others = shuffle(
      rng,
      this.ids.filter((id) => id !== node),
    );
    const cut = others.slice(0, Math.floor((this.ids.length - 1) / 2)).sort();
    const crashAt = t + e * (0.2 + rng.next() * 0.5);
    if (cut.length > 0) {
      this.push(t, { kind: 'partition', groups: [cut, this.ids.filter((id) => !cut.includes(id))] });
      this.push(crashAt + e * (0.6 + rng.next() * 0.5), { kind: 'heal-network' });
    }
    this.crash(crashAt, node, 1, e * 0.5, 'file');
  }
}

/**
 * randomTrigger draws an event-triggered fault. A third wait for a leaseholder to pause it
 * (a paused leader is how stale reads happen); some strand it (triggers.ts); with disk
 * faults on, some crash the leader as soon as a damaged node has recovered (the moment its
 * vote counts again; a rolling outage sets that up); some bounce a young node that forwards a read; the rest crash (or
 * pause) a leader just elected or whose commit index just moved.
 */
function randomTrigger(rng: Rng, o: ScheduleOptions): Trigger {
  const e = o.electionMs;
  const r = rng.next();
  // A paused leaseholder sleeps through an election and a little more (a new leader takes over meanwhile).
  if (r < 0.3) return { event: 'lease', action: 'pause', forMs: e * (1.6 + rng.next() * 1.6) };
  // Stranded long enough for the others to elect a leader and commit under it.
  if (r < 0.5) return { event: 'lease', action: 'strand', forMs: e * (2 + rng.next() * 2) };
  if (r < 0.72 && (o.damage ?? 0) > 0)
    return { event: 'recovered', action: 'crash', forMs: e * (0.5 + rng.next() * 3) };
  // A young process that forwards a read is bounced, and the answer reaches its successor late.
  if (r < 0.82) return { event: 'read', action: 'bounce', forMs: 1 + rng.next() * 20 };
  const event = pick(rng, ['elected', 'commit'] as const);
  return { event, action: rng.next() < 0.2 ? 'pause' : 'crash', forMs: e * (0.5 + rng.next() * 3) };
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
    case 'bandwidth':
      setBandwidth(c, a.from, a.to, a.rate);
      return;
    case 'member':
      changeMembership(c, a.pick);
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
