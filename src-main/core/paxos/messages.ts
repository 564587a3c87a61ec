/**
 * Multi-Paxos wire messages, their UI kinds, and structural validation of untrusted values.
 *
 * `term` on every message carries a ballot (see ballot.ts). The `type`s name the phases of
 * "Paxos Made Simple" so a person can follow one slot through the run log:
 * prepare (1a) → promise (1b) → accept (2a) → accepted (2b) → decide (learning).
 */
import type { Entry, EntryType, MessageBase, MessageKind, ReadIndexMsg, ReadIndexRespMsg, Snapshot } from '../types';
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

// ---- validation of untrusted values (wire frames) ----

/** MAX_ID_LENGTH bounds a node id on the wire. */
const MAX_ID_LENGTH = 64;
/** MAX_CTX_LENGTH bounds a read context. */
const MAX_CTX_LENGTH = 256;

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isId(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_ID_LENGTH;
}

const ENTRY_TYPES: readonly EntryType[] = ['normal', 'noop', 'config'];

function checkEntry(x: unknown, where: string): string | null {
  if (!isObj(x)) return `${where} is not an object`;
  if (!isNat(x.index) || x.index < 1) return `${where}.index must be a positive integer`;
  if (!isNat(x.term)) return `${where}.term must be a non-negative integer`;
  if (typeof x.type !== 'string' || !ENTRY_TYPES.includes(x.type as EntryType)) {
    return `${where}.type must be one of ${ENTRY_TYPES.join(', ')}`;
  }
  if (typeof x.data !== 'string') return `${where}.data must be a string`;
  return null;
}

/** checkEntries requires an array of entries with strictly increasing indexes (contiguous if asked). */
function checkEntries(x: unknown, where: string, contiguous: boolean): string | null {
  if (!Array.isArray(x)) return `${where} must be an array`;
  let prev = -1;
  for (let i = 0; i < x.length; i++) {
    const err = checkEntry(x[i], `${where}[${i}]`);
    if (err) return err;
    const idx = (x[i] as Entry).index;
    if (prev >= 0 && (contiguous ? idx !== prev + 1 : idx <= prev)) {
      return `${where} indexes must be ${contiguous ? 'contiguous' : 'increasing'}`;
    }
    prev = idx;
  }
  return null;
}

function checkIdList(x: unknown, where: string): string | null {
  if (!Array.isArray(x) || !x.every(isId)) return `${where} must be an array of node ids`;
  return null;
}

function checkSnapshot(x: unknown, where: string): string | null {
  if (!isObj(x)) return `${where} is not an object`;
  if (!isNat(x.index)) return `${where}.index must be a non-negative integer`;
  if (!isNat(x.term)) return `${where}.term must be a non-negative integer`;
  if (typeof x.data !== 'string') return `${where}.data must be a string`;
  const c = x.conf;
  if (!isObj(c)) return `${where}.conf is not an object`;
  return (
    checkIdList(c.voters, `${where}.conf.voters`) ??
    checkIdList(c.learners, `${where}.conf.learners`) ??
    checkIdList(c.votersOutgoing, `${where}.conf.votersOutgoing`)
  );
}

function needNat(m: Obj, ...fields: string[]): string | null {
  for (const f of fields) {
    if (!isNat(m[f])) return `${String(m.type)}.${f} must be a non-negative integer`;
  }
  return null;
}

/** checkBody validates the type-specific fields of a message whose base fields are valid. */
function checkBody(m: Obj, type: PaxosMessageType): string | null {
  switch (type) {
    case 'prepare':
      if (typeof m.force !== 'boolean') return 'prepare.force must be a boolean';
      return needNat(m, 'fromIndex');
    case 'promise':
      return (
        needNat(m, 'fromIndex', 'commit') ??
        checkEntries(m.entries, 'promise.entries', false) ??
        (m.snapshot === null ? null : checkSnapshot(m.snapshot, 'promise.snapshot'))
      );
    case 'accept':
      return needNat(m, 'commit') ?? checkEntries(m.entries, 'accept.entries', true);
    case 'accepted': {
      const err = needNat(m, 'lo', 'hi', 'commit');
      if (err) return err;
      return (m.lo as number) >= 1 && (m.lo as number) <= (m.hi as number) ? null : 'accepted needs 1 <= lo <= hi';
    }
    case 'nack':
      return needNat(m, 'ballot', 'commit');
    case 'decide':
      return needNat(m, 'commit');
    case 'heartbeat':
      return needNat(m, 'commit', 'seq');
    case 'heartbeatAck':
      return needNat(m, 'seq', 'commit', 'hbCommit');
    case 'catchup':
      return needNat(m, 'commit') ?? checkEntries(m.entries, 'catchup.entries', true);
    case 'snapshot':
      return checkSnapshot(m.snapshot, 'snapshot.snapshot');
    case 'learned':
      return needNat(m, 'commit');
    case 'readIndex':
      return typeof m.ctx === 'string' && m.ctx.length <= MAX_CTX_LENGTH
        ? null
        : `readIndex.ctx must be a string of at most ${MAX_CTX_LENGTH} characters`;
    case 'readIndexResp':
      if (typeof m.ctx !== 'string' || m.ctx.length > MAX_CTX_LENGTH) {
        return `readIndexResp.ctx must be a string of at most ${MAX_CTX_LENGTH} characters`;
      }
      return needNat(m, 'index');
    case 'timeoutNow':
      return null;
    default:
      return assertNever(type, 'paxos message type');
  }
}

const TYPES: readonly PaxosMessageType[] = [
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

/**
 * validatePaxosMessage checks that an untrusted value (a decoded wire frame) is a
 * well-formed PaxosMessage; it returns the message or a string saying what is wrong.
 */
export function validatePaxosMessage(x: unknown): PaxosMessage | string {
  if (!isObj(x)) return 'paxos message must be an object';
  if (typeof x.type !== 'string' || !TYPES.includes(x.type as PaxosMessageType)) {
    return `unknown paxos message type ${JSON.stringify(x.type)?.slice(0, 40) ?? 'undefined'}`;
  }
  if (!isId(x.from)) return `${x.type}.from must be a node id`;
  if (!isId(x.to)) return `${x.type}.to must be a node id`;
  if (!isNat(x.term)) return `${x.type}.term (ballot) must be a non-negative integer`;
  const err = checkBody(x, x.type as PaxosMessageType);
  return err ?? (x as unknown as PaxosMessage);
}
