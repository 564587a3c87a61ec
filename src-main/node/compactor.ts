/**
 * Compactor stores a node's local snapshots in its SQLite file and trims the log behind
 * them a bounded piece at a time, so that snapshotting a large state (10,000 keys of 256
 * bytes make ~2.7 MB) never blocks the node's event loop for long. Written in one
 * transaction, that snapshot row and the delete of the 10,000 log rows it covers took
 * tens of milliseconds (up to ~110 ms on a loaded machine) during which the node read no
 * acknowledgement and answered no client.
 *
 * With `stepped` (a node with deferSync), compact() only records the job; each event-loop
 * turn afterwards (setImmediate, so sockets and the node's own Readies run in between)
 * does one piece in its own small transaction, in this order:
 *   1. the snapshot's text, PART_CHARS characters per piece, into snapshot_part rows
 *      tagged with the snapshot's index (its crc32 is carried from piece to piece);
 *   2. the snapshot row: index, term, membership, crc and the number of parts — one small
 *      write, and the only one that makes the new snapshot the file's snapshot;
 *   3. the parts of older snapshots (DROP_PARTS per piece), then the log rows at or below
 *      the snapshot's index (TRIM_ROWS per piece).
 *
 * Why a SIGKILL at any point leaves a consistent file: before step 2 commits, the row still
 * names the old snapshot and every log entry after it is still there (step 3 runs only
 * after step 2) — the new parts are rows nothing reads (readImage joins only the parts of
 * the row's own index, up to its count). After it, the row names the new snapshot and the
 * log rows at or below its index are dead: readImage reads only rows after the snapshot,
 * so the file's first log index comes from the snapshot alone, and the rows still left are
 * removed by the next open's Compactor. The WAL keeps commits in order, so a power cut that
 * rolls back step 2 rolls back everything after it too. Without `stepped`, compact() runs
 * every piece at once in one transaction (the same file format).
 */
import { performance } from 'node:perf_hooks';
import type Database from 'better-sqlite3';
import type { Snapshot } from '../core/types';
import { crc32 } from './crc32';
import { PUT_SNAPSHOT_SQL } from './sqlite-image';
import type { StorageTiming } from './storage-timing';

/** PART_CHARS is how much of a snapshot's text one piece writes (~1–3 ms of SQLite work). */
export const PART_CHARS = 128 * 1024;
/** TRIM_ROWS is how many dead log rows one piece deletes. */
export const TRIM_ROWS = 500;
/** DROP_PARTS is how many parts of an older snapshot one piece deletes. */
export const DROP_PARTS = 4;

/** CompactorOptions connect a Compactor to its storage. */
export interface CompactorOptions {
  /** stepped: one piece per event-loop turn; otherwise compact() does everything at once. */
  stepped: boolean;
  /** setSync sets the storage's synchronous mode (FULL when true) ahead of each transaction. */
  setSync(full: boolean): void;
  /** timing hears how long each piece (not stepped: the whole compaction) blocked, as 'compact'. */
  timing: StorageTiming | null;
  /** wrote hears the bytes each piece wrote to the WAL (the checkpoint worker counts them). */
  wrote?(bytes: number): void;
  /**
   * keepCommit runs in the transaction that makes a snapshot the file's, before the log
   * rows it covers go dead: a commit that rides on one of them moves to hard_state
   * (sqlite-image.ts's SCHEMA).
   */
  keepCommit?(): void;
}

interface Job {
  snap: Snapshot;
  conf: string;
  /** at: how much of snap.data the parts written so far hold. */
  at: number;
  seq: number;
  /** crc: the row checksum so far (snapCrc's prefix, then every part). */
  crc: number;
}

/** Compactor writes local snapshots and trims the log in bounded pieces (see the file comment). */
export class Compactor {
  private job: Job | null = null;
  /** deadTo: log rows at or below it lie behind the stored snapshot (none are read again). */
  private deadTo = 0;
  /** stale: parts of a snapshot other than the stored one may be left. */
  private stale = true;
  private timer: NodeJS.Immediate | null = null;
  private readonly sql: ReturnType<typeof statements>;

  constructor(
    private readonly db: Database.Database,
    private readonly opts: CompactorOptions,
  ) {
    this.sql = statements(db);
    this.reset();
  }

  /** pending tells whether some piece is still to do (a snapshot to store, parts or rows to drop). */
  get pending(): boolean {
    return this.job !== null || this.timer !== null;
  }

  /** writing tells whether a snapshot is still being written (the file's snapshot is the older one until it is). */
  get writing(): boolean {
    return this.job !== null;
  }

  /** compact stores `snap` (unless the file holds one at least as new) and trims the log behind it. */
  compact(snap: Snapshot): void {
    // Never older than what is stored or being written (a leader's snapshot may be newer).
    if (Math.max(this.storedIndex(), this.job?.snap.index ?? -1) >= snap.index) return;
    const conf = JSON.stringify(snap.conf);
    // A job this one overtakes leaves parts behind.
    if (this.job) this.stale = true;
    this.job = { snap, conf, at: 0, seq: 0, crc: crc32(`${snap.index}|${snap.term}|${conf}|`) };
    if (this.opts.stepped) {
      this.schedule();
      return;
    }
    this.opts.setSync(!this.opts.stepped);
    const t0 = performance.now();
    let bytes = 0;
    this.db
      .transaction(() => {
        for (let b = this.step(); b >= 0; b = this.step()) bytes += b;
      })
      .immediate();
    this.did(t0, bytes);
  }

