/**
 * SimNode hosts one cluster member inside the simulator the way the node process
 * (node/node-host.ts) does: a protocol core, durable storage and the KV state machine,
 * driven by the shared Ready loop (core/host.ts's HostLoop), client requests answered by
 * the node process's own request layer (node/requests.ts: ReadIndex ids, proposals, the
 * ok / fail / unknown rules) on the simulator's clock, and the recovery rules the node
 * process runs (core/recovery: the store's load-time scan, when recovery ends, what a
 * recovering node may send).
 *
 * Storage is an ImageStorage (core/recovery) that outlives crashes, so a crash loses
 * exactly what a power cut would: the Ready being persisted (its hard state, entries, and
 * the messages that were to leave after it) and all in-memory state, pending client
 * requests included (their clients hear nothing and time out). A restart loads the store
 * through the same scan as the node process's SQLite storage, rebuilds the core from what
 * it keeps and a fresh state machine from the snapshot, then re-applies the committed log.
 * A node whose store was damaged recovers before it votes, by the node process's rules.
 *
 * The disk holds a Ready the way the node process's DeferredSync does: only a write that
 * must be synced (SqliteStorage.mustSync: entries, a snapshot, a new term or vote) waits,
 * for a drawn delay, and meanwhile the loop applies and answers the entries the Ready
 * commits (HostLoop's applyWhileHeld) — so every sweep runs the node's own apply path.
 */
import { HostLoop, type HostHooks } from '../core/host';
import { KvStateMachine, type KvStateMachineOptions } from '../core/kv/state-machine';
import type { KvResult } from '../core/kv/types';
import type { ProtocolName } from '../core/protocols';
import type { ReplicatedKv } from '../core/shard/machine';
import { ImageStorage, mayLeaveWhileRecovering, Recovery } from '../core/recovery';
import { mustSync, noteWritten, type LastVote } from '../core/storage';
import type {
  Entry,
  HardState,
  MessageBase,
  NodeId,
  NodeStatus,
  Persisted,
  ProposeResult,
  ProtocolConfig,
  ProtocolNode,
  Ready,
  Rng,
  Snapshot,
} from '../core/types';
import type { ClientRequestFrame, ClientResponseFrame } from '../node/contract';
import { Requests, type RequestTimers, type RequestsDeps } from '../node/requests';
import { UNSAFE_DEFAULTS, UNSYNCED_FLUSH_MS, coreFlags, type UnsafeSettings } from '../core/unsafe';
import { WriteBehind } from '../core/write-behind';

/** NodeFactory builds a core; the default is createProtocolNode (core/protocols.ts). */
export type NodeFactory = (protocol: ProtocolName, cfg: ProtocolConfig) => ProtocolNode;

/** CoreSettings are the protocol knobs shared by every node of a simulated cluster. */
export type CoreSettings = Pick<
  ProtocolConfig,
  'electionTicks' | 'heartbeatTicks' | 'maxInflight' | 'maxEntriesPerMsg' | 'preVote' | 'checkQuorum'
>;

/** SimNodeState is a simulated node's lifecycle state. */
export type SimNodeState = 'up' | 'down' | 'paused';

/** NodeHooks is how a SimNode reaches the cluster around it. */
export interface NodeHooks {
  /** send puts messages on the simulated wire. */
  send(from: SimNode, msgs: MessageBase[]): void;
  /** diskDelay returns how long persisting one Ready takes (0 = at once). */
  diskDelay(node: SimNode): number;
  /** later runs fn after ms on behalf of node, held while it is paused and dropped if it crashes. */
  later(node: SimNode, ms: number, fn: () => void): void;
  /** laterCall is later for fn(arg): the hot paths (timers, disk writes) allocate no closure. */
  laterCall<A>(node: SimNode, ms: number, fn: (a: A) => void, arg: A): void;
  /** now is virtual time in ms (the clock client commands are stamped with). */
  now(): number;
  persisted(node: SimNode, hs: HardState): void;
  applied(node: SimNode, e: Entry, result: KvResult | null): void;
  snapshotRestored(node: SimNode, snap: Snapshot): void;
  /** snapshotSkipped: the core handed a snapshot no newer than what the node applied. */
  snapshotSkipped(node: SimNode, snap: Snapshot): void;
  /** event records something the node's host reports (damage found, recovered) in the run log. */
  event(node: SimNode, kind: string, detail: Record<string, unknown>): void;
  /** heldBack: a recovering core tried to send what recovery forbids (the host dropped it). */
  heldBack(node: SimNode, msg: MessageBase): void;
}

