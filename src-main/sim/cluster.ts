/**
 * Cluster is the simulator's harness: N SimNodes, a SimNetwork between them, one virtual
 * clock and one agenda of events, all driven by one seed. Tests script it step by step
 * (crash, partition, propose, runFor, ...) and runSimulation drives it with a random
 * fault schedule; either way the InvariantChecker watches every step and the RunLog
 * records it.
 */
import { createProtocolNode, type ProtocolName } from '../core/protocols';
import type { DamageKind } from '../core/recovery';
import type { KvStateMachineOptions } from '../core/kv/state-machine';
import type { KvCommand } from '../core/kv/types';
import type { NodeId, NodeStatus, ProposeResult } from '../core/types';
import { activeUnsafe, type UnsafeSettings } from '../core/unsafe';
import type { ClientRequestFrame, ClientResponseFrame } from '../node/contract';
import {
  emptyStats,
  MAX_NODES,
  validOptions,
  type ApplyListener,
  type ClusterOptions,
  type ClusterStats,
  type StatusListener,
} from './cluster-options';
import { DiskModel, nodeHooks, stableLeaderOf } from './cluster-hooks';
import { DecodeCache } from './decode-cache';
import { EventQueue, type EventFn } from './event-queue';
import { InvariantChecker, type Violation } from './invariants';
import { RELIABLE, SimNetwork, validateFaults, type NetworkFaults } from './network';
import { CommitOracle } from './oracle';
import { Stream, streamRng } from './random';
import { RunLog } from './run-log';
import { SimNode, type CoreSettings } from './sim-node';
import { Triggers } from './triggers';
import { Wire } from './wire';

export { MAX_NODES, type ApplyListener, type ClusterOptions, type ClusterStats, type StatusListener };

/** MAX_PENDING_EVENTS bounds a run's agenda; past it the run is stopped as a message storm (halt). */
export const MAX_PENDING_EVENTS = 100_000;

/** Cluster is N simulated nodes, their network, and virtual time. */
export class Cluster {
  /** ids: every node, spares included; first: the members it starts with (every node's peers). */
  readonly ids: NodeId[];
  readonly first: NodeId[];
  readonly nodes: SimNode[];
  readonly net: SimNetwork;
  readonly checker: InvariantChecker;
  readonly oracle: CommitOracle;
  /** triggers: faults armed to fire on an event (a leader elected, a commit, a lease held). */
  readonly triggers: Triggers;
  readonly log: RunLog;
  readonly protocol: ProtocolName;
  readonly tickMs: number;
  readonly settings: CoreSettings;
  /** unsafe: the rules this cluster breaks (complete; all safe unless ClusterOptions.unsafe said otherwise). */
  readonly unsafe: UnsafeSettings;
  /** kv: every node's state-machine options (an end-of-run replay must use the same). */
  readonly kv: KvStateMachineOptions;
  readonly stats: ClusterStats;
  /** encodedAt: the command an entry's data is the request layer's encoding of, if known (DecodeCache.encodedAt). */
  readonly encodedAt: (data: string, index: number) => KvCommand | null;
  /** now is virtual time in ms since the run began. */
  now = 0;
  private readonly queue = new EventQueue();
  private readonly byId = new Map<NodeId, SimNode>();
  private readonly disk: DiskModel;
  private readonly resumeRng;
  /** wire carries messages between the nodes (wire.ts). */
  private readonly wire: Wire;
  private readonly damageBudget: number;
  /** damagedNodes: the nodes whose store was damaged at least once (bounded by damageBudget). */
  private readonly damagedNodes = new Set<NodeId>();
  private ticks = 0;
  /** halted: a runaway run was stopped (halt); nothing more happens in it. */
  halted = false;
  private readonly applyListeners: ApplyListener[] = [];
  private readonly statusListeners: StatusListener[] = [];
  private readonly lifecycleListeners: ((node: SimNode, what: 'crash' | 'restart') => void)[] = [];

