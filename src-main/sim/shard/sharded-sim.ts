/**
 * ShardedSim is a sharded cluster in the simulator: the shard controller's group and G
 * replica groups, each a simulated Cluster (its own cores, stores, network and invariant
 * checker — terms and indexes belong to a group), numbered n1 … nK as the lab numbers its
 * processes (controller first), on one virtual clock, every random choice from one seed.
 *
 * The groups advance together in steps of QUANTUM_MS: each runs its own events up to the
 * step's end, then the sharded layer's agenda runs (the coordinator, the gateway's clients,
 * shard data in flight between groups). That layer is written with promises, as the lab's
 * is; a promise settled from inside a group's events is resumed before the next step
 * (`settle` marks it, the step flushes the microtask queue), so the same seed gives the
 * same run. What crosses between groups (a shard's data) goes over `cross`, one more
 * simulated network holding the cuts between any two nodes, so a partition between groups
 * holds a shard's data back as the lab's router does.
 */
import { ControllerMachine } from '../../core/shard/controller-machine';
import type { ShardScheme } from '../../core/shard/config';
import { ShardGroupMachine } from '../../core/shard/group';
import type { ProtocolName } from '../../core/protocols';
import type { NodeId, NodeStatus } from '../../core/types';
import { Cluster } from '../cluster';
import type { ClusterOptions } from '../cluster-options';
import { EventQueue } from '../event-queue';
import { RELIABLE, SimNetwork, type NetworkFaults } from '../network';
import { streamRng } from '../random';

/** QUANTUM_MS is how far the groups run between two turns of the sharded layer. */
export const QUANTUM_MS = 1;
/** SHARD_STREAM labels the sharded layer's random streams (apart from every group's own). */
export const SHARD_STREAM = 40;

/** ShardedSimOptions configure a sharded simulated cluster. */
export interface ShardedSimOptions {
  seed: number;
  protocol: ProtocolName;
  /** groups: replica groups joined at first; spare: more started, not joined. */
  groups: number;
  spare?: number;
  /** perGroup: members of each group and of the controller. */
  perGroup: number;
  scheme: ShardScheme;
  tickMs?: number;
  heartbeatTicks?: number;
  electionTicks?: number;
  diskMs?: [number, number];
  snapshotEvery?: number;
  network?: NetworkFaults;
  /** kv: state-machine options of every group (an unsafe run turns sessions off here). */
  kv?: ClusterOptions['kv'];
  /** pageChars: the length of a moving shard's pages (default the lab's, PART_CHARS; a sweep cuts small ones so its shards move in several). */
  pageChars?: number;
}

/** SimGroup is one group of the layout: `id` is 'ctl' for the controller. */
export interface SimGroup {
  id: string;
  nodes: NodeId[];
  spare: boolean;
  cluster: Cluster;
}

/** ShardedSim is the harness (see the file comment). */
export class ShardedSim {
  readonly controller: SimGroup;
  readonly groups: SimGroup[];
  readonly scheme: ShardScheme;
  readonly protocol: ProtocolName;
  readonly seed: number;
  /** cross holds the cuts between any two nodes, for what travels between groups. */
  readonly cross: SimNetwork;
  now = 0;
  private readonly agenda = new EventQueue();
  private readonly byNode = new Map<NodeId, SimGroup>();
  private woke = false;

  constructor(o: ShardedSimOptions) {
    this.seed = o.seed;
    this.protocol = o.protocol;
    this.scheme = { ...o.scheme };
    let n = 0;
    const ids = (): NodeId[] => Array.from({ length: o.perGroup }, () => `n${++n}`);
    const make = (id: string, i: number, spare: boolean): SimGroup => {
      const nodes = ids();
      const groupOpts = { ...(o.kv ?? {}), ...(o.pageChars ? { partChars: o.pageChars } : {}) };
      const machine =
        id === 'ctl' ? () => new ControllerMachine(this.scheme) : () => new ShardGroupMachine(id, groupOpts);
      const cluster = new Cluster({
        // Each group draws from its own seed: adding a group does not change the others' runs.
        seed: streamRng(o.seed, SHARD_STREAM, i).int(0, 2 ** 31 - 1),
        nodes: o.perGroup,
        names: nodes,
        protocol: o.protocol,
        machine,
        tickMs: o.tickMs ?? 10,
        ...(o.heartbeatTicks ? { heartbeatTicks: o.heartbeatTicks } : {}),
        ...(o.electionTicks ? { electionTicks: o.electionTicks } : {}),
        diskMs: o.diskMs ?? [0, 0],
        snapshotEvery: o.snapshotEvery ?? 0,
        network: o.network ?? RELIABLE,
        ...(o.kv ? { kv: o.kv } : {}),
      });
      const g = { id, nodes, spare, cluster };
      for (const x of nodes) this.byNode.set(x, g);
      return g;
    };
    this.controller = make('ctl', 0, false);
    const all = o.groups + (o.spare ?? 0);
    this.groups = Array.from({ length: all }, (_, i) => make(`g${i + 1}`, i + 1, i >= o.groups));
    this.cross = new SimNetwork(streamRng(o.seed, SHARD_STREAM, 99), o.network ?? RELIABLE);
  }

