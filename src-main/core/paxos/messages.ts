/**
 * Multi-Paxos wire messages and their UI kinds (validation of untrusted values: validate.ts).
 *
 * `term` on every message carries a ballot (see ballot.ts). The `type`s name the phases of
 * "Paxos Made Simple" so a person can follow one slot through the run log:
 * prepare (1a) → promise (1b) → accept (2a) → accepted (2b) → decide (learning).
 */
import type { Entry, MessageBase, MessageKind, ReadIndexMsg, ReadIndexRespMsg, Snapshot } from '../types';
import { assertNever } from '../types';

/** PrepareMsg is phase 1a for every slot >= fromIndex (one phase 1 for all open slots). */
export interface PrepareMsg extends MessageBase {
  type: 'prepare';
  fromIndex: number;
  /** force: sent on a leadership transfer; acceptors skip their leader-lease check. */
  force: boolean;
}

/** PromiseMsg is phase 1b: the acceptor's accepted values for slots >= fromIndex. */
export interface PromiseMsg extends MessageBase {
  type: 'promise';
  fromIndex: number;
  /** commit: every slot <= commit is chosen, so its entry here is the chosen value. */
  commit: number;
  /** entries: accepted values (term = ballot accepted under), increasing index, no empty slots. */
  entries: Entry[];
  /** snapshot: set when the acceptor compacted slots at or above fromIndex. */
  snapshot: Snapshot | null;
}

/** AcceptMsg is phase 2a for a contiguous run of slots; `commit` piggybacks the leader's decide. */
export interface AcceptMsg extends MessageBase {
  type: 'accept';
  entries: Entry[];
  commit: number;
}

/** AcceptedMsg is phase 2b: the acceptor accepted every slot in [lo, hi] of the ballot `term`. */
export interface AcceptedMsg extends MessageBase {
  type: 'accepted';
  lo: number;
  hi: number;
  commit: number;
}

/** NackMsg refuses a prepare, accept or heartbeat: `term` is the higher ballot already promised. */
export interface NackMsg extends MessageBase {
  type: 'nack';
  /** ballot: the ballot that was refused. */
  ballot: number;
  commit: number;
}

/** DecideMsg tells learners every slot <= commit is chosen (the leader's value under ballot `term`). */
export interface DecideMsg extends MessageBase {
  type: 'decide';
  commit: number;
}

/** HeartbeatMsg keeps followers from campaigning and confirms leadership for reads (seq). */
export interface HeartbeatMsg extends MessageBase {
  type: 'heartbeat';
  commit: number;
  seq: number;
}

/** HeartbeatAckMsg answers a heartbeat; `hbCommit` echoes its commit so the leader spots laggards. */
export interface HeartbeatAckMsg extends MessageBase {
  type: 'heartbeatAck';
  seq: number;
  commit: number;
  hbCommit: number;
  /**
   * recovering: the sender's store was damaged and it has not caught up (core/recovery).
   * The leader still catches it up, but its answer confirms no read and counts for no
   * CheckQuorum, and its commit may be below what it reported before. Absent when healthy.
   */
  recovering?: boolean;
}

/** CatchupMsg carries chosen entries (contiguous) to a lagging learner. */
export interface CatchupMsg extends MessageBase {
  type: 'catchup';
  entries: Entry[];
  commit: number;
}

/** SnapshotMsg carries the leader's snapshot to a learner that needs compacted slots. */
export interface SnapshotMsg extends MessageBase {
  type: 'snapshot';
  snapshot: Snapshot;
}

/** LearnedMsg acknowledges a catchup or snapshot with the learner's durable commit. */
export interface LearnedMsg extends MessageBase {
  type: 'learned';
  commit: number;
  /** recovering: as on HeartbeatAckMsg. */
  recovering?: boolean;
}

// ReadIndexMsg and ReadIndexRespMsg are the same in both cores; they live in types.ts.
export type { ReadIndexMsg, ReadIndexRespMsg };

/** TimeoutNowMsg asks the target to start phase 1 at once (leadership transfer). */
export interface TimeoutNowMsg extends MessageBase {
  type: 'timeoutNow';
}

/** PaxosMessage is every message a PaxosNode sends or receives. */
export type PaxosMessage =
  | PrepareMsg
  | PromiseMsg
  | AcceptMsg
  | AcceptedMsg
  | NackMsg
  | DecideMsg
  | HeartbeatMsg
  | HeartbeatAckMsg
  | CatchupMsg
  | SnapshotMsg
  | LearnedMsg
  | ReadIndexMsg
  | ReadIndexRespMsg
  | TimeoutNowMsg;

/** PaxosMessageType is the `type` of some PaxosMessage. */
export type PaxosMessageType = PaxosMessage['type'];

/** paxosMessageKind classifies a message for the UI and the run log. */
export function paxosMessageKind(msg: PaxosMessage): MessageKind {
  switch (msg.type) {
    case 'prepare':
    case 'promise':
      return 'vote';
    case 'accept':
    case 'accepted':
    case 'decide':
    case 'catchup':
    case 'learned':
      return 'append';
    case 'heartbeat':
    case 'heartbeatAck':
      return 'heartbeat';
    case 'snapshot':
      return 'snapshot';
    case 'nack':
    case 'readIndex':
    case 'readIndexResp':
    case 'timeoutNow':
      return 'other';
    default:
      return assertNever(msg, 'paxos message');
  }
}

/**
 * paxosMessageSlots says which slots a message is about, so a run log can let a person
 * follow one slot through prepare → promise → accept → accepted → decide: `from`..`to`
 * inclusive (`to` null = open-ended, as a prepare covers every slot from its first).
 * Null for messages about no slot in particular (heartbeats, reads, transfers).
 */
export function paxosMessageSlots(msg: PaxosMessage): { from: number; to: number | null } | null {
  switch (msg.type) {
    case 'prepare':
    case 'promise':
      return { from: msg.fromIndex, to: null };
    case 'accept':
    case 'catchup': {
      const first = msg.entries[0];
      const last = msg.entries[msg.entries.length - 1];
      return first && last ? { from: first.index, to: last.index } : null;
    }
    case 'accepted':
      return { from: msg.lo, to: msg.hi };
    case 'decide':
    case 'learned':
      return { from: 1, to: msg.commit };
    case 'snapshot':
      return { from: 1, to: msg.snapshot.index };
    case 'nack':
    case 'heartbeat':
    case 'heartbeatAck':
    case 'readIndex':
    case 'readIndexResp':
    case 'timeoutNow':
      return null;
    default:
      return assertNever(msg, 'paxos message');
  }
}

/** PAXOS_MESSAGE_TYPES lists every variant's type tag. */
export const PAXOS_MESSAGE_TYPES: readonly PaxosMessageType[] = [
  'prepare',
  'promise',
  'accept',
  'accepted',
  'nack',
  'decide',
  'heartbeat',
  'heartbeatAck',
  'catchup',
  'snapshot',
  'learned',
  'readIndex',
  'readIndexResp',
  'timeoutNow',
];
