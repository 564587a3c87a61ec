/**
 * The rows of a node's SQLite file as a StoreImage (core/recovery/store-image.ts), and back:
 * reading checks each row's crc32 (a row whose checksum fails is not `intact`), so the
 * shared scan can judge the file; writing a damaged image back breaks exactly the rows the
 * image marks broken (the lab's disk faults, core/recovery/damage.ts).
 */
import type Database from 'better-sqlite3';
import type { HardRecord, LogRecord, RecoveryMark, SnapshotRecord, StoreImage } from '../core/recovery';
import type { StorageWrite } from '../core/storage';
import type { ConfState, EntryType, HardState, Snapshot } from '../core/types';
import { crc32 } from './crc32';

/** SNAPSHOT_PART_TABLE holds the pieces of a snapshot written a piece at a time (see SCHEMA). */
const SNAPSHOT_PART_TABLE =
  'CREATE TABLE IF NOT EXISTS snapshot_part (snap_idx INTEGER NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (snap_idx, seq))';

/**
 * SCHEMA creates a fresh node file (FORMAT_VERSION 1; meta.vote_lost, snapshot.parts and
 * snapshot_part were added later and are added on open if missing). A snapshot's text is
 * either all in its row (`parts` 0) or, when a node wrote it a piece at a time
 * (node/compactor.ts), in `parts` rows of snapshot_part tagged with its index, in `seq`
 * order, after the row's own `data`; its crc covers the whole text either way.
 */
export const SCHEMA = `
CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), magic TEXT NOT NULL, version INTEGER NOT NULL, recovering TEXT, recover_floor INTEGER NOT NULL DEFAULT 0, vote_lost INTEGER NOT NULL DEFAULT 0);
CREATE TABLE hard_state (id INTEGER PRIMARY KEY CHECK (id = 1), term INTEGER NOT NULL, vote TEXT, commit_index INTEGER NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE log (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL, term INTEGER NOT NULL, conf TEXT NOT NULL, data TEXT NOT NULL, crc INTEGER NOT NULL, parts INTEGER NOT NULL DEFAULT 0);
${SNAPSHOT_PART_TABLE};
`;

/** PUT_SNAPSHOT_SQL stores the file's one snapshot row: (idx, term, conf, data, crc, parts). */
export const PUT_SNAPSHOT_SQL =
  'INSERT INTO snapshot (id, idx, term, conf, data, crc, parts) VALUES (1, ?, ?, ?, ?, ?, ?) ' +
  'ON CONFLICT(id) DO UPDATE SET idx = excluded.idx, term = excluded.term, conf = excluded.conf, ' +
  'data = excluded.data, crc = excluded.crc, parts = excluded.parts';

interface LogRow {
  idx: number;
  term: number;
  type: string;
  data: string;
  crc: number;
}
interface SnapRow {
  idx: number;
  term: number;
  conf: string;
  data: string;
  crc: number;
  /** parts: absent in a file no node of this version has opened yet (then 0). */
  parts?: number;
}
interface HardRow {
  term: number;
  vote: string | null;
  commit_index: number;
  crc: number;
}
interface MetaRow {
  recovering: string | null;
  recover_floor: number;
  vote_lost: number;
}

/** entryCrc, snapCrc and hardCrc are the checksums each row carries. */
export const entryCrc = (idx: number, term: number, type: string, data: string): number =>
  crc32(`${idx}|${term}|${type}|${data}`);
export const snapCrc = (idx: number, term: number, conf: string, data: string): number =>
  crc32(`${idx}|${term}|${conf}|${data}`);
export const hardCrc = (h: HardState): number => crc32(`${h.term}|${h.vote ?? ''}|${h.commit}`);

/** BROKEN_BITS flips a checksum so that it no longer matches its row (how a disk fault is written). */
const BROKEN_BITS = 0x5a5a5a5a;

/** readImage reads the whole file (rows after the snapshot) into an image, checking every checksum. */
export function readImage(db: Database.Database): StoreImage {
  const meta = db.prepare('SELECT recovering, recover_floor, vote_lost FROM meta WHERE id = 1').get() as MetaRow;
  const mark: RecoveryMark = {
    reason: meta.recovering,
    floor: meta.recover_floor,
    voteLost: meta.vote_lost !== 0,
  };
  const h = db.prepare('SELECT term, vote, commit_index, crc FROM hard_state WHERE id = 1').get() as
    HardRow | undefined;
  const hard: HardRecord | null = h
    ? {
        term: h.term,
        vote: h.vote,
        commit: h.commit_index,
        intact: hardCrc({ term: h.term, vote: h.vote, commit: h.commit_index }) === h.crc,
      }
    : null;
  const s = db.prepare('SELECT * FROM snapshot WHERE id = 1').get() as SnapRow | undefined;
  let snapshot: SnapshotRecord | null = null;
  if (s) {
    const text = snapshotText(db, s);
    const intact = text !== null && snapCrc(s.idx, s.term, s.conf, text) === s.crc;
    const conf = intact ? parseConf(s.conf) : null;
    snapshot = {
      index: s.idx,
      snapshot: conf && text !== null ? { index: s.idx, term: s.term, conf, data: text } : null,
      intact,
    };
  }
  const base = s && typeof s.idx === 'number' ? s.idx : 0;
  const rows = db
    .prepare('SELECT idx, term, type, data, crc FROM log WHERE idx > ? ORDER BY idx')
    .all(base) as LogRow[];
  const log: LogRecord[] = rows.map((r) => ({
    entry: { index: r.idx, term: r.term, type: r.type as EntryType, data: r.data },
    intact: entryCrc(r.idx, r.term, r.type, r.data) === r.crc,
  }));
  return { unreadable: null, hard, snapshot, log, mark };
}

