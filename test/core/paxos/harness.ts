/**
 * An in-memory network of PaxosNodes for the core's tests: every node has a MemoryStorage
 * (a crash keeps only what a Ready persisted), messages travel with a seeded random delay
 * (so they reorder), links can be cut and messages dropped, and every applied slot is
 * checked against every other node's (two different chosen values at one slot = violation).
 */
import { PaxosNode, type PaxosMessage } from '../../../src-main/core/paxos';
import { MemoryStorage } from '../../../src-main/core/storage';
import {
  seededRng,
  type Entry,
  type NodeId,
  type ProtocolConfig,
  type Ready,
  type Rng,
} from '../../../src-main/core/types';

/** SmState is the toy state machine: the data of every applied normal entry, in order. */
export interface SmState {
  values: string[];
  lastApplied: number;
}

/** Member is one node slot of the cluster (its node is null while crashed). */
export interface Member {
  id: NodeId;
  node: PaxosNode | null;
  storage: MemoryStorage;
  sm: SmState;
  reads: { ctx: string; index: number; appliedAt: number }[];
  /** crashOnReady: crash instead of persisting this Ready (state since the last Ready is lost). */
  crashOnReady: ((rd: Ready<PaxosMessage>) => boolean) | null;
  /** crashAfterReady: crash right after this Ready was persisted and its messages sent. */
  crashAfterReady: ((rd: Ready<PaxosMessage>) => boolean) | null;
  /** onApplied: called after each applied entry (tests take snapshots here). */
  onApplied: ((m: Member, e: Entry) => void) | null;
}

interface InFlight {
  at: number;
  msg: PaxosMessage;
}

/** ClusterOptions tune the simulated network. */
export interface ClusterOptions {
  seed?: number;
  electionTicks?: number;
  heartbeatTicks?: number;
  maxEntriesPerMsg?: number;
  checkQuorum?: boolean;
  minDelay?: number;
  maxDelay?: number;
  dropRate?: number;
}

/** Cluster drives n PaxosNodes over a simulated network in ticks. */
export class Cluster {
  readonly ids: NodeId[];
  readonly members = new Map<NodeId, Member>();
  readonly rng: Rng;
  readonly opts: Required<ClusterOptions>;
  now = 0;
  private inflight: InFlight[] = [];
  private readonly cut = new Set<string>();
  /** chosen: slot → "type:data" as first applied anywhere. */
  readonly chosen = new Map<number, string>();
  readonly violations: string[] = [];
  /** sent counts every message by type (for tests about what went over the wire). */
  readonly sent = new Map<string, number>();
  /** tap sees every message as it is sent; returning false drops it. */
  tap: ((m: PaxosMessage) => boolean) | null = null;

  constructor(n: number, opts: ClusterOptions = {}) {
    this.opts = {
      seed: 1,
      electionTicks: 10,
      heartbeatTicks: 2,
      maxEntriesPerMsg: 16,
      checkQuorum: true,
      minDelay: 1,
      maxDelay: 1,
      dropRate: 0,
      ...opts,
    };
    this.rng = seededRng(this.opts.seed);
    this.ids = Array.from({ length: n }, (_, i) => `n${i + 1}`);
    for (const id of this.ids) {
      const m: Member = {
        id,
        node: null,
        storage: new MemoryStorage(),
        sm: { values: [], lastApplied: 0 },
        reads: [],
        crashOnReady: null,
        crashAfterReady: null,
        onApplied: null,
      };
      this.members.set(id, m);
      this.start(m);
    }
  }

  member(id: NodeId): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  node(id: NodeId): PaxosNode {
    const n = this.member(id).node;
    if (!n) throw new Error(`${id} is down`);
    return n;
  }

