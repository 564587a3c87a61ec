/**
 * MessageLog: the run's recent messages for the space-time diagram, folded from the run
 * log's send / deliver / drop / duplicate records as they arrive (live, or a saved run),
 * and the node events drawn on the lanes (role, term, commit, crash, restart, pause,
 * resume). Each record costs O(1) and no object: messages live in a ring of parallel
 * typed arrays (MESSAGE_CAPACITY of them, the newest kept), so a busy 9-node cluster's
 * tens of thousands of messages a second fit in a few MB; a send waiting for its delivery
 * is found by id in a map bounded by the ring (a slot overwritten takes its id out).
 * Messages are kept in send order, so a window of time is a binary search away.
 */
import type { RunLogRecord } from '../api/contract';
import { formatBallot } from '../core/paxos/ballot';
import { num, str } from './fields';

/** MESSAGE_CAPACITY bounds the messages kept (the newest). */
export const MESSAGE_CAPACITY = 65_536;
/** EVENT_CAPACITY bounds the node events kept (commits apart: COMMIT_CAPACITY). */
export const EVENT_CAPACITY = 4096;
/** COMMIT_CAPACITY bounds the commit-index events kept. */
export const COMMIT_CAPACITY = 8192;
/** MAX_NODES bounds the lanes (node ids beyond it are not drawn). */
export const MAX_NODES = 64;

/** MsgState says how a message ended: in flight (not yet), delivered, or dropped. */
export const IN_FLIGHT = 0;
export const DELIVERED = 1;
export const DROPPED = 2;

/** Flag bits of a message. */
export const F_DUP = 1;
export const F_GRANTED = 2;
export const F_REFUSED = 4;
export const F_DROP_IN_FLIGHT = 8;

/** MESSAGE_KINDS are the run log's message kinds, by index. */
export const MESSAGE_KINDS = ['vote', 'append', 'heartbeat', 'snapshot', 'client', 'other'] as const;
/** HEARTBEAT is the index of 'heartbeat' in MESSAGE_KINDS. */
export const HEARTBEAT = 2;

/** NodeEventKind is what a lane mark says happened to its node. */
export type NodeEventKind = 'role' | 'term' | 'commit' | 'crash' | 'restart' | 'pause' | 'resume';

/** NodeEvent is one mark on a lane. */
export interface NodeEvent {
  t: number;
  node: string;
  kind: NodeEventKind;
  /** text: what the mark says, e.g. "leader t4", "t5", "commit 17", "crashed". */
  text: string;
  /** role: for role events, the new role. */
  role?: string;
}

const LIFECYCLE: Record<string, [NodeEventKind, string]> = {
  crash: ['crash', 'crashed'],
  'node-died': ['crash', 'died'],
  restart: ['restart', 'restarted'],
  pause: ['pause', 'paused'],
  resume: ['resume', 'resumed'],
};

/** BoundedList keeps the newest `cap` items (O(1) push). */
class BoundedList<T> {
  private items: T[] = [];
  private start = 0;
  constructor(readonly cap: number) {}
  push(x: T): void {
    if (this.items.length < this.cap) this.items.push(x);
    else {
      this.items[this.start] = x;
      this.start = (this.start + 1) % this.cap;
    }
  }
  get size(): number {
    return this.items.length;
  }
  at(i: number): T {
    return this.items[(this.start + i) % this.items.length]!;
  }
}

