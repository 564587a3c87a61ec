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

/** FORMAT_MAGIC and FORMAT_VERSION identify a Quorum Lab node file; any other header is "damaged". */
export const FORMAT_MAGIC = 'quorum-lab-node';
/** FORMAT_VERSION is the schema version this code reads and writes. */
export const FORMAT_VERSION = 1;

/** SNAPSHOT_PART_TABLE holds the pieces of a snapshot written a piece at a time (see SCHEMA). */
const SNAPSHOT_PART_TABLE =
  'CREATE TABLE IF NOT EXISTS snapshot_part (snap_idx INTEGER NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (snap_idx, seq))';

/**
 * SCHEMA creates a fresh node file (FORMAT_VERSION 1; meta.vote_lost, snapshot.parts,
 * snapshot_part and log.commit_at were added later and are added on open if missing). A
 * snapshot's text is either all in its row (`parts` 0) or, when a node wrote it a piece at
 * a time (node/compactor.ts), in `parts` rows of snapshot_part tagged with its index, in
 * `seq` order, after the row's own `data`; its crc covers the whole text either way.
 *
 * log.commit_at: a commit index the row vouches for (0: none). A write that appends entries
 * and moves only the commit index (term and vote as on disk) puts the commit on its last
 * row instead of rewriting the hard_state row: the commit then costs no page of its own
 * (hard_state's page is a second WAL frame of 4 KiB in every such commit). The saved
 * commit is the highest of hard_state's and of the rows' in the intact log (readImage),
 * which the writer keeps equal to the last one written (node/row-commits.ts: a lower
 * commit clears the rows above it; a snapshot that makes rows dead moves it to
 * hard_state). A Raft row's commit is at most its index, and committed rows are never
 * truncated. A row's crc covers its commit_at when it is not 0 (entryCrc).
 */
export const SCHEMA = `
CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), magic TEXT NOT NULL, version INTEGER NOT NULL, recovering TEXT, recover_floor INTEGER NOT NULL DEFAULT 0, vote_lost INTEGER NOT NULL DEFAULT 0);
CREATE TABLE hard_state (id INTEGER PRIMARY KEY CHECK (id = 1), term INTEGER NOT NULL, vote TEXT, commit_index INTEGER NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE log (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, crc INTEGER NOT NULL, commit_at INTEGER NOT NULL DEFAULT 0);
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
  commit_at: number;
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

/** entryCrc, snapCrc and hardCrc are the checksums each row carries (a log row's covers its commit_at unless 0; `#` never occurs in a type). */
export const entryCrc = (idx: number, term: number, type: string, data: string, commitAt = 0): number =>
  crc32(commitAt === 0 ? `${idx}|${term}|${type}|${data}` : `${idx}|${term}|${type}#${commitAt}|${data}`);
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
    .prepare('SELECT idx, term, type, data, crc, commit_at FROM log WHERE idx > ? ORDER BY idx')
    .all(base) as LogRow[];
  const log: LogRecord[] = rows.map((r) => ({
    entry: { index: r.idx, term: r.term, type: r.type as EntryType, data: r.data },
    intact: entryCrc(r.idx, r.term, r.type, r.data, r.commit_at) === r.crc,
  }));
  let hard: HardRecord | null = null;
  if (h) {
    const intact = hardCrc({ term: h.term, vote: h.vote, commit: h.commit_index }) === h.crc;
    // The rows' commits count only with an intact record beside them (a damaged one costs its commit, as before).
    const commit = intact ? Math.max(h.commit_index, rowsCommit(rows, log, base)) : h.commit_index;
    hard = { term: h.term, vote: h.vote, commit, intact };
  }
  return { unreadable: null, hard, snapshot, log, mark };
}

/**
 * rowsCommit is the highest commit_at of the rows the scan will keep: the contiguous run of
 * intact rows after the snapshot (a commit on a row it drops is not trusted).
 */
function rowsCommit(rows: readonly LogRow[], log: readonly LogRecord[], base: number): number {
  let c = 0;
  let expect = base + 1;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    if (r.idx !== expect || !log[i]!.intact) break;
    if (typeof r.commit_at === 'number' && r.commit_at > c) c = r.commit_at;
    expect++;
  }
  return c;
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

