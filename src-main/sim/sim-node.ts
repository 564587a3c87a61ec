/**
 * SimNode hosts one cluster member inside the simulator the way the real node process
 * does: a protocol core, durable storage, and the KV state machine, driven through
 * Ready/advance. Storage is a SimStorage (MemoryStorage's semantics) that outlives crashes, so a crash loses
 * exactly what a power cut would: the Ready being persisted (its hard state, entries,
 * and the messages that were to leave after it) and all in-memory state. A restart
 * rebuilds the core from storage.load() and a fresh state machine from the snapshot,
 * then re-applies the committed log. The Ready loop itself is core/host.ts's HostLoop,
 * the same one the node process runs; the simulator adds the disk delay and the checks.
 */
import { HostLoop, type HostHooks } from '../core/host';
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
  /** snapshotSkipped: the core handed a snapshot no newer than what the node applied. */
  snapshotSkipped(node: SimNode, snap: Snapshot): void;
}

/** SimNode is one simulated member: core + storage + state machine, run by a HostLoop. */
export class SimNode {
  state: SimNodeState = 'down';
  core: ProtocolNode | null = null;
  sm: KvStateMachine | null = null;
  /** storage survives crashes; only what was saved is in it. */
  readonly storage = new SimStorage();
  /** incarnation changes on every crash and restart, so stale callbacks can tell. */
  incarnation = 0;
  /** loop runs the core's Readies (one per incarnation; null while down). */
  private loop: HostLoop<MessageBase, KvResult> | null = null;
  /** appliedAtCrash is what `applied` reports while the node is down. */
  private appliedAtCrash = 0;
  private started = false;
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

  /** applied is the last log index applied (noop/config included). */
  get applied(): number {
    return this.loop ? this.loop.applied : this.appliedAtCrash;
  }

  /** start boots the node: fresh the first time, from storage after a crash. */
  start(): void {
    if (this.state !== 'down') throw new Error(`${this.id} is already running`);
    this.incarnation++;
    const restore = this.started ? this.storage.load() : null;
    this.started = true;
    const sm = new KvStateMachine();
    const snap = restore?.snapshot ?? null;
    if (snap) sm.restore(snap.data, snap.index);
    const core = this.factory(this.protocol, {
      id: this.id,
      peers: this.peers.slice(),
      ...this.settings,
      rng: this.rngFor(this.incarnation),
      restore,
      applied: sm.appliedIndex,
    });
    this.sm = sm;
    this.core = core;
    this.loop = new HostLoop({
      core,
      storage: this.storage,
      sm,
      hooks: this.loopHooks(),
      snapshotEvery: this.snapshotEvery,
      restored: snap,
    });
    this.inbox = [];
    this.lastStatus = null;
    this.dirty = true;
    this.state = 'up';
  }

  /** crash stops the node at once: everything not yet saved is gone. */
  crash(): void {
    this.incarnation++;
    this.state = 'down';
    this.appliedAtCrash = this.applied;
    this.loop?.stop();
    this.loop = null;
    this.core = null;
    this.sm = null;
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
    if (this.state === 'up') this.loop?.pump();
  }

  /** loopHooks connect the HostLoop to the cluster: the wire, the disk delay and the checker. */
  private loopHooks(): HostHooks<MessageBase, KvResult> {
    const h = this.hooks;
    return {
      send: (msgs) => h.send(this, msgs),
      holdPersist: (rd) => {
        const delay = h.diskDelay(this);
        if (delay <= 0) return false;
        const loop = this.loop;
        h.later(this, delay, () => {
          loop?.resume(rd);
          this.drain();
        });
        return true;
      },
      readied: () => {
        this.dirty = true;
      },
      persisted: (hs) => h.persisted(this, hs),
      snapshotRestored: (snap) => h.snapshotRestored(this, snap),
      // The checker hears of a stale snapshot or an entry handed twice (a core bug),
      // though neither is applied again.
      snapshotSkipped: (snap) => h.snapshotSkipped(this, snap),
      applied: (e, result) => h.applied(this, e, result),
      skipped: (e) => h.applied(this, e, null),
    };
  }
}
