/**
 * KvStateMachine is the replicated state machine every node applies its committed log to:
 * a key-value store with client sessions (exactly-once retries), distributed locks with
 * fencing tokens, and a fenced demo resource.
 *
 * Sessions: a client's commands carry (client, seq); a session begins with seq 1, and the
 * latest seq's answer is kept so a retry returns it instead of applying again. Sessions are
 * bounded (least recently used, and idle ones, are evicted); a command from a client whose
 * session was evicted is refused with 'session-expired' rather than risk applying twice.
 *
 * Determinism is the whole point: every replica applies the same entries in the same
 * order and must end in the same state, so nothing here reads a clock or a random source.
 * Time comes only from the `now` each command carries (the proposing leader's clock).
 *
 * Clock rule: the state machine's clock is max(previous clock, command.now). A new leader's
 * wall clock may be behind the old one's, and letting time run backwards would let a lock
 * that already expired (and was granted to someone else) come back to life. Taking the
 * max keeps expiry monotonic in log order, which is what mutual exclusion is checked
 * against here. It is "safe enough" for a lab: a leader with a clock far in the future can
 * expire locks early, and a lagging one lets a lock outlive its TTL in wall time. A real
 * system (Chubby, etcd leases) has the new leader wait out the longest lease it might not
 * know about before it grants again, and relies on bounded clock drift — and, because a
 * paused client can still act on an expired lock, on fencing tokens checked by the
 * resource, which fencedPut demonstrates.
 *
 * Memory rule: the state is bounded in bytes, not only in count. `bytes` charges every key
 * and value, lock grant, fence and cached session answer its UTF-8 length plus
 * ENTRY_OVERHEAD_BYTES; a command that would take it past maxBytes — its change plus the
 * answer a session keeps for retries — is refused with 'store-full' (certainly not
 * applied). Deletes, unlocks and shrinking writes always pass; a delete or unlock from a
 * client new to the sessions can add one small session entry past the limit, so the
 * store can exceed maxBytes by at most maxSessions × (overhead + client id).
 * The check runs at apply time on the replicated state, so every replica with the same
 * maxBytes decides the same way; the cluster gives every member the same limit.
 */
import { assertNever } from '../types';
import { decodeCommand, utf8Length, type CommandDecoder } from './codec';
import { digestHex } from './hash';
import { parseState, serializeState, SessionRows } from './snapshot';
import type { KvState, LockGrant } from './snapshot';
import type { KvCommand, KvOp, KvResult, LockInfo } from './types';

/** SESSION_MAX bounds the number of client sessions kept (least recently used evicted first). */
export const SESSION_MAX = 1024;
/** SESSION_IDLE_ENTRIES: a session with no command for this many log entries is evicted. */
export const SESSION_IDLE_ENTRIES = 100_000;

/** MOVED_MAX bounds the session moves waiting for KvStateMachine.order (see there). */
const MOVED_MAX = 1024;

/** DEFAULT_MAX_STORE_BYTES is the store's default byte limit (256 MiB): see the memory rule above. */
export const DEFAULT_MAX_STORE_BYTES = 256 * 1024 * 1024;
/** ENTRY_OVERHEAD_BYTES is charged per key, lock, fence and session on top of its text: what a Map entry costs beyond its strings. */
export const ENTRY_OVERHEAD_BYTES = 64;

/** KvStateMachineOptions tune session eviction and the byte limit (tests use small values). */
export interface KvStateMachineOptions {
  maxSessions?: number;
  sessionIdleEntries?: number;
  /** maxBytes: the store's byte limit (default DEFAULT_MAX_STORE_BYTES). */
  maxBytes?: number;
  /** sessions: false is an unsafe mode — no client sessions, so a retried command applies again. */
  sessions?: boolean;
  /** fencing: false is an unsafe mode — the fenced resource accepts a stale token. */
  fencing?: boolean;
  /**
   * decode: how an entry's data becomes a command (default decodeCommand). It must return
   * what decodeCommand would; the simulator passes a cache of it, because every replica
   * decodes the same bytes. The state machine never changes what it returns.
   */
  decode?: CommandDecoder;
}

/**
 * bytesOf is utf8Length with a memory of the last two strings measured. A put measures the
 * key's previous value three times (the answer's reserve, the data's change, the session's
 * answer) and the new one once; equal strings have equal lengths, so a hit is always right.
 */
