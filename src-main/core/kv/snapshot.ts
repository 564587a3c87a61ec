/**
 * The serialized form of KvStateMachine and its validation. A snapshot comes back from
 * disk or from another node's InstallSnapshot, so it is checked field by field before the
 * state machine replaces its state with it.
 */
import { describe, isRecord, parseJsonBounded } from '../validate';
import type { KvResult } from './types';

/** MAX_SNAPSHOT_DEPTH bounds a snapshot's JSON nesting (a session row's result, the deepest, is 4). */
const MAX_SNAPSHOT_DEPTH = 8;

/** SNAPSHOT_VERSION is written into every snapshot so a future format can be told apart. */
export const SNAPSHOT_VERSION = 1;

/** Session is the latest command of one client and its result (exactly-once retries). */
export interface Session {
  seq: number;
  result: KvResult;
  /** lastIndex: the log index of that command; idle sessions are evicted by its age. */
  lastIndex: number;
}

/** LockGrant is the current grant of one lock. */
export interface LockGrant {
  owner: string;
  token: number;
  expiresAt: number;
}

/** KvState is the whole state of the machine. Map order is part of the state (sessions: least recently used first). */
export interface KvState {
  appliedIndex: number;
  clock: number;
  data: Map<string, string>;
  sessions: Map<string, Session>;
  locks: Map<string, LockGrant>;
  /** fences: per key, the highest fencing token a fencedPut has carried. */
  fences: Map<string, number>;
}

/** orderedResult copies a result with its fields in one fixed order, so equal results serialize (and digest) equally however they were built. */
function orderedResult(r: KvResult): KvResult {
  const out: KvResult = { ok: r.ok };
  if (r.value !== undefined) out.value = r.value;
  if (r.error !== undefined) out.error = r.error;
  if (r.token !== undefined) out.token = r.token;
  if (r.holder !== undefined) out.holder = r.holder;
  if (r.expiresAt !== undefined) out.expiresAt = r.expiresAt;
  return out;
}

/** sessionRow is one session's row of a snapshot: [client, seq, lastIndex, result]. */
function sessionRow(client: string, x: Session): string {
  return JSON.stringify([client, x.seq, x.lastIndex, orderedResult(x.result)]);
}

/**
 * SessionRows keeps the sessions' part of the last snapshot of one state machine, so the
 * next one rewrites only what changed. A snapshot is taken every few hundred entries;
 * sessions are kept least recently used first, so the idle ones — most of them: a client
 * that starts a new session leaves its old one until it is evicted — form an unchanged
 * prefix, and only the few clients active since the last snapshot are at the end. The
 * state machine replaces a session object whenever its client applies a command and never
 * changes one in place; a row is still reused only if its client, object, seq, index and
 * result are the ones it was written from.
 */
export class SessionRows {
  private readonly clients: string[] = [];
  private readonly sessions: Session[] = [];
  private readonly seqs: number[] = [];
  private readonly lastIndexes: number[] = [];
  private readonly results: KvResult[] = [];
  /** ends[i]: the length of `text` through row i. */
  private readonly ends: number[] = [];
  private text = '';

  /** rows is the sessions' rows joined by commas: what JSON.stringify writes between the array's brackets. */
  rows(m: ReadonlyMap<string, Session>): string {
    let i = 0;
    let reusing = true;
    for (const [c, x] of m) {
      if (reusing) {
        if (
          i < this.clients.length &&
          this.clients[i] === c &&
          this.sessions[i] === x &&
          this.seqs[i] === x.seq &&
          this.lastIndexes[i] === x.lastIndex &&
          this.results[i] === x.result
        ) {
          i++;
          continue;
        }
        reusing = false;
        this.cut(i);
      }
      this.text += (i === 0 ? '' : ',') + sessionRow(c, x);
      this.clients.push(c);
      this.sessions.push(x);
      this.seqs.push(x.seq);
      this.lastIndexes.push(x.lastIndex);
      this.results.push(x.result);
      this.ends.push(this.text.length);
      i++;
    }
    if (reusing) this.cut(i);
    return this.text;
  }

  /** cut keeps the first n rows. */
  private cut(n: number): void {
    if (n >= this.clients.length) return;
    this.text = n === 0 ? '' : this.text.slice(0, this.ends[n - 1]);
    this.clients.length = n;
    this.sessions.length = n;
    this.seqs.length = n;
    this.lastIndexes.length = n;
    this.results.length = n;
    this.ends.length = n;
  }
}

/**
 * serializeState writes the state as JSON; with `canonical`, maps whose order does not
 * matter are sorted and appliedIndex is left out (for digests). The text is exactly
 * JSON.stringify of { v, appliedIndex, clock, data, sessions, locks, fences } (the test
 * holds it to that), put together here so that the sessions' rows can come from `rows`,
 * the state machine's SessionRows.
 */