/** MessageLog holds the recent messages and node events (see the file comment). */
export class MessageLog {
  readonly cap: number;
  /** nodes: every node id seen, in order of first appearance (a lane each). */
  readonly nodes: string[] = [];
  /** types: interned message types and drop reasons (indexes fit a Uint16Array). */
  readonly strings: string[] = [];
  readonly id: Float64Array;
  readonly sendT: Float64Array;
  /** endT: delivery or drop time (NaN while in flight). */
  readonly endT: Float64Array;
  readonly from: Uint8Array;
  readonly to: Uint8Array;
  readonly state: Uint8Array;
  readonly flags: Uint8Array;
  readonly kind: Uint8Array;
  /** type / reason: indexes into `strings` (reason 0 = none). */
  readonly type: Uint16Array;
  readonly reason: Uint16Array;
  readonly labels: (string | null)[];
  /** start / size: the ring's oldest slot and how many messages it holds. */
  start = 0;
  size = 0;
  /** evicted: messages pushed out of the ring since the log began. */
  evicted = 0;
  readonly events = new BoundedList<NodeEvent>(EVENT_CAPACITY);
  readonly commits = new BoundedList<NodeEvent>(COMMIT_CAPACITY);
  private readonly pending = new Map<number, number>();
  private readonly stringIndex = new Map<string, number>();
  private readonly nodeIndex = new Map<string, number>();
  private readonly lastCommit = new Map<string, number>();
  /** paxos: the run is a Multi-Paxos one (its cluster-created record says so), whose lanes mark ballots ("b=2.n3"), not terms ("t5"). */
  paxos = false;

  constructor(capacity = MESSAGE_CAPACITY) {
    this.cap = Math.max(1, capacity);
    this.id = new Float64Array(this.cap);
    this.sendT = new Float64Array(this.cap);
    this.endT = new Float64Array(this.cap);
    this.from = new Uint8Array(this.cap);
    this.to = new Uint8Array(this.cap);
    this.state = new Uint8Array(this.cap);
    this.flags = new Uint8Array(this.cap);
    this.kind = new Uint8Array(this.cap);
    this.type = new Uint16Array(this.cap);
    this.reason = new Uint16Array(this.cap);
    this.labels = new Array<string | null>(this.cap).fill(null);
    this.intern('');
  }

  /** intern returns the index of s in `strings` (bounded: past 65,000 distinct strings, they share one). */
  intern(s: string): number {
    let i = this.stringIndex.get(s);
    if (i !== undefined) return i;
    if (this.strings.length >= 65_000) return this.intern('?');
    i = this.strings.length;
    this.strings.push(s);
    this.stringIndex.set(s, i);
    return i;
  }

  /** nodeOf returns node n's lane index (-1 for ids beyond MAX_NODES). */
  nodeOf(n: string): number {
    let i = this.nodeIndex.get(n);
    if (i !== undefined) return i;
    if (this.nodes.length >= MAX_NODES) return -1;
    i = this.nodes.length;
    this.nodes.push(n);
    this.nodeIndex.set(n, i);
    return i;
  }

  /** slotAt returns the ring slot of the i-th oldest message. */
  slotAt(i: number): number {
    return (this.start + i) % this.cap;
  }

  /** add folds one run-log record in; records of other kinds change nothing. */
  add(r: RunLogRecord): void {
    switch (r.kind) {
      case 'send':
        return this.send(r);
      case 'deliver':
      case 'drop':
      case 'duplicate':
        return this.end(r);
      case 'role':
      case 'term':
      case 'commit':
        return this.nodeState(r);
      case 'cluster-created':
        this.paxos = r.protocol === 'paxos';
        return;
      default: {
        const k = LIFECYCLE[r.kind];
        const node = str(r, 'node');
        if (k && node !== null && this.nodeOf(node) >= 0) this.events.push({ t: r.t, node, kind: k[0], text: k[1] });
        return;
      }
    }
  }

