/**
 * Shared contracts of the protocol cores (Raft and Multi-Paxos).
 *
 * Everything here is plain data that survives JSON.stringify/parse, so the same values
 * cross the wire, go to disk and into the run log. Cores import nothing from node:*,
 * read no clock (time arrives as tick() calls) and take randomness from a Rng.
 */

import type { CoreNote } from './notes';

/** NodeId names a cluster member: "n1" … "nN". */
export type NodeId = string;

/** EntryType says what a log entry carries. */
export type EntryType = 'normal' | 'noop' | 'config';

/**
 * Entry is one log slot. For Raft `term` is the leader's term; for Multi-Paxos it is the
 * ballot number under which the value was accepted (see ballot encoding in paxos/).
 * `data` is the command, JSON-encoded by the state machine (empty for noop; a
 * JSON-encoded ConfChange for config).
 */
export interface Entry {
  index: number;
  term: number;
  type: EntryType;
  data: string;
}

/**
 * HardState is what must be durable before a node answers anything that depends on it.
 * Raft: current term, vote in that term, commit index. Multi-Paxos: term = promised
 * ballot, vote = null, commit = highest index known chosen.
 */
export interface HardState {
  term: number;
  vote: NodeId | null;
  commit: number;
}

/** ConfState is the membership: voters, learners, and during joint consensus the old voters. */
export interface ConfState {
  voters: NodeId[];
  learners: NodeId[];
  /** votersOutgoing is non-empty only while a joint configuration (C_old,new) is in force. */
  votersOutgoing: NodeId[];
}

/** copyConf returns an independent copy of a ConfState. */
export function copyConf(c: ConfState): ConfState {
  return { voters: c.voters.slice(), learners: c.learners.slice(), votersOutgoing: c.votersOutgoing.slice() };
}

/** sameConf tells whether two memberships list the same nodes in the same order. */
export function sameConf(a: ConfState, b: ConfState): boolean {
  return sameIds(a.voters, b.voters) && sameIds(a.learners, b.learners) && sameIds(a.votersOutgoing, b.votersOutgoing);
}