/** upgradeSchema brings a file written before meta.vote_lost, snapshot parts or log.commit_at existed up to SCHEMA. */
export function upgradeSchema(db: Database.Database): void {
  const cols = db.prepare('PRAGMA table_info(meta)').all() as { name: string }[];
  if (!cols.some((c) => c.name === 'vote_lost'))
    db.exec('ALTER TABLE meta ADD COLUMN vote_lost INTEGER NOT NULL DEFAULT 0');
  const snapCols = db.prepare('PRAGMA table_info(snapshot)').all() as { name: string }[];
  if (!snapCols.some((c) => c.name === 'parts'))
    db.exec('ALTER TABLE snapshot ADD COLUMN parts INTEGER NOT NULL DEFAULT 0');
  const logCols = db.prepare('PRAGMA table_info(log)').all() as { name: string }[];
  if (!logCols.some((c) => c.name === 'commit_at'))
    db.exec('ALTER TABLE log ADD COLUMN commit_at INTEGER NOT NULL DEFAULT 0');
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

/**
 * SaveOptions say how saveTx writes one Ready (SqliteStorage decides, knowing what is on disk).
 * commitInRow: the Ready's commit goes on its last entry's row, and hard_state is not
 * rewritten (its term and vote are on disk already; see SCHEMA). lowerRows: the Ready's
 * commit is below one a row carries, so those rows' commits are cleared first (a store
 * returns the last commit written, and the highest is the last only while commits grow).
 * appendOnly: every entry lies past the last row in the file: no suffix to delete first.
 */
export interface SaveOptions {
  commitInRow: boolean;
  lowerRows: boolean;
  appendOnly: boolean;
  /** keepCommit: with a snapshot and no hard state, the last commit written (0: none) goes to hard_state, as the rows it may ride on go dead. */
  keepCommit: number;
}

/** liftHardCommit writes `commit` into hard_state, keeping its term and vote (nothing to do without the row). */
export function liftHardCommit(db: Database.Database, commit: number): void {
  const h = db.prepare('SELECT term, vote, commit_index, crc FROM hard_state WHERE id = 1').get() as
    HardRow | undefined;
  // A record that fails its checksum stays failed: rewriting it would vouch for what it holds.
  if (!h || hardCrc({ term: h.term, vote: h.vote, commit: h.commit_index }) !== h.crc) return;
  const hs: HardState = { term: h.term, vote: h.vote, commit };
  db.prepare('UPDATE hard_state SET commit_index = ?, crc = ? WHERE id = 1').run(commit, hardCrc(hs));
}

/**
 * lowerRowCommits clears every row's commit_at above `commit` (its crc rewritten to match,
 * or, for a row whose crc already failed, to fail still: this never repairs damage).
 * A rare path — a commit written lower than before — so a scan of the table is fine.
 */
export function lowerRowCommits(db: Database.Database, commit: number): void {
  const rows = db
    .prepare('SELECT idx, term, type, data, crc, commit_at FROM log WHERE commit_at > ?')
    .all(commit) as LogRow[];
  const put = db.prepare('UPDATE log SET commit_at = 0, crc = ? WHERE idx = ?');
  for (const r of rows) {
    const good = entryCrc(r.idx, r.term, r.type, r.data, 0);
    const intact = entryCrc(r.idx, r.term, r.type, r.data, r.commit_at) === r.crc;
    put.run(intact ? good : (good ^ BROKEN_BITS) >>> 0, r.idx);
  }
}

/** diskCommits reads the commit in hard_state and the highest a log row carries (0 when none). */
export function diskCommits(db: Database.Database): { hard: number; rows: number } {
  const hard = db.prepare('SELECT commit_index FROM hard_state WHERE id = 1').pluck().get() as number | undefined;
  const rows = db.prepare('SELECT MAX(commit_at) FROM log').pluck().get() as number | null;
  return { hard: typeof hard === 'number' ? hard : 0, rows: typeof rows === 'number' ? rows : 0 };
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
  const insEntry = db.prepare('INSERT INTO log (idx, term, type, data, crc, commit_at) VALUES (?, ?, ?, ?, ?, ?)');
  const writeSnap = (s: Snapshot): void => {
    const conf = JSON.stringify(s.conf);
    putSnap.run(s.index, s.term, conf, s.data, snapCrc(s.index, s.term, conf, s.data), 0);
  };
  const saveTx = db.transaction((w: StorageWrite, o: SaveOptions) => {
    if (w.snapshot && !w.hardState && o.keepCommit > 0) liftHardCommit(db, o.keepCommit);
    if (w.snapshot) {
      const s = w.snapshot;
      // Keep the suffix only if it agrees with the snapshot's last entry (Raft §7).
      if (termAt.get(s.index) === s.term) delUpTo.run(s.index);
      else delAll.run();
      writeSnap(s);
    }
    const h = w.hardState;
    const n = w.entries.length;
    if (o.lowerRows && h) lowerRowCommits(db, h.commit);
    if (n > 0) {
      if (!o.appendOnly) delFrom.run(w.entries[0]!.index);
      const lastCommit = o.commitInRow && h ? h.commit : 0;
      for (let i = 0; i < n; i++) {
        const e = w.entries[i]!;
        const c = i === n - 1 ? lastCommit : 0;
        insEntry.run(e.index, e.term, e.type, e.data, entryCrc(e.index, e.term, e.type, e.data, c), c);
      }
    }
    if (h && !(o.commitInRow && n > 0)) putHard.run(h.term, h.vote, h.commit, hardCrc(h));
  });
  return { putHard, saveTx };
}

/** StoreStatements: see storeStatements. */
export type StoreStatements = ReturnType<typeof storeStatements>;

/** checkHeader creates the schema in an empty file or checks an existing one; returns a problem or null. */
export function checkHeader(db: Database.Database): string | null {
  const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
  if (tables.length === 0) {
    db.transaction(() => {
      db.exec(SCHEMA);
      db.prepare('INSERT INTO meta (id, magic, version, recovering) VALUES (1, ?, ?, NULL)').run(
        FORMAT_MAGIC,
        FORMAT_VERSION,
      );
    })();
    return null;
  }
  const names = new Set(tables.map((t) => t.name));
  for (const t of ['meta', 'hard_state', 'log', 'snapshot']) {
    if (!names.has(t)) return `not a Quorum Lab node file (no table '${t}')`;
  }
  const meta = db.prepare('SELECT magic, version FROM meta WHERE id = 1').get() as
    { magic: unknown; version: unknown } | undefined;
  if (!meta) return 'not a Quorum Lab node file (no header row)';
  if (meta.magic !== FORMAT_MAGIC) return `not a Quorum Lab node file (magic ${JSON.stringify(meta.magic)})`;
  if (meta.version !== FORMAT_VERSION)
    return `unsupported format version ${String(meta.version)} (this build reads ${FORMAT_VERSION})`;
  upgradeSchema(db);
  return null;
}