  constructor(opts: ClusterOptions) {
    const v = validOptions(opts);
    this.protocol = v.protocol;
    this.tickMs = v.tickMs;
    this.settings = v.settings;
    this.unsafe = v.unsafe;
    // One decoder for every node and the end-of-run replay: each command is decoded once.
    const decodes = new DecodeCache();
    this.kv = { decode: decodes.decode, ...v.kv };
    this.encodedAt = (data, index) => decodes.encodedAt(data, index);
    this.damageBudget = opts.damageBudget ?? Math.floor((opts.nodes - 1) / 2);
    this.log = opts.log ?? new RunLog();
    const seed = opts.seed;
    this.net = new SimNetwork(streamRng(seed, Stream.network), opts.network ?? RELIABLE);
    this.disk = new DiskModel(streamRng(seed, Stream.disk), v.diskMs);
    this.resumeRng = streamRng(seed, Stream.resume);
    this.checker = new InvariantChecker(() => this.now);
    this.checker.onViolation = (v: Violation) =>
      this.log.write(this.now, 'violation', { invariant: v.invariant, node: v.node, description: v.description });
    this.oracle = new CommitOracle(this.protocol, this.checker);
    this.ids = opts.names?.slice() ?? Array.from({ length: opts.nodes + (opts.spares ?? 0) }, (_, i) => `n${i + 1}`);
    this.first = this.ids.slice(0, opts.nodes);
    const hooks = nodeHooks(this, { wire: () => this.wire, disk: this.disk, applyListeners: this.applyListeners });
    const nodeOpts = {
      protocol: this.protocol,
      settings: this.settings,
      snapshotEvery: opts.snapshotEvery ?? 0,
      factory: opts.factory ?? createProtocolNode,
      kv: this.kv,
      unsafe: this.unsafe,
      ...(opts.machine ? { machine: opts.machine } : {}),
      // The request layers hand the cache what they encode (unless the options brought their own decoder).
      ...(this.kv.decode === decodes.decode ? { proposed: decodes.remember.bind(decodes) } : {}),
    };
    this.nodes = this.ids.map(
      (id, i) => new SimNode(id, i, this.first, nodeOpts, (inc) => streamRng(seed, Stream.node, i, inc), hooks),
    );
    // Each node counts what it sent (a counter per node: the wire adds one per message).
    const nodes = this.nodes;
    this.stats = emptyStats(() => Object.fromEntries(nodes.map((n) => [n.id, n.sent])));
    for (const n of nodes) this.byId.set(n.id, n);
    this.log.write(0, 'start', {
      seed,
      protocol: this.protocol,
      nodes: this.ids,
      tickMs: this.tickMs,
      ...this.settings,
      // Only a cluster that breaks a rule says so, so a safe run's log is what it always was.
      ...(activeUnsafe(this.unsafe).length > 0 ? { unsafe: activeUnsafe(this.unsafe) } : {}),
    });
    this.triggers = new Triggers(this, streamRng(seed, Stream.triggers));
    this.wire = new Wire(this, opts.countBytes ?? false, opts.messages ?? 'share');
    // Spares stay switched off until a membership change adds one.
    for (const n of this.nodes.slice(0, this.first.length)) {
      n.start();
      this.observe(n);
    }
    this.scheduleTick(this.tickMs);
  }

  /** member returns a member by id, or undefined (for the wire, which checks addresses). */
  member(id: NodeId): SimNode | undefined {
    return this.byId.get(id);
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
    if (!this.halted) this.queue.push(Math.max(ms, this.now), fn);
  }

  /** after schedules fn `ms` from now. */
  after(ms: number, fn: () => void): void {
    if (!this.halted) this.queue.push(this.now + Math.max(0, ms), fn);
  }

  /** callAfter schedules fn(a, b, c, k) `ms` from now: a closure-free `after` for the hot paths. */
  callAfter<A, B, C>(ms: number, fn: EventFn<A, B, C>, a: A, b: B, c: C, k: number): void {
    if (!this.halted) this.queue.pushCall(this.now + Math.max(0, ms), fn, a, b, c, k);
  }

