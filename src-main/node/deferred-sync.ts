/**
 * DeferredSync makes a node's Ready durable without blocking its event loop. The shared
 * Ready loop (core/host.ts) sends a Ready's `messages` first — a leader's appends leave
 * before its own write, as in the Raft dissertation §10.2.1 — and then asks holdPersist
 * whether the disk takes time. Here it does: the Ready's durable part is written to the
 * WAL at once (SqliteStorage.write, no sync) and an fdatasync starts on the thread pool;
 * the Ready is held until that sync returns. Meanwhile the node keeps reading messages and
 * client requests and stepping them into its core, but nothing that vouches for the write
 * leaves: vote grants and append acknowledgements are the Ready's messagesAfterPersist,
 * sent only when the loop resumes it; a leader counts its own copy toward a commit only
 * when the loop advances past the Ready (RaftNode.advance → onPersisted), and clients are
 * answered only for entries applied after they committed — on a quorum's durable copies.
 *
 * A write that only moves the commit index needs no sync (SqliteStorage.mustSync); the
 * loop writes it through `storage` and goes on at once, as before (in the node the store
 * keeps it for its next write, and hold() writes it alone if none came: pending-commit.ts).
 *
 * With `syncAlone`, a Ready that sends nothing before its write (a follower's new entries,
 * whose acknowledgement waits for the sync; a vote) is synced here, on the event loop
 * (SyncingStore.syncNow), and not held: nothing would go out in parallel with the write, and
 * the thread pool's round trip — a worker thread woken to sync, then the event loop woken by
 * its callback — costs two more thread wake-ups on the put's path, each a wait for a CPU on a
 * busy machine. What the sync vouches for still leaves only after it: the loop sends the
 * Ready's messagesAfterPersist once hold returns.
 *
 * With `syncSent` (on with syncAlone in the node) a Ready whose messages already left —
 * a leader's appends — is synced on the event loop too when nothing else waits for the loop:
 * it applies no committed entries (no client is answered after the sync instead of before
 * it), serves no reads, and the messages are in the kernel (hooks.sentAll: no bytes queued in
 * the socket, which would leave only once the loop runs). Holding would not let that Ready
 * go on any sooner — the loop runs no other Ready until the sync returns either way — so
 * the thread pool's round trip bought only the reading of messages during the sync; with
 * one client nothing arrives then (the followers' acknowledgements take a sync of their
 * own). A Ready with entries to apply or reads to serve is held as before, its clients
 * answered while the disk works.
 */
import type { Storage, StorageWrite } from '../core/storage';
import type { MessageBase, Ready } from '../core/types';
import type { StorageTiming } from './storage-timing';

/** SyncingStore is what DeferredSync needs of a store (SqliteStorage with deferSync). */
export interface SyncingStore extends Pick<Storage, 'save' | 'compact'> {
  /** mustSync: the write must be durable before anything depending on it is sent. */
  mustSync(w: StorageWrite): boolean;
  /** write commits w without waiting for the disk; returns mustSync(w). */
  write(w: StorageWrite): boolean;
  /** syncAsync calls done once every earlier write is durable (or with the disk's error). */
  syncAsync(done: (err: Error | null) => void): void;
  /** syncNow returns once every earlier write is durable (throws the disk's error). */
  syncNow(): void;
  /** timing: the opt-in histogram (storage-timing.ts), null or absent when off. */
  readonly timing?: StorageTiming | null;
  /** flushLate writes a deferred commit-only write that waited long enough (SqliteStorage with deferCommit; called on every Ready that writes nothing to sync). */
  flushLate?(): void;
}

/** DeferredSyncHooks connect DeferredSync to its host. */
export interface DeferredSyncHooks<M extends MessageBase> {
  /** resume finishes the held Ready (HostLoop.resume) and runs the loop again. */
  resume(rd: Ready<M>): void;
  /** live: false once the host stopped (a late sync then finishes nothing). */
  live(): boolean;
  /** sentAll: every message sent so far is in the kernel, none queued in a socket (absent: assumed so). */
  sentAll?(): boolean;
  /** failed: the disk could not sync; nothing written since the last sync may be assumed durable. */
  failed(err: Error): void;
  /** wrote / synced: a Ready's write reached the store, and was synced on the event loop (syncAlone; trace stamps). */
  wrote?(rd: Ready<M>): void;
  synced?(rd: Ready<M>): void;
}

