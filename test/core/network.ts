/**
 * An in-memory network of protocol cores for the core tests, the same for Raft and
 * Multi-Paxos: every member runs the shared host loop (core/host.ts) over a MemoryStorage
 * and a list state machine, so a Ready is handled exactly as the node process and the
 * simulator handle it (persist, send, messagesAfterPersist only after the write, apply,
 * advance). Every message crosses a JSON round trip and the protocol's wire validator.
 * Links can be cut, messages dropped, delayed (so they reorder) or rewritten, members
 * isolated, crashed (losing what they did not persist) and restarted from their disk, and
 * links recovered. Every applied slot is checked against every other member's: two
 * different values at one index is a violation (state machine safety).
 *
 * Disk faults: damage() breaks a crashed member's store with the shared recovery module
 * (core/recovery: the same damage, scan and repair as the node process and the simulator);
 * its next restart is recovering, and the same Recovery rules decide when that ends. A
 * recovering member that sends anything mayLeaveWhileRecovering forbids is a violation.
 *
 * Time is in ticks. A message is due `minDelay..maxDelay` ticks after it is sent (0 by
 * default: due at once, delivered in send order before the tick ends).
 */
import { HostLoop } from '../../src-main/core/host';
import { validateMessage, type ProtocolName } from '../../src-main/core/protocols';
import {
  Recovery,
  damageImage,
  mayLeaveWhileRecovering,
  repairImage,
  scanStore,
  type DamageKind,
  type RecoveryMark,
  type StoreImage,
} from '../../src-main/core/recovery';
import { MemoryStorage } from '../../src-main/core/storage';
import { ListMachine } from './list-machine';
import {
  seededRng,
  type Entry,
  type MessageBase,
  type NodeId,
  type Persisted,
  type ProtocolConfig,
  type ProtocolNode,
  type ReadState,
  type Ready,
  type Rng,
  type Snapshot,
} from '../../src-main/core/types';

/** Member is one simulated host: its core, its disk, its state machine and its host loop. */
export interface Member<N extends ProtocolNode<M>, M extends MessageBase> {
  readonly id: NodeId;
  node: N;
  up: boolean;
  storage: MemoryStorage;
  /** mark: the store's recovery mark after damage() (null = healthy); the next boot is recovering. */
  mark: RecoveryMark | null;
  /** recovery: this incarnation's recovery rules (null when it booted healthy). */
  recovery: Recovery | null;
  /** recoveredAt: the tick recovery last ended (null if never). */
  recoveredAt: number | null;
  sm: ListMachine;
  loop: HostLoop<M, null>;
  /** reads are the read states the core handed over, oldest first (tests take them out). */
  reads: ReadState[];
  /** crashOnReady: crash instead of persisting this Ready (its messages went out; the write and the rest did not). */
  crashOnReady: ((rd: Ready<M>) => boolean) | null;
  /** crashAfterReady: crash right after this Ready was persisted, sent, applied and advanced. */
  crashAfterReady: ((rd: Ready<M>) => boolean) | null;
  /** onApplied: called after each applied entry (tests take snapshots here). */
  onApplied: ((m: Member<N, M>, e: Entry) => void) | null;
}

/** NetOptions tune the cores and the network. */
export interface NetOptions {
  seed?: number;
  electionTicks?: number;
  heartbeatTicks?: number;
  maxInflight?: number;
  maxEntriesPerMsg?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  /** minDelay/maxDelay: ticks from send until a message is due. */
  minDelay?: number;
  maxDelay?: number;
  /** dropRate: the chance each due message is lost. */
  dropRate?: number;
  /** leaseReads, countOldTerms, ignoreAccepted: the cores' unsafe modes (core/unsafe.ts), off by default. */
  leaseReads?: boolean;
  countOldTerms?: boolean;
  ignoreAccepted?: boolean;
}

/** CoreBinding says which core a network runs and how its members draw randomness. */
export interface CoreBinding<N> {
  protocol: ProtocolName;
  create(cfg: ProtocolConfig): N;
  /** rngFor gives a member's core its random source at (re)start. */
  rngFor(id: NodeId, net: { ids: readonly NodeId[]; now: number; opts: Required<NetOptions> }): Rng;
}

interface InFlight<M> {
  msg: M;
  at: number;
}