  /**
   * finish does, now, the pieces of the snapshot being written (before a load or a close),
   * and with `all` the drops and trims after it too.
   */
  finish(all: boolean): void {
    if (!this.db.open || (!all && this.job === null)) return;
    this.cancelTimer();
    while ((all || this.job !== null) && this.runPiece()) {
      // one piece per transaction, as the stepped turns would
    }
    if (this.opts.stepped) this.schedule();
  }

  /**
   * reset forgets a snapshot being written and reads the file's state again: after a
   * snapshot came from a leader, the snapshot was discarded or the file was repaired (an
   * older local snapshot must not replace what is there now).
   */
  reset(): void {
    this.job = null;
    this.stale = true;
    this.deadTo = Math.max(0, this.storedIndex());
    if (this.opts.stepped) this.schedule();
  }

  /** close stops the pieces still to come; the file stays consistent (see the file comment). */
  close(): void {
    this.cancelTimer();
    this.job = null;
  }

  private cancelTimer(): void {
    if (this.timer) clearImmediate(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setImmediate(() => {
      this.timer = null;
      if (this.db.open && this.runPiece()) this.schedule();
    });
  }

  /**
   * runPiece does one piece in its own transaction; returns whether more remain. IMMEDIATE:
   * a piece reads the file before it writes, and a deferred transaction that must turn from
   * reading into writing while the checkpoint worker holds the writer lock (a RESTART) gets
   * SQLITE_BUSY at once — SQLite runs no busy handler there — which killed the node. Taking
   * the writer lock at BEGIN waits in the busy handler instead, as every append does.
   */
  private runPiece(): boolean {
    this.opts.setSync(!this.opts.stepped);
    const t0 = performance.now();
    const bytes = this.db.transaction(() => this.step()).immediate();
    if (bytes >= 0) this.did(t0, bytes);
    return bytes >= 0;
  }

  private did(t0: number, bytes: number): void {
    this.opts.timing?.record('compact', performance.now() - t0);
    if (bytes > 0) this.opts.wrote?.(bytes);
  }

  /** step does one piece; returns the bytes it wrote (0 for a delete), or -1 when nothing was left to do. */
  private step(): number {
    if (this.job) return this.writePiece(this.job);
    if (this.stale) {
      const [idx, parts] = this.stored();
      const dropped = this.sql.dropParts.run(idx, parts, DROP_PARTS).changes;
      if (dropped < DROP_PARTS) this.stale = false;
      if (dropped > 0) return 0;
    }
    const lo = this.sql.firstRow.get() as number | null;
    if (lo === null || lo > this.deadTo) return -1;
    this.sql.trim.run(Math.min(this.deadTo, lo + TRIM_ROWS - 1));
    return 0;
  }

  /** writePiece writes the next part of the job's text, or, once all are written, the snapshot row. */
  private writePiece(job: Job): number {
    const { snap } = job;
    if (job.at < snap.data.length && !(job.at === 0 && snap.data.length <= PART_CHARS)) {
      const end = cutAt(snap.data, job.at + PART_CHARS);
      const piece = snap.data.slice(job.at, end);
      this.sql.putPart.run(snap.index, job.seq, piece);
      job.crc = crc32(piece, job.crc);
      job.at = end;
      job.seq++;
      return piece.length;
    }
    this.job = null;
    // A snapshot at least as new may have been stored since (one from a leader): keep it.
    if (this.storedIndex() >= snap.index) return 0;
    // A small snapshot goes whole into its row, as a snapshot from a leader does.
    const inline = job.seq === 0 ? snap.data : '';
    const crc = job.seq === 0 ? crc32(inline, job.crc) : job.crc;
    this.opts.keepCommit?.();
    this.sql.putRow.run(snap.index, snap.term, job.conf, inline, crc, job.seq);
    this.deadTo = snap.index;
    this.stale = true;
    return inline.length + job.conf.length;
  }

  private storedIndex(): number {
    return this.stored()[0];
  }

  /** stored is the file's snapshot index and number of parts ([-1, 0] when it has none). */
  private stored(): [number, number] {
    const r = this.sql.row.get() as { idx: number; parts: number } | undefined;
    return r ? [r.idx, r.parts] : [-1, 0];
  }
}

/**
 * cutAt is where a piece ending near `end` may end: never between the two halves of a
 * surrogate pair, which SQLite would store as two replacement characters.
 */
function cutAt(s: string, end: number): number {
  if (end >= s.length) return s.length;
  const c = s.charCodeAt(end - 1);
  return c >= 0xd800 && c <= 0xdbff ? end - 1 : end;
}

function statements(db: Database.Database) {
  return {
    row: db.prepare('SELECT idx, parts FROM snapshot WHERE id = 1'),
    putPart: db.prepare('INSERT OR REPLACE INTO snapshot_part (snap_idx, seq, data) VALUES (?, ?, ?)'),
    putRow: db.prepare(PUT_SNAPSHOT_SQL),
    // Every part but the stored snapshot's own (its index, seq below its count).
    dropParts: db.prepare(
      'DELETE FROM snapshot_part WHERE rowid IN (SELECT rowid FROM snapshot_part ' +
        'WHERE NOT (snap_idx = ? AND seq < ?) LIMIT ?)',
    ),
    firstRow: db.prepare('SELECT MIN(idx) FROM log').pluck(),
    trim: db.prepare('DELETE FROM log WHERE idx <= ?'),
  };
}

/**
 * dropSnapshotRows deletes the file's snapshot with its parts. (Whoever drops a snapshot drops
 * the whole log too: log rows it covered may not be trimmed yet, and must not come back as a log.)
 */
export function dropSnapshotRows(db: Database.Database): void {
  db.prepare('DELETE FROM snapshot').run();
  db.prepare('DELETE FROM snapshot_part').run();
}