/** SimNodeOptions are the per-node settings a Cluster passes down. */
export interface SimNodeOptions {
  protocol: ProtocolName;
  settings: CoreSettings;
  snapshotEvery: number;
  factory: NodeFactory;
  /** kv: the state machine's limits (session eviction, byte limit) and, in an unsafe mode, no sessions or fencing. */
  kv: KvStateMachineOptions;
  /** unsafe: the rules broken on purpose (core/unsafe.ts); absent: none. */
  unsafe?: UnsafeSettings;
  /** machine: builds the state machine a node applies its log to (absent: the plain KV store; a sharded cluster's groups and controller pass theirs). */
  machine?: (node: NodeId) => ReplicatedKv;
  /** proposed: what the request layer encoded and proposed (the cluster's decode cache takes it). */
  proposed?: RequestsDeps['proposed'];
}

/** TimerHandle is a cancellable virtual timer (Requests' timeouts). */
interface TimerHandle {
  cancelled: boolean;
  fn: () => void;
}

/** fireTimer runs a timer's callback unless it was cleared. */
function fireTimer(h: TimerHandle): void {
  if (!h.cancelled) h.fn();
}

/** SimNode is one simulated member: core + storage + state machine + requests, run by a HostLoop. */
export class SimNode {
  state: SimNodeState = 'down';
  core: ProtocolNode | null = null;
  /** sm: the plain KV store this node applies to (null while down, or when it runs another machine). */
  sm: KvStateMachine | null = null;
  /** machine: the state machine this node applies to, whichever it is (null while down). */
  machine: ReplicatedKv | null = null;
  /** storage survives crashes; only what was saved is in it. */
  readonly storage: ImageStorage;
  /** incarnation changes on every crash and restart, so stale callbacks can tell. */
  incarnation = 0;
  /** sent counts the messages this node put on the wire, over all its incarnations (ClusterStats.sentBy). */
  sent = 0;
  /** loop runs the core's Readies (one per incarnation; null while down). */
  private loop: HostLoop<MessageBase, KvResult> | null = null;
  private requests: Requests | null = null;
  /** recovery is the damaged-store state of this incarnation (null while down). */
  recovery: Recovery | null = null;
  /** appliedAtCrash is what `applied` reports while the node is down. */
  private appliedAtCrash = 0;
  /** inbox holds work that arrived while paused (peer messages, timers), in arrival order. */
  inbox: (() => void)[] = [];
  /** clientInbox holds client requests that arrived while paused (they come on another socket). */
  clientInbox: (() => void)[] = [];
  /** lastStatus is the status the cluster last observed (for change detection in the log). */
  lastStatus: NodeStatus | null = null;
  /**
   * dirty: the core produced a Ready since the cluster last looked at its status. A core
   * changes term or commit index only together with a Ready (hard state, entries or
   * messages), so the cluster reads status() only then, and once per heartbeat interval
   * for what changes without one (a leader stepping down by CheckQuorum).
   */
  dirty = true;
  private readonly timers: RequestTimers;

