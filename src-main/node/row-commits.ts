/**
 * RowCommits keeps what a node's SQLite store knows of where its commit index lies, and
 * from it decides how saveTx writes each Ready (sqlite-image.ts's SaveOptions):
 *
 * - A Ready that appends entries and moves only the commit (term and vote as on disk)
 *   puts the commit on its last new row instead of rewriting hard_state: hard_state's page
 *   would be a second 4 KiB WAL frame in nearly every append (sqlite-image.ts's SCHEMA).
 *   The commit a load finds is the highest of hard_state's and the intact rows'; while
 *   commits only grow that is the last one written, and the two cases where it would not be
 *   are handled here: a commit written below a row's clears those rows' commits in the same
 *   transaction (lowerRows), and before a snapshot makes rows dead — a row it covers may
 *   carry the last commit — that commit moves to hard_state (keep; saveTx's keepCommit).
 * - An append whose first entry lies past every row in the file has no suffix to delete
 *   (appendOnly): one statement less per Ready. `lastRow` is an upper bound on the file's
 *   highest index: only write() adds rows, everything else only deletes them.
 *
 * Every value here is an upper bound or exact, so a wrong guess costs a page or a scan,
 * never a commit: `hard` and `rows` too high only send the commit to hard_state or clear
 * rows that need no clearing.
 */
import type Database from 'better-sqlite3';
import type { LastVote, StorageWrite } from '../core/storage';
import { diskCommits, liftHardCommit, type SaveOptions } from './sqlite-image';

/** RowCommits: see the file comment. */
export class RowCommits {
  /** hard: the commit in hard_state. */
  private hard = 0;
  /** rows: at least the highest commit a log row carries. */
  private rows = 0;
  /** last: the commit a load finds now (the last one written). */
  private last = 0;
  /** lastRow: at least the highest log index in the file (null: not known yet). */
  private lastRow: number | null = null;

  constructor(private readonly db: Database.Database) {}

  /** read takes `hard` and `rows` from the file (after open or a repair); `loaded` is the commit a load finds there now. */
  read(loaded: number): void {
    const d = diskCommits(this.db);
    this.hard = d.hard;
    this.rows = d.rows;
    this.last = loaded;
  }

  /** options decides how `w` is written; `synced` is the term and vote on disk (term -1: unknown). */
  options(w: StorageWrite, synced: LastVote): SaveOptions {
    const h = w.hardState;
    const n = w.entries.length;
    const lowerRows = h !== null && h.commit < this.rows;
    return {
      commitInRow:
        h !== null &&
        n > 0 &&
        w.snapshot === null &&
        !lowerRows &&
        h.commit >= this.hard &&
        h.term === synced.term &&
        h.vote === synced.vote,
      lowerRows,
      appendOnly: n > 0 && this.lastRow !== null && w.entries[0]!.index > this.lastRow,
      keepCommit: this.last > this.hard ? this.last : 0,
    };
  }

  /** wrote records that `w` was written with `o`. */
  wrote(w: StorageWrite, o: SaveOptions): void {
    const h = w.hardState;
    const n = w.entries.length;
    // Rows at and after the first entry were replaced, so the last entry is now the last row.
    if (n > 0) this.lastRow = w.entries[n - 1]!.index;
    if (h !== null) {
      if (o.commitInRow) this.rows = Math.max(this.rows, h.commit);
      else this.hard = h.commit;
      if (o.lowerRows) this.rows = h.commit;
      this.last = h.commit;
    } else if (w.snapshot && o.keepCommit > 0) this.hard = o.keepCommit;
  }

  /** keep moves the last commit written to hard_state if it is above it (the compactor's hook, inside its transaction). */
  keep(): void {
    if (this.last <= this.hard) return;
    liftHardCommit(this.db, this.last);
    this.hard = this.last;
  }
}