/** DeferredSyncOptions: which Readies sync on the event loop instead of being held (see the file comment). */
export interface DeferredSyncOptions {
  /** syncAlone: a Ready that sends nothing before its write. */
  syncAlone?: boolean;
  /** syncSent: with syncAlone, also a Ready whose messages left, that applies nothing and serves no reads (hooks.sentAll). */
  syncSent?: boolean;
}

/**
 * nodeSyncOptions are the node process's: syncAlone and syncSent on, unless
 * QUORUM_SYNC_ALONE=0 (both off) or QUORUM_SYNC_SENT=0 (syncSent off), for A/B runs.
 */
export function nodeSyncOptions(): DeferredSyncOptions {
  const syncAlone = process.env.QUORUM_SYNC_ALONE !== '0';
  return { syncAlone, syncSent: syncAlone && process.env.QUORUM_SYNC_SENT !== '0' };
}

/** DeferredSync is the node's holdPersist hook and the storage its HostLoop writes through (see the file comment). */
export class DeferredSync<M extends MessageBase = MessageBase> {
  /** saveDone: the Ready being resumed was written when it was held; the loop's save for it is skipped. */
  private saveDone = false;
  /** pending counts held Readies whose sync has not returned (at most one: the loop holds one at a time). */
  pending = 0;
  /** heldCount / syncedCount: Readies held for a sync on the thread pool, and synced on the event loop (tests, traces). */
  heldCount = 0;
  syncedCount = 0;

  constructor(
    private readonly store: SyncingStore,
    private readonly hooks: DeferredSyncHooks<M>,
    private readonly opts: DeferredSyncOptions = {},
  ) {}

  /** storage is what the HostLoop saves and compacts through. */
  readonly storage: Pick<Storage, 'save' | 'compact'> = {
    save: (w) => {
      if (this.saveDone) {
        this.saveDone = false;
        return;
      }
      this.store.save(w);
    },
    compact: (snap) => this.store.compact(snap),
  };

  /** mayBlock: a Ready that sent messages may sync on the event loop (syncSent; see the file comment). */
  private mayBlock(rd: Ready<M>): boolean {
    return (
      this.opts.syncSent === true &&
      rd.committed.length === 0 &&
      rd.reads.length === 0 &&
      !rd.snapshot &&
      (this.hooks.sentAll?.() ?? true)
    );
  }

  /** hold is HostHooks.holdPersist: write now, and hold the Ready until the write is durable if it must be. */
  hold(rd: Ready<M>): boolean {
    const w: StorageWrite = { hardState: rd.hardState, entries: rd.entries, snapshot: rd.snapshot };
    if (!this.store.mustSync(w)) {
      // A commit-only write no later write carried is written once it waited (the store's flushLate; pending-commit.ts).
      this.store.flushLate?.();
      return false;
    }
    const timing = this.store.timing;
    const t0 = timing?.now() ?? 0;
    this.store.write(w);
    this.hooks.wrote?.(rd);
    if (this.opts.syncAlone && this.pending === 0 && (rd.messages.length === 0 || this.mayBlock(rd))) {
      try {
        this.store.syncNow();
      } catch (e) {
        this.hooks.failed(e as Error);
        throw e;
      }
      if (timing) timing.record('held', timing.now() - t0);
      this.syncedCount++;
      this.hooks.synced?.(rd);
      // Durable now: the loop goes on at once, and its save of this Ready is skipped.
      this.saveDone = true;
      return false;
    }
    this.pending++;
    this.heldCount++;
    this.store.syncAsync((err) => {
      if (timing) timing.record('held', timing.now() - t0);
      this.pending--;
      if (!this.hooks.live()) return;
      if (err) {
        this.hooks.failed(err);
        return;
      }
      this.saveDone = true;
      try {
        this.hooks.resume(rd);
      } finally {
        this.saveDone = false;
      }
    });
    return true;
  }
}