function bytesOf(s: string): number {
  if (s === memo.a) return memo.aBytes;
  if (s === memo.b) return memo.bBytes;
  const n = utf8Length(s);
  memo.b = memo.a;
  memo.bBytes = memo.aBytes;
  memo.a = s;
  memo.aBytes = n;
  return n;
}
const memo = { a: '', aBytes: 0, b: '', bBytes: 0 };

const dataCost = (key: string, value: string): number => ENTRY_OVERHEAD_BYTES + utf8Length(key) + bytesOf(value);
const lockCost = (name: string, l: LockGrant): number => ENTRY_OVERHEAD_BYTES + utf8Length(name) + utf8Length(l.owner);
const fenceCost = (key: string): number => ENTRY_OVERHEAD_BYTES + utf8Length(key);
/**
 * sessionCost is what a session costs: its client id (`clientBytes`: its UTF-8 length,
 * measured once per apply) and the answer it keeps.
 */
const sessionCost = (clientBytes: number, r: KvResult): number =>
  ENTRY_OVERHEAD_BYTES +
  clientBytes +
  (r.value === undefined || r.value === null ? 0 : bytesOf(r.value)) +
  (r.holder === undefined || r.holder === null ? 0 : utf8Length(r.holder));

/** stateBytes is what `s` costs under the memory rule (computed afresh after a restore). */
export function stateBytes(s: KvState): number {
  let n = 0;
  for (const [k, v] of s.data) n += dataCost(k, v);
  for (const [name, l] of s.locks) n += lockCost(name, l);
  for (const k of s.fences.keys()) n += fenceCost(k);
  for (const [c, x] of s.sessions) n += sessionCost(utf8Length(c), x.result);
  return n;
}

const STORE_FULL: KvResult = { ok: false, error: 'store-full' };

function emptyState(): KvState {
  return { appliedIndex: 0, clock: 0, data: new Map(), sessions: new Map(), locks: new Map(), fences: new Map() };
}

/** KvStateMachine is the KV + sessions + locks state machine (see the file comment). */
export class KvStateMachine {
  private st: KvState = emptyState();
  /** used is stateBytes(st), kept up to date by every change. */
  private used = 0;
  /** reserved: room held for the answer of the command being applied (see answerReserve). */
  private reserved = 0;
  private readonly maxSessions: number;
  private readonly idleEntries: number;
  private readonly maxBytes: number;
  private readonly sessions: boolean;
  private readonly fencing: boolean;
  private readonly decode: CommandDecoder;
  /** rows: the sessions' rows of the last snapshot, reused by the next while unchanged. */
  private readonly rows = new SessionRows();
  /**
   * Eviction looks at the front of the sessions (the least recently used) after every
   * record. While the sessions are in ascending lastIndex order — as recordSession keeps
   * them; only a restored snapshot could say otherwise — the front holds the lowest
   * lastIndex, `oldest` is at most that, and no session is idle enough to evict until
   * index - idleEntries reaches it, so the front need not be looked at (a Map iterator
   * walks over every slot a delete left at the table's start, and the sessions are deleted
   * and re-inserted on every command). -Infinity: look.
   */
  private oldest = -Infinity;
  /** ascending: the sessions' lastIndex ascends in Map order; newest is the last one's. */
  private ascending = true;
  private newest = -Infinity;
  /** moved: the clients that recorded a session since order() last ran, in record order; movedAt: at which index each did. */
  private readonly moved: string[] = [];
  private readonly movedAt: number[] = [];

  constructor(opts: KvStateMachineOptions = {}) {
    this.maxSessions = Math.max(1, opts.maxSessions ?? SESSION_MAX);
    this.idleEntries = Math.max(1, opts.sessionIdleEntries ?? SESSION_IDLE_ENTRIES);
    this.maxBytes = Math.max(0, opts.maxBytes ?? DEFAULT_MAX_STORE_BYTES);
    this.sessions = opts.sessions ?? true;
    this.fencing = opts.fencing ?? true;
    this.decode = opts.decode ?? decodeCommand;
  }

  /** bytes is what the state costs under the memory rule (see the file comment). */
  get bytes(): number {
    return this.used;
  }

  /** byteLimit is the store's byte limit. */
  get byteLimit(): number {
    return this.maxBytes;
  }

  /** fits tells whether a change of `delta` bytes (plus the answer's reserved room) stays within the limit; a change that frees memory always does. */
  private fits(delta: number): boolean {
    const total = delta + this.reserved;
    return total <= 0 || this.used + total <= this.maxBytes;
  }

  /** setData stores key=value and keeps `used` in step; `delta` is dataDelta's for it (already taken to check the limit). */
  private setData(key: string, value: string, delta: number): void {
    this.used += delta;
    this.st.data.set(key, value);
  }