/** snapshotText joins a snapshot's row and its parts; null if a part is missing. */
function snapshotText(db: Database.Database, s: SnapRow): string | null {
  const n = typeof s.parts === 'number' ? s.parts : 0;
  if (n <= 0) return s.data;
  const parts = db
    .prepare('SELECT data FROM snapshot_part WHERE snap_idx = ? AND seq < ? ORDER BY seq')
    .pluck()
    .all(s.idx, n) as string[];
  return parts.length === n ? s.data + parts.join('') : null;
}

/**
 * writeDamage breaks, in the file, every record that `damaged` marks broken and `before`
 * did not: its checksum stops matching, as a torn or rotten page would. (An unreadable
 * image is written by the caller, which overwrites the file's header.)
 */
export function writeDamage(db: Database.Database, before: StoreImage, damaged: StoreImage): void {
  db.transaction(() => {
    if (before.hard?.intact && damaged.hard && !damaged.hard.intact) {
      db.prepare('UPDATE hard_state SET crc = (crc | ?) - (crc & ?) WHERE id = 1').run(BROKEN_BITS, BROKEN_BITS);
    }
    const broken = damaged.log.filter((r, i) => !r.intact && before.log[i]?.intact === true);
    // (SQLite has no XOR: (a | b) - (a & b) is a XOR b.)
    const garble = db.prepare('UPDATE log SET crc = (crc | ?) - (crc & ?) WHERE idx = ?');
    for (const r of broken) garble.run(BROKEN_BITS, BROKEN_BITS, r.entry.index);
  })();
}

/** writeMark records the store's recovery mark (it survives restarts until markRecovered). */
export function writeMark(db: Database.Database, m: RecoveryMark): void {
  db.prepare('UPDATE meta SET recovering = ?, recover_floor = ?, vote_lost = ? WHERE id = 1').run(
    m.reason,
    m.floor,
    m.voteLost ? 1 : 0,
  );
}

/** upgradeSchema brings a file written before meta.vote_lost or snapshot parts existed up to SCHEMA. */
export function upgradeSchema(db: Database.Database): void {
  const cols = db.prepare('PRAGMA table_info(meta)').all() as { name: string }[];
  if (!cols.some((c) => c.name === 'vote_lost'))
    db.exec('ALTER TABLE meta ADD COLUMN vote_lost INTEGER NOT NULL DEFAULT 0');
  const snapCols = db.prepare('PRAGMA table_info(snapshot)').all() as { name: string }[];
  if (!snapCols.some((c) => c.name === 'parts'))
    db.exec('ALTER TABLE snapshot ADD COLUMN parts INTEGER NOT NULL DEFAULT 0');
  db.exec(SNAPSHOT_PART_TABLE);
}

function parseConf(s: string): ConfState | null {
  try {
    const c = JSON.parse(s) as Record<string, unknown>;
    const ids = (x: unknown): x is string[] => Array.isArray(x) && x.every((v) => typeof v === 'string');
    if (c && ids(c.voters) && ids(c.learners) && ids(c.votersOutgoing)) {
      return { voters: c.voters, learners: c.learners, votersOutgoing: c.votersOutgoing };
    }
  } catch {
    // fall through: a conf that does not parse is damage
  }
  return null;
}

/** isDamage: an SQLite error that says the file's contents are bad (not a permission or I/O problem). */
export function isDamage(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return (
    code === 'SQLITE_NOTADB' ||
    code === 'SQLITE_CORRUPT' ||
    (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'))
  );
}

/** storeStatements are the prepared writes a store makes: its hard state, and one Ready's durable part (saveTx). */
export function storeStatements(db: Database.Database) {
  const putHard = db.prepare(
    'INSERT INTO hard_state (id, term, vote, commit_index, crc) VALUES (1, ?, ?, ?, ?) ' +
      'ON CONFLICT(id) DO UPDATE SET term = excluded.term, vote = excluded.vote, commit_index = excluded.commit_index, crc = excluded.crc',
  );
  const putSnap = db.prepare(PUT_SNAPSHOT_SQL);
  const termAt = db.prepare('SELECT term FROM log WHERE idx = ?').pluck();
  const delUpTo = db.prepare('DELETE FROM log WHERE idx <= ?');
  const delFrom = db.prepare('DELETE FROM log WHERE idx >= ?');
  const delAll = db.prepare('DELETE FROM log');
  const insEntry = db.prepare('INSERT INTO log (idx, term, type, data, crc) VALUES (?, ?, ?, ?, ?)');
  const writeSnap = (s: Snapshot): void => {
    const conf = JSON.stringify(s.conf);
    putSnap.run(s.index, s.term, conf, s.data, snapCrc(s.index, s.term, conf, s.data), 0);
  };
  const saveTx = db.transaction((w: StorageWrite) => {
    if (w.snapshot) {
      const s = w.snapshot;
      // Keep the suffix only if it agrees with the snapshot's last entry (Raft §7).
      if (termAt.get(s.index) === s.term) delUpTo.run(s.index);
      else delAll.run();
      writeSnap(s);
    }
    if (w.entries.length > 0) {
      delFrom.run(w.entries[0]!.index);
      for (const e of w.entries)
        insEntry.run(e.index, e.term, e.type, e.data, entryCrc(e.index, e.term, e.type, e.data));
    }
    if (w.hardState) {
      const h = w.hardState;
      putHard.run(h.term, h.vote, h.commit, hardCrc(h));
    }
  });
  return { putHard, saveTx };
}

/** StoreStatements: see storeStatements. */
export type StoreStatements = ReturnType<typeof storeStatements>;