  constructor(
    readonly id: NodeId,
    readonly index: number,
    private readonly peers: NodeId[],
    private readonly o: SimNodeOptions,
    private readonly rngFor: (incarnation: number) => Rng,
    private readonly hooks: NodeHooks,
  ) {
    this.storage = new ImageStorage({ protocol: o.protocol, self: id });
    this.timers = {
      set: (fn, ms) => {
        const h: TimerHandle = { cancelled: false, fn };
        hooks.laterCall(this, ms, fireTimer, h);
        return h;
      },
      clear: (h) => {
        (h as TimerHandle).cancelled = true;
      },
      now: () => Math.floor(hooks.now()),
    };
  }

  /** applied is the last log index applied (noop/config included). */
  get applied(): number {
    return this.loop ? this.loop.applied : this.appliedAtCrash;
  }

  /** recovering tells whether the node is catching up after finding its store damaged. */
  get recovering(): boolean {
    return this.recovery?.recovering ?? false;
  }

  /** start boots the node from its store, through the scan the node process runs (a fresh store: a new member). */
  start(): void {
    if (this.state !== 'down') throw new Error(`${this.id} is already running`);
    this.incarnation++;
    this.synced.term = -1;
    this.synced.vote = null;
    const storage = this.storage;
    const p = storage.load();
    const sm = this.o.machine ? this.o.machine(this.id) : new KvStateMachine(this.o.kv);
    const snap = p.snapshot;
    if (snap) sm.restore(snap.data, snap.index);
    // A per-boot nonce, as the node process draws one: read contexts of different boots never match.
    const bootId = `b${this.incarnation}`;
    const recovery = this.newRecovery(bootId);
    const { leaseReads, countOldTerms, ignoreAccepted } = coreFlags(this.unsafe);
    const core = this.o.factory(this.o.protocol, {
      id: this.id,
      peers: this.peers.slice(),
      ...this.o.settings,
      leaseReads,
      countOldTerms,
      ignoreAccepted,
      rng: this.rngFor(this.incarnation),
      restore: isFresh(p) ? null : p,
      applied: sm.appliedIndex,
      recovering: recovery.recovering,
      boot: bootId,
    });
    this.sm = sm instanceof KvStateMachine ? sm : null;
    this.machine = sm;
    this.core = core;
    this.recovery = recovery;
    this.loop = new HostLoop({
      core,
      storage: this.unsafe.fsync ? storage : this.writeBehind(),
      sm,
      hooks: this.loopHooks(),
      snapshotEvery: this.o.snapshotEvery,
      restored: snap,
      // As the node process: clients of committed entries are answered while the disk writes newer ones.
      applyWhileHeld: true,
    });
    this.requests = new Requests({
      id: this.id,
      bootId,
      core,
      kv: sm,
      recovering: () => recovery.recovering,
      localReads: this.unsafe.reads === 'local',
      // The simulator drains the loop right after every request it hands over.
      kick: () => {},
      timers: this.timers,
      ...(this.o.proposed ? { proposed: this.o.proposed } : {}),
    });
    this.inbox = [];
    this.clientInbox = [];
    this.lastStatus = null;
    this.dirty = true;
    this.state = 'up';
  }

  /** unsafe: the rules this node breaks on purpose (none unless its cluster says so). */
  private get unsafe(): UnsafeSettings {
    return this.o.unsafe ?? UNSAFE_DEFAULTS;
  }

  /**
   * writeBehind is the fsync:false store: a write is acknowledged at once and reaches the
   * durable store UNSYNCED_FLUSH_MS of virtual time later; a crash before then loses it
   * (the flush belongs to this incarnation and is dropped with it).
   */
  private writeBehind(): WriteBehind {
    return new WriteBehind(this.storage, (flush) => this.hooks.later(this, UNSYNCED_FLUSH_MS, flush));
  }