function sameIds(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Snapshot is the state machine at `index` (term = that entry's term) plus the membership then. */
export interface Snapshot {
  index: number;
  term: number;
  conf: ConfState;
  /** data is the state machine's own serialization (KvStateMachine.snapshot()). */
  data: string;
}

/** ConfChangeType is the kind of one membership change. */
export type ConfChangeType = 'addLearner' | 'promote' | 'remove';

/** ConfChange is the data of a `config` entry. */
export interface ConfChange {
  type: ConfChangeType;
  node: NodeId;
}

/** ReadState says: a read registered under `ctx` may be served once lastApplied >= index. */
export interface ReadState {
  ctx: string;
  index: number;
}

/**
 * MessageBase is what every protocol message has. Each core extends it with its own
 * discriminated union on `type`; the router, recorder and UI only read these fields
 * plus `kind` (what the UI animates) — they never branch on the protocol.
 */
export interface MessageBase {
  type: string;
  from: NodeId;
  to: NodeId;
  /** term (Raft) or ballot (Paxos) of the sender when it sent the message. */
  term: number;
}

/** ReadIndexMsg forwards a follower's linearizable read to the leader (same in both cores). */
export interface ReadIndexMsg extends MessageBase {
  type: 'readIndex';
  ctx: string;
}

/** ReadIndexRespMsg tells a follower the quorum-confirmed read point of its read `ctx`. */
export interface ReadIndexRespMsg extends MessageBase {
  type: 'readIndexResp';
  ctx: string;
  index: number;
}

/** MessageKind groups message types for the UI and the run log. */
export type MessageKind = 'vote' | 'append' | 'heartbeat' | 'snapshot' | 'client' | 'other';

/**
 * Ready is what the host must do, in this order:
 *  1. persist hardState (if not null), entries (append; entries[0].index may overwrite a
 *     conflicting suffix, which the host truncates) and snapshot (if not null) — in one
 *     transaction;
 *  2. send `messages` (these may also be sent before step 1 completes);
 *  3. after step 1 is durable, send `messagesAfterPersist`;
 *  4. if snapshot is not null, restore the state machine from it; then apply `committed`
 *     in order; serve `reads` once lastApplied >= read.index;
 *  5. call advance(ready).
 */
export interface Ready<M extends MessageBase = MessageBase> {
  hardState: HardState | null;
  entries: Entry[];
  snapshot: Snapshot | null;
  messages: M[];
  messagesAfterPersist: M[];
  committed: Entry[];
  reads: ReadState[];
}

/** Role is the part a node plays now. Paxos maps its proposer/acceptor state onto these. */
export type Role = 'follower' | 'candidate' | 'precandidate' | 'leader' | 'learner';

/** FollowerProgress is what a leader knows of one peer's log (shown in the inspector). */
export interface FollowerProgress {
  id: NodeId;
  match: number;
  next: number;
  state: 'probe' | 'replicate' | 'snapshot';
  inflight: number;
  recentActive: boolean;
}

/** NodeStatus is a read-only view of a core for the host, UI and invariant checks. */
export interface NodeStatus {
  id: NodeId;
  role: Role;
  term: number;
  vote: NodeId | null;
  leader: NodeId | null;
  commitIndex: number;
  lastIndex: number;
  lastTerm: number;
  /** firstIndex is the first index still in the log (after compaction: snapshot.index + 1). */
  firstIndex: number;
  conf: ConfState;
  /** progress is set on a leader only. */
  progress: FollowerProgress[] | null;
}

/** ProposeResult tells a proposer whether its command entered the leader's log. */
export type ProposeResult =
  | { ok: true; index: number; term: number }
  | { ok: false; reason: 'not-leader'; leader: NodeId | null }
  | { ok: false; reason: 'busy'; leader: NodeId | null };

/** ReadResult tells whether a ReadIndex request was accepted for processing. */
export type ReadResult = { ok: true } | { ok: false; reason: 'not-leader'; leader: NodeId | null };

/** Persisted is what a node finds on its disk when it (re)starts. */
export interface Persisted {
  hardState: HardState;
  snapshot: Snapshot | null;
  /** entries after the snapshot, contiguous. */
  entries: Entry[];
}

/** ProtocolConfig configures a core. Times are in ticks. */
export interface ProtocolConfig {
  id: NodeId;
  /** peers is the initial membership (voters), including id, used when nothing is persisted. */
  peers: NodeId[];
  electionTicks: number;
  heartbeatTicks: number;
  /** maxInflight bounds un-acknowledged append messages per follower. */
  maxInflight: number;
  /**
   * maxEntriesPerMsg bounds entries in one append (Paxos: accept or catch-up). Raft: while
   * the pipe is whole; once rejections narrowed it to 1/k of maxInflight an append carries
   * k times as many, at most 64 (raft/progress.ts, CATCH_UP_ENTRIES).
   */
  maxEntriesPerMsg: number;
  preVote: boolean;
  checkQuorum: boolean;
  /**
   * leaseReads (unsafe, off by default): a leader answers a read from its lease at once, with
   * no heartbeat round to confirm it still leads — stale once its clock stalls or drifts.
   */
  leaseReads?: boolean;
  /** countOldTerms (Raft, unsafe, off by default): commit an older term's entry by counting its replicas (Figure 8). */
  countOldTerms?: boolean;
  /** ignoreAccepted (Multi-Paxos, unsafe, off by default): a new leader ignores values its promisers accepted (breaks P2c). */
  ignoreAccepted?: boolean;
  rng: Rng;
  /** restore is what storage returned; null for a fresh node. */
  restore: Persisted | null;
  /** applied is the index up to which the host's state machine is already applied (after a snapshot restore). */
  applied?: number;
  /**
   * recovering: the node's store was damaged (core/recovery): until endRecovery() it casts
   * no vote, makes no promise, never campaigns, and flags its acknowledgements so that a
   * leader uses them only to find where the logs diverge.
   */
  recovering?: boolean;
  /**
   * boot: a nonce unique to this boot of the node (the host's bootId, at most 64 bytes). A
   * recovering Raft node's answers carry it, so a leader forgets what it knew of the node's
   * log once per boot of a damaged store (raft/progress.ts forget). Absent: the empty nonce.
   */
  boot?: string;
}

/**
 * ProtocolNode is one member's protocol state machine (Raft or Multi-Paxos). The host,
 * router, simulator and UI use only this interface.
 */
export interface ProtocolNode<M extends MessageBase = MessageBase> {
  readonly id: NodeId;
  /** tick advances logical time by one tick (elections, heartbeats, lease/quorum checks). */
  tick(): void;
  /**
   * ticksToNextEvent, where a core offers it, is how many more tick() calls it takes before
   * the core acts on its own (a heartbeat, an election timeout, a quorum check), at least 1.
   * A host may sleep that long instead of ticking an idle core, provided it replays the
   * ticks that passed before it steps a message or a proposal into the core.
   */
  ticksToNextEvent?(): number;
  /** step feeds one message from a peer. Messages with a stale term are ignored as the protocol says. */
  step(msg: M): void;
  /**
   * peerClosed, where a core offers it, says the connection to `peer` closed: its process is
   * gone (a paused one keeps its connections). A follower of that leader campaigns early
   * (core/peer-closed.ts). Only a host that saw the process exit may call it.
   */
  peerClosed?(peer: NodeId): void;
  /** propose appends a command on the leader. */
  propose(data: string): ProposeResult;
  /** proposeConfChange appends a membership change on the leader. */
  proposeConfChange(cc: ConfChange): ProposeResult;
  /** checkConfChange says why cc cannot be applied to the membership in force ("n4 is already a member"), or null. */
  checkConfChange?(cc: ConfChange): string | null;
  /** readIndex asks for a linearizable read point; it arrives later in Ready.reads (or never, if leadership is lost). */
  readIndex(ctx: string): ReadResult;
  /** transferLeadership asks the leader to hand over to `to`. */
  transferLeadership(to: NodeId): boolean;
  /** compact tells the core the state machine at `index` is captured in `data`; the log up to index may be dropped. */
  compact(index: number, data: string): void;
  /**
   * snapshot, where a core offers it, returns the Snapshot it keeps after compact() (the
   * term and the membership in force at its index), which is what Storage.compact should
   * store: status().conf may already include a later, uncommitted membership change.
   */
  snapshot?(): Snapshot | null;
  /** hasReady tells whether ready() has anything to do. */
  hasReady(): boolean;
  /** ready returns the pending work (see Ready). Call advance() with it when done. */
  ready(): Ready<M>;
  /** advance acknowledges a Ready: everything in it was persisted, sent and applied. */
  advance(rd: Ready<M>): void;
  /**
   * status is a snapshot of the node's state for observers. With `withProgress` false the
   * caller says it reads no `progress`: a leader's may then be left out (null), which
   * spares the follower views a host that never reads them (the request layer's leader
   * hints, the simulator's checks) would have the core build after every acknowledgement.
   * Every other field is as status() shows it.
   */
  status(withProgress?: boolean): NodeStatus;
  /**
   * sameStatus, where a core offers it, tells without building a status whether status()
   * would show what `s` — a status this core handed out — shows in every field but
   * `progress` (the simulator's checks read no other).
   */
  sameStatus?(s: NodeStatus): boolean;
  /** entries returns log entries in [lo, hi) still held in memory (for the inspector). */
  entries(lo: number, hi: number): Entry[];
  /**
   * entryAt, where a core offers it, is entries(i, i + 1)[0] without the array: the entry
   * itself, for a host that reads it there and then and keeps nothing of it (the
   * simulator's oracle, after every Ready). Never to be written to.
   */
  entryAt?(i: number): Entry | undefined;
  /** messageKind classifies a message for the UI. */
  messageKind(msg: M): MessageKind;
  /** endRecovery ends the recovering mode the core was started in (core/recovery decides when). */
  endRecovery(): void;
  /** takeNotes, where a core offers it, drains its notes: why roles changed and votes were answered (core/notes.ts). */
  takeNotes?(): CoreNote[];
}

/** Rng is a seeded random source. */
export interface Rng {
  /** next returns a float in [0, 1). */
  next(): number;
  /** int returns an integer in [lo, hi]. */
  int(lo: number, hi: number): number;
}

/** mulberry32 returns a small, fast, seeded Rng (deterministic for a given seed). */
export function seededRng(seed: number): Rng {
  // The state lives in a typed array: a uint32 above 2^30 kept in a closure variable is a
  // fresh heap number on every draw (the simulator draws several per message).
  const state = new Uint32Array(1);
  state[0] = seed >>> 0;
  const next = (): number => {
    state[0] = state[0]! + 0x6d2b79f5; // the store wraps modulo 2^32, as `>>> 0` did
    let t = state[0]!;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int(lo: number, hi: number): number {
      return lo + Math.floor(next() * (hi - lo + 1));
    },
  };
}

/** assertNever ends every switch over a discriminated union. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
