/**
 * An in-memory network of RaftNodes for interaction tests: every Ready is processed as a
 * real host must (persist, send messages, send messagesAfterPersist only after the
 * persist, apply, advance), every message crosses a JSON round trip and
 * validateRaftMessage, and links can be cut, nodes isolated, crashed and restarted.
 */
import { MemoryStorage } from '../../../src-main/core/storage';
import { seededRng } from '../../../src-main/core/types';
import type { Entry, NodeId, ProtocolConfig, ReadState, Snapshot } from '../../../src-main/core/types';
import { RaftNode, validateRaftMessage } from '../../../src-main/core/raft';
import type { RaftMessage } from '../../../src-main/core/raft';

/** Member is one simulated host: its core, its disk and its state machine (the applied commands). */
export interface Member {
  node: RaftNode;
  storage: MemoryStorage;
  /** applied holds the data of every normal entry applied, in order. */
  applied: string[];
  lastApplied: number;
  reads: ReadState[];
  up: boolean;
}

/** NetOptions tunes the cores. */
export interface NetOptions {
  electionTicks?: number;
  heartbeatTicks?: number;
  maxInflight?: number;
  maxEntriesPerMsg?: number;
  preVote?: boolean;
  checkQuorum?: boolean;
  seed?: number;
}

/** Network holds the members and the messages in flight. */
export class Network {
  readonly members = new Map<NodeId, Member>();
  /** inFlight holds sent, undelivered messages in send order. */
  inFlight: RaftMessage[] = [];
  /** inFlightLog records every message sent (tests clear it to look at a window). */
  inFlightLog: RaftMessage[] = [];
  /** sent counts every message sent, by type. */
  readonly sent = new Map<string, number>();
  private cut = new Set<string>();
  /** drop, when set, drops every message it returns true for. */
  drop: ((m: RaftMessage) => boolean) | null = null;
  /** rewrite, when set, replaces each delivered message (e.g. an append cut short, as if sent with fewer entries). */
  rewrite: ((m: RaftMessage) => RaftMessage) | null = null;
  private seed: number;
  /** onApply, when set, sees every entry any member applies (for invariant checks). */
  onApply: ((id: NodeId, e: Entry) => void) | null = null;

  constructor(
    readonly ids: NodeId[],
    readonly opts: NetOptions = {},
  ) {
    this.seed = opts.seed ?? 1;
    for (const id of ids) this.add(id, ids);
  }

  config(id: NodeId, peers: NodeId[], restore: ProtocolConfig['restore']): ProtocolConfig {
    const o = this.opts;
    return {
      id,
      peers,
      electionTicks: o.electionTicks ?? 10,
      heartbeatTicks: o.heartbeatTicks ?? 1,
      maxInflight: o.maxInflight ?? 256,
      maxEntriesPerMsg: o.maxEntriesPerMsg ?? 64,
      preVote: o.preVote ?? false,
      checkQuorum: o.checkQuorum ?? false,
      rng: seededRng(this.seed++),
      restore,
    };
  }

  /** add starts a fresh member with the given initial peers. */
  add(id: NodeId, peers: NodeId[]): Member {
    const storage = new MemoryStorage();
    const m: Member = {
      node: new RaftNode(this.config(id, peers, null)),
      storage,
      applied: [],
      lastApplied: 0,
      reads: [],
      up: true,
    };
    this.members.set(id, m);
    return m;
  }

