/**
 * KvStateMachine is the replicated state machine every node applies its committed log to:
 * a key-value store with client sessions (exactly-once retries), distributed locks with
 * fencing tokens, and a fenced demo resource.
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
 */
import { assertNever } from '../types';
import { decodeCommand } from './codec';
import { digestHex } from './hash';
import { parseState, serializeState } from './snapshot';
import type { KvState, LockGrant } from './snapshot';
import type { KvCommand, KvOp, KvResult, LockInfo } from './types';

/** SESSION_MAX bounds the number of client sessions kept (least recently used evicted first). */
export const SESSION_MAX = 1024;
/** SESSION_IDLE_ENTRIES: a session with no command for this many log entries is evicted. */
export const SESSION_IDLE_ENTRIES = 100_000;

/** KvStateMachineOptions tune session eviction (tests use small values). */
export interface KvStateMachineOptions {
  maxSessions?: number;
  sessionIdleEntries?: number;
}

function emptyState(): KvState {
  return { appliedIndex: 0, clock: 0, data: new Map(), sessions: new Map(), locks: new Map(), fences: new Map() };
}

/** KvStateMachine is the KV + sessions + locks state machine (see the file comment). */
export class KvStateMachine {
  private st: KvState = emptyState();
  private readonly maxSessions: number;
  private readonly idleEntries: number;

  constructor(opts: KvStateMachineOptions = {}) {
    this.maxSessions = Math.max(1, opts.maxSessions ?? SESSION_MAX);
    this.idleEntries = Math.max(1, opts.sessionIdleEntries ?? SESSION_IDLE_ENTRIES);
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
    const c = decodeCommand(data);
    if (typeof c === 'string') return { ok: false, error: 'bad-command' };
    if (c.now > this.st.clock) this.st.clock = c.now;
    // seq 0 or an empty client id opts out of exactly-once (a one-shot command).
    const tracked = c.client !== '' && c.seq > 0;
    if (tracked) {
      const s = this.st.sessions.get(c.client);
      if (s && c.seq === s.seq) return { ...s.result };
      if (s && c.seq < s.seq) return { ok: false, error: 'stale-seq' };
    }
    const result = this.applyOp(index, c.cmd);
    if (tracked) this.recordSession(index, c, result);
    return { ...result };
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
    return serializeState(this.st, false);
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
  }

  /** digest is a stable hash of the state (not of appliedIndex): replicas at the same index must agree. */
  digest(): string {
    return digestHex(serializeState(this.st, true));
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

  private recordSession(index: number, c: KvCommand, result: KvResult): void {
    const sessions = this.st.sessions;
    // Delete and re-insert so Map order is least-recently-used first: eviction pops the front.
    sessions.delete(c.client);
    sessions.set(c.client, { seq: c.seq, result: { ...result }, lastIndex: index });
    for (const [client, s] of sessions) {
      if (sessions.size <= this.maxSessions && s.lastIndex > index - this.idleEntries) break;
      sessions.delete(client);
    }
  }

  private applyOp(index: number, op: KvOp): KvResult {
    const data = this.st.data;
    switch (op.op) {
      case 'get':
        return { ok: true, value: data.get(op.key) ?? null };
      case 'put': {
        const prev = data.get(op.key) ?? null;
        data.set(op.key, op.value);
        return { ok: true, value: prev };
      }
      case 'delete': {
        const prev = data.get(op.key) ?? null;
        data.delete(op.key);
        return { ok: true, value: prev };
      }
      case 'cas': {
        const cur = data.get(op.key) ?? null;
        if (cur !== op.expected) return { ok: false, error: 'cas-mismatch', value: cur };
        data.set(op.key, op.value);
        return { ok: true, value: cur };
      }
      case 'lock':
      case 'renew':
      case 'unlock':
        this.purgeExpiredLocks();
        return this.applyLockOp(index, op);
      case 'fencedPut': {
        // Kleppmann's fenced resource: once a token has been seen for a key, older ones are refused.
        const high = this.st.fences.get(op.key);
        if (high !== undefined && op.token < high) return { ok: false, error: 'stale-token', token: high };
        this.st.fences.set(op.key, op.token);
        const prev = data.get(op.key) ?? null;
        data.set(op.key, op.value);
        return { ok: true, value: prev, token: op.token };
      }
      default:
        return assertNever(op, 'kv op');
    }
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
          return { ok: false, error: 'lock-held', holder: held.owner, expiresAt: held.expiresAt };
        }
        if (held) {
          // The owner asks again (e.g. it lost the answer): same grant, same token, extended.
          held.expiresAt = Math.max(held.expiresAt, now + op.ttlMs);
          return { ok: true, token: held.token, expiresAt: held.expiresAt };
        }
        // The token is the grant's log index: unique and strictly growing across every grant.
        const grant: LockGrant = { owner: op.owner, token: index, expiresAt: now + op.ttlMs };
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
    for (const [name, l] of this.st.locks) if (l.expiresAt <= this.st.clock) this.st.locks.delete(name);
  }
}
