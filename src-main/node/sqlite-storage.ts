/**
 * SqliteStorage: a node's durable state in its own SQLite file (better-sqlite3, WAL, so a
 * save that returned survives SIGKILL and power loss).
 *
 * Two ways to make a write durable. save() is synchronous and durable on return. With
 * `deferSync`, the node's Ready loop calls write() — the transaction reaches the WAL (the
 * page cache) under synchronous=NORMAL, which syncs nothing at commit — then syncAsync(), an
 * fdatasync of the WAL on libuv's thread pool, so the event loop keeps reading while the
 * disk works (syncNow(): the same on the event loop); nothing vouching for it leaves before. NORMAL still syncs the WAL before each checkpoint and
 * the database after it, so a checkpoint never loses what a sync made durable. An empty
 * WAL is preallocated at open, so those syncs write over blocks instead of growing the file
 * (wal-prealloc.ts).
 *
 * Every row carries a crc32 so damage is detected on open. What the rows mean — which
 * damage is found, what is kept, how the term and vote are repaired — is the shared scan
 * (core/recovery/store-image.ts, which the simulator's store runs too); this file is the
 * SQL around it. A damaged file never crashes the node: the storage keeps the good prefix
 * (or moves an unreadable file aside and starts empty), records in the file that it is
 * recovering, and reports the reason in `damaged` until the host calls markRecovered() —
 * so a node that restarts in the middle of recovering still knows it must not vote.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import {
  markAfterScan,
  scanStore,
  type RecoveringStorage,
  type RecoveryMark,
  type StoreImage,
  type StoreScan,
} from '../core/recovery';
import type { ProtocolName } from '../core/protocols';
import { mustSync, noteWritten, type LastVote, type StorageWrite } from '../core/storage';
import type { HardState, NodeId, Persisted, Snapshot } from '../core/types';
import { checkHeader, hardCrc, isDamage, lowerRowCommits, readImage, storeStatements, writeMark } from './sqlite-image';
import type { StoreStatements } from './sqlite-image';
import { RowCommits } from './row-commits';
export { damageStoreFile } from './sqlite-damage';
import { moveStoreAside } from './sqlite-damage';
import { Compactor, dropSnapshotRows } from './compactor';
import { Checkpointer, WAL_LIMIT_BYTES, walBytes, type CheckpointResult } from './checkpointer';
import { storageTiming, type StorageTiming } from './storage-timing';
import { preallocateWal, storeFileBytes, walPreallocBytes, walPreallocUsed } from './wal-prealloc';
import { PendingCommit } from './pending-commit';

export { FORMAT_MAGIC, FORMAT_VERSION } from './sqlite-image';

/** SqliteStorageOptions say whose file it is, which decides the checks on open. */
export interface SqliteStorageOptions {
  /** protocol: Raft's log terms never go down and its commit never passes its log; Multi-Paxos's ballots may (default raft). */
  protocol?: ProtocolName;
  /** self: the node's id (a Raft node whose vote record was lost counts its vote as cast for itself). */
  self?: NodeId;
  /** nativeBinding: path of an alternative better_sqlite3.node (defaults to env QUORUM_SQLITE_BINDING). */
  nativeBinding?: string;
  /** sync: false never fsyncs (synchronous=OFF): the unsafe fsync:false mode (core/unsafe.ts). */
  sync?: boolean;
  /** deferSync: commits do not sync; write() + syncAsync() make a write durable (see the file comment). */
  deferSync?: boolean;
  /** checkpointWorker: with deferSync, checkpoint on a worker thread instead of in commits (default true; checkpointer.ts). */
  checkpointWorker?: boolean;
  /** checkpointed hears every worker checkpoint's result (tests). */
  checkpointed?: (r: CheckpointResult) => void;
  /** checkpointBytes: ask for a checkpoint after about this many bytes written (tests; default CHECKPOINT_BYTES). */
  checkpointBytes?: number;
  /** maxWalFrames: PASSIVE gives way to RESTART past this many WAL frames (tests; default MAX_WAL_FRAMES). */
  maxWalFrames?: number;
  /** walPrealloc: bytes of zeros an empty WAL gets at open (wal-prealloc.ts; default WAL_LIMIT_BYTES, at most that; 0 = none). */
  walPrealloc?: number;
  /** deferCommit: a write that only moves the commit index waits for the next write (pending-commit.ts). */
  deferCommit?: boolean;
}