  get(id: NodeId): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no member ${id}`);
    return m;
  }

  node(id: NodeId): RaftNode {
    return this.get(id).node;
  }

  /** process handles every Ready of one member, as a host does. */
  process(id: NodeId): void {
    const m = this.get(id);
    while (m.up && m.node.hasReady()) {
      const rd = m.node.ready();
      for (const msg of rd.messages) this.send(msg);
      m.storage.save({ hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot });
      for (const msg of rd.messagesAfterPersist) this.send(msg);
      if (rd.snapshot) {
        m.applied = JSON.parse(rd.snapshot.data) as string[];
        m.lastApplied = rd.snapshot.index;
      }
      for (const e of rd.committed) this.apply(m, e);
      m.reads.push(...rd.reads);
      m.node.advance(rd);
    }
  }

  /** processWithoutPersist handles one Ready but "crashes" before the disk write: nothing is sent after persist. */
  crashBeforePersist(id: NodeId): void {
    const m = this.get(id);
    const rd = m.node.ready();
    for (const msg of rd.messages) this.send(msg);
    this.crash(id);
  }

  private apply(m: Member, e: Entry): void {
    if (e.index !== m.lastApplied + 1) throw new Error(`${m.node.id} applied ${e.index} after ${m.lastApplied}`);
    m.lastApplied = e.index;
    if (e.type === 'normal') m.applied.push(e.data);
    this.onApply?.(m.node.id, e);
  }

  private send(msg: RaftMessage): void {
    this.sent.set(msg.type, (this.sent.get(msg.type) ?? 0) + 1);
    this.inFlight.push(msg);
    this.inFlightLog.push(msg);
  }

  /** deliver hands one message to its receiver (through the wire codec), unless cut, dropped or the receiver is down. */
  deliver(msg: RaftMessage): void {
    if (this.cut.has(`${msg.from}>${msg.to}`) || this.drop?.(msg)) return;
    if (this.rewrite) msg = this.rewrite(msg);
    const to = this.members.get(msg.to);
    if (!to || !to.up) return;
    const wire = validateRaftMessage(JSON.parse(JSON.stringify(msg)));
    if (typeof wire === 'string') throw new Error(`invalid message on the wire: ${wire}`);
    to.node.step(wire);
    this.process(msg.to);
  }

  /** deliverAll delivers until nothing is in flight (bounded, so a livelock fails the test). */
  deliverAll(max = 100_000): void {
    for (let i = 0; i < max; i++) {
      const msg = this.inFlight.shift();
      if (!msg) return;
      this.deliver(msg);
    }
    throw new Error('network did not quiesce');
  }

  /** take removes and returns the in-flight messages matching f (to deliver later, reordered, or never). */
  take(f: (m: RaftMessage) => boolean): RaftMessage[] {
    const out = this.inFlight.filter(f);
    this.inFlight = this.inFlight.filter((m) => !f(m));
    return out;
  }

  /** tick advances every live member by n ticks, delivering after each. */
  tick(n = 1, ids: NodeId[] = this.ids): void {
    for (let i = 0; i < n; i++) {
      for (const id of ids) {
        const m = this.members.get(id);
        if (!m?.up) continue;
        m.node.tick();
        this.process(id);
      }
      this.deliverAll();
    }
  }

  /** campaign makes id time out now (ticks only it) and delivers the election. */
  campaign(id: NodeId): void {
    const m = this.get(id);
    for (let i = 0; i < 2 * (this.opts.electionTicks ?? 10) && m.node.status().role !== 'leader'; i++) {
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
  propose(id: NodeId, data: string): ReturnType<RaftNode['propose']> {
    const r = this.node(id).propose(data);
    this.process(id);
    this.deliverAll();
    return r;
  }

  cutLink(a: NodeId, b: NodeId): void {
    this.cut.add(`${a}>${b}`);
    this.cut.add(`${b}>${a}`);
  }

  /** isolate cuts every link of id. */
  isolate(id: NodeId): void {
    for (const other of this.members.keys()) if (other !== id) this.cutLink(id, other);
  }

  /** partition cuts every link between the groups. */
  partition(...groups: NodeId[][]): void {
    for (const g of groups)
      for (const h of groups) if (g !== h) for (const a of g) for (const b of h) this.cut.add(`${a}>${b}`);
  }

  recover(): void {
    this.cut.clear();
    this.drop = null;
    this.rewrite = null;
  }

  /** crash stops id: what it did not persist is lost; messages to it are dropped. */
  crash(id: NodeId): void {
    this.get(id).up = false;
  }

  /** restart brings id back from its disk with a fresh state machine rebuilt from the snapshot. */
  restart(id: NodeId, peers: NodeId[] = this.ids): void {
    const m = this.get(id);
    const p = m.storage.load();
    m.node = new RaftNode(this.config(id, peers, p));
    m.applied = p.snapshot ? (JSON.parse(p.snapshot.data) as string[]) : [];
    m.lastApplied = p.snapshot?.index ?? 0;
    m.reads = [];
    m.up = true;
    this.process(id);
  }

  /** compact snapshots id's state machine at what it has applied. */
  compact(id: NodeId): Snapshot {
    const m = this.get(id);
    m.node.compact(m.lastApplied, JSON.stringify(m.applied));
    const snap = m.node.snapshot();
    if (!snap) throw new Error('no snapshot after compact');
    m.storage.compact(snap);
    return snap;
  }

  /** leaders lists the members that think they lead. */
  leaders(): NodeId[] {
    return [...this.members.entries()].filter(([, m]) => m.up && m.node.status().role === 'leader').map(([id]) => id);
  }
}

/** logOf builds entries 1..n with the given terms (normal entries carrying "i@t"). */
export function logOf(terms: number[]): Entry[] {
  return terms.map((term, i) => ({ index: i + 1, term, type: 'normal' as const, data: `${i + 1}@${term}` }));
}

/** nodeWithLog builds a RaftNode restored from a disk holding exactly this log and hard state. */
export function nodeWithLog(
  id: NodeId,
  peers: NodeId[],
  terms: number[],
  hard: { term: number; vote?: NodeId | null; commit?: number },
  opts: NetOptions = {},
): RaftNode {
  const net = new Network([], opts);
  const restore = {
    hardState: { term: hard.term, vote: hard.vote ?? null, commit: hard.commit ?? 0 },
    snapshot: null,
    entries: logOf(terms),
  };
  const n = new RaftNode(net.config(id, peers, restore));
  // Drain the restart Ready (committed entries to re-apply) so tests see only what their step causes.
  n.advance(n.ready());
  return n;
}

/** drain returns every message of one Ready (both kinds) and advances it. */
export function drain(n: RaftNode): RaftMessage[] {
  const out: RaftMessage[] = [];
  while (n.hasReady()) {
    const rd = n.ready();
    out.push(...rd.messages, ...rd.messagesAfterPersist);
    n.advance(rd);
  }
  return out;
}
