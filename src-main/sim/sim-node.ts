/**
 * SimNode hosts one cluster member inside the simulator the way the real node process
 * does: a protocol core, durable storage, and the KV state machine, driven through
 * Ready/advance. Storage is a SimStorage (MemoryStorage's semantics) that outlives crashes, so a crash loses
 * exactly what a power cut would: the Ready being persisted (its hard state, entries,
 * and the messages that were to leave after it) and all in-memory state. A restart
 * rebuilds the core from storage.load() and a fresh state machine from the snapshot,
 * then re-applies the committed log.
 */
import type { KvResult } from '../core/kv/types';
import { SimStorage } from './sim-storage';
import { KvStateMachine } from '../core/kv/state-machine';
import type { ProtocolName } from '../core/protocols';
import type {
  Entry,
  HardState,
  MessageBase,
  NodeId,
  NodeStatus,
  ProposeResult,
  ProtocolConfig,
  ProtocolNode,
  Ready,
  Rng,
  Snapshot,
} from '../core/types';

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
  persisted(node: SimNode, hs: HardState): void;
  applied(node: SimNode, e: Entry, result: KvResult | null): void;
  snapshotRestored(node: SimNode, snap: Snapshot): void;
}

/** SimNode is one simulated member: core + storage + state machine. */
export class SimNode {
  state: SimNodeState = 'down';
  core: ProtocolNode | null = null;
  sm: KvStateMachine | null = null;
  /** storage survives crashes; only what was saved is in it. */
  readonly storage = new SimStorage();
  /** incarnation changes on every crash and restart, so stale callbacks can tell. */
  incarnation = 0;
  /** applied is the last log index applied (noop/config included). */
  applied = 0;
  private appliedTerm = 0;
  private snapIndex = 0;
  private started = false;
  /** persisting is the Ready being made durable, if any (one at a time). */
  private persisting: Ready | null = null;
  /** inbox holds work that arrived while paused, in arrival order. */
  inbox: (() => void)[] = [];
  /** lastStatus is the status the cluster last observed (for change detection in the log). */
  lastStatus: NodeStatus | null = null;
  /**
   * dirty: the core produced a Ready since the cluster last looked at its status. A core
   * changes term, role or commit index only together with a Ready (hard state, entries or
   * messages), so the cluster reads status() only then — it is not free, and most events
   * (a follower's tick, say) change nothing.
   */
  dirty = true;

  constructor(
    readonly id: NodeId,
    readonly index: number,
    private readonly peers: NodeId[],
    private readonly protocol: ProtocolName,
    private readonly settings: CoreSettings,
    private readonly snapshotEvery: number,
    private readonly factory: NodeFactory,
    private readonly rngFor: (incarnation: number) => Rng,
    private readonly hooks: NodeHooks,
  ) {}

  /** start boots the node: fresh the first time, from storage after a crash. */
  start(): void {
    if (this.state !== 'down') throw new Error(`${this.id} is already running`);
    this.incarnation++;
    const restore = this.started ? this.storage.load() : null;
    this.started = true;
    this.sm = new KvStateMachine();
    this.applied = 0;
    this.appliedTerm = 0;
    this.snapIndex = 0;
    if (restore?.snapshot) {
      this.sm.restore(restore.snapshot.data);
      this.applied = restore.snapshot.index;
      this.appliedTerm = restore.snapshot.term;
      this.snapIndex = restore.snapshot.index;
    }
    this.core = this.factory(this.protocol, {
      id: this.id,
      peers: this.peers.slice(),
      ...this.settings,
      rng: this.rngFor(this.incarnation),
      restore,
      applied: this.applied,
    });
    this.persisting = null;
    this.inbox = [];
    this.lastStatus = null;
    this.dirty = true;
    this.state = 'up';
  }

  /** crash stops the node at once: everything not yet saved is gone. */
  crash(): void {
    this.incarnation++;
    this.state = 'down';
    this.core = null;
    this.sm = null;
    this.persisting = null;
    this.inbox = [];
    this.lastStatus = null;
  }