  /** dataDelta is what storing key=value over `prev` adds. */
  private dataDelta(key: string, value: string, prev: string | null): number {
    // dataCost(key, value) - dataCost(key, prev): the key's share cancels out.
    return prev === null ? dataCost(key, value) : bytesOf(value) - bytesOf(prev);
  }

  /** appliedIndex is the index of the last entry applied (or skipped, or restored). */
  get appliedIndex(): number {
    return this.st.appliedIndex;
  }

  /** clock is the state machine's time in ms: the highest `now` of any applied command. */
  get clock(): number {
    return this.st.clock;
  }

  /**
   * apply applies the entry at `index` (data = JSON KvCommand). Entries must come once each
   * and in increasing index order; gaps are fine (noop/config entries are not passed). A
   * malformed command returns {ok:false, error:'bad-command'} and still advances
   * appliedIndex, so every replica stays identical.
   */
  apply(index: number, data: string): KvResult {
    this.checkIndex(index);
    this.st.appliedIndex = index;
    const c = this.decode(data, index);
    if (typeof c === 'string') return { ok: false, error: 'bad-command' };
    if (c.now > this.st.clock) this.st.clock = c.now;
    // seq 0 or an empty client id opts out of exactly-once (a one-shot command); so does
    // every command when sessions are off (an unsafe mode: a retry applies again).
    const tracked = this.sessions && c.client !== '' && c.seq > 0;
    const s = tracked ? this.st.sessions.get(c.client) : undefined;
    if (tracked) {
      if (s && c.seq === s.seq) return { ...s.result };
      if (s && c.seq < s.seq) return { ok: false, error: 'stale-seq' };
      // A session starts at seq 1. A later seq with no session means the session was
      // evicted: this may be the retry of a command that already applied, and applying it
      // again would do it twice (dissertation §6.3). Refuse; the client starts a new session.
      if (!s && c.seq > 1) return { ok: false, error: 'session-expired' };
    }
    // A tracked command's answer is kept for retries, so its room is reserved up front: a
    // command whose answer would not fit fails whole, before it changes anything.
    // The session's current cost, taken once for the reserve and the record (UTF-8 lengths are a walk over the value).
    const clientBytes = tracked ? utf8Length(c.client) : 0;
    const oldCost = s ? sessionCost(clientBytes, s.result) : 0;
    const reserve = tracked ? this.answerReserve(clientBytes, c.cmd, oldCost) : 0;
    let result: KvResult;
    if (reserve > 0 && this.used + reserve > this.maxBytes) result = { ...STORE_FULL };
    else {
      this.reserved = Math.max(0, reserve);
      result = this.applyOp(index, c.cmd);
      this.reserved = 0;
    }
    // result is this call's own object (applyOp and STORE_FULL's copy are fresh): the session
    // keeps it, and the caller gets a copy, so neither can change what the other holds.
    if (tracked) this.recordSession(index, c, clientBytes, result, s !== undefined ? oldCost : 0);
    return { ...result };
  }

  /**
   * answerReserve bounds what caching `op`'s answer for `client` adds: the answer carries at
   * most the key's current value or the lock's current holder. Deletes and unlocks reserve
   * nothing: they free at least what their answer keeps, so they always pass.
   */
  private answerReserve(clientBytes: number, op: KvOp, oldCost: number): number {
    if (op.op === 'delete' || op.op === 'unlock') return 0;
    // sessionCost of the largest answer — { holder } or { value } — without building it (this runs per apply).
    const carried =
      op.op === 'lock' || op.op === 'renew' ? (this.live(op.name)?.owner ?? '') : (this.st.data.get(op.key) ?? '');
    const answer = ENTRY_OVERHEAD_BYTES + clientBytes + bytesOf(carried);
    return answer - oldCost;
  }

  /** skipTo advances appliedIndex over entries that carry no command (noop, config). */
  skipTo(index: number): void {
    this.checkIndex(index);
    this.st.appliedIndex = index;
  }

  /** get reads a key locally (for a linearizable read, only once appliedIndex >= the ReadIndex). */
  get(key: string): string | null {
    return this.st.data.get(key) ?? null;
  }

  /** snapshot serializes the whole state (data, sessions, locks, fences, clock, appliedIndex). */
  snapshot(): string {
    this.order();
    return serializeState(this.st, false, this.rows);
  }

