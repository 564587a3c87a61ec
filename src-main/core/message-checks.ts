/**
 * Checks of the wire shapes both protocol cores share (core/types.ts): node ids, log
 * entries, snapshots, memberships and the message envelope. Written with the kit
 * (core/validate.ts): each returns a fresh value holding only the known fields, or throws
 * Invalid naming the path, so raft/validate.ts and paxos/validate.ts read alike.
 */
import type { ConfState, Entry, EntryType, MessageBase, NodeId, Snapshot } from './types';
import { array, at, bool, fail, int, isRecord, oneOf, record, str, type Rec } from './validate';

/** MAX_ID_BYTES bounds a node id on the wire. */
export const MAX_ID_BYTES = 64;
/** MAX_CTX_BYTES bounds a read context on the wire (see raft/index.ts: contexts cross the wire). */
export const MAX_CTX_BYTES = 256;
/** MAX_MEMBERS bounds each list of a membership on the wire. */
export const MAX_MEMBERS = 256;

/**
 * MAX_TERM bounds a term (a Multi-Paxos ballot) on the wire: 2^48, far beyond any real
 * run, and far enough below 2^53 that the terms a core derives from it (term + 1, the next
 * ballot's round) stay safe integers. At Number.MAX_SAFE_INTEGER one message was enough
 * to wedge a cluster for good: a node adopted the term, its next vote or prepare carried
 * 2^53 + k, every peer (and the router's header check) refused that, and the term is
 * persisted.
 */
export const MAX_TERM = 2 ** 48;

const ENTRY_TYPES: readonly EntryType[] = ['normal', 'noop', 'config'];

/** nodeId checks a node id: 1..MAX_ID_BYTES bytes. */
export function nodeId(x: unknown, path: string): NodeId {
  return str(x, path, { min: 1, max: MAX_ID_BYTES, what: `a node id (1..${MAX_ID_BYTES} bytes)` });
}

/** ctx checks a read context: a string of at most MAX_CTX_BYTES bytes. */
export function ctx(x: unknown, path: string): string {
  return str(x, path, { max: MAX_CTX_BYTES });
}

/**
 * wellFormedEntry is `x` as a fresh entry if `entry` would accept it, else null. It builds
 * no path string: it runs for every entry of every append, and only a bad one needs a path
 * (entry, which names what is wrong).
 */
export function wellFormedEntry(x: unknown): Entry | null {
  if (!isRecord(x)) return null;
  const { index, term, type, data } = x;
  if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 1) return null;
  if (typeof term !== 'number' || !Number.isSafeInteger(term) || term < 0 || term > MAX_TERM) return null;
  if (typeof type !== 'string' || !(ENTRY_TYPES as readonly string[]).includes(type)) return null;
  if (typeof data !== 'string') return null;
  return { index, term, type: type as EntryType, data };
}

/** entry checks one log entry (index >= 1); the caller checks how entries follow each other. */
export function entry(x: unknown, path: string): Entry {
  const ok = wellFormedEntry(x);
  if (ok) return ok;
  const o = record(x, path);
  return {
    index: int(o.index, at(path, 'index'), 1, Number.MAX_SAFE_INTEGER, 'a positive integer'),
    term: int(o.term, at(path, 'term'), 0, MAX_TERM),
    type: oneOf(o.type, at(path, 'type'), ENTRY_TYPES),
    data: str(o.data, at(path, 'data')),
  };
}

/** idList checks a list of distinct node ids. */
export function idList(x: unknown, path: string): NodeId[] {
  const ids = array(x, path, { max: MAX_MEMBERS, what: 'an array of node ids' }, nodeId);
  if (new Set(ids).size !== ids.length) fail(`${path} has a duplicate node id`);
  return ids;
}

/** confState checks a membership: at least one voter, no node both voter and learner. */
export function confState(x: unknown, path: string): ConfState {
  const o = record(x, path);
  const voters = idList(o.voters, at(path, 'voters'));
  const learners = idList(o.learners, at(path, 'learners'));
  const votersOutgoing = idList(o.votersOutgoing, at(path, 'votersOutgoing'));
  if (voters.length === 0) fail(`${at(path, 'voters')} must not be empty`);
  if (learners.some((l) => voters.includes(l))) fail(`${path}: a node is both voter and learner`);
  return { voters, learners, votersOutgoing };
}

/** snapshot checks a snapshot (index >= 1) and its membership. */
export function snapshot(x: unknown, path: string): Snapshot {
  const o = record(x, path);
  return {
    index: int(o.index, at(path, 'index'), 1, Number.MAX_SAFE_INTEGER, 'a positive integer'),
    term: int(o.term, at(path, 'term'), 0, MAX_TERM),
    conf: confState(o.conf, at(path, 'conf')),
    data: str(o.data, at(path, 'data')),
  };
}

/** Envelope is a message's checked base fields and the object its body is read from. */
export interface Envelope<T extends string> {
  o: Rec;
  base: MessageBase & { type: T };
}

/**
 * envelope checks the fields every message has: type (one of `types`), from, to, and
 * term (`termWhat` says what the term means to this protocol, e.g. a ballot).
 */
export function envelope<T extends string>(
  x: unknown,
  protocol: string,
  types: readonly T[],
  termWhat = 'a non-negative integer (at most 2^48)',
): Envelope<T> {
  const o = record(x, `${protocol} message`);
  const type = oneOf(o.type, `${protocol} message type`, types);
  const from = nodeId(o.from, `${type}.from`);
  const to = nodeId(o.to, `${type}.to`);
  const term = int(o.term, `${type}.term`, 0, MAX_TERM, termWhat);
  return { o, base: { type, from, to, term } };
}

/**
 * recoveringFlag checks an acknowledgement's optional `recovering` flag (core/recovery): a
 * boolean if present. It returns `{recovering: true}` only when set, so a healthy node's
 * answers carry no such field at all.
 */
export function recoveringFlag(o: Rec, type: string): { recovering?: true } {
  if (o.recovering === undefined) return {};
  return bool(o.recovering, at(type, 'recovering')) ? { recovering: true } : {};
}