  /** pause freezes the node: no ticks, nothing received or persisted until resume. */
  pause(): void {
    if (this.state === 'up') this.state = 'paused';
  }

  /** resume thaws a paused node and replays what queued up while it was frozen. */
  resume(): void {
    if (this.state !== 'paused') return;
    this.state = 'up';
    const queued = this.inbox;
    this.inbox = [];
    for (const fn of queued) {
      if (this.state !== 'up') {
        // A queued callback paused or crashed it again; keep the rest for later (or drop on crash).
        if (this.state === 'paused') this.inbox.push(fn);
        continue;
      }
      fn();
    }
    this.drain();
  }

  /** tick advances the core's clock by one tick. */
  tick(): void {
    this.core!.tick();
    this.drain();
  }

  /** step feeds one message from a peer. */
  step(msg: MessageBase): void {
    this.core!.step(msg);
    this.drain();
  }

  /** propose offers a command to the core (it succeeds only on a leader). */
  propose(data: string): ProposeResult {
    const r = this.core!.propose(data);
    this.drain();
    return r;
  }

  /** status is the core's view, or null while down. */
  status(): NodeStatus | null {
    return this.core ? this.core.status() : null;
  }

  /** drain works through Ready batches until the core has none, or one is being persisted. */
  drain(): void {
    for (;;) {
      const core = this.core;
      if (!core || this.state !== 'up' || this.persisting || !core.hasReady()) return;
      const rd = core.ready();
      this.dirty = true;
      this.hooks.send(this, rd.messages);
      const delay = this.hooks.diskDelay(this);
      if (delay <= 0) {
        this.finish(rd);
        continue;
      }
      this.persisting = rd;
      this.hooks.later(this, delay, () => {
        if (this.persisting !== rd) return;
        this.finish(rd);
        this.drain();
      });
      return;
    }
  }

  /** finish completes one Ready once its durable part is "on disk". */
  private finish(rd: Ready): void {
    this.persisting = null;
    if (rd.hardState || rd.entries.length > 0 || rd.snapshot) {
      this.storage.save({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot });
    }
    if (rd.hardState) this.hooks.persisted(this, rd.hardState);
    this.hooks.send(this, rd.messagesAfterPersist);
    const sm = this.sm!;
    if (rd.snapshot) {
      const snap = rd.snapshot;
      sm.restore(snap.data);
      this.applied = snap.index;
      this.appliedTerm = snap.term;
      this.snapIndex = snap.index;
      this.hooks.snapshotRestored(this, snap);
    }
    for (const e of rd.committed) {
      if (e.index <= this.applied) {
        // Already applied (a core re-sending an entry): tell the checker, never apply twice.
        this.hooks.applied(this, e, null);
        continue;
      }
      const result = e.type === 'normal' ? sm.apply(e.index, e.data) : null;
      this.applied = e.index;
      this.appliedTerm = e.term;
      this.hooks.applied(this, e, result);
    }
    this.core!.advance(rd);
    this.maybeCompact();
  }

  /** maybeCompact snapshots the state machine every snapshotEvery applied entries (MIT's Snapshot()). */
  private maybeCompact(): void {
    if (this.snapshotEvery <= 0 || this.applied - this.snapIndex < this.snapshotEvery) return;
    const core = this.core!;
    const data = this.sm!.snapshot();
    core.compact(this.applied, data);
    // A core that can say exactly what it kept (RaftNode.snapshot(): the term and the
    // membership at that index) is asked; otherwise the host builds the same from what it applied.
    const kept = (core as { snapshot?: () => Snapshot | null }).snapshot?.();
    this.storage.compact(
      kept && kept.index === this.applied
        ? kept
        : { index: this.applied, term: this.appliedTerm, conf: core.status().conf, data },
    );
    this.snapIndex = this.applied;
  }
}