/**
 * nodeStoreOptions are a node process's: synced unless fsync is off (core/unsafe.ts), each
 * write made durable by DeferredSync, and a commit-only write deferred to the next
 * (pending-commit.ts; QUORUM_DEFER_COMMIT=0 writes it at once, for A/B runs).
 */
export function nodeStoreOptions(protocol: ProtocolName, self: NodeId, fsync: boolean): SqliteStorageOptions {
  const deferCommit = fsync && process.env.QUORUM_DEFER_COMMIT !== '0';
  return { protocol, self, sync: fsync, deferSync: fsync, deferCommit };
}

const HEALTHY: RecoveryMark = { reason: null, floor: 0, voteLost: false };

/** SqliteStorage implements Storage on one SQLite file. */
export class SqliteStorage implements RecoveringStorage {
  private db!: Database.Database;
  private mark: RecoveryMark = HEALTHY;
  /** restarted: the mark was found in the file, from an earlier run (reported as "still recovering"). */
  private restarted = false;
  /** movedAside: where an unreadable file was moved (null if none). */
  movedAside: string | null = null;
  private readonly scanOpts: { protocol: ProtocolName; self: NodeId };
  private readonly binding: string | undefined;
  private readonly noSync: boolean;
  /** preallocBytes: what openDb preallocates an empty WAL to (0 when nothing is ever synced). */
  private readonly preallocBytes: number;
  /** deferSync: see SqliteStorageOptions; false when noSync (nothing is ever synced then). */
  readonly deferSync: boolean;
  /** pending: the commit-only write not yet written, with deferCommit (null: off). */
  readonly pending: PendingCommit | null;
  /** walFd: our own descriptor of the WAL file, for fdatasync (opened at the first sync). */
  private walFd: number | null = null;
  /** syncing counts fdatasyncs in flight: close() waits for them before closing walFd. */
  private syncing = 0;
  private closing = false;
  private stmts!: StoreStatements;
  /** commits: where the commit lies in the file, and how each write is made (row-commits.ts). */
  private commits!: RowCommits;
  /** checkpointer checkpoints the WAL off the event loop (deferSync only; null when SQLite does it in commits). */
  private checkpointer: Checkpointer | null = null;
  /** timing: the opt-in histogram (storage-timing.ts); null when off. */
  readonly timing: StorageTiming | null;
  /** compactor stores local snapshots and trims the log behind them, a piece per turn with deferSync (compactor.ts). */
  compactor: Compactor | null = null;