/** Network holds the members, the messages in flight, and the link rules. */
export class Network<N extends ProtocolNode<M>, M extends MessageBase> {
  readonly members = new Map<NodeId, Member<N, M>>();
  readonly opts: Required<NetOptions>;
  /** rng draws message delays and losses (tests may draw from it too). */
  readonly rng: Rng;
  /** boots counts the cores booted (each boot's nonce). */
  private boots = 0;
  /** now is the time in ticks. */
  now = 0;
  /** sent counts every message sent, by type. */
  readonly sent = new Map<string, number>();
  /** sentLog records every message sent (tests clear it to look at a window). */
  readonly sentLog: M[] = [];
  /** chosen: index → "type:data" as first applied anywhere. */
  readonly chosen = new Map<number, string>();
  readonly violations: string[] = [];
  /** tap sees every message as it is sent; returning false loses it. */
  tap: ((m: M) => boolean) | null = null;
  /** drop, when set, loses every message it returns true for when it is delivered. */
  drop: ((m: M) => boolean) | null = null;
  /** rewrite, when set, replaces each delivered message (e.g. an append cut short). */
  rewrite: ((m: M) => M) | null = null;
  /** onApply, when set, sees every entry any member applies (for invariant checks). */
  onApply: ((id: NodeId, e: Entry) => void) | null = null;
  private inFlight: InFlight<M>[] = [];
  private readonly cut = new Set<string>();

  constructor(
    readonly ids: NodeId[],
    private readonly core: CoreBinding<N>,
    opts: NetOptions,
  ) {
    this.opts = {
      seed: 1,
      electionTicks: 10,
      heartbeatTicks: 1,
      maxInflight: 256,
      maxEntriesPerMsg: 64,
      preVote: false,
      checkQuorum: false,
      minDelay: 0,
      maxDelay: 0,
      dropRate: 0,
      leaseReads: false,
      countOldTerms: false,
      ignoreAccepted: false,
      ...opts,
    };
    this.rng = seededRng(this.opts.seed);
    for (const id of ids) this.add(id, ids);
  }

  /** config is the ProtocolConfig a member starts with. */
  config(id: NodeId, peers: NodeId[], restore: Persisted | null): ProtocolConfig {
    const o = this.opts;
    return {
      id,
      peers,
      electionTicks: o.electionTicks,
      heartbeatTicks: o.heartbeatTicks,
      maxInflight: o.maxInflight,
      maxEntriesPerMsg: o.maxEntriesPerMsg,
      preVote: o.preVote,
      checkQuorum: o.checkQuorum,
      leaseReads: o.leaseReads,
      countOldTerms: o.countOldTerms,
      ignoreAccepted: o.ignoreAccepted,
      rng: this.core.rngFor(id, this),
      restore,
    };
  }

  /** add starts a fresh member with the given initial peers. */
  add(id: NodeId, peers: NodeId[]): Member<N, M> {
    const fields = {
      ...{ id, storage: new MemoryStorage(), up: true, reads: [], crashOnReady: null, crashAfterReady: null },
      ...{ mark: null, recovery: null, recoveredAt: null },
    };
    // node, sm and loop are set by boot() right away.
    const m = { ...fields, onApplied: null } as unknown as Member<N, M>;
    this.members.set(id, m);
    this.boot(m, peers, null);
    return m;
  }

