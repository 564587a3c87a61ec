/**
 * The lab's disk faults on a stopped node's SQLite file (core/recovery/damage.ts says which).
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import { damageImage, type DamageKind } from '../core/recovery';
import { readImage, writeDamage } from './sqlite-image';

/**
 * damageStoreFile inflicts a disk fault (core/recovery/damage.ts) on a stopped node's file,
 * the way the simulator inflicts it on its in-memory store: checksums of the term/vote
 * record or of the last log entries stop matching, or the file's header is overwritten so
 * it is no longer a database. Returns what it damaged, or null if there was nothing of
 * that kind (an empty log, no term/vote record yet).
 */
export function damageStoreFile(file: string, kind: DamageKind, nativeBinding?: string): string | null {
  const binding = nativeBinding ?? (process.env.QUORUM_SQLITE_BINDING || undefined);
  if (!fs.existsSync(file)) return null;
  const db = binding ? new Database(file, { nativeBinding: binding }) : new Database(file);
  let what: string | null;
  try {
    const before = readImage(db);
    const d = damageImage(before, kind);
    what = d.what;
    if (kind !== 'file') writeDamage(db, before, d.image);
    // Fold the WAL into the file, so what the next open reads is the file alone.
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  if (kind === 'file') garbleHeader(file);
  return what;
}

/** garbleHeader overwrites a SQLite file's header: the file is no longer a database. */
function garbleHeader(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.writeSync(fd, Buffer.from('this file was damaged by the lab: not a database\0'), 0, undefined, 0);
  } finally {
    fs.closeSync(fd);
  }
  for (const suffix of ['-wal', '-shm']) fs.rmSync(file + suffix, { force: true });
}

/** moveStoreAside renames a damaged file and its WAL and shared memory out of the way (kept for inspection); returns the new name. */
export function moveStoreAside(file: string): string {
  const dest = `${file}.damaged-${Date.now()}`;
  for (const suffix of ['', '-wal', '-shm']) {
    try {
      fs.renameSync(file + suffix, dest + suffix);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return dest;
}