  /** newRecovery is this boot's recovery state, from what the store says of itself (reported when damaged). */
  private newRecovery(bootId: string): Recovery {
    const storage = this.storage;
    const recovery = new Recovery({
      reason: storage.damaged,
      floor: storage.recoveryFloor,
      voteLost: storage.voteLost,
      electionTicks: this.o.settings.electionTicks,
      ctxPrefix: `${this.id}:${bootId}:recover`,
    });
    if (recovery.recovering) {
      this.hooks.event(this, 'storage-damaged', {
        reason: storage.damaged,
        recoveryFloor: storage.recoveryFloor,
        voteLost: storage.voteLost,
      });
    }
    return recovery;
  }

  /** crash stops the node at once: everything not yet saved is gone, pending requests unanswered. */
  crash(): void {
    this.incarnation++;
    this.state = 'down';
    this.appliedAtCrash = this.applied;
    this.loop?.stop();
    this.loop = null;
    this.core = null;
    this.sm = null;
    this.machine = null;
    this.requests = null;
    this.recovery = null;
    this.inbox = [];
    this.clientInbox = [];
    this.lastStatus = null;
  }

  /** pause freezes the node: no ticks, nothing received or persisted until resume. */
  pause(): void {
    if (this.state === 'up') this.state = 'paused';
  }

  /**
   * resume thaws a paused node and replays what queued up while it was frozen: peer
   * messages and timers in arrival order, and the client requests — which arrive on
   * another socket, so a thawed process may read them first (`clientsFirst`) or last.
   */
  resume(clientsFirst = false): void {
    if (this.state !== 'paused') return;
    this.state = 'up';
    const peers = this.inbox;
    const clients = this.clientInbox;
    this.inbox = [];
    this.clientInbox = [];
    const order = clientsFirst ? [...clients, ...peers] : [...peers, ...clients];
    for (const fn of order) {
      if (this.state !== 'up') {
        // A queued callback paused or crashed it again; keep the rest for later (or drop on crash).
        if (this.state === 'paused') this.inbox.push(fn);
        continue;
      }
      fn();
    }
    this.drain();
  }

  /** tick advances the core's clock by one tick (a recovering core is ticked too: it never campaigns). */
  tick(): void {
    this.core!.tick();
    this.recovery!.tick();
    this.drain();
  }

  /** step feeds one message from a peer. */
  step(msg: MessageBase): void {
    this.core!.step(msg);
    this.drain();
  }

  /** peerClosed tells the core that `peer`'s connection closed (it crashed). */
  peerClosed(peer: NodeId): void {
    this.core!.peerClosed?.(peer);
    this.drain();
  }

  /** propose offers a command to the core directly (MIT's Start(); it succeeds only on a leader). */
  propose(data: string): ProposeResult {
    const r = this.core!.propose(data);
    this.drain();
    return r;
  }

  /** request hands a client request to the node's request layer; `reply` gets its one answer. */
  request(req: ClientRequestFrame, reply: (res: ClientResponseFrame) => void): void {
    this.requests!.handle(req, reply);
    this.drain();
  }

  /** status is the core's view, or null while down. */
  status(): NodeStatus | null {
    return this.core ? this.core.status() : null;
  }

  /** drain works through Ready batches until the core has none, or one is being persisted. */
  drain(): void {
    if (this.state !== 'up' || !this.loop) return;
    this.loop.pump();
    if (this.recovery!.recovering) this.maybeRecovered();
  }

  /**
   * maybeRecovered lets the recovery rules ask the leader for a read point and end
   * recovery once the node caught up — NodeHost.maybeRecovered, after every Ready.
   */
  private maybeRecovered(): void {
    const core = this.core!;
    const done = this.recovery!.poll(core, this.machine!.appliedIndex);
    if (done) {
      core.endRecovery();
      this.storage.markRecovered();
      this.dirty = true;
      this.hooks.event(this, 'recovered', {
        source: 'peers',
        leader: done.leader,
        commit: done.commit,
        target: done.target,
      });
    }
    // poll may have issued a read (a message to the leader) for the loop to send.
    this.loop!.pump();
  }

