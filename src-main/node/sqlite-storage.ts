/**
 * SqliteStorage: a node's durable state in its own SQLite file (better-sqlite3, WAL,
 * synchronous=FULL, so a save that returned survives SIGKILL and power loss).
 *
 * Every row carries a crc32 so damage is detected on open. A damaged file never crashes
 * the node: the storage keeps the good prefix (or moves an unreadable file aside and
 * starts empty), records in the file that it is recovering, and reports the reason in
 * `damaged` until the host calls markRecovered() — so a node that restarts in the middle
 * of recovering still knows it must not vote.
 */
import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { Storage, StorageWrite } from '../core/storage';
import type { ConfState, Entry, EntryType, HardState, Persisted, Snapshot } from '../core/types';
import { crc32 } from './crc32';

/** FORMAT_MAGIC and FORMAT_VERSION identify a Quorum Lab node file; any other header is "damaged". */
export const FORMAT_MAGIC = 'quorum-lab-node';
/** FORMAT_VERSION is the schema version this code reads and writes. */
export const FORMAT_VERSION = 1;

const SCHEMA = `
CREATE TABLE meta (id INTEGER PRIMARY KEY CHECK (id = 1), magic TEXT NOT NULL, version INTEGER NOT NULL, recovering TEXT, recover_floor INTEGER NOT NULL DEFAULT 0);
CREATE TABLE hard_state (id INTEGER PRIMARY KEY CHECK (id = 1), term INTEGER NOT NULL, vote TEXT, commit_index INTEGER NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE log (idx INTEGER PRIMARY KEY, term INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, crc INTEGER NOT NULL);
CREATE TABLE snapshot (id INTEGER PRIMARY KEY CHECK (id = 1), idx INTEGER NOT NULL, term INTEGER NOT NULL, conf TEXT NOT NULL, data TEXT NOT NULL, crc INTEGER NOT NULL);
`;

const ENTRY_TYPES: readonly EntryType[] = ['normal', 'noop', 'config'];

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
}
interface HardRow {
  term: number;
  vote: string | null;
  commit_index: number;
  crc: number;
}

const entryCrc = (idx: number, term: number, type: string, data: string): number =>
  crc32(`${idx}|${term}|${type}|${data}`);
const snapCrc = (idx: number, term: number, conf: string, data: string): number =>
  crc32(`${idx}|${term}|${conf}|${data}`);
const hardCrc = (h: HardState): number => crc32(`${h.term}|${h.vote ?? ''}|${h.commit}`);

/** SqliteStorageOptions tune the checks on open. */
export interface SqliteStorageOptions {
  /** strictCommit: a hard-state commit beyond the last log index is damage (true for Raft, whose commit never passes its log). */
  strictCommit?: boolean;
  /** nativeBinding: path of an alternative better_sqlite3.node (defaults to env QUORUM_SQLITE_BINDING). */
  nativeBinding?: string;
}

/** Scan is what a read of the file found: the usable state and what was wrong with it. */
interface Scan {
  persisted: Persisted;
  problems: string[];
  /** firstBad: the first log index to drop (null = keep all rows). */
  firstBad: number | null;
  snapshotBad: boolean;
  hardBad: boolean;
  commitClamped: boolean;
  recovering: string | null;
  /** highWater: the highest index the file shows any sign of having held (commit, any log row, snapshot). */
  highWater: number;
  recoverFloor: number;
}

/** SqliteStorage implements Storage on one SQLite file. */
export class SqliteStorage implements Storage {
  private db!: Database.Database;
  private damagedReason: string | null = null;
  private floor = 0;
  /** movedAside: where an unreadable file was moved (null if none). */
  movedAside: string | null = null;
  private readonly strictCommit: boolean;
  private readonly binding: string | undefined;
  private stmts!: ReturnType<SqliteStorage['prepare']>;

  constructor(
    readonly file: string,
    opts: SqliteStorageOptions = {},
  ) {
    this.strictCommit = opts.strictCommit ?? true;
    this.binding = opts.nativeBinding ?? (process.env.QUORUM_SQLITE_BINDING || undefined);
    const st = fs.statSync(file, { throwIfNoEntry: false });
    if (st && !st.isFile()) throw new Error(`data file ${file} exists and is not a regular file`);
    let header: string | null;
    try {
      this.db = this.openDb();
      header = this.checkHeader();
    } catch (e) {
      // Only damage is handled here; a permission or I/O problem is the operator's to fix,
      // and moving a healthy file aside because it is read-only would lose it for the node.
      if (!isDamage(e)) throw e;
      header = `cannot read the file as SQLite: ${(e as Error).message}`;
    }
    if (header !== null) {
      this.moveAside();
      this.db = this.openDb();
      const again = this.checkHeader();
      if (again !== null) throw new Error(`cannot create a fresh store at ${file}: ${again}`);
      this.setRecovering(`${header} (moved aside to ${this.movedAside})`);
    }
    this.stmts = this.prepare();
    this.scanAndRepair();
  }