  private send(r: RunLogRecord): void {
    const id = num(r, 'id');
    const from = this.nodeOf(str(r, 'from') ?? '?');
    const to = this.nodeOf(str(r, 'to') ?? '?');
    if (id === null || from < 0 || to < 0) return;
    let slot: number;
    if (this.size < this.cap) slot = this.slotAt(this.size++);
    else {
      slot = this.start;
      this.start = (this.start + 1) % this.cap;
      this.evicted++;
      if (this.state[slot] === IN_FLIGHT || (this.flags[slot]! & F_DUP) !== 0) this.pending.delete(this.id[slot]!);
    }
    const type = str(r, 'type') ?? '?';
    const k = MESSAGE_KINDS.indexOf((str(r, 'msgKind') ?? 'other') as (typeof MESSAGE_KINDS)[number]);
    this.id[slot] = id;
    this.sendT[slot] = r.t;
    this.endT[slot] = NaN;
    this.from[slot] = from;
    this.to[slot] = to;
    this.state[slot] = IN_FLIGHT;
    this.flags[slot] = r.granted === true ? F_GRANTED : r.granted === false ? F_REFUSED : 0;
    this.kind[slot] = k < 0 ? MESSAGE_KINDS.length - 1 : k;
    this.type[slot] = this.intern(type);
    this.reason[slot] = 0;
    this.labels[slot] = str(r, 'label');
    this.pending.set(id, slot);
  }

  private end(r: RunLogRecord): void {
    const id = num(r, 'id');
    const slot = id === null ? undefined : this.pending.get(id);
    if (slot === undefined || id === null) return;
    if (r.kind === 'duplicate') {
      this.flags[slot]! |= F_DUP;
      return;
    }
    const first = this.state[slot] === IN_FLIGHT;
    if (first) {
      this.endT[slot] = r.t;
      this.state[slot] = r.kind === 'drop' ? DROPPED : DELIVERED;
      if (r.kind === 'drop') {
        this.reason[slot] = this.intern(str(r, 'reason') ?? 'dropped');
        if (r.inFlight === true) this.flags[slot]! |= F_DROP_IN_FLIGHT;
      }
    }
    // A duplicated message has two endings: wait for the second before forgetting its id.
    if (!first || (this.flags[slot]! & F_DUP) === 0) this.pending.delete(id);
  }

  private nodeState(r: RunLogRecord): void {
    const node = str(r, 'node');
    if (node === null || this.nodeOf(node) < 0) return;
    if (r.kind === 'role') {
      const role = str(r, 'role') ?? '?';
      const term = num(r, 'term');
      this.events.push({
        t: r.t,
        node,
        kind: 'role',
        role,
        text: term === null ? role : `${role} ${this.termMark(term)}`,
      });
    } else if (r.kind === 'term') {
      const term = num(r, 'term');
      this.events.push({ t: r.t, node, kind: 'term', text: term === null ? 't?' : this.termMark(term) });
    } else {
      const c = num(r, 'commitIndex') ?? num(r, 'commit');
      if (c === null || this.lastCommit.get(node) === c) return;
      this.lastCommit.set(node, c);
      this.commits.push({ t: r.t, node, kind: 'commit', text: `commit ${c}` });
    }
  }

  /** termMark writes a term as the lanes mark it: "t5", or a Multi-Paxos ballot as its messages' labels do, "b=2.n3". */
  termMark(term: number): string {
    return this.paxos ? `b=${formatBallot(term)}` : `t${term}`;
  }

  /** firstAtOrAfter returns the position (0 = oldest) of the first message sent at or after t. */
  firstAtOrAfter(t: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sendT[this.slotAt(mid)]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** oldestT is the send time of the oldest message kept (NaN when empty). */
  get oldestT(): number {
    return this.size === 0 ? NaN : this.sendT[this.start]!;
  }

  /** findSlot returns the slot of message `id` kept in the ring, or -1 (a binary search: the router numbers messages in send order). */
  findSlot(id: number): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.id[this.slotAt(mid)]! < id) lo = mid + 1;
      else hi = mid;
    }
    const slot = this.slotAt(lo);
    return lo < this.size && this.id[slot] === id ? slot : -1;
  }
}

/** messageLogOf folds a list of records (a saved run, an export, a test). */
export function messageLogOf(records: Iterable<RunLogRecord>, capacity = MESSAGE_CAPACITY): MessageLog {
  const log = new MessageLog(capacity);
  for (const r of records) log.add(r);
  return log;
}
