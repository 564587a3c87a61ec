/**
 * validateRaftMessage: full structural validation of an untrusted wire value. It returns
 * a fresh message holding only the known fields (extra fields are dropped), or a string
 * saying what is wrong, so a corrupt or hostile frame can never reach the core.
 */
import { assertNever } from '../types';
import type { ConfChange, ConfState, Entry, EntryType, Snapshot } from '../types';
import { RAFT_MESSAGE_TYPES } from './messages';
import type { RaftMessage, RaftMessageType } from './messages';

/** MAX_ID_LENGTH bounds a node id on the wire. */
const MAX_ID_LENGTH = 64;
/** MAX_CTX_LENGTH bounds a read context on the wire. */
const MAX_CTX_LENGTH = 256;
const ENTRY_TYPES: readonly EntryType[] = ['normal', 'noop', 'config'];
const CONF_CHANGE_TYPES: readonly string[] = ['addLearner', 'promote', 'remove'];

type Obj = Record<string, unknown>;

class Invalid extends Error {}

function fail(what: string): never {
  throw new Invalid(what);
}

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function nat(o: Obj, key: string, where: string): number {
  const v = o[key];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    fail(`${where}.${key} must be a non-negative integer, got ${describe(v)}`);
  }
  return v;
}

function bool(o: Obj, key: string, where: string): boolean {
  const v = o[key];
  if (typeof v !== 'boolean') fail(`${where}.${key} must be a boolean, got ${describe(v)}`);
  return v;
}

function str(o: Obj, key: string, where: string, max: number): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`${where}.${key} must be a string, got ${describe(v)}`);
  if (v.length > max) fail(`${where}.${key} is longer than ${max} characters`);
  return v;
}

function nodeId(v: unknown, where: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH) {
    fail(`${where} must be a node id (1..${MAX_ID_LENGTH} characters), got ${describe(v)}`);
  }
  return v;
}

function ctxOrNull(o: Obj, key: string, where: string): string | null {
  if (o[key] === null) return null;
  return str(o, key, where, MAX_CTX_LENGTH);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (typeof v === 'string') return v.length > 40 ? `a string of ${v.length} characters` : JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : String(v);
}

/** parseConfChange checks a config entry's data is a JSON ConfChange. */
export function parseConfChange(data: string): ConfChange | string {
  let x: unknown;
  try {
    x = JSON.parse(data);
  } catch {
    return 'config entry data is not JSON';
  }
  if (!isObj(x)) return 'config entry data must be an object';
  if (typeof x.type !== 'string' || !CONF_CHANGE_TYPES.includes(x.type)) {
    return `config change type must be one of ${CONF_CHANGE_TYPES.join(', ')}`;
  }
  if (typeof x.node !== 'string' || x.node.length === 0 || x.node.length > MAX_ID_LENGTH) {
    return 'config change node must be a node id';
  }
  return { type: x.type as ConfChange['type'], node: x.node };
}

function entry(x: unknown, where: string): Entry {
  if (!isObj(x)) fail(`${where} must be an object`);
  const index = nat(x, 'index', where);
  if (index < 1) fail(`${where}.index must be >= 1`);
  const term = nat(x, 'term', where);
  const type = x.type;
  if (typeof type !== 'string' || !ENTRY_TYPES.includes(type as EntryType)) {
    fail(`${where}.type must be one of ${ENTRY_TYPES.join(', ')}`);
  }
  const data = x.data;
  if (typeof data !== 'string') fail(`${where}.data must be a string`);
  if (type === 'config') {
    const cc = parseConfChange(data);
    if (typeof cc === 'string') fail(`${where}: ${cc}`);
  }
  return { index, term, type: type as EntryType, data };
}

function idList(o: Obj, key: string, where: string): string[] {
  const v = o[key];
  if (!Array.isArray(v)) fail(`${where}.${key} must be an array of node ids`);
  const out = v.map((id, i) => nodeId(id, `${where}.${key}[${i}]`));
  if (new Set(out).size !== out.length) fail(`${where}.${key} has a duplicate node id`);
  return out;
}