  /**
   * look reads the core's status when something may have changed (or `force`), runs the
   * host's after-Ready duties on it — answering what a deposed leader was waiting on,
   * ending recovery — and returns it; null when nothing was read.
   */
  look(force: boolean): NodeStatus | null {
    const core = this.core;
    if (!core || !(this.dirty || force)) return null;
    this.dirty = false;
    // Where the core can tell that nothing but a leader's follower progress changed since
    // the status last looked at, that status stands in for a new one: every reader of an
    // observed status (the request layer here, the cluster's checks, triggers and log)
    // reads only the fields it vouches for, so each acts as it would on a fresh one. None
    // reads a leader's follower progress, so a status built here leaves it out.
    const last = this.lastStatus;
    const st = last !== null && core.sameStatus?.(last) === true ? last : core.status(false);
    this.requests!.observe(st);
    return st;
  }

  /**
   * persistedLater ends a Ready's disk write when its delay has passed. It runs only in the
   * incarnation that started the write (a crash or restart drops it), so this.loop is the
   * loop that holds the Ready.
   */
  private readonly persistedLater = (rd: Ready<MessageBase>): void => {
    this.loop?.resume(rd);
    this.drain();
  };

  /** synced: the term and vote last written, as SqliteStorage keeps them (reset at boot: the first hard state syncs). */
  private readonly synced: LastVote = { term: -1, vote: null };

  /** mustSync decides as SqliteStorage does (core/storage.ts mustSync) and notes the write's term and vote. */
  private mustSync(rd: Ready<MessageBase>): boolean {
    const must = mustSync(rd, this.synced);
    noteWritten(rd, this.synced);
    return must;
  }

  /** loopHooks connect the HostLoop to the cluster and the request layer, as NodeHost's do. */
  private loopHooks(): HostHooks<MessageBase, KvResult> {
    const h = this.hooks;
    return {
      send: (msgs) => {
        if (!this.recovery!.recovering) return h.send(this, msgs);
        // The host's last check, as NodeHost.send: the core should already send nothing else.
        const ok = msgs.filter((m) => mayLeaveWhileRecovering(this.o.protocol, m));
        if (ok.length < msgs.length) for (const m of msgs) if (!ok.includes(m)) h.heldBack(this, m);
        h.send(this, ok);
      },
      holdPersist: (rd) => {
        // fsync off: nothing waits for the disk (the write-behind store takes it at once).
        if (!this.unsafe.fsync) return false;
        // As DeferredSync.hold: a write that only moves the commit index (or writes nothing)
        // is not synced, so the Ready goes on at once — through HostLoop.finish's early apply.
        if (!this.mustSync(rd)) return false;
        const delay = h.diskDelay(this);
        if (delay <= 0) return false;
        h.laterCall(this, delay, this.persistedLater, rd);
        return true;
      },
      readied: () => {
        this.dirty = true;
      },
      persisted: (hs) => h.persisted(this, hs),
      snapshotRestored: (snap) => {
        this.requests!.coveredBySnapshot(snap.index);
        h.snapshotRestored(this, snap);
      },
      // The checker hears of a stale snapshot or an entry handed twice (a core bug),
      // though neither is applied again.
      snapshotSkipped: (snap) => h.snapshotSkipped(this, snap),
      applied: (e, result) => {
        this.requests!.applied(e, result);
        h.applied(this, e, result);
      },
      skipped: (e) => h.applied(this, e, null),
      reads: (rs) => {
        // Recovery's own reads first (NodeHost.reads), then the clients'.
        const req = this.requests!;
        const rec = this.recovery!;
        for (let i = 0; i < rs.length; i++) if (!rec.takeRead(rs[i]!)) req.readState(rs[i]!);
        req.serveReads();
      },
    };
  }
}

/** isFresh: a store that holds nothing boots the core as a new member. */
function isFresh(p: Persisted): boolean {
  return p.hardState.term === 0 && p.snapshot === null && p.entries.length === 0;
}