export function serializeState(s: KvState, canonical: boolean, rows?: SessionRows): string {
  const sorted = <V>(m: Map<string, V>): [string, V][] => {
    const a = [...m];
    if (canonical) a.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    return a;
  };
  // Session order is eviction order, so it is state: never sorted.
  let sessions: string;
  if (rows) sessions = rows.rows(s.sessions);
  else {
    sessions = '';
    for (const [c, x] of s.sessions) sessions += (sessions === '' ? '' : ',') + sessionRow(c, x);
  }
  return (
    `{"v":${JSON.stringify(SNAPSHOT_VERSION)}` +
    (canonical ? '' : `,"appliedIndex":${JSON.stringify(s.appliedIndex)}`) +
    `,"clock":${JSON.stringify(s.clock)}` +
    `,"data":${JSON.stringify(sorted(s.data))}` +
    `,"sessions":[${sessions}]` +
    `,"locks":${JSON.stringify(sorted(s.locks).map(([n, l]) => [n, l.owner, l.token, l.expiresAt]))}` +
    `,"fences":${JSON.stringify(sorted(s.fences))}}`
  );
}

const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isNum = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

function parseResult(x: unknown): KvResult | null {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return null;
  const o = x as Record<string, unknown>;
  if (typeof o['ok'] !== 'boolean') return null;
  const r: KvResult = { ok: o['ok'] };
  if ('value' in o) {
    if (o['value'] !== null && typeof o['value'] !== 'string') return null;
    r.value = o['value'];
  }
  if ('error' in o) {
    if (typeof o['error'] !== 'string') return null;
    r.error = o['error'] as KvResult['error'];
  }
  if ('token' in o) {
    if (!isInt(o['token'])) return null;
    r.token = o['token'];
  }
  if ('holder' in o) {
    if (typeof o['holder'] !== 'string') return null;
    r.holder = o['holder'];
  }
  if ('expiresAt' in o) {
    if (!isNum(o['expiresAt'])) return null;
    r.expiresAt = o['expiresAt'];
  }
  return r;
}

/** parseState reads a snapshot written by serializeState; returns the state or what is wrong with it. */
export function parseState(text: string): KvState | string {
  const parsed = parseJsonBounded(text, { maxDepth: MAX_SNAPSHOT_DEPTH });
  if (!parsed.ok) return parsed.error;
  const x = parsed.value;
  if (!isRecord(x)) return 'not an object';
  const o = x;
  if (o['v'] !== SNAPSHOT_VERSION) return `unknown version ${describe(o['v'])}`;
  if (!isInt(o['appliedIndex'])) return 'appliedIndex must be a non-negative integer';
  if (!isNum(o['clock'])) return 'clock must be a non-negative number';
  const rows = (field: string): unknown[][] | string => {
    const a = o[field];
    if (!Array.isArray(a) || !a.every((r) => Array.isArray(r))) return `${field} must be an array of rows`;
    return a as unknown[][];
  };
  const data = rows('data');
  if (typeof data === 'string') return data;
  const st: KvState = {
    appliedIndex: o['appliedIndex'],
    clock: o['clock'],
    data: new Map(),
    sessions: new Map(),
    locks: new Map(),
    fences: new Map(),
  };
  for (const r of data) {
    if (r.length !== 2 || typeof r[0] !== 'string' || typeof r[1] !== 'string') return 'data rows must be [key, value]';
    st.data.set(r[0], r[1]);
  }
  const sessions = rows('sessions');
  if (typeof sessions === 'string') return sessions;
  for (const r of sessions) {
    const result = parseResult(r[3]);
    if (r.length !== 4 || typeof r[0] !== 'string' || !isInt(r[1]) || !isInt(r[2]) || !result) {
      return 'sessions rows must be [client, seq, lastIndex, result]';
    }
    st.sessions.set(r[0], { seq: r[1], lastIndex: r[2], result });
  }
  const locks = rows('locks');
  if (typeof locks === 'string') return locks;
  for (const r of locks) {
    if (r.length !== 4 || typeof r[0] !== 'string' || typeof r[1] !== 'string' || !isInt(r[2]) || !isNum(r[3])) {
      return 'locks rows must be [name, owner, token, expiresAt]';
    }
    st.locks.set(r[0], { owner: r[1], token: r[2], expiresAt: r[3] });
  }
  const fences = rows('fences');
  if (typeof fences === 'string') return fences;
  for (const r of fences) {
    if (r.length !== 2 || typeof r[0] !== 'string' || !isInt(r[1])) return 'fences rows must be [key, token]';
    st.fences.set(r[0], r[1]);
  }
  return st;
}