  constructor(
    readonly file: string,
    opts: SqliteStorageOptions = {},
  ) {
    this.scanOpts = { protocol: opts.protocol ?? 'raft', self: opts.self ?? '' };
    this.binding = opts.nativeBinding ?? (process.env.QUORUM_SQLITE_BINDING || undefined);
    this.noSync = opts.sync === false;
    this.preallocBytes = this.noSync ? 0 : walPreallocBytes(opts.walPrealloc);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st && !st.isFile()) throw new Error(`data file ${file} exists and is not a regular file`);
    let header: string | null;
    try {
      this.db = this.openDb();
      header = checkHeader(this.db);
    } catch (e) {
      // Only damage is handled here; a permission or I/O problem is the operator's to fix,
      // and moving a healthy file aside because it is read-only would lose it for the node.
      if (!isDamage(e)) throw e;
      header = `cannot read the file as SQLite: ${(e as Error).message}`;
    }
    if (header !== null) this.startAfresh(header);
    else this.scanAndRepair();
    this.deferSync = opts.deferSync === true && !this.noSync;
    this.pending = opts.deferCommit === true && !this.noSync ? new PendingCommit() : null;
    if (this.noSync) this.db.pragma('synchronous = OFF');
    this.timing = storageTiming(file);
    // QUORUM_CHECKPOINT_WORKER=0 keeps SQLite's own checkpoints, to measure one against the other.
    const worker = opts.checkpointWorker ?? process.env.QUORUM_CHECKPOINT_WORKER !== '0';
    if (this.deferSync && worker) this.startCheckpointer(opts);
    this.compactor = new Compactor(this.db, {
      stepped: this.deferSync,
      setSync: (full) => this.setSync(full),
      timing: this.timing,
      wrote: (b) => this.checkpointer?.wrote(b),
      keepCommit: () => this.commits.keep(),
    });
  }

  /**
   * startCheckpointer moves SQLite's checkpoints off the node's event loop (checkpointer.ts
   * says why that is safe). Should the worker fail, the automatic checkpoint comes back, so
   * the WAL stays bounded either way.
   */
  private startCheckpointer(opts: SqliteStorageOptions): void {
    this.db.pragma('wal_autocheckpoint = 0');
    this.db.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
    try {
      this.checkpointer = new Checkpointer({
        file: this.file,
        nativeBinding: this.binding,
        checkpointBytes: opts.checkpointBytes,
        maxWalFrames: opts.maxWalFrames,
        done: (r) => {
          this.timing?.record('checkpoint', r.ms);
          opts.checkpointed?.(r);
        },
        failed: () => this.stopCheckpointer(),
      });
    } catch {
      this.stopCheckpointer();
    }
  }

  /** stopCheckpointer hands checkpoints back to SQLite (every 1000 pages, in the commit). */
  private stopCheckpointer(): void {
    this.checkpointer = null;
    if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
  }

  /** checkpointing: whether a worker thread checkpoints this file (false: SQLite does, in commits). */
  get checkpointing(): boolean {
    return this.checkpointer !== null;
  }

  /** damaged is why this store's contents cannot be vouched for (null = healthy). Set until markRecovered(). */
  get damaged(): string | null {
    const r = this.mark.reason;
    return r !== null && this.restarted ? `still recovering: ${r}` : r;
  }

  /**
   * recoveryFloor is the highest index this node may have held or acknowledged before the
   * damage (0 if unknown): it has caught up only once its commit index reaches it.
   */
  get recoveryFloor(): number {
    return this.mark.floor;
  }

  /** voteLost: the term/vote record was lost (the node may have voted in a term it no longer knows). */
  get voteLost(): boolean {
    return this.mark.voteLost;
  }

  /**
   * discardSnapshot drops a snapshot whose contents the state machine could not read, and
   * the log that follows it, and marks the store recovering (the node must catch up).
   */
  discardSnapshot(reason: string): void {
    const h = this.load().hardState;
    const maxRow = (this.db.prepare('SELECT MAX(idx) FROM log').pluck().get() as number | null) ?? 0;
    const kept: HardState = { term: h.term, vote: h.vote, commit: 0 };
    this.pending?.take(); // its commit would lift the 0 written here
    this.setSync(true);
    this.db.transaction(() => {
      dropSnapshotRows(this.db);
      this.db.prepare('DELETE FROM log').run();
      this.stmts.putHard.run(kept.term, kept.vote, 0, hardCrc(kept));
    })();
    this.synced.term = -1; // hard_state was written here, not by write()
    this.commits.read(0);
    this.compactor?.reset();
    this.setMark({ reason, floor: Math.max(this.mark.floor, h.commit, maxRow), voteLost: this.mark.voteLost });
  }

  /** markRecovered records that the node has caught up from its peers; it may vote again. */
  markRecovered(): void {
    this.setMark(HEALTHY);
    this.restarted = false;
  }

  load(): Persisted {
    this.flushCommit(); // a load returns the last commit written
    this.compactor?.finish(false); // a local snapshot still being written is part of what this store holds
    const img = readImage(this.db);
    const scan = scanStore(img, this.scanOpts);
    // scanAndRepair ran at open and every later write is checksummed, so problems here
    // mean the file was changed under us; flag them rather than hand out bad data.
    if (scan.problems.length > 0) {
      this.repair(scan);
      this.setMark(markAfterScan(this.mark, scan));
    }
    return scan.persisted;
  }

  /**
   * save writes one Ready's durable part in one transaction. As etcd's MustSync, a write
   * that only moves the commit index is not fsynced: a power cut may roll it back (with
   * deferCommit, a process crash too: pending-commit.ts), which is harmless — the commit
   * index is learnt again from the leader. Entries, snapshots, term and vote are always fsynced
   * before save returns (with deferSync, by syncNow: an fdatasync of the WAL right here).
   */
  save(w: StorageWrite): void {
    if (this.write(w)) this.syncNow();
  }
  syncNow(): void {
    if (this.deferSync) fs.fdatasyncSync(this.wal());
  }

  /**
   * mustSync tells whether a write must be durable before anything that depends on it is
   * sent: it carries entries, a snapshot, or a new term or vote (not only a commit index).
   */
  mustSync(w: StorageWrite): boolean {
    return mustSync(w, this.synced);
  }

  /**
   * write commits one Ready's durable part and returns mustSync. Without deferSync the
   * commit itself fsyncs what must be synced; with it, nothing is synced until syncAsync().
   */
  write(w: StorageWrite): boolean {
    const must = this.mustSync(w);
    // deferCommit: a commit-only write waits for the next, which carries it (pending-commit.ts says why that is safe).
    if (this.pending?.hold(w, must)) return false;
    this.writeNow(this.pending ? this.pending.carry(w) : w, must);
    return must;
  }

  /** flushLate writes the pending commit-only write if it waited long enough with no write since (PendingCommit.due). */
  flushLate(): void {
    if (this.pending?.due(performance.now())) this.flushCommit();
  }

  /** flushCommit writes the pending commit-only write now, not synced (deferCommit); returns whether there was one. */
  flushCommit(): boolean {
    const w = this.db.open ? (this.pending?.take() ?? null) : null;
    if (w !== null) this.writeNow(w, false);
    return w !== null;
  }

  private writeNow(w: StorageWrite, must: boolean): void {
    this.setSync(must && !this.deferSync);
    const t0 = this.timing?.now() ?? 0;
    // Where the commit goes (a row, or hard_state) and whether a suffix is deleted: row-commits.ts.
    const opts = this.commits.options(w, this.synced);
    // IMMEDIATE: a snapshot's write reads the log first (compactor.ts's runPiece says why).
    this.stmts.saveTx.immediate(w, opts);
    if (this.timing) this.timing.record('write', this.timing.now() - t0);
    if (this.pending) this.pending.writes++;
    this.commits.wrote(w, opts);
    noteWritten(w, this.synced);
    if (this.checkpointer) this.checkpointer.wrote(walBytes(w));
    if (w.snapshot) this.compactor?.reset(); // a local snapshot being written must not overwrite the leader's
  }

  /**
   * syncAsync makes every write() before it durable (fdatasync of the WAL on the thread
   * pool), then calls done — with an error if the disk failed, when nothing may be assumed
   * durable. Without deferSync the writes are durable already; done runs on the next turn.
   */
  syncAsync(done: (err: Error | null) => void): void {
    if (!this.deferSync) {
      setImmediate(() => done(null));
      return;
    }
    const fd = this.wal();
    this.syncing++;
    const t0 = this.timing?.now() ?? 0;
    fs.fdatasync(fd, (err) => {
      if (this.timing) this.timing.record('sync', this.timing.now() - t0);
      this.syncing--;
      if (this.closing && this.syncing === 0) this.closeWal();
      done(err);
    });
  }

  /** wal opens (once) our own descriptor of the WAL file; SQLite made it when the database opened in WAL mode. */
  private wal(): number {
    if (this.walFd === null) this.walFd = fs.openSync(`${this.file}-wal`, 'r+');
    return this.walFd;
  }

  private closeWal(): void {
    if (this.walFd === null) return;
    fs.closeSync(this.walFd);
    this.walFd = null;
  }

  /** synced: the term and vote on disk as write() left them (term -1: unknown, the next hard state is written and synced). */
  private readonly synced: LastVote = { term: -1, vote: null };
  private syncFull = true;

  private setSync(full: boolean): void {
    if (full === this.syncFull || this.noSync) return;
    this.db.pragma(full ? 'synchronous = FULL' : 'synchronous = NORMAL');
    this.syncFull = full;
  }

  /**
   * compact records a local snapshot and drops the entries it covers; with deferSync a piece per
   * event-loop turn (compactor.ts), not synced on its own: nothing sent depends on it, and the
   * next sync of the WAL, which is written in order, makes it durable with what follows.
   */
  compact(snap: Snapshot): void {
    this.flushCommit(); // the snapshot covers what was applied: its commit is on disk first (pending-commit.ts)
    this.compactor?.compact(snap);
  }

  /** close closes the file; SQLite's last checkpoint is synced (FULL), and our WAL descriptor is closed once no sync is in flight. */
  close(): void {
    // The worker's connection closes first, so ours is the last: SQLite's final checkpoint.
    this.flushCommit(); // a graceful close keeps the last commit
    this.checkpointer?.close();
    this.checkpointer = null;
    this.compactor?.finish(false); // the snapshot being written is kept; dead rows are left to the next open
    this.compactor?.close();
    this.timing?.close();
    if (this.db.open) {
      this.setSync(true);
      this.db.close();
    }
    this.closing = true;
    if (this.syncing === 0) this.closeWal();
  }

  /** fileBytes is the size on disk of the database and its WAL. */
  fileBytes(): number {
    return storeFileBytes(this.file);
  }

  /** walPreallocBytes is how much of fileBytes() is the WAL's preallocated room (wal-prealloc.ts's walPreallocUsed). */
  walPreallocBytes(): number {
    return walPreallocUsed(this.file, this.preallocBytes);
  }

  private openDb(): Database.Database {
    const db = this.binding ? new Database(this.file, { nativeBinding: this.binding }) : new Database(this.file);
    try {
      // journal_mode reads the header, so a file that is not SQLite fails here.
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
    } catch (e) {
      db.close();
      throw e;
    }
    // Before anything is written (the schema of a new file too), while the WAL may be empty.
    preallocateWal(db, this.file, this.preallocBytes);
    return db;
  }

  /** startAfresh moves an unreadable file aside and starts an empty store that knows it is recovering. */
  private startAfresh(why: string): void {
    this.moveAside();
    this.db = this.openDb();
    const again = checkHeader(this.db);
    if (again !== null) throw new Error(`cannot create a fresh store at ${this.file}: ${again}`);
    this.stmts = storeStatements(this.db);
    this.commits = new RowCommits(this.db);
    this.commits.read(0);
    // Nothing is known of what the file held: no floor, and its vote is lost.
    this.setMark({ reason: `${why} (moved aside to ${this.movedAside})`, floor: 0, voteLost: true });
  }

  /** moveAside keeps a damaged file for inspection and frees the path for a fresh store. */
  private moveAside(): void {
    try {
      this.db?.close();
    } catch {
      // already closed or never opened
    }
    this.movedAside = moveStoreAside(this.file);
  }

  private setMark(m: RecoveryMark): void {
    // The mark is durable on return whatever the mode: a node must not forget it may not vote.
    this.setSync(true);
    this.mark = m;
    writeMark(this.db, m);
  }

  private scanAndRepair(): void {
    this.stmts = storeStatements(this.db);
    this.commits = new RowCommits(this.db);
    let img: StoreImage;
    try {
      img = readImage(this.db);
    } catch (e) {
      if (!isDamage(e)) throw e;
      // SQLite itself found the pages corrupt: nothing in the file can be trusted.
      this.startAfresh(`file is corrupt: ${(e as Error).message}`);
      return;
    }
    this.mark = img.mark;
    const scan = scanStore(img, this.scanOpts);
    if (scan.problems.length > 0) {
      this.repair(scan);
      this.setMark(markAfterScan(img.mark, scan));
      return;
    }
    if (img.mark.reason !== null) {
      // Damaged on an earlier run and not yet caught up: still must not vote.
      this.restarted = true;
    }
    this.commits.read(scan.persisted.hardState.commit);
  }

  /** repair rewrites the file to what the scan kept, in one transaction. */
  private repair(scan: StoreScan): void {
    this.pending?.take(); // the scan's hard state replaces it
    this.setSync(true);
    this.db.transaction(() => {
      if (scan.dropSnapshot) dropSnapshotRows(this.db);
      if (scan.firstBad !== null) this.db.prepare('DELETE FROM log WHERE idx >= ?').run(scan.firstBad);
      const hs = scan.persisted.hardState;
      if (scan.rewriteHard) {
        // The rows' commits must not lift the rewritten one on the next open (a damaged record costs its commit).
        lowerRowCommits(this.db, hs.commit);
        this.stmts.putHard.run(hs.term, hs.vote, hs.commit, hardCrc(hs));
      }
    })();
    this.synced.term = -1; // hard_state may have been written here, not by write()
    this.commits.read(scan.persisted.hardState.commit);
    this.compactor?.reset();
  }
}