  /**
   * restore replaces the whole state with a snapshot; throws (leaving the state untouched)
   * if it is malformed. `index` (the Snapshot's index) lifts appliedIndex to it when the
   * snapshot was taken after trailing entries that carried no command.
   */
  restore(data: string, index?: number): void {
    const st = parseState(data);
    if (typeof st === 'string') throw new Error(`bad state-machine snapshot: ${st}`);
    if (index !== undefined && Number.isSafeInteger(index) && index > st.appliedIndex) st.appliedIndex = index;
    this.st = st;
    this.used = stateBytes(st);
    this.moved.length = 0;
    this.movedAt.length = 0;
    this.ascending = true;
    this.newest = -Infinity;
    for (const x of st.sessions.values()) this.noteSession(x.lastIndex);
    this.oldest = -Infinity;
  }

  /** noteSession notes that a session with lastIndex `i` joined the end of the sessions (see `oldest`). */
  private noteSession(i: number): void {
    if (i < this.newest) this.ascending = false;
    this.newest = i;
  }

  /** digest is a stable hash of the state (not of appliedIndex): replicas at the same index must agree. */
  digest(): string {
    this.order();
    return digestHex(serializeState(this.st, true, this.rows));
  }

  /** locks lists the locks held now (unexpired at the state machine's clock), by name. */
  locks(): LockInfo[] {
    const out: LockInfo[] = [];
    for (const [name, l] of this.st.locks) {
      if (l.expiresAt > this.st.clock) out.push({ name, owner: l.owner, token: l.token, expiresAt: l.expiresAt });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** size is the number of keys stored. */
  size(): number {
    return this.st.data.size;
  }

  /** sessionCount is the number of client sessions kept. */
  sessionCount(): number {
    return this.st.sessions.size;
  }

  private checkIndex(index: number): void {
    if (!Number.isSafeInteger(index) || index <= this.st.appliedIndex) {
      // Applying an entry twice would silently diverge the replicas: a host bug, so fail loudly.
      throw new RangeError(`entry ${index} applied out of order (appliedIndex ${this.st.appliedIndex})`);
    }
  }

  /** recordSession keeps `result` as the client's answer for retries; `oldCost` is what its session cost before (0: none). */
  private recordSession(index: number, c: KvCommand, clientBytes: number, result: KvResult, oldCost: number): void {
    const sessions = this.st.sessions;
    // The session moves to the end of the order (least recently used first: eviction pops
    // the front); the move itself waits for order(), so it is made once for many records.
    this.used -= oldCost;
    sessions.set(c.client, { seq: c.seq, result, lastIndex: index });
    this.moved.push(c.client);
    this.movedAt.push(index);
    this.used += sessionCost(clientBytes, result);
    this.noteSession(index);
    // The front is not idle enough yet (see `oldest`): the loop below would stop at it.
    if (sessions.size <= this.maxSessions && this.ascending && this.oldest > index - this.idleEntries) {
      if (this.moved.length >= MOVED_MAX) this.order();
      return;
    }
    this.order();
    this.oldest = -Infinity;
    for (const [client, s] of sessions) {
      if (sessions.size <= this.maxSessions && s.lastIndex > index - this.idleEntries) {
        this.oldest = s.lastIndex;
        break;
      }
      this.used -= sessionCost(utf8Length(client), s.result);
      sessions.delete(client);
    }
  }

  /**
   * order puts the sessions in their order: each session whose client applied a command
   * since the last call moves to the end, in the order of its client's last command —
   * the Map order a delete and re-insert on every record would have left. A Map delete
   * and re-insert costs ≈ 300 ns (V8's ordered hash table), and a snapshot every few
   * hundred entries sees a handful of active clients, so one move per client per
   * snapshot instead of one per command. Everything that reads the order calls it first:
   * eviction, snapshot(), digest().
   */
  private order(): void {
    const moved = this.moved;
    if (moved.length === 0) return;
    const at = this.movedAt;
    const sessions = this.st.sessions;
    for (let i = 0; i < moved.length; i++) {
      const client = moved[i]!;
      const s = sessions.get(client);
      // Only a client's last record moves it (indexes are unique, so lastIndex names it).
      if (s === undefined || s.lastIndex !== at[i]) continue;
      sessions.delete(client);
      sessions.set(client, s);
    }
    moved.length = 0;
    at.length = 0;
  }

  private applyOp(index: number, op: KvOp): KvResult {
    const data = this.st.data;
    switch (op.op) {
      case 'get':
        return { ok: true, value: data.get(op.key) ?? null };
      case 'put': {
        const prev = data.get(op.key) ?? null;
        const delta = this.dataDelta(op.key, op.value, prev);
        if (!this.fits(delta)) return { ...STORE_FULL };
        this.setData(op.key, op.value, delta);
        return { ok: true, value: prev };
      }
      case 'delete': {
        const prev = data.get(op.key) ?? null;
        if (prev !== null) this.used -= dataCost(op.key, prev);
        data.delete(op.key);
        return { ok: true, value: prev };
      }
      case 'cas': {
        const cur = data.get(op.key) ?? null;
        if (cur !== op.expected) return { ok: false, error: 'cas-mismatch', value: cur };
        const delta = this.dataDelta(op.key, op.value, cur);
        if (!this.fits(delta)) return { ...STORE_FULL };
        this.setData(op.key, op.value, delta);
        return { ok: true, value: cur };
      }
      case 'lock':
      case 'renew':
      case 'unlock':
        this.purgeExpiredLocks();
        return this.applyLockOp(index, op);
      case 'fencedPut':
        return this.applyFencedPut(op);
      default:
        return assertNever(op, 'kv op');
    }
  }

  /** applyFencedPut is Kleppmann's fenced resource: once a token has been seen for a key, older ones are refused. */
  private applyFencedPut(op: Extract<KvOp, { op: 'fencedPut' }>): KvResult {
    const high = this.st.fences.get(op.key);
    // With fencing off (an unsafe mode) the resource forgets to compare: a paused holder's stale write lands.
    if (this.fencing && high !== undefined && op.token < high) return { ok: false, error: 'stale-token', token: high };
    const prev = this.st.data.get(op.key) ?? null;
    const dataDelta = this.dataDelta(op.key, op.value, prev);
    const fence = high === undefined ? fenceCost(op.key) : 0;
    if (!this.fits(dataDelta + fence)) return { ...STORE_FULL };
    this.used += fence;
    this.st.fences.set(op.key, Math.max(op.token, high ?? op.token));
    this.setData(op.key, op.value, dataDelta);
    return { ok: true, value: prev, token: op.token };
  }

  /** live returns the grant of `name` if it is held now (unexpired). */
  private live(name: string): LockGrant | null {
    const l = this.st.locks.get(name);
    return l && l.expiresAt > this.st.clock ? l : null;
  }

  private applyLockOp(index: number, op: Extract<KvOp, { op: 'lock' | 'renew' | 'unlock' }>): KvResult {
    const now = this.st.clock;
    switch (op.op) {
      case 'lock': {
        const held = this.live(op.name);
        if (held && held.owner !== op.owner) {
          return { ok: false, error: 'lock-held', holder: held.owner, token: held.token, expiresAt: held.expiresAt };
        }
        if (held) {
          // The owner asks again (e.g. it lost the answer): same grant, same token, extended.
          held.expiresAt = Math.max(held.expiresAt, now + op.ttlMs);
          return { ok: true, token: held.token, expiresAt: held.expiresAt };
        }
        // The token is the grant's log index: unique and strictly growing across every grant.
        const grant: LockGrant = { owner: op.owner, token: index, expiresAt: now + op.ttlMs };
        if (!this.fits(lockCost(op.name, grant))) return { ...STORE_FULL };
        this.used += lockCost(op.name, grant);
        this.st.locks.set(op.name, grant);
        return { ok: true, token: index, expiresAt: grant.expiresAt };
      }
      case 'renew': {
        const held = this.live(op.name);
        // An expired grant cannot be renewed even if nobody took it: its holder must not assume it held it throughout.
        if (!held || held.token !== op.token || held.owner !== op.owner) return this.notHeld(held);
        held.expiresAt = now + op.ttlMs;
        return { ok: true, token: held.token, expiresAt: held.expiresAt };
      }
      case 'unlock': {
        const held = this.live(op.name);
        if (!held || held.token !== op.token) return this.notHeld(held);
        this.used -= lockCost(op.name, held);
        this.st.locks.delete(op.name);
        return { ok: true, token: held.token };
      }
      default:
        return assertNever(op, 'lock op');
    }
  }

  private notHeld(held: LockGrant | null): KvResult {
    const r: KvResult = { ok: false, error: 'lock-not-held' };
    if (held) r.holder = held.owner;
    return r;
  }

  /** purgeExpiredLocks drops lapsed grants so memory follows the live locks; an expired grant is never observable anyway. */
  private purgeExpiredLocks(): void {
    for (const [name, l] of this.st.locks) {
      if (l.expiresAt > this.st.clock) continue;
      this.used -= lockCost(name, l);
      this.st.locks.delete(name);
    }
  }
}