  member(id: NodeId): Member<N, M> {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  /** node returns a member's core (its last one while it is down). */
  node(id: NodeId): N {
    return this.member(id).node;
  }

  /** liveMembers lists the members that are up. */
  liveMembers(): Member<N, M>[] {
    return [...this.members.values()].filter((m) => m.up);
  }

  /** boot builds a member's core, state machine and host loop from what its disk holds. */
  private boot(m: Member<N, M>, peers: NodeId[], restore: Persisted | null): void {
    const sm = new ListMachine(m.id);
    const snap = restore?.snapshot ?? null;
    if (snap) sm.restore(snap.data, snap.index);
    const mark = m.mark;
    m.recovery = mark
      ? new Recovery({ ...mark, electionTicks: this.opts.electionTicks, ctxPrefix: `${m.id}:${this.now}:recover` })
      : null;
    const recovering = m.recovery !== null;
    // A nonce per boot, as the hosts give theirs (ProtocolConfig.boot).
    const boot = `b${++this.boots}`;
    const node = this.core.create({ ...this.config(m.id, peers, restore), applied: sm.appliedIndex, recovering, boot });
    m.node = node;
    m.sm = sm;
    m.reads = [];
    m.up = true;
    m.loop = new HostLoop<M, null>({
      core: node,
      storage: m.storage,
      sm,
      restored: snap,
      hooks: {
        send: (msgs) => {
          for (const x of msgs) {
            if (m.recovery?.recovering && !mayLeaveWhileRecovering(this.core.protocol, x))
              this.violations.push(`${m.id} sent ${x.type} while recovering`);
            this.send(x);
          }
        },
        holdPersist: (rd) => this.beforePersist(m, rd),
        applied: (e) => this.applied(m, e),
        skipped: (e) => this.violations.push(`${m.id} was handed entry ${e.index} again`),
        reads: (rs) => m.reads.push(...rs.filter((r) => !m.recovery?.takeRead(r))),
        advanced: (rd) => {
          this.pollRecovery(m);
          if (m.crashAfterReady?.(rd)) {
            m.crashAfterReady = null;
            this.crash(m.id);
          }
        },
      },
    });
  }

  /** beforePersist checks the write keeps the stored log contiguous, and crashes the member if asked to. */
  private beforePersist(m: Member<N, M>, rd: Ready<M>): boolean {
    this.checkContiguous(m, rd);
    if (!m.crashOnReady?.(rd)) return false;
    m.crashOnReady = null;
    this.crash(m.id);
    return true;
  }

  /** checkContiguous flags a write that would leave a gap in the stored log (Storage wants it contiguous). */
  private checkContiguous(m: Member<N, M>, rd: Ready<M>): void {
    // Read the store's state without load()'s deep copy (this runs on every Ready).
    const p = (m.storage as unknown as { state: Persisted }).state;
    let last = p.entries.length > 0 ? p.entries[p.entries.length - 1]!.index : (p.snapshot?.index ?? 0);
    if (rd.snapshot) last = rd.snapshot.index;
    const first = rd.entries[0];
    if (first && first.index > last + 1) this.violations.push(`${m.id} writes slot ${first.index} after ${last}`);
    rd.entries.forEach((e, i) => {
      if (i > 0 && e.index !== rd.entries[i - 1]!.index + 1) this.violations.push(`${m.id} writes a gap at ${e.index}`);
    });
  }

  private applied(m: Member<N, M>, e: Entry): void {
    const v = `${e.type}:${e.data}`;
    const prev = this.chosen.get(e.index);
    if (prev === undefined) this.chosen.set(e.index, v);
    else if (prev !== v) this.violations.push(`slot ${e.index}: ${m.id} applied ${v}, another node ${prev}`);
    this.onApply?.(m.id, e);
    m.onApplied?.(m, e);
  }

  /** chosenAt is what was applied at index i, as "type:data" (by the first member to apply it). */
  chosenAt(i: number): string | undefined {
    return this.chosen.get(i);
  }

  // ---- hosts ------------------------------------------------------------------------

  /** process runs one member's host loop until its core has nothing left to do. */
  process(id: NodeId): void {
    const m = this.member(id);
    if (m.up) m.loop.pump();
  }

  /** drain runs every live member's host loop until none has anything left to do. */
  drain(): void {
    for (let guard = 0; guard < 1000; guard++) {
      let any = false;
      for (const m of this.members.values()) {
        if (!m.up || !m.node.hasReady()) continue;
        any = true;
        m.loop.pump();
      }
      if (!any) return;
    }
    throw new Error('ready loop does not settle');
  }

  /** crash stops id: what it did not persist is lost; messages to it are dropped. */
  crash(id: NodeId): void {
    const m = this.member(id);
    m.up = false;
    m.loop.stop();
  }

  /**
   * kill crashes id as a process dies: what it sent arrives, then its connections close and
   * every live member whose link from id is not cut learns it (peerClosed) — or only those
   * in `to`, when given.
   */
  kill(id: NodeId, to: readonly NodeId[] | null = null): void {
    this.crash(id);
    // What it sent before it died is on the wire ahead of the close (TCP delivers in order).
    for (const m of this.take((x) => x.from === id)) this.deliver(m);
    for (const m of this.members.values()) {
      if (!m.up || m.id === id || this.cut.has(`${id}>${m.id}`) || (to && !to.includes(m.id))) continue;
      m.node.peerClosed?.(id);
      this.drain();
    }
  }

  /** crashBeforePersist runs one Ready of id but "crashes" during the disk write: only its `messages` leave. */
  crashBeforePersist(id: NodeId): void {
    this.member(id).crashOnReady = () => true;
    this.process(id);
  }

  /** restart brings id back from its disk, with a state machine rebuilt from the snapshot. */
  restart(id: NodeId, peers: NodeId[] = this.ids): void {
    const m = this.member(id);
    if (m.up) this.crash(id);
    const p = m.storage.load();
    const fresh = p.hardState.term === 0 && p.snapshot === null && p.entries.length === 0;
    this.boot(m, peers, fresh ? null : p);
    this.process(id);
  }

  /**
   * damage inflicts a disk fault on a crashed member's store (core/recovery: damageImage,
   * then the load-time scan and repair); its next restart is recovering. Returns what was
   * damaged (null: nothing of that kind).
   */
  damage(id: NodeId, kind: DamageKind): string | null {
    const m = this.member(id);
    if (m.up) throw new Error(`${id} must be down to damage its store`);
    const d = damageImage(imageOf(m.storage.load(), m.mark), kind);
    const scan = scanStore(d.image, { protocol: this.core.protocol, self: id });
    const repaired = repairImage(d.image, scan);
    m.storage = new MemoryStorage();
    const p = scan.persisted;
    m.storage.save({ hardState: p.hardState, entries: p.entries, snapshot: p.snapshot });
    m.mark = repaired.mark.reason !== null ? repaired.mark : null;
    return d.what;
  }

  /** pollRecovery lets a recovering member's rules ask for a read point, and ends recovery once caught up. */
  private pollRecovery(m: Member<N, M>): void {
    const done = m.recovery?.poll(m.node, m.sm.appliedIndex);
    if (!done) return;
    m.node.endRecovery();
    m.mark = null;
    m.recoveredAt = this.now;
  }

  /** compact snapshots id's state machine at what it has applied (core and disk). */
  compact(id: NodeId): Snapshot {
    return this.member(id).loop.takeSnapshot({ reason: 'test' });
  }

  // ---- the wire ---------------------------------------------------------------------

  private send(msg: M): void {
    this.sent.set(msg.type, (this.sent.get(msg.type) ?? 0) + 1);
    this.sentLog.push(msg);
    if (this.tap && !this.tap(msg)) return;
    const delay = this.rng.int(this.opts.minDelay, this.opts.maxDelay);
    this.inFlight.push({ msg, at: this.now + delay });
  }

  /** pending lists the messages in flight, in send order. */
  pending(): M[] {
    return this.inFlight.map((f) => f.msg);
  }

  /** take removes and returns the in-flight messages matching f (to deliver later, reordered, or never). */
  take(f: (m: M) => boolean): M[] {
    const out: M[] = [];
    const keep: InFlight<M>[] = [];
    for (const x of this.inFlight) {
      if (f(x.msg)) out.push(x.msg);
      else keep.push(x);
    }
    this.inFlight = keep;
    return out;
  }

  /** shift removes and returns the oldest message in flight (due or not). */
  shift(): M | undefined {
    return this.inFlight.shift()?.msg;
  }

  /** putBack puts a message in flight again, due at once (a duplicate, or one taken earlier). */
  putBack(msg: M): void {
    this.inFlight.push({ msg, at: this.now });
  }

  /** deliver hands one message to its receiver (through the wire codec), unless cut, dropped or the receiver is down. */
  deliver(msg: M): void {
    if (this.cut.has(`${msg.from}>${msg.to}`) || this.drop?.(msg)) return;
    if (this.opts.dropRate > 0 && this.rng.next() < this.opts.dropRate) return;
    if (this.rewrite) msg = this.rewrite(msg);
    const to = this.members.get(msg.to);
    if (!to?.up) return;
    const wire = validateMessage(this.core.protocol, JSON.parse(JSON.stringify(msg)) as unknown);
    if (typeof wire === 'string') throw new Error(`invalid message on the wire: ${wire}`);
    to.node.step(wire as M);
    this.drain();
  }

  /** inject hands a message straight to its receiver, as if it just arrived. */
  inject(msg: M): void {
    const to = this.members.get(msg.to);
    if (to?.up) to.node.step(msg);
    this.drain();
  }

  /** deliverAll delivers until nothing is in flight, due or not (bounded, so a livelock fails the test). */
  deliverAll(max = 100_000): void {
    for (let i = 0; i < max; i++) {
      const next = this.shift();
      if (!next) return;
      this.deliver(next);
    }
    throw new Error('network did not quiesce');
  }

  /** deliverDue delivers the messages due by now, then those they caused that are due at once. */
  private deliverDue(): void {
    for (let wave = 0; wave < 100_000; wave++) {
      const due: M[] = [];
      const later: InFlight<M>[] = [];
      for (const f of this.inFlight) {
        if (f.at <= this.now) due.push(f.msg);
        else later.push(f);
      }
      if (due.length === 0) return;
      this.inFlight = later;
      for (const msg of due) this.deliver(msg);
    }
    throw new Error('network did not quiesce');
  }

  // ---- links ------------------------------------------------------------------------

  /** cutLink blocks messages from a to b (both directions unless oneWay). */
  cutLink(a: NodeId, b: NodeId, oneWay = false): void {
    this.cut.add(`${a}>${b}`);
    if (!oneWay) this.cut.add(`${b}>${a}`);
  }

  /** isolate cuts every link of id. */
  isolate(id: NodeId): void {
    for (const other of this.members.keys()) if (other !== id) this.cutLink(id, other);
  }

  /** partition cuts every link between the groups (on top of the cuts already made). */
  partition(...groups: NodeId[][]): void {
    for (const g of groups)
      for (const h of groups) if (g !== h) for (const a of g) for (const b of h) this.cut.add(`${a}>${b}`);
  }

  /** recover removes every cut and the drop, rewrite and tap rules. */
  recover(): void {
    this.cut.clear();
    this.drop = null;
    this.rewrite = null;
    this.tap = null;
  }

  // ---- time -------------------------------------------------------------------------

  /**
   * tick advances time by n ticks; in each, the messages now due are delivered, then every
   * live member among `ids` ticks and runs its host loop, then what became due at once is delivered.
   */
  tick(n = 1, ids: readonly NodeId[] = this.ids): void {
    for (let i = 0; i < n; i++) {
      this.now++;
      this.deliverDue();
      for (const id of ids) {
        const m = this.members.get(id);
        if (!m?.up) continue;
        m.node.tick();
        m.recovery?.tick();
        this.process(id);
        this.pollRecovery(m);
        this.process(id);
      }
      this.deliverDue();
    }
  }

  /** runUntil ticks until cond holds; returns whether it did within `max` ticks. */
  runUntil(cond: () => boolean, max = 2000): boolean {
    for (let i = 0; i < max; i++) {
      if (cond()) return true;
      this.tick();
    }
    return cond();
  }

  // ---- leaders and proposals --------------------------------------------------------

  /** leaders lists the live members that think they lead. */
  leaders(): NodeId[] {
    return this.liveMembers()
      .filter((m) => m.node.status().role === 'leader')
      .map((m) => m.id);
  }

  /** leader returns the single live leader, or null. */
  leader(): NodeId | null {
    const ls = this.leaders();
    return ls.length === 1 ? ls[0]! : null;
  }

  /** waitLeader ticks until exactly one leader exists that a majority of the members follows. */
  waitLeader(max = 2000): NodeId {
    const ok = this.runUntil(() => {
      const l = this.leader();
      if (!l) return false;
      const n = this.liveMembers().filter((m) => m.node.status().leader === l).length;
      return n > this.ids.length / 2;
    }, max);
    if (!ok) throw new Error(`no leader within ${max} ticks`);
    return this.leader()!;
  }

  /** campaign makes id time out now (ticks only it) and delivers the election. */
  campaign(id: NodeId): void {
    const m = this.member(id);
    for (let i = 0; i < 2 * this.opts.electionTicks && m.node.status().role !== 'leader'; i++) {
      m.node.tick();
      this.process(id);
      this.deliverAll();
    }
  }

  /** elect makes id leader and lets the cluster settle; fails if it could not win. */
  elect(id: NodeId): void {
    this.campaign(id);
    if (this.node(id).status().role !== 'leader') throw new Error(`${id} did not become leader`);
    this.deliverAll();
  }

  /** propose proposes on id and delivers everything. */
  propose(id: NodeId, data: string): ReturnType<N['propose']> {
    const r = this.node(id).propose(data);
    this.process(id);
    this.deliverAll();
    return r as ReturnType<N['propose']>;
  }

  /** proposeAndWait proposes on the leader and ticks until it is applied on every live member (or `on`). */
  proposeAndWait(data: string, max = 2000, on: NodeId[] | null = null): number {
    const l = this.waitLeader(max);
    const r = this.node(l).propose(data);
    if (!r.ok) throw new Error(`propose failed: ${r.reason}`);
    this.drain();
    const who = (): Member<N, M>[] => (on ? on.map((id) => this.member(id)) : this.liveMembers());
    const ok = this.runUntil(() => who().every((m) => m.sm.appliedIndex >= r.index), max);
    if (!ok) throw new Error(`slot ${r.index} not applied everywhere within ${max} ticks`);
    return r.index;
  }
}

/** imageOf is what a store holding `p` looks like to the scan: every record intact. */
function imageOf(p: Persisted, mark: RecoveryMark | null): StoreImage {
  const fresh = p.hardState.term === 0 && p.hardState.commit === 0 && p.hardState.vote === null;
  return {
    unreadable: null,
    hard: fresh && p.entries.length === 0 ? null : { ...p.hardState, intact: true },
    snapshot: p.snapshot ? { index: p.snapshot.index, snapshot: p.snapshot, intact: true } : null,
    log: p.entries.map((entry) => ({ entry, intact: true })),
    mark: mark ?? { reason: null, floor: 0, voteLost: false },
  };
}
