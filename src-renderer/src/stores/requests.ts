/**
 * useRequestsStore sends client requests through the lab's gateway, as a client of the
 * cluster would: key-value operations, lease locks, fenced writes and bounded load runs.
 * Each answer says its outcome (ok, fail, unknown), the node that served it and the
 * latency; the console prints them.
 */
import { defineStore } from 'pinia';
import type {
  FencedWriteRequest,
  KvRequest,
  KvResponse,
  LoadRequest,
  LoadSummary,
  LockRequest,
  RenewRequest,
  UnlockRequest,
} from '../../../src-main/api/contract';
import { labClient } from '../api/lab-client';

export const useRequestsStore = defineStore('requests', () => {
  /** kv sends one key-value request (put, get, delete, cas). */
  const kv = (req: KvRequest): Promise<KvResponse> => labClient().kv(req);
  /** lock acquires a lease lock; the answer carries its fencing token. */
  const lock = (req: LockRequest): Promise<KvResponse> => labClient().lock(req);
  /** renew extends a held lock. */
  const renew = (req: RenewRequest): Promise<KvResponse> => labClient().renew(req);
  /** unlock releases a lock. */
  const unlock = (req: UnlockRequest): Promise<KvResponse> => labClient().unlock(req);
  /** fencedWrite writes the demo resource, refused when the token is stale. */
  const fencedWrite = (req: FencedWriteRequest): Promise<KvResponse> => labClient().fencedWrite(req);
  /** load runs a bounded load and answers its summary (its progress arrives as events). */
  const load = (req: LoadRequest): Promise<LoadSummary> => labClient().load(req);

  /** stopLoad ends the running load early; it answers the partial summary. */
  const stopLoad = (): Promise<LoadSummary> => labClient().stopLoad();

  return { kv, lock, renew, unlock, fencedWrite, load, stopLoad };
});
