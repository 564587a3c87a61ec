/**
 * Cluster is the simulator's harness: N SimNodes, a SimNetwork between them, one virtual
 * clock and one agenda of events, all driven by one seed. Tests script it step by step
 * (crash, partition, propose, runFor, ...) and runSimulation drives it with a random
 * fault schedule; either way the InvariantChecker watches every step and the RunLog
 * records it.
 */
import type { KvResult } from '../core/kv/types';
import { createProtocolNode, type ProtocolName } from '../core/protocols';
import type { Entry, HardState, MessageBase, NodeId, NodeStatus, ProposeResult, Snapshot } from '../core/types';
import { cloneData } from './clone';
import { EventQueue } from './event-queue';
import { InvariantChecker, type Violation } from './invariants';
import { RELIABLE, SimNetwork, validateFaults, type NetworkFaults } from './network';
import { Stream, streamRng } from './random';
import { RunLog } from './run-log';
import { SimNode, type CoreSettings, type NodeFactory, type NodeHooks } from './sim-node';

/** MAX_NODES bounds a simulated cluster. */
export const MAX_NODES = 9;

/** ClusterOptions configure a simulated cluster; everything but seed and nodes has a default. */
export interface ClusterOptions extends Partial<CoreSettings> {
  seed: number;
  nodes: number;
  protocol?: ProtocolName;
  /** tickMs: virtual ms per core tick (the log shows ms = ticks × tickMs). */
  tickMs?: number;
  /** snapshotEvery: compact after this many applied entries (0 = never). */
  snapshotEvery?: number;
  /** diskMs: [min, max] virtual ms to persist one Ready; [0, 0] persists at once. */
  diskMs?: [number, number];
  network?: NetworkFaults;
  log?: RunLog;
  /** countBytes: measure each message's JSON size (for byte budgets; costs time). */
  countBytes?: boolean;
  factory?: NodeFactory;
}

/** ClusterStats counts what crossed the simulated network. */
export interface ClusterStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  bytes: number;
  /** snapshotsInstalled counts snapshots a node received from a peer and restored. */
  snapshotsInstalled: number;
  /** digestMismatches counts end states equal in content whose digest() differed. */
  digestMismatches: number;
  /** sentBy: messages sent by each node (MIT's per-server RPC counts). */
  sentBy: Record<NodeId, number>;
}

/** ApplyListener hears every entry any node applies. */
export type ApplyListener = (node: SimNode, e: Entry, result: KvResult | null) => void;

/** Cluster is N simulated nodes, their network, and virtual time. */
export class Cluster {
  readonly ids: NodeId[];
  readonly nodes: SimNode[];
  readonly net: SimNetwork;
  readonly checker: InvariantChecker;
  readonly log: RunLog;
  readonly protocol: ProtocolName;
  readonly tickMs: number;
  readonly settings: CoreSettings;
  readonly stats: ClusterStats;
  /** now is virtual time in ms since the run began. */
  now = 0;
  private readonly queue = new EventQueue();
  private readonly byId = new Map<NodeId, SimNode>();
  private readonly diskRng;
  private readonly diskMs: [number, number];
  private readonly countBytes: boolean;
  private msgId = 0;
  private ticks = 0;
  private readonly applyListeners: ApplyListener[] = [];
  private readonly lifecycleListeners: ((node: SimNode, what: 'crash' | 'restart') => void)[] = [];