  /** all lists the controller and every replica group. */
  get all(): SimGroup[] {
    return [this.controller, ...this.groups];
  }

  /** ids lists every node, controller first. */
  get ids(): NodeId[] {
    return this.all.flatMap((g) => g.nodes);
  }

  /** groupOf is the group a node belongs to (throws on an unknown id). */
  groupOf(id: NodeId): SimGroup {
    const g = this.byNode.get(id);
    if (!g) throw new Error(`unknown node '${id}' (have n1..n${this.byNode.size})`);
    return g;
  }

  /** group finds a replica group (or the controller, 'ctl') by id. */
  group(id: string): SimGroup | undefined {
    return this.all.find((g) => g.id === id);
  }

  /** leaderOf is the group's node that runs and claims to lead in the highest term (the lab's believedLeaderOf). */
  leaderOf(g: SimGroup): NodeId | null {
    let best: NodeStatus | null = null;
    for (const n of g.cluster.nodes) {
      g.cluster.observe(n);
      const s = n.lastStatus;
      if (n.state !== 'up' || !s || s.role !== 'leader') continue;
      if (!best || s.term > best.term) best = s;
    }
    return best?.id ?? null;
  }

  // ---- time ------------------------------------------------------------------------

  /** after schedules fn on the sharded layer's agenda, `ms` from now. */
  after(ms: number, fn: () => void): void {
    this.agenda.push(this.now + Math.max(0, ms), fn);
  }

  /** settle resolves a promise of the sharded layer from inside a group's events (see the file comment). */
  settle<T>(resolve: (v: T) => void, v: T): void {
    this.woke = true;
    resolve(v);
  }

  /** sleep resolves `ms` of virtual time from now (while runUntil drives the clock). */
  sleep(ms: number): Promise<void> {
    return new Promise((r) => this.after(ms, () => this.settle(r, undefined)));
  }

  /** runUntil advances every group and the sharded layer to virtual time `ms`. */
  async runUntil(ms: number): Promise<void> {
    while (this.now < ms) {
      const t = Math.min(ms, this.now + QUANTUM_MS);
      for (const g of this.all) g.cluster.runUntil(t);
      this.now = t;
      for (let at = this.agenda.peekTime(); at <= t; at = this.agenda.peekTime()) this.agenda.take()!();
      await this.flush();
    }
  }

  /** runFor advances virtual time by `ms`. */
  runFor(ms: number): Promise<void> {
    return this.runUntil(this.now + ms);
  }

  /** flush lets every promise continuation a turn released run (they may release more). */
  private async flush(): Promise<void> {
    while (this.woke) {
      this.woke = false;
      await new Promise<void>((r) => setImmediate(r));
    }
  }

  // ---- faults ------------------------------------------------------------------------

  /** crash, restart, pause, resume act on a node of any group. */
  crash(id: NodeId): void {
    this.groupOf(id).cluster.crash(id);
  }

  restart(id: NodeId): void {
    this.groupOf(id).cluster.restart(id);
  }

  pause(id: NodeId): void {
    this.groupOf(id).cluster.pause(id);
  }

  resume(id: NodeId): void {
    this.groupOf(id).cluster.resume(id);
  }

  /** partition cuts every link between the node groups: inside each replica group and between groups. */
  partition(parts: NodeId[][]): void {
    for (const g of this.all) {
      const local = parts.map((p) => p.filter((id) => g.nodes.includes(id))).filter((p) => p.length > 0);
      if (local.length > 1) g.cluster.partition(local);
    }
    this.cross.partition(parts);
  }

  /** heal removes every cut, in every group and between groups. */
  heal(): void {
    for (const g of this.all) g.cluster.healNetwork();
    this.cross.heal();
  }

  /** violations lists every group's broken invariants, each naming its group. */
  violations(): string[] {
    return this.all.flatMap((g) =>
      g.cluster.violations.map(
        (v) =>
          `${g.id === 'ctl' ? 'controller' : g.id}: ${v.invariant}${v.node ? ` (${v.node})` : ''}: ${v.description}`,
      ),
    );
  }
}
