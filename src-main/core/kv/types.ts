/**
 * The replicated state machine's contract: commands that go through the log, their
 * results, and client sessions for exactly-once application of retried commands.
 * Implemented by KvStateMachine (state-machine.ts).
 */

/** MAX_KEY_BYTES bounds a key's UTF-8 length (1..256). */
export const MAX_KEY_BYTES = 256;
/** MAX_VALUE_BYTES bounds a value's UTF-8 length (1 MiB). */
export const MAX_VALUE_BYTES = 1024 * 1024;
/** MAX_TTL_MS bounds a lock's time to live (one day). */
export const MAX_TTL_MS = 24 * 60 * 60 * 1000;

/** KvOp is one command the state machine applies. */
export type KvOp =
  | { op: 'put'; key: string; value: string }
  | { op: 'get'; key: string }
  | { op: 'delete'; key: string }
  /** cas: set `value` only if the current value equals `expected` (null = key absent). */
  | { op: 'cas'; key: string; expected: string | null; value: string }
  /** lock: grant `name` to `owner` for ttlMs if free or expired; token = grant's log index. */
  | { op: 'lock'; name: string; owner: string; ttlMs: number }
  | { op: 'renew'; name: string; owner: string; token: number; ttlMs: number }
  | { op: 'unlock'; name: string; token: number }
  /** fencedPut: a write to the demo resource, refused if `token` is older than the newest seen for `key`. */
  | { op: 'fencedPut'; key: string; value: string; token: number };

/**
 * KvCommand is what a log entry's data holds (JSON). `client`/`seq` form the session: a
 * command with a seq already applied for that client returns the cached result instead
 * of applying again. `now` is the proposing leader's clock in ms (lock expiry).
 */
export interface KvCommand {
  client: string;
  seq: number;
  now: number;
  cmd: KvOp;
}

/** KvError names why a command certainly did not take effect. */
export type KvError =
  | 'cas-mismatch'
  | 'lock-held'
  | 'lock-not-held'
  | 'stale-token'
  | 'bad-command'
  /** stale-seq: a delayed copy of a command older than the client's latest; its answer was already given. */
  | 'stale-seq'
  /**
   * session-expired: the client's session was evicted (or never began at seq 1): this copy
   * was not applied, but an earlier copy may have been; the client must start a new session.
   */
  | 'session-expired'
  /** store-full: the write would take the store past its byte limit (KvStateMachine maxBytes); nothing changed. */
  | 'store-full'
  /** wrong-group: a sharded group does not serve the key's shard in its current configuration; ask the group that does. */
  | 'wrong-group'
  /** shard-busy: a group cannot take its next configuration before its shards in flight have arrived or been collected. */
  | 'shard-busy'
  /** shard-stale: a shard command names a configuration the group is not at (too old or too new); nothing changed. */
  | 'shard-stale'
  /** controller-refused: the shard controller refused a join, leave or move; `value` says why. */
  | 'controller-refused';

/** KvResult is the outcome of applying one command. */
export interface KvResult {
  ok: boolean;
  /** value: for get the value (null when missing); for put/cas/delete the previous value. */
  value?: string | null;
  error?: KvError;
  /** token: fencing token for lock/renew; for a refused lock (lock-held) the holder's; for stale-token the newest seen. */
  token?: number;
  /** holder: for a refused lock, who holds it. */
  holder?: string;
  /** expiresAt: for lock/renew (and a refused lock: the holder's grant), when the grant lapses (state-machine clock, ms). */
  expiresAt?: number;
}

/** LockInfo is one held lock, for the UI. */
export interface LockInfo {
  name: string;
  owner: string;
  token: number;
  expiresAt: number;
}