  constructor(opts: ClusterOptions) {
    if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > MAX_NODES) {
      throw new Error(`nodes must be an integer in 1..${MAX_NODES}, got ${opts.nodes}`);
    }
    if (!Number.isInteger(opts.seed)) throw new Error(`seed must be an integer, got ${opts.seed}`);
    this.protocol = opts.protocol ?? 'raft';
    this.tickMs = opts.tickMs ?? 10;
    this.settings = {
      electionTicks: opts.electionTicks ?? 30,
      heartbeatTicks: opts.heartbeatTicks ?? 10,
      maxInflight: opts.maxInflight ?? 64,
      maxEntriesPerMsg: opts.maxEntriesPerMsg ?? 64,
      preVote: opts.preVote ?? true,
      checkQuorum: opts.checkQuorum ?? true,
    };
    if (!(this.tickMs > 0)) throw new Error(`tickMs must be positive, got ${this.tickMs}`);
    if (!(this.settings.heartbeatTicks >= 1 && this.settings.electionTicks > this.settings.heartbeatTicks)) {
      throw new Error('need 1 <= heartbeatTicks < electionTicks');
    }
    this.diskMs = opts.diskMs ?? [0, 0];
    if (!(this.diskMs[0] >= 0 && this.diskMs[1] >= this.diskMs[0]))
      throw new Error('diskMs must be [min, max] with 0 <= min <= max');
    this.countBytes = opts.countBytes ?? false;
    this.log = opts.log ?? new RunLog();
    const seed = opts.seed;
    this.net = new SimNetwork(streamRng(seed, Stream.network), opts.network ?? RELIABLE);
    this.diskRng = streamRng(seed, Stream.disk);
    this.checker = new InvariantChecker(() => this.now);
    this.checker.onViolation = (v: Violation) =>
      this.log.write(this.now, 'violation', { invariant: v.invariant, node: v.node, description: v.description });
    this.ids = Array.from({ length: opts.nodes }, (_, i) => `n${i + 1}`);
    const factory = opts.factory ?? createProtocolNode;
    const hooks = this.hooks();
    this.nodes = this.ids.map(
      (id, i) =>
        new SimNode(
          id,
          i,
          this.ids,
          this.protocol,
          this.settings,
          opts.snapshotEvery ?? 0,
          factory,
          (inc) => streamRng(seed, Stream.node, i, inc),
          hooks,
        ),
    );
    this.stats = {
      sent: 0,
      delivered: 0,
      dropped: 0,
      duplicated: 0,
      bytes: 0,
      snapshotsInstalled: 0,
      digestMismatches: 0,
      sentBy: {},
    };
    for (const n of this.nodes) {
      this.byId.set(n.id, n);
      this.stats.sentBy[n.id] = 0;
    }
    this.log.write(0, 'start', {
      seed,
      protocol: this.protocol,
      nodes: this.ids,
      tickMs: this.tickMs,
      ...this.settings,
    });
    for (const n of this.nodes) {
      n.start();
      this.observe(n);
    }
    this.scheduleTick(this.tickMs);
  }

  /** node returns a member by id (throws on an unknown id). */
  node(id: NodeId): SimNode {
    const n = this.byId.get(id);
    if (!n) throw new Error(`unknown node '${id}' (have ${this.ids.join(', ')})`);
    return n;
  }

  /** electionMs is one election timeout in virtual ms. */
  get electionMs(): number {
    return this.settings.electionTicks * this.tickMs;
  }

  // ---- time ----------------------------------------------------------------------

  /** at schedules fn at absolute virtual time `ms` (not before now). */
  at(ms: number, fn: () => void): void {
    this.queue.push(Math.max(ms, this.now), fn);
  }

  /** after schedules fn `ms` from now. */
  after(ms: number, fn: () => void): void {
    this.queue.push(this.now + Math.max(0, ms), fn);
  }

  /** runUntil runs every event up to and including virtual time `ms`. */
  runUntil(ms: number): void {
    while (this.queue.peekTime() <= ms) {
      const ev = this.queue.pop()!;
      this.now = ev.at;
      ev.fn();
    }
    if (ms > this.now) this.now = ms;
  }

  /** runFor advances virtual time by `ms`. */
  runFor(ms: number): void {
    this.runUntil(this.now + ms);
  }

  /**
   * runUntilTrue runs until pred() holds (checked every stepMs) or maxMs pass; returns
   * whether it held.
   */
  runUntilTrue(pred: () => boolean, maxMs: number, stepMs = this.tickMs): boolean {
    const end = this.now + maxMs;
    for (;;) {
      if (pred()) return true;
      if (this.now >= end) return false;
      this.runUntil(Math.min(end, this.now + stepMs));
    }
  }

  private scheduleTick(at: number): void {
    this.queue.push(at, () => {
      // Besides after every Ready, look at every node once per heartbeat interval, so a
      // core that changed state without a Ready is still checked.
      const force = ++this.ticks % this.settings.heartbeatTicks === 0;
      for (const n of this.nodes) {
        if (n.state !== 'up') continue;
        n.tick();
        this.observe(n, force);
      }
      this.scheduleTick(at + this.tickMs);
    });
  }

  // ---- network -------------------------------------------------------------------

  private hooks(): NodeHooks {
    return {
      send: (from, msgs) => {
        for (const m of msgs) this.sendOne(from, m);
      },
      diskDelay: () => {
        // Indexing, not destructuring: this runs once per Ready.
        const lo = this.diskMs[0];
        const hi = this.diskMs[1];
        return hi <= 0 ? 0 : lo + this.diskRng.next() * (hi - lo);
      },
      later: (node, ms, fn) => this.forNode(node, ms, fn),
      persisted: (node, hs: HardState) => this.checker.observePersistedCommit(node.id, hs.commit),
      applied: (node, e, result) => {
        this.checker.observeApply(node.id, e.index, e.type, e.data);
        for (const l of this.applyListeners) l(node, e, result);
      },
      snapshotRestored: (node, snap: Snapshot) => {
        this.stats.snapshotsInstalled++;
        this.checker.observeSnapshotRestore(node.id, snap.index);
        if (this.log.enabled)
          this.log.write(this.now, 'snapshot', { node: node.id, index: snap.index, term: snap.term });
      },
      snapshotSkipped: (node, snap: Snapshot) => this.checker.observeSnapshotRestore(node.id, snap.index),
    };
  }

  /**
   * forNode runs fn after ms on behalf of a node: dropped if the node crashes or restarts
   * meanwhile, queued if it is paused when the time comes.
   */
  forNode(node: SimNode, ms: number, fn: () => void): void {
    const inc = node.incarnation;
    this.after(ms, () => {
      if (node.incarnation !== inc) return;
      if (node.state === 'paused') node.inbox.push(fn);
      else if (node.state === 'up') {
        fn();
        this.observe(node);
      }
    });
  }

  private sendOne(from: SimNode, m: MessageBase): void {
    const id = ++this.msgId;
    const st = this.stats;
    st.sent++;
    st.sentBy[from.id] = (st.sentBy[from.id] ?? 0) + 1;
    if (this.countBytes) st.bytes += JSON.stringify(m).length;
    const logging = this.log.enabled;
    if (logging) {
      this.log.write(this.now, 'send', {
        id,
        from: m.from,
        to: m.to,
        type: m.type,
        term: m.term,
        mk: from.core ? from.core.messageKind(m) : 'other',
      });
    }
    if (m.from !== from.id || !this.byId.has(m.to)) {
      this.drop(id, m, `bad address ${m.from}->${m.to}`);
      return;
    }
    if (!this.net.linkUp(m.from, m.to)) return this.drop(id, m, 'cut');
    if (this.net.drawDrop(m.from, m.to)) return this.drop(id, m, 'loss');
    const copy = cloneData(m);
    this.after(this.net.drawDelay(m.from, m.to), () => this.deliver(id, copy));
    if (this.net.drawDuplicate(m.from, m.to)) {
      st.duplicated++;
      if (logging) this.log.write(this.now, 'duplicate', { id, from: m.from, to: m.to, type: m.type });
      const dup = cloneData(m);
      this.after(this.net.drawDelay(m.from, m.to), () => this.deliver(id, dup));
    }
  }

  private drop(id: number, m: MessageBase, reason: string): void {
    this.stats.dropped++;
    if (this.log.enabled) this.log.write(this.now, 'drop', { id, from: m.from, to: m.to, type: m.type, reason });
  }

  private deliver(id: number, m: MessageBase): void {
    // A cut that began while the message was in flight loses it, as on a real link.
    if (!this.net.linkUp(m.from, m.to)) return this.drop(id, m, 'cut');
    const to = this.byId.get(m.to)!;
    if (to.state === 'down') return this.drop(id, m, 'down');
    if (to.state === 'paused') {
      const inc = to.incarnation;
      to.inbox.push(() => {
        if (to.incarnation === inc) this.deliverNow(id, to, m);
      });
      return;
    }
    this.deliverNow(id, to, m);
  }

  private deliverNow(id: number, to: SimNode, m: MessageBase): void {
    this.stats.delivered++;
    if (this.log.enabled) this.log.write(this.now, 'deliver', { id, from: m.from, to: m.to, type: m.type });
    to.step(m);
    this.observe(to);
  }

  // ---- observation -----------------------------------------------------------------

  /** observe checks a node's status against the invariants and logs what changed. */
  observe(n: SimNode, force = false): void {
    if (!n.core || !(n.dirty || force)) return;
    n.dirty = false;
    const s = n.core.status();
    const prev = n.lastStatus;
    n.lastStatus = s;
    this.checker.observeStatus(s);
    if (!this.log.enabled) return;
    if (!prev || prev.term !== s.term) this.log.write(this.now, 'term', { node: s.id, term: s.term });
    if (!prev || prev.role !== s.role || prev.leader !== s.leader) {
      this.log.write(this.now, 'role', { node: s.id, role: s.role, term: s.term, leader: s.leader });
    }
    if (!prev || prev.commitIndex !== s.commitIndex)
      this.log.write(this.now, 'commit', { node: s.id, commit: s.commitIndex });
  }

  /** onApply registers a listener for every applied entry on any node. */
  onApply(l: ApplyListener): void {
    this.applyListeners.push(l);
  }

  /** onLifecycle registers a listener for crashes and restarts. */
  onLifecycle(l: (node: SimNode, what: 'crash' | 'restart') => void): void {
    this.lifecycleListeners.push(l);
  }

  /** status returns a node's current view (null while it is down). */
  status(id: NodeId): NodeStatus | null {
    return this.node(id).status();
  }

  /** upIds lists the nodes that are running (up or paused), in id order. */
  upIds(): NodeId[] {
    return this.nodes.filter((n) => n.state !== 'down').map((n) => n.id);
  }

  /**
   * stableLeader returns a leader that a majority of the cluster (itself included) follows
   * in its term, or null — the liveness notion of "the cluster has a leader".
   */
  stableLeader(): NodeId | null {
    for (const n of this.nodes) this.observe(n);
    const majority = Math.floor(this.nodes.length / 2) + 1;
    for (const n of this.nodes) {
      if (n.state !== 'up') continue;
      const s = n.lastStatus;
      if (!s || s.role !== 'leader') continue;
      let follows = 0;
      for (const m of this.nodes) {
        if (m.state !== 'up') continue;
        const t = m.lastStatus;
        if (t && t.term === s.term && (t.leader === s.id || m.id === s.id)) follows++;
      }
      if (follows >= majority) return s.id;
    }
    return null;
  }

  // ---- commands and faults ---------------------------------------------------------

  /** propose offers data to a node's core now (like MIT's Start()). */
  propose(id: NodeId, data: string): ProposeResult {
    const n = this.node(id);
    if (n.state !== 'up') return { ok: false, reason: 'not-leader', leader: null };
    const r = n.propose(data);
    this.observe(n);
    return r;
  }

  /** crash kills a node: its unsaved state is lost. */
  crash(id: NodeId): void {
    const n = this.node(id);
    if (n.state === 'down') return;
    n.crash();
    this.log.write(this.now, 'crash', { node: id });
    for (const l of this.lifecycleListeners) l(n, 'crash');
  }

  /** restart boots a crashed node from its storage. */
  restart(id: NodeId): void {
    const n = this.node(id);
    if (n.state !== 'down') return;
    n.start();
    const s = n.status()!;
    this.log.write(this.now, 'restart', { node: id, term: s.term, commit: s.commitIndex, applied: n.applied });
    this.checker.observeRestart(id, s, n.applied);
    for (const l of this.lifecycleListeners) l(n, 'restart');
    n.drain();
    this.observe(n);
  }

  /** pause freezes a node (SIGSTOP): no ticks, no receives; messages to it queue. */
  pause(id: NodeId): void {
    const n = this.node(id);
    if (n.state !== 'up') return;
    n.pause();
    this.log.write(this.now, 'pause', { node: id });
  }

  /** resume thaws a paused node (SIGCONT). */
  resume(id: NodeId): void {
    const n = this.node(id);
    if (n.state !== 'paused') return;
    this.log.write(this.now, 'resume', { node: id, queued: n.inbox.length });
    n.resume();
    this.observe(n);
  }

  /** partition cuts every link between the groups. */
  partition(groups: NodeId[][]): void {
    for (const g of groups) for (const id of g) this.node(id);
    this.net.partition(groups);
    this.log.write(this.now, 'partition', { groups });
  }

  /** cut blocks the one-way link from → to. */
  cut(from: NodeId, to: NodeId): void {
    this.node(from);
    this.node(to);
    this.net.cut(from, to);
    this.log.write(this.now, 'cut', { from, to });
  }

  /** disconnect isolates a node from all others (MIT's disconnect). */
  disconnect(id: NodeId): void {
    this.node(id);
    this.net.isolate(id);
    this.log.write(this.now, 'disconnect', { node: id });
  }

  /** connect undoes disconnect. */
  connect(id: NodeId): void {
    this.node(id);
    this.net.connect(id);
    this.log.write(this.now, 'connect', { node: id });
  }

  /** setFaults changes loss / duplication / delay for every link. */
  setFaults(f: NetworkFaults): void {
    validateFaults(f);
    this.net.faults = f;
    this.log.write(this.now, 'net', { drop: f.drop, duplicate: f.duplicate, delay: f.delay });
  }

  /** healNetwork removes every cut and isolation (the loss model stays as set). */
  healNetwork(): void {
    this.net.heal();
    this.log.write(this.now, 'heal', {});
  }

  /** violations found so far. */
  get violations(): Violation[] {
    return this.checker.violations;
  }
}
