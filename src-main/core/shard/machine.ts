/**
 * ReplicatedKv is what a node process applies its log to and serves reads from: the plain
 * KvStateMachine in a single-group cluster, a ShardGroupMachine in a replica group of a
 * sharded one, a ControllerMachine in the shard controller's group.
 */
import type { StateMachine } from '../host';
import type { KvResult, LockInfo } from '../kv/types';

/** ReplicatedKv is the state machine a node applies committed entries to and reads from. */
export interface ReplicatedKv extends StateMachine<KvResult> {
  /** get reads a key locally (only once appliedIndex has reached the read's ReadIndex). */
  get(key: string): string | null;
  /** readError: why a read of `key` cannot be served by this machine (e.g. wrong-group), or null. */
  readError?(key: string): string | null;
  /** size is the number of keys held. */
  size(): number;
  /** locks lists the locks held now. */
  locks(): LockInfo[];
}