  private config(id: NodeId, m: Member): ProtocolConfig {
    const restore = m.storage.load();
    const fresh = restore.hardState.term === 0 && restore.entries.length === 0 && restore.snapshot === null;
    return {
      id,
      peers: this.ids,
      electionTicks: this.opts.electionTicks,
      heartbeatTicks: this.opts.heartbeatTicks,
      maxInflight: 8,
      maxEntriesPerMsg: this.opts.maxEntriesPerMsg,
      preVote: false,
      checkQuorum: this.opts.checkQuorum,
      // Each incarnation gets its own stream so restarts do not replay the same timeouts.
      rng: seededRng(this.opts.seed * 7919 + this.ids.indexOf(id) * 104729 + this.now),
      restore: fresh ? null : restore,
      applied: restore.snapshot?.index ?? 0,
    };
  }

  private start(m: Member): void {
    const cfg = this.config(m.id, m);
    const snap = cfg.restore?.snapshot ?? null;
    m.sm = snap ? (JSON.parse(snap.data) as SmState) : { values: [], lastApplied: 0 };
    m.node = new PaxosNode(cfg);
  }

  /** crash stops a node; only what its Readies persisted survives. */
  crash(id: NodeId): void {
    this.member(id).node = null;
  }

  /** restart brings a crashed node back from its storage. */
  restart(id: NodeId): void {
    const m = this.member(id);
    if (m.node) return;
    this.start(m);
  }

  /** cutLink blocks messages from a to b (both directions unless oneWay). */
  cutLink(a: NodeId, b: NodeId, oneWay = false): void {
    this.cut.add(`${a}>${b}`);
    if (!oneWay) this.cut.add(`${b}>${a}`);
  }

  /** isolate cuts every link of `id`. */
  isolate(id: NodeId): void {
    for (const o of this.ids) if (o !== id) this.cutLink(id, o);
  }

  /** partition cuts every link between the groups. */
  partition(...groups: NodeId[][]): void {
    this.heal();
    for (const g of groups)
      for (const h of groups) if (g !== h) for (const a of g) for (const b of h) this.cut.add(`${a}>${b}`);
  }

  heal(): void {
    this.cut.clear();
  }

  private send(msg: PaxosMessage): void {
    this.sent.set(msg.type, (this.sent.get(msg.type) ?? 0) + 1);
    if (this.tap && !this.tap(msg)) return;
    const delay = this.rng.int(this.opts.minDelay, this.opts.maxDelay);
    this.inflight.push({ at: this.now + delay, msg });
  }

  /** drain runs every pending Ready of every live node. */
  drain(): void {
    for (let guard = 0; guard < 1000; guard++) {
      let any = false;
      for (const m of this.members.values()) {
        while (m.node && m.node.hasReady()) {
          any = true;
          this.handleReady(m, m.node.ready());
        }
      }
      if (!any) return;
    }
    throw new Error('ready loop does not settle');
  }

  private handleReady(m: Member, rd: Ready<PaxosMessage>): void {
    if (m.crashOnReady && m.crashOnReady(rd)) {
      m.crashOnReady = null;
      m.node = null;
      return;
    }
    this.checkContiguous(m, rd);
    m.storage.save({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot });
    for (const x of rd.messages) this.send(x);
    for (const x of rd.messagesAfterPersist) this.send(x);
    if (rd.snapshot) {
      const s = JSON.parse(rd.snapshot.data) as SmState;
      if (s.lastApplied > m.sm.lastApplied) m.sm = s;
    }
    for (const e of rd.committed) this.apply(m, e);
    for (const r of rd.reads) m.reads.push({ ...r, appliedAt: m.sm.lastApplied });
    m.node?.advance(rd);
    if (m.crashAfterReady && m.crashAfterReady(rd)) {
      m.crashAfterReady = null;
      m.node = null;
    }
  }

  /** checkContiguous flags a write that would leave a gap in the stored log (Storage wants it contiguous). */
  private checkContiguous(m: Member, rd: Ready<PaxosMessage>): void {
    // Read the store's state without load()'s deep copy (this runs on every Ready).
    const p = (m.storage as unknown as { state: { entries: Entry[]; snapshot: { index: number } | null } }).state;
    let last = p.entries.length > 0 ? p.entries[p.entries.length - 1]!.index : (p.snapshot?.index ?? 0);
    if (rd.snapshot) last = rd.snapshot.index;
    const first = rd.entries[0];
    if (first && first.index > last + 1) this.violations.push(`${m.id} writes slot ${first.index} after ${last}`);
    rd.entries.forEach((e, i) => {
      if (i > 0 && e.index !== rd.entries[i - 1]!.index + 1) this.violations.push(`${m.id} writes a gap at ${e.index}`);
    });
  }