  /** damaged is why this store's contents cannot be vouched for (null = healthy). Set until markRecovered(). */
  get damaged(): string | null {
    return this.damagedReason;
  }

  /**
   * recoveryFloor is the highest index this node may have held or acknowledged before the
   * damage (0 if unknown): it has caught up only once its commit index reaches it.
   */
  get recoveryFloor(): number {
    return this.floor;
  }

  /**
   * discardSnapshot drops a snapshot whose contents the state machine could not read, and
   * the log that follows it, and marks the store recovering (the node must catch up).
   */
  discardSnapshot(reason: string): void {
    const h = this.load().hardState;
    const maxRow = (this.db.prepare('SELECT MAX(idx) FROM log').pluck().get() as number | null) ?? 0;
    const kept: HardState = { term: h.term, vote: h.vote, commit: 0 };
    this.setSync(true);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM snapshot').run();
      this.db.prepare('DELETE FROM log').run();
      this.stmts.putHard.run(kept.term, kept.vote, 0, hardCrc(kept));
    })();
    this.setRecovering(reason, Math.max(h.commit, maxRow));
  }

  /** markRecovered records that the node has caught up from its peers; it may vote again. */
  markRecovered(): void {
    this.db.prepare('UPDATE meta SET recovering = NULL, recover_floor = 0 WHERE id = 1').run();
    this.damagedReason = null;
    this.floor = 0;
  }

  load(): Persisted {
    const scan = this.scan();
    // scanAndRepair ran at open and every later write is checksummed, so problems here
    // mean the file was changed under us; flag them rather than hand out bad data.
    if (scan.problems.length > 0) {
      this.repair(scan);
      this.setRecovering(scan.problems.join('; '), Math.max(scan.highWater, scan.recoverFloor));
      return this.scan().persisted;
    }
    return scan.persisted;
  }

  /**
   * save writes one Ready's durable part in one transaction. As etcd's MustSync, a write
   * that only moves the commit index is not fsynced: it survives a process crash (it is in
   * the WAL) and a power cut may roll it back, which is harmless — the commit index is
   * learnt again from the leader. Entries, snapshots, term and vote are always fsynced.
   */
  save(w: StorageWrite): void {
    const h = w.hardState;
    const mustSync =
      w.entries.length > 0 ||
      w.snapshot !== null ||
      (h !== null && (h.term !== this.synced.term || h.vote !== this.synced.vote));
    this.setSync(mustSync);
    this.stmts.saveTx(w);
    if (h) this.synced = { term: h.term, vote: h.vote };
  }

  private synced: { term: number; vote: string | null } = { term: -1, vote: null };
  private syncFull = true;

  private setSync(full: boolean): void {
    if (full === this.syncFull) return;
    this.db.pragma(full ? 'synchronous = FULL' : 'synchronous = NORMAL');
    this.syncFull = full;
  }

  compact(snap: Snapshot): void {
    this.setSync(true);
    this.stmts.compactTx(snap);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** fileBytes is the size on disk of the database and its WAL. */
  fileBytes(): number {
    let n = 0;
    for (const f of [this.file, `${this.file}-wal`]) {
      try {
        n += fs.statSync(f).size;
      } catch {
        // no WAL yet
      }
    }
    return n;
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
    return db;
  }

  /** checkHeader creates the schema in an empty file or checks an existing one; returns a problem or null. */
  private checkHeader(): string | null {
    const tables = this.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    if (tables.length === 0) {
      this.db.transaction(() => {
        this.db.exec(SCHEMA);
        this.db
          .prepare('INSERT INTO meta (id, magic, version, recovering) VALUES (1, ?, ?, NULL)')
          .run(FORMAT_MAGIC, FORMAT_VERSION);
      })();
      return null;
    }
    const names = new Set(tables.map((t) => t.name));
    for (const t of ['meta', 'hard_state', 'log', 'snapshot']) {
      if (!names.has(t)) return `not a Quorum Lab node file (no table '${t}')`;
    }
    const meta = this.db.prepare('SELECT magic, version FROM meta WHERE id = 1').get() as
      { magic: unknown; version: unknown } | undefined;
    if (!meta) return 'not a Quorum Lab node file (no header row)';
    if (meta.magic !== FORMAT_MAGIC) return `not a Quorum Lab node file (magic ${JSON.stringify(meta.magic)})`;
    if (meta.version !== FORMAT_VERSION)
      return `unsupported format version ${String(meta.version)} (this build reads ${FORMAT_VERSION})`;
    return null;
  }

  /** moveAside keeps a damaged file for inspection and frees the path for a fresh store. */
  private moveAside(): void {
    try {
      this.db?.close();
    } catch {
      // already closed or never opened
    }
    const dest = `${this.file}.damaged-${Date.now()}`;
    for (const suffix of ['', '-wal', '-shm']) {
      try {
        fs.renameSync(this.file + suffix, dest + suffix);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
    }
    this.movedAside = dest;
  }

  private setRecovering(reason: string, floor = 0): void {
    this.floor = Math.max(this.floor, floor);
    this.db.prepare('UPDATE meta SET recovering = ?, recover_floor = ? WHERE id = 1').run(reason, this.floor);
    this.damagedReason = reason;
  }

  private scanAndRepair(): void {
    let scan: Scan;
    try {
      scan = this.scan();
    } catch (e) {
      if (!isDamage(e)) throw e;
      // SQLite itself found the pages corrupt: nothing in the file can be trusted.
      const reason = `file is corrupt: ${(e as Error).message}`;
      this.moveAside();
      this.db = this.openDb();
      if (this.checkHeader() !== null) throw new Error(`cannot create a fresh store at ${this.file}`, { cause: e });
      this.stmts = this.prepare();
      this.setRecovering(`${reason} (moved aside to ${this.movedAside})`);
      return;
    }
    if (scan.problems.length > 0) {
      this.repair(scan);
      const prior = this.damagedReason ? `${this.damagedReason}; ` : '';
      this.setRecovering(prior + scan.problems.join('; '), Math.max(scan.highWater, scan.recoverFloor));
    } else if (scan.recovering !== null && this.damagedReason === null) {
      // Damaged on an earlier run and not yet caught up: still must not vote.
      this.damagedReason = `still recovering: ${scan.recovering}`;
      this.floor = scan.recoverFloor;
    }
  }

  /** scan reads the whole file and checks every checksum, the log's contiguity and the commit index. */
  private scan(): Scan {
    const problems: string[] = [];
    const meta = this.db.prepare('SELECT recovering, recover_floor FROM meta WHERE id = 1').get() as {
      recovering: string | null;
      recover_floor: number;
    };
    const maxRow = this.db.prepare('SELECT MAX(idx) FROM log').pluck().get() as number | null;

    let hardBad = false;
    let hardState: HardState = { term: 0, vote: null, commit: 0 };
    const h = this.db.prepare('SELECT term, vote, commit_index, crc FROM hard_state WHERE id = 1').get() as
      HardRow | undefined;
    if (h) {
      const hs: HardState = { term: h.term, vote: h.vote, commit: h.commit_index };
      if (hardCrc(hs) !== h.crc || !isNat(h.term) || !isNat(h.commit_index)) {
        hardBad = true;
        problems.push('hard state checksum mismatch');
      } else hardState = hs;
    }
    let snapshot: Snapshot | null = null;
    let snapshotBad = false;
    const s = this.db.prepare('SELECT idx, term, conf, data, crc FROM snapshot WHERE id = 1').get() as
      SnapRow | undefined;
    if (s) {
      const conf = snapCrc(s.idx, s.term, s.conf, s.data) === s.crc ? parseConf(s.conf) : null;
      if (conf === null || !isNat(s.idx) || !isNat(s.term)) {
        snapshotBad = true;
        problems.push(`snapshot at ${s.idx} fails its checksum`);
      } else snapshot = { index: s.idx, term: s.term, conf, data: s.data };
    }
    const highWater = Math.max(
      maxRow ?? 0,
      h && isNat(h.commit_index) ? h.commit_index : 0,
      s && isNat(s.idx) ? s.idx : 0,
    );
    const entries: Entry[] = [];
    let firstBad: number | null = null;
    if (snapshotBad) {
      // Without the snapshot, entries after it have nothing to follow: drop them all.
      firstBad = 0;
    } else {
      const base = snapshot?.index ?? 0;
      let expect = base + 1;
      let lastTerm = snapshot?.term ?? 0;
      const rows = this.db
        .prepare('SELECT idx, term, type, data, crc FROM log WHERE idx > ? ORDER BY idx')
        .all(base) as LogRow[];
      for (const r of rows) {
        let bad: string | null = null;
        if (r.idx !== expect) bad = `log is not contiguous: index ${expect} missing (next is ${r.idx})`;
        else if (entryCrc(r.idx, r.term, r.type, r.data) !== r.crc) bad = `log entry ${r.idx} fails its checksum`;
        else if (!ENTRY_TYPES.includes(r.type as EntryType) || !isNat(r.term)) bad = `log entry ${r.idx} is malformed`;
        else if (r.term < lastTerm) bad = `log entry ${r.idx} has term ${r.term} below its predecessor's ${lastTerm}`;
        if (bad) {
          problems.push(bad);
          firstBad = Math.min(r.idx, expect);
          break;
        }
        entries.push({ index: r.idx, term: r.term, type: r.type as EntryType, data: r.data });
        lastTerm = r.term;
        expect++;
      }
    }
    const lastIndex = entries.length > 0 ? entries[entries.length - 1]!.index : (snapshot?.index ?? 0);
    let commitClamped = false;
    if (hardState.commit > lastIndex && (this.strictCommit || firstBad !== null)) {
      commitClamped = true;
      problems.push(
        `commit index ${hardState.commit} is beyond the last intact log index ${lastIndex} (log truncated)`,
      );
      hardState = { ...hardState, commit: lastIndex };
    }
    return {
      persisted: { hardState, snapshot, entries },
      problems,
      firstBad,
      snapshotBad,
      hardBad,
      commitClamped,
      recovering: meta.recovering,
      highWater,
      recoverFloor: meta.recover_floor,
    };
  }

  /** repair rewrites the file to the good prefix found by scan, in one transaction. */
  private repair(scan: Scan): void {
    this.db.transaction(() => {
      if (scan.snapshotBad) this.db.prepare('DELETE FROM snapshot').run();
      if (scan.firstBad !== null) this.db.prepare('DELETE FROM log WHERE idx >= ?').run(scan.firstBad);
      const hs = scan.persisted.hardState;
      if (scan.hardBad || scan.commitClamped) this.stmts.putHard.run(hs.term, hs.vote, hs.commit, hardCrc(hs));
    })();
  }

  private prepare() {
    const db = this.db;
    const putHard = db.prepare(
      'INSERT INTO hard_state (id, term, vote, commit_index, crc) VALUES (1, ?, ?, ?, ?) ' +
        'ON CONFLICT(id) DO UPDATE SET term = excluded.term, vote = excluded.vote, commit_index = excluded.commit_index, crc = excluded.crc',
    );
    const putSnap = db.prepare(
      'INSERT INTO snapshot (id, idx, term, conf, data, crc) VALUES (1, ?, ?, ?, ?, ?) ' +
        'ON CONFLICT(id) DO UPDATE SET idx = excluded.idx, term = excluded.term, conf = excluded.conf, data = excluded.data, crc = excluded.crc',
    );
    const snapIndex = db.prepare('SELECT idx FROM snapshot WHERE id = 1').pluck();
    const termAt = db.prepare('SELECT term FROM log WHERE idx = ?').pluck();
    const delUpTo = db.prepare('DELETE FROM log WHERE idx <= ?');
    const delFrom = db.prepare('DELETE FROM log WHERE idx >= ?');
    const delAll = db.prepare('DELETE FROM log');
    const insEntry = db.prepare('INSERT INTO log (idx, term, type, data, crc) VALUES (?, ?, ?, ?, ?)');
    const writeSnap = (s: Snapshot): void => {
      const conf = JSON.stringify(s.conf);
      putSnap.run(s.index, s.term, conf, s.data, snapCrc(s.index, s.term, conf, s.data));
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
    const compactTx = db.transaction((snap: Snapshot) => {
      const cur = snapIndex.get() as number | undefined;
      if (cur !== undefined && cur >= snap.index) return;
      writeSnap(snap);
      delUpTo.run(snap.index);
    });
    return { putHard, saveTx, compactTx };
  }
}

/** isDamage: an SQLite error that says the file's contents are bad (not a permission or I/O problem). */
function isDamage(e: unknown): boolean {
  const code = (e as { code?: unknown }).code;
  return (
    code === 'SQLITE_NOTADB' ||
    code === 'SQLITE_CORRUPT' ||
    (typeof code === 'string' && code.startsWith('SQLITE_CORRUPT'))
  );
}

function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
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