  /** runUntil runs every event up to and including virtual time `ms`. */
  runUntil(ms: number): void {
    const q = this.queue;
    for (let at = q.peekTime(); at <= ms; at = q.peekTime()) {
      this.now = at;
      q.runNext();
      if (q.size > MAX_PENDING_EVENTS) this.halt();
    }
    if (ms > this.now) this.now = ms;
  }

  /**
   * halt stops a run whose messages multiply without end (every node keeps its state, the
   * agenda is dropped): a protocol that floods its network is broken, and the simulator
   * must not take the machine down with it.
   */
  private halt(): void {
    this.checker.report(
      'runaway',
      null,
      `more than ${MAX_PENDING_EVENTS} events pending at ${Math.round(this.now)} ms (${this.stats.sent} messages sent): a message storm; the run was stopped`,
    );
    this.halted = true;
    this.queue.clear();
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

  /** scheduleTick puts the cluster's next tick on the agenda (its time rides as the event's number: no closure per tick). */
  private scheduleTick(at: number): void {
    this.queue.pushCall(at, this.tickAll, undefined, undefined, undefined, at);
  }

  /** tickAll ticks every running node once (an event: tickAll(_, _, _, at)), then schedules the next tick. */
  private readonly tickAll = (_a: unknown, _b: unknown, _c: unknown, at: number): void => {
    // Besides after every Ready, look at every node once per heartbeat interval, so a
    // core that changed state without a Ready is still checked.
    const force = ++this.ticks % this.settings.heartbeatTicks === 0;
    for (const n of this.nodes) {
      if (n.state !== 'up') continue;
      n.tick();
      this.observe(n, force);
    }
    this.scheduleTick(at + this.tickMs);
  };

  // ---- network -------------------------------------------------------------------

  /**
   * forNode runs fn after ms on behalf of a node: dropped if the node crashes or restarts
   * meanwhile, queued if it is paused when the time comes.
   */
  forNode(node: SimNode, ms: number, fn: () => void): void {
    this.forNodeCall(node, ms, callThunk, fn);
  }

  /** forNodeCall is forNode for fn(arg), without a closure per call (the node's timers and disk writes). */
  forNodeCall<A>(node: SimNode, ms: number, fn: (a: A) => void, arg: A): void {
    this.callAfter(ms, this.runForNode as EventFn<SimNode, (a: A) => void, A>, node, fn, arg, node.incarnation);
  }

  /** runForNode runs a forNodeCall's fn(arg) when its time comes (see forNode). */
  private readonly runForNode = (node: SimNode, fn: (a: unknown) => void, arg: unknown, inc: number): void => {
    if (node.incarnation !== inc) return;
    if (node.state === 'paused') holdWhilePaused(node, fn, arg);
    else if (node.state === 'up') {
      fn(arg);
      this.observe(node);
    }
  };

  /** jitter makes the link from → to jittery for forMs (see SimNetwork.jitter). */
  jitter(from: NodeId, to: NodeId, maxMs: number, forMs: number): void {
    this.node(from);
    this.node(to);
    this.net.jitter(from, to, maxMs, this.now + forMs);
    this.log.write(this.now, 'jitter', { from, to, maxMs, forMs });
  }

  // ---- observation -----------------------------------------------------------------

  /** observe checks a node's status against the invariants and the oracle, and logs what changed. */
  observe(n: SimNode, force = false): void {
    const s = n.look(force);
    if (!s) return;
    const prev = n.lastStatus;
    n.lastStatus = s;
    this.checker.observeStatus(s);
    this.oracle.observe(n, s, prev);
    for (const l of this.statusListeners) l(n, s, prev);
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

  /** onStatus registers a listener for every observed status (event-triggered faults use it). */
  onStatus(l: StatusListener): void {
    this.statusListeners.push(l);
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
   * stableLeader returns a leader that a majority of the voters (itself included) follows
   * in its term, or null — the liveness notion of "the cluster has a leader".
   */
  stableLeader(): NodeId | null {
    for (const n of this.nodes) this.observe(n);
    return stableLeaderOf(this.nodes);
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

  /**
   * clientRequest is a client's request reaching node `id`: lost if the node is down,
   * queued while it is paused, else handed to its request layer, which answers through
   * `reply` once (or never, if the node crashes first).
   */
  clientRequest(id: NodeId, req: ClientRequestFrame, reply: (res: ClientResponseFrame) => void): void {
    const n = this.node(id);
    if (n.state === 'down') return;
    if (n.state === 'paused') return this.requestWhilePaused(n, id, req, reply);
    n.request(req, reply);
    this.observe(n);
  }

  /** requestWhilePaused queues a client request for a paused node (a method of its own: see holdWhilePaused). */
  private requestWhilePaused(
    n: SimNode,
    id: NodeId,
    req: ClientRequestFrame,
    reply: (res: ClientResponseFrame) => void,
  ): void {
    const inc = n.incarnation;
    n.clientInbox.push(() => {
      if (n.incarnation === inc) this.clientRequest(id, req, reply);
    });
  }

  /**
   * damage breaks a crashed node's store the way the lab breaks a node's file
   * (core/recovery/damage.ts); the node finds out when it restarts. Returns whether it
   * did (not past the damage budget, and only if the store held something of that kind).
   */
  damage(id: NodeId, kind: DamageKind): boolean {
    const n = this.node(id);
    if (n.state !== 'down') throw new Error(`${id} must be down to damage its store`);
    if (!this.damagedNodes.has(id) && this.damagedNodes.size >= this.damageBudget) return false;
    const what = n.storage.damage(kind);
    if (what === null) return false;
    this.damagedNodes.add(id);
    this.checker.observeDamage(id);
    this.log.write(this.now, 'damage', { node: id, fault: kind, what });
    return true;
  }

  /** setDisk makes a node's disk slow ([min, max] ms per write) or, with null, normal again. */
  setDisk(id: NodeId, ms: [number, number] | null): void {
    this.node(id);
    if (!this.disk.setSlow(id, ms)) return;
    this.log.write(this.now, 'disk', { node: id, ms });
  }

  /** crash kills a node: its unsaved state is lost. */
  crash(id: NodeId): void {
    const n = this.node(id);
    if (n.state === 'down') return;
    n.crash();
    this.log.write(this.now, 'crash', { node: id });
    // Its process is gone, so its connections close and its peers learn it (core/peer-closed.ts).
    this.wire.closeLinks(n);
    for (const l of this.lifecycleListeners) l(n, 'crash');
  }

  /** restart boots a crashed node from its storage. */
  restart(id: NodeId): void {
    const n = this.node(id);
    if (n.state !== 'down') return;
    n.start();
    const s = n.status()!;
    this.log.write(this.now, 'restart', {
      node: id,
      term: s.term,
      commit: s.commitIndex,
      applied: n.applied,
      recovering: n.recovering,
    });
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
    // Which socket a thawed process reads first is up to the OS: the seed decides.
    const clientsFirst = n.clientInbox.length > 0 && this.resumeRng.next() < 0.5;
    this.log.write(this.now, 'resume', {
      node: id,
      queued: n.inbox.length,
      clients: n.clientInbox.length,
      clientsFirst,
    });
    n.resume(clientsFirst);
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

  /** healNetwork removes every cut, isolation and rate limit, as the lab's heal does (the loss model stays as set). */
  healNetwork(): void {
    this.net.heal();
    this.net.clearBandwidth();
    this.log.write(this.now, 'heal', {});
  }

  /** violations found so far. */
  get violations(): Violation[] {
    return this.checker.violations;
  }
}

/**
 * holdWhilePaused queues fn(arg) in a paused node's inbox. Outside the hot function that
 * calls it: a closure there would allocate, on every call, the context it captures from.
 */
function holdWhilePaused<A>(node: SimNode, fn: (a: A) => void, arg: A): void {
  node.inbox.push(() => fn(arg));
}

/** callThunk runs a plain callback (forNode through forNodeCall). */
function callThunk(fn: () => void): void {
  fn();
}