function confState(x: unknown, where: string): ConfState {
  if (!isObj(x)) fail(`${where} must be an object`);
  const voters = idList(x, 'voters', where);
  const learners = idList(x, 'learners', where);
  const votersOutgoing = idList(x, 'votersOutgoing', where);
  if (voters.length === 0) fail(`${where}.voters must not be empty`);
  if (learners.some((l) => voters.includes(l))) fail(`${where}: a node is both voter and learner`);
  return { voters, learners, votersOutgoing };
}

function snapshot(x: unknown, where: string): Snapshot {
  if (!isObj(x)) fail(`${where} must be an object`);
  const index = nat(x, 'index', where);
  const term = nat(x, 'term', where);
  if (index < 1) fail(`${where}.index must be >= 1`);
  const conf = confState(x.conf, `${where}.conf`);
  const v = x.data;
  if (typeof v !== 'string') fail(`${where}.data must be a string`);
  return { index, term, conf, data: v };
}

function body(type: RaftMessageType, x: Obj, base: { from: string; to: string; term: number }): RaftMessage {
  const w = type;
  switch (type) {
    case 'vote':
      return {
        ...base,
        type,
        lastIndex: nat(x, 'lastIndex', w),
        lastTerm: nat(x, 'lastTerm', w),
        transfer: bool(x, 'transfer', w),
      };
    case 'preVote':
      return { ...base, type, lastIndex: nat(x, 'lastIndex', w), lastTerm: nat(x, 'lastTerm', w) };
    case 'voteResp':
    case 'preVoteResp':
      return { ...base, type, reject: bool(x, 'reject', w) };
    case 'append': {
      const prevIndex = nat(x, 'prevIndex', w);
      const prevTerm = nat(x, 'prevTerm', w);
      const commit = nat(x, 'commit', w);
      if (!Array.isArray(x.entries)) fail('append.entries must be an array');
      const entries = x.entries.map((e, i) => entry(e, `append.entries[${i}]`));
      entries.forEach((e, i) => {
        if (e.index !== prevIndex + 1 + i) fail(`append.entries[${i}].index must be ${prevIndex + 1 + i}`);
        if (e.term > base.term) fail(`append.entries[${i}].term is above the message term`);
      });
      if (prevTerm > base.term) fail('append.prevTerm is above the message term');
      return { ...base, type, prevIndex, prevTerm, entries, commit };
    }
    case 'appendResp':
      return {
        ...base,
        type,
        index: nat(x, 'index', w),
        reject: bool(x, 'reject', w),
        rejectHint: nat(x, 'rejectHint', w),
        logTerm: nat(x, 'logTerm', w),
      };
    case 'heartbeat':
      return { ...base, type, commit: nat(x, 'commit', w), ctx: ctxOrNull(x, 'ctx', w) };
    case 'heartbeatResp':
      return { ...base, type, ctx: ctxOrNull(x, 'ctx', w) };
    case 'snapshot':
      return { ...base, type, snapshot: snapshot(x.snapshot, 'snapshot.snapshot') };
    case 'timeoutNow':
      return { ...base, type };
    case 'readIndex':
      return { ...base, type, ctx: str(x, 'ctx', w, MAX_CTX_LENGTH) };
    case 'readIndexResp':
      return { ...base, type, ctx: str(x, 'ctx', w, MAX_CTX_LENGTH), index: nat(x, 'index', w) };
    default:
      return assertNever(type, 'raft message type');
  }
}

/** validateRaftMessage checks an untrusted value is a well-formed RaftMessage; returns it or what is wrong. */
export function validateRaftMessage(x: unknown): RaftMessage | string {
  try {
    if (!isObj(x)) return 'raft message must be an object';
    const type = x.type;
    if (typeof type !== 'string' || !RAFT_MESSAGE_TYPES.includes(type as RaftMessageType)) {
      return `raft message type must be one of ${RAFT_MESSAGE_TYPES.join(', ')}, got ${describe(type)}`;
    }
    const from = nodeId(x.from, `${type}.from`);
    const to = nodeId(x.to, `${type}.to`);
    if (from === to) return `${type}: from and to are the same node`;
    const term = nat(x, 'term', type);
    return body(type as RaftMessageType, x, { from, to, term });
  } catch (e) {
    if (e instanceof Invalid) return e.message;
    throw e;
  }
}
