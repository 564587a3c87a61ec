/**
 * SimNode hosts one cluster member inside the simulator the way the node process
 * (node/node-host.ts) does: a protocol core, durable storage and the KV state machine,
 * driven by the shared Ready loop (core/host.ts's HostLoop), client requests answered by
 * the node process's own request layer (node/requests.ts: ReadIndex ids, proposals, the
 * ok / fail / unknown rules) on the simulator's clock, and the storage layer's open-time
 * scan and recovery rules (sim-storage.ts, disk-scan.ts, sim-recovery.ts).
 *
 * Storage is a SimStorage that outlives crashes, so a crash loses exactly what a power cut
 * would: the Ready being persisted (its hard state, entries, and the messages that were to
 * leave after it) and all in-memory state, pending client requests included (their
 * clients hear nothing and time out). A restart opens the store through the scan rules,
 * rebuilds the core from what they keep and a fresh state machine from the snapshot, then
 * re-applies the committed log. A node whose store was damaged recovers before it votes.
 */
import { HostLoop, type HostHooks } from '../core/host';
import { KvStateMachine, type KvStateMachineOptions } from '../core/kv/state-machine';
import type { KvResult } from '../core/kv/types';
import type { ProtocolName } from '../core/protocols';
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
  Rng,
  Snapshot,
} from '../core/types';
import type { ClientRequestFrame, ClientResponseFrame } from '../node/contract';
import { Requests, type RequestTimers } from '../node/requests';
import { scanRules } from './disk-scan';
import { Recovery } from './sim-recovery';
import { SimStorage } from './sim-storage';

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
  /** now is virtual time in ms (the clock client commands are stamped with). */
  now(): number;
  persisted(node: SimNode, hs: HardState): void;
  applied(node: SimNode, e: Entry, result: KvResult | null): void;
  snapshotRestored(node: SimNode, snap: Snapshot): void;
  /** snapshotSkipped: the core handed a snapshot no newer than what the node applied. */
  snapshotSkipped(node: SimNode, snap: Snapshot): void;
  /** event records something the node's host reports (damage found, recovered) in the run log. */
  event(node: SimNode, kind: string, detail: Record<string, unknown>): void;
}

/** SimNodeOptions are the per-node settings a Cluster passes down. */
export interface SimNodeOptions {
  protocol: ProtocolName;
  settings: CoreSettings;
  snapshotEvery: number;
  factory: NodeFactory;
  /** kv: the state machine's limits (session eviction, byte limit). */
  kv: KvStateMachineOptions;
}

/** TimerHandle is a cancellable virtual timer (Requests' timeouts). */
interface TimerHandle {
  cancelled: boolean;
}

/** SimNode is one simulated member: core + storage + state machine + requests, run by a HostLoop. */
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
  private requests: Requests | null = null;
  /** recovery is the damaged-store state of this incarnation (null while down). */
  recovery: Recovery | null = null;
  /** appliedAtCrash is what `applied` reports while the node is down. */
  private appliedAtCrash = 0;
  private started = false;
  /** wasLeaderTerm: the term this node last led in as of the last look (null: not leading). */
  private wasLeaderTerm: number | null = null;
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
    this.timers = {
      set: (fn, ms) => {
        const h: TimerHandle = { cancelled: false };
        hooks.later(this, ms, () => {
          if (!h.cancelled) fn();
        });
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
    return this.recovery?.active ?? false;
  }

  /** start boots the node: fresh the first time, from its store (through the scan rules) after that. */
  start(): void {
    if (this.state !== 'down') throw new Error(`${this.id} is already running`);
    this.incarnation++;
    const opened = this.started ? this.storage.open(scanRules(this.o.protocol)) : null;
    this.started = true;
    const p = opened?.persisted ?? null;
    const sm = new KvStateMachine(this.o.kv);
    const snap = p?.snapshot ?? null;
    if (snap) sm.restore(snap.data, snap.index);
    const core = this.o.factory(this.o.protocol, {
      id: this.id,
      peers: this.peers.slice(),
      ...this.o.settings,
      rng: this.rngFor(this.incarnation),
      restore: p && !isFresh(p) ? p : null,
      applied: sm.appliedIndex,
    });
    this.sm = sm;
    this.core = core;
    this.recovery = new Recovery(this.storage, opened, p?.hardState.commit ?? 0);
    if (opened?.damaged) {
      this.hooks.event(this, 'storage-damaged', { reason: opened.damaged, recoveryFloor: opened.floor });
    }
    this.loop = new HostLoop({
      core,
      storage: this.storage,
      sm,
      hooks: this.loopHooks(),
      snapshotEvery: this.o.snapshotEvery,
      restored: snap,
    });
    const recovery = this.recovery;
    this.requests = new Requests({
      id: this.id,
      core,
      kv: sm,
      recovering: () => recovery.active,
      // The simulator drains the loop right after every request it hands over.
      kick: () => {},
      timers: this.timers,
    });
    this.wasLeaderTerm = null;
    this.inbox = [];
    this.clientInbox = [];
    this.lastStatus = null;
    this.dirty = true;
    this.state = 'up';
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

  /** tick advances the core's clock by one tick (a recovering node's election clock stands still). */
  tick(): void {
    if (!this.recovering) this.core!.tick();
    this.drain();
  }

  /** step feeds one message from a peer (a recovering node takes no part in elections). */
  step(msg: MessageBase): void {
    const core = this.core!;
    if (this.recovery!.refusesIncoming(core.messageKind(msg), msg.type)) return;
    core.step(msg);
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
    if (this.state === 'up') this.loop?.pump();
  }

  /**
   * look reads the core's status when something may have changed (or `force`), runs the
   * host's after-Ready duties on it — answering what a deposed leader was waiting on,
   * ending recovery — and returns it; null when nothing was read.
   */
  look(force: boolean): NodeStatus | null {
    if (!this.core || !(this.dirty || force)) return null;
    this.dirty = false;
    const st = this.core.status();
    // Leadership lost (or a new term): proposals may still commit under another leader.
    if (this.wasLeaderTerm !== null && (st.role !== 'leader' || st.term !== this.wasLeaderTerm)) {
      this.requests!.leadershipLost();
    }
    this.wasLeaderTerm = st.role === 'leader' ? st.term : null;
    const rec = this.recovery!;
    if (rec.active && rec.maybeEnd(st, this.sm!.appliedIndex)) {
      this.hooks.event(this, 'recovered', { source: 'peers', leader: st.leader, commit: st.commitIndex });
    }
    return st;
  }

  /** loopHooks connect the HostLoop to the cluster and the request layer, as NodeHost's do. */
  private loopHooks(): HostHooks<MessageBase, KvResult> {
    const h = this.hooks;
    return {
      send: (msgs) => {
        const rec = this.recovery!;
        const core = this.core!;
        h.send(this, rec.active ? msgs.filter((m) => !rec.withholds(core.messageKind(m), m.type)) : msgs);
      },
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
      snapshotRestored: (snap) => {
        this.recovery!.snapshotInstalled();
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
        const req = this.requests!;
        for (const r of rs) req.readState(r);
        req.serveReads();
      },
    };
  }
}

/** isFresh: a store that holds nothing boots the core as a new member. */
function isFresh(p: Persisted): boolean {
  return p.hardState.term === 0 && p.snapshot === null && p.entries.length === 0;
}
