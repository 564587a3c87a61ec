/**
 * The Raft wire messages: one discriminated union on `type`, after etcd's raftpb.Message
 * but with a variant per message type so every field a handler reads is present.
 */
import { assertNever } from '../types';
import type { Entry, MessageBase, MessageKind, ReadIndexMsg, ReadIndexRespMsg, Snapshot } from '../types';

/** VoteMsg asks for a vote in `term` (RequestVote, §5.2); `transfer` marks a leadership-transfer campaign. */
export interface VoteMsg extends MessageBase {
  type: 'vote';
  lastIndex: number;
  lastTerm: number;
  transfer: boolean;
}

/** PreVoteMsg asks whether a vote in `term` (the sender's term + 1) would be granted (dissertation §9.6). */
export interface PreVoteMsg extends MessageBase {
  type: 'preVote';
  lastIndex: number;
  lastTerm: number;
}

/** VoteRespMsg answers a VoteMsg. */
export interface VoteRespMsg extends MessageBase {
  type: 'voteResp';
  reject: boolean;
}

/** PreVoteRespMsg answers a PreVoteMsg; a grant carries the term asked about. */
export interface PreVoteRespMsg extends MessageBase {
  type: 'preVoteResp';
  reject: boolean;
}

/** AppendMsg is AppendEntries (§5.3): entries after (prevIndex, prevTerm) and the leader's commit. */
export interface AppendMsg extends MessageBase {
  type: 'append';
  prevIndex: number;
  prevTerm: number;
  entries: Entry[];
  commit: number;
  /**
   * epoch: the leader's epoch of this follower's pipe when it sent this (Progress.epoch),
   * echoed by the answer so a rejection from a pipe the leader already reset is known stale.
   * Always set by this build; absent (an older frame) reads as 0.
   */
  epoch?: number;
}

/**
 * AppendRespMsg answers an AppendMsg or a SnapshotMsg. On success `index` is the last index
 * the follower now matches. On reject `index` is the rejected prevIndex and
 * (rejectHint, logTerm) is the follower's conflict hint for fast backup (§5.3, etcd's
 * findConflictByTerm): the largest index <= prevIndex whose term <= the leader's prevTerm.
 */
export interface AppendRespMsg extends MessageBase {
  type: 'appendResp';
  index: number;
  reject: boolean;
  rejectHint: number;
  logTerm: number;
  /**
   * recovering: the sender's store was damaged and it has not caught up (core/recovery):
   * the leader uses this answer only to find where the logs diverge, never for a commit
   * or CheckQuorum; and a rejection from it may be below what it acknowledged before.
   * Absent (not false) from a healthy node.
   */
  recovering?: boolean;
  /**
   * boot: with `recovering`, a nonce naming the sender's boot (ProtocolConfig.boot): the
   * leader forgets what it knew of the sender's log once per boot of a damaged store
   * (Progress.forget), not once per stale rejection. Absent from a healthy node.
   */
  boot?: string;
  /** epoch: the epoch of the append (or snapshot) this answers (AppendMsg.epoch); absent reads as 0. */
  epoch?: number;
}

/** HeartbeatMsg keeps followers from campaigning; `ctx` is set when it confirms a ReadIndex round (§6.4). */
export interface HeartbeatMsg extends MessageBase {
  type: 'heartbeat';
  commit: number;
  ctx: string | null;
}

/** HeartbeatRespMsg answers a HeartbeatMsg, echoing its ctx. */
export interface HeartbeatRespMsg extends MessageBase {
  type: 'heartbeatResp';
  ctx: string | null;
  /** recovering: as on AppendRespMsg; such an answer confirms no read and counts for no CheckQuorum. */
  recovering?: boolean;
  /** boot: as on AppendRespMsg. */
  boot?: string;
}

/** SnapshotMsg is InstallSnapshot (§7) in one message. */
export interface SnapshotMsg extends MessageBase {
  type: 'snapshot';
  snapshot: Snapshot;
  /** epoch: as on AppendMsg (the answer echoes it). */
  epoch?: number;
}

/** TimeoutNowMsg tells the transfer target to campaign at once (dissertation §3.10). */
export interface TimeoutNowMsg extends MessageBase {
  type: 'timeoutNow';
}

// ReadIndexMsg and ReadIndexRespMsg are the same in both cores; they live in types.ts.
export type { ReadIndexMsg, ReadIndexRespMsg };

/** RaftMessage is every message one Raft node sends another. */
export type RaftMessage =
  | VoteMsg
  | PreVoteMsg
  | VoteRespMsg
  | PreVoteRespMsg
  | AppendMsg
  | AppendRespMsg
  | HeartbeatMsg
  | HeartbeatRespMsg
  | SnapshotMsg
  | TimeoutNowMsg
  | ReadIndexMsg
  | ReadIndexRespMsg;

/** RaftMessageType names the variants. */
export type RaftMessageType = RaftMessage['type'];

/** RAFT_MESSAGE_TYPES lists every variant's type tag. */
export const RAFT_MESSAGE_TYPES: readonly RaftMessageType[] = [
  'vote',
  'preVote',
  'voteResp',
  'preVoteResp',
  'append',
  'appendResp',
  'heartbeat',
  'heartbeatResp',
  'snapshot',
  'timeoutNow',
  'readIndex',
  'readIndexResp',
];

/**
 * raftMessageKind classifies a message for the UI and run log. A response is shown as the
 * same kind as its request, so an election or a replication round animates as one thing.
 */
export function raftMessageKind(msg: RaftMessage): MessageKind {
  switch (msg.type) {
    case 'vote':
    case 'preVote':
    case 'voteResp':
    case 'preVoteResp':
      return 'vote';
    case 'append':
    case 'appendResp':
      return 'append';
    case 'heartbeat':
    case 'heartbeatResp':
      return 'heartbeat';
    case 'snapshot':
      return 'snapshot';
    case 'timeoutNow':
    case 'readIndex':
    case 'readIndexResp':
      return 'other';
    default:
      return assertNever(msg, 'raft message');
  }
}

/**
 * withMessage adds m to one of the core's outgoing lists (Raft.send) and returns the list.
 * An empty list is replaced by [m], sized for the one message most Readies carry — an
 * empty list grown by push makes room for 17 — so ready() may leave the shared frozen
 * empty list behind.
 */
export function withMessage(list: RaftMessage[], m: RaftMessage): RaftMessage[] {
  if (list.length === 0) return [m];
  list.push(m);
  return list;
}
