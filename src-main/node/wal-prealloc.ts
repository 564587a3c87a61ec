/**
 * preallocateWal makes a node's SQLite WAL a file that is written over, not grown.
 *
 * Why: the node makes every write durable with an fdatasync of its WAL (SqliteStorage.
 * syncAsync) — on a follower that sync sits on the path of every acknowledged write. An
 * fdatasync after writing past the end of a file must also journal the file's new size
 * and its new blocks (on ext4, a journal commit); after writing over blocks that were
 * written and synced before, it flushes only the data: about half the time on this
 * machine's disk (docs/BENCHMARKS.md, bench/wal-prealloc.ts). SQLite writes its WAL from
 * the start again after each checkpoint restart, so it overwrites — but a new WAL (a new
 * node, and every start after a clean close, which deletes the WAL) grows for its first
 * WAL_LIMIT_BYTES. So at open, before the node writes anything, an empty WAL is extended
 * with zeros to that size and synced once. The zeros are written, not fallocated: an
 * fallocated extent is "unwritten", and the first write into it converts it, which is a
 * metadata change journalled like a growth.
 *
 * Why it is safe (SIGKILL or power loss at any point, before, during or after):
 * - SQLite never reads zeros as data. A WAL whose header is zeros has no magic number, and
 *   SQLite treats the whole file as empty. Past a valid header, recovery reads frames in
 *   order and stops at the first invalid one, keeping only the frames up to the last commit
 *   frame before it; a zeroed frame is invalid however the salts fell, because its page
 *   number is 0, which SQLite never accepts (nor do its salts and checksum match). Zeros
 *   after the last valid frame are absent, as stale frames of an earlier WAL generation
 *   (rejected by their salts) always were.
 * - Nothing SQLite wrote is ever touched, by construction: we write only into a WAL of
 *   zero bytes — no header, no frame — and only while holding SQLite's WAL write lock
 *   (BEGIN IMMEDIATE on the node's own connection), so no connection of any process can
 *   append a frame until we are done; the checkpoint worker has not started yet. We only
 *   append after the end, so no byte that was there changes.
 * - A kill in the middle leaves a WAL of zeros of some length: SQLite treats it as empty,
 *   and the next open, finding a WAL that is not empty, leaves it alone (it grows past the
 *   zeros as it always did): a kill costs speed, never data. The zeros are synced before
 *   SQLite writes its first frame, so the node's first fdatasync does not flush them too.
 * - SQLite cuts a WAL back to journal_size_limit at the first commit after each (re)start.
 *   The checkpointer sets that limit to WAL_LIMIT_BYTES, the most we preallocate, so the
 *   preallocated blocks are kept; without the checkpointer there is no limit at all.
 */
import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { WAL_LIMIT_BYTES } from './checkpointer';

/**
 * walPreallocBytes is what an empty WAL is preallocated to: `asked` (default WAL_LIMIT_BYTES;
 * QUORUM_WAL_PREALLOC=0 turns it off, to measure one against the other), never more than
 * WAL_LIMIT_BYTES, the journal_size_limit SQLite would cut it back to.
 */
export function walPreallocBytes(asked?: number): number {
  const bytes = asked ?? (process.env.QUORUM_WAL_PREALLOC === '0' ? 0 : WAL_LIMIT_BYTES);
  return Math.max(0, Math.min(bytes, WAL_LIMIT_BYTES));
}

/** CHUNK: zeros are written a MiB at a time. */
const CHUNK = 1024 * 1024;

/**
 * preallocateWal extends `file`'s WAL with zeros to `bytes` and syncs it, if the WAL is
 * empty; returns the bytes written (0 when it left the WAL alone). Any failure leaves the
 * WAL as SQLite would have had it (empty, or zeros it treats as empty).
 */
export function preallocateWal(db: Database.Database, file: string, bytes: number): number {
  if (bytes <= 0 || db.inTransaction) return 0;
  try {
    // Opens the WAL (creating it) and takes the write lock; fails on a database in use.
    db.exec('BEGIN IMMEDIATE');
  } catch {
    return 0;
  }
  try {
    return extendEmpty(`${file}-wal`, bytes);
  } finally {
    db.exec('ROLLBACK');
  }
}

/** extendEmpty writes `bytes` zeros into the file at `wal` if it is empty, and syncs them. */
function extendEmpty(wal: string, bytes: number): number {
  let fd: number;
  try {
    fd = fs.openSync(wal, 'r+');
  } catch {
    return 0; // not in WAL mode after all: nothing to prepare
  }
  try {
    if (fs.fstatSync(fd).size !== 0) return 0; // SQLite's, or an earlier run's: leave it
    const zeros = Buffer.alloc(Math.min(CHUNK, bytes));
    for (let at = 0; at < bytes; at += zeros.length) fs.writeSync(fd, zeros, 0, Math.min(zeros.length, bytes - at), at);
    fs.fdatasyncSync(fd);
    return bytes;
  } catch {
    // Out of space or an I/O error: give the zeros back; zeros left behind are harmless too.
    try {
      fs.ftruncateSync(fd, 0);
    } catch {
      // nothing more to do
    }
    return 0;
  } finally {
    fs.closeSync(fd);
  }
}

/** storeFileBytes is the size on disk of a node's database file and its WAL. */
export function storeFileBytes(file: string): number {
  let n = 0;
  for (const f of [file, `${file}-wal`]) {
    try {
      n += fs.statSync(f).size;
    } catch {
      // no WAL yet
    }
  }
  return n;
}

/**
 * walPreallocUsed is how much of storeFileBytes is the WAL's preallocated room (zeros, or
 * frames written over them): the WAL's size up to what open preallocated (`bytes`), 0 when off.
 */
export function walPreallocUsed(file: string, bytes: number): number {
  if (bytes === 0) return 0;
  const wal = fs.statSync(`${file}-wal`, { throwIfNoEntry: false });
  return Math.min(wal?.size ?? 0, bytes);
}