  private apply(m: Member, e: Entry): void {
    if (e.index <= m.sm.lastApplied) return;
    if (e.index !== m.sm.lastApplied + 1) {
      this.violations.push(`${m.id} applied ${e.index} after ${m.sm.lastApplied}`);
    }
    const v = `${e.type}:${e.data}`;
    const prev = this.chosen.get(e.index);
    if (prev === undefined) this.chosen.set(e.index, v);
    else if (prev !== v) this.violations.push(`slot ${e.index}: ${m.id} applied ${v}, another node ${prev}`);
    m.sm.lastApplied = e.index;
    if (e.type === 'normal') m.sm.values.push(e.data);
    m.onApplied?.(m, e);
  }

  /** deliver hands every due message to its live target, unless cut or dropped. */
  private deliver(): void {
    const due: InFlight[] = [];
    const later: InFlight[] = [];
    for (const f of this.inflight) (f.at <= this.now ? due : later).push(f);
    this.inflight = later;
    for (const { msg } of due) {
      if (this.cut.has(`${msg.from}>${msg.to}`)) continue;
      if (this.opts.dropRate > 0 && this.rng.next() < this.opts.dropRate) continue;
      const target = this.members.get(msg.to)?.node;
      if (!target) continue;
      target.step(msg);
      this.drain();
    }
  }

  /** inject hands a message straight to its target (as if it just arrived). */
  inject(msg: PaxosMessage): void {
    this.members.get(msg.to)?.node?.step(msg);
    this.drain();
  }

  /** tick advances time by one tick: deliver due messages, tick every live node. */
  tick(): void {
    this.now++;
    this.deliver();
    for (const m of this.members.values()) m.node?.tick();
    this.drain();
  }

  run(ticks: number): void {
    for (let i = 0; i < ticks; i++) this.tick();
  }

  /** runUntil ticks until cond holds; returns whether it did within `max` ticks. */
  runUntil(cond: () => boolean, max = 2000): boolean {
    for (let i = 0; i < max; i++) {
      if (cond()) return true;
      this.tick();
    }
    return cond();
  }

  /** leaders lists live nodes that say they are leader. */
  leaders(): NodeId[] {
    return this.ids.filter((id) => this.members.get(id)!.node?.status().role === 'leader');
  }

  /** leader returns the single live leader, or null. */
  leader(): NodeId | null {
    const ls = this.leaders();
    return ls.length === 1 ? ls[0]! : null;
  }

  /** waitLeader ticks until exactly one leader exists that a quorum of live nodes follows. */
  waitLeader(max = 2000): NodeId {
    const ok = this.runUntil(() => {
      const l = this.leader();
      if (!l) return false;
      const n = this.ids.filter((id) => this.members.get(id)!.node?.status().leader === l).length;
      return n > this.ids.length / 2;
    }, max);
    if (!ok) throw new Error(`no leader within ${max} ticks`);
    return this.leader()!;
  }

  /** propose proposes on the current leader and runs until it is applied everywhere live (or throws). */
  proposeAndWait(data: string, max = 2000, on: NodeId[] | null = null): number {
    const l = this.waitLeader(max);
    const r = this.node(l).propose(data);
    if (!r.ok) throw new Error(`propose failed: ${r.reason}`);
    this.drain();
    const who = on ? on.map((id) => this.member(id)) : null;
    const ok = this.runUntil(() => (who ?? this.liveMembers()).every((m) => m.sm.lastApplied >= r.index), max);
    if (!ok) throw new Error(`slot ${r.index} not applied everywhere within ${max} ticks`);
    return r.index;
  }

  liveMembers(): Member[] {
    return [...this.members.values()].filter((m) => m.node !== null);
  }

  /** slotValue is what a node applied at slot i, as "type:data" (from the global chosen map). */
  chosenAt(i: number): string | undefined {
    return this.chosen.get(i);
  }
}
