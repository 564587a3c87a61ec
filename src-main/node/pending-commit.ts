/**
 * PendingCommit keeps a node's commit-only write out of SQLite until something else is
 * written (SqliteStorage's `deferCommit`, on in the node). A Ready that only moves the
 * commit index — a leader's after it answers, a follower's after a heartbeat — cost a
 * transaction of its own: 6 `fcntl`, 2 `pwrite64` and a 4 KiB WAL frame for hard_state's
 * page. Held here instead, it is carried by the next write (on that write's last row,
 * row-commits.ts: no page of its own), or written alone by flush() — the Ready loop's,
 * once it waited FLUSH_MS with no write since (due()); and before a snapshot, a load, a close.
 *
 * Such a write was never synced (core/storage.ts mustSync), so a power cut could always
 * take it back; now a process crash can too, and a restart may find a lower commit than
 * the node had reached, even than a client was answered for. Why that is safe for this store:
 * - The commit index is volatile state in Raft (§5.3, Figure 2) and what a learner knows in
 *   Multi-Paxos: a restarted node learns it again from the leader's appends, heartbeats or
 *   decides. Every entry a client was answered for was durable on a quorum's disks before it
 *   was applied (an entry's write is synced before anything vouches for it), and committed
 *   entries are never truncated, so a lower commit loses no entry: the restart applies
 *   less, then catches up, and a new leader commits those entries again by its own rules.
 * - What a restart applies never runs ahead of its disk: the state machine is rebuilt from
 *   the file's snapshot and its log up to the commit found, and a commit written is never
 *   above an entry written (it covers entries of earlier Readies, each written before its
 *   Ready went on; the scan clamps a Raft commit to the last intact row anyway).
 * - Snapshots never depend on a commit that is not on disk: the pending commit is written
 *   before a snapshot's first piece, so the snapshot's index (what was applied: at most the
 *   commit of the Ready that applied it) is at most the file's commit, which RowCommits.keep
 *   moves to hard_state before the rows it rides on die.
 * The simulator's crashes already leave this state: a held write carrying a commit whose
 * entries were applied and answered ahead of it (applyWhileHeld) is lost with the crash.
 */
import type { StorageWrite } from '../core/storage';
import type { HardState } from '../core/types';

/** FLUSH_MS: how long a pending commit waits with no write before due() says to write it alone. */
export const FLUSH_MS = 10;

/** PendingCommit: see the file comment. */
export class PendingCommit {
  /** hard: the commit-only hard state not yet written (null: none). */
  hard: HardState | null = null;
  /** writes counts the store's transactions; seenWrites / since: its value when the pending commit was first seen by due(), and when. */
  writes = 0;
  private seenWrites = -1;
  private since = 0;

  /** hold keeps `w` if it only moves the commit index (`must`: mustSync(w)); returns whether it did. */
  hold(w: StorageWrite, must: boolean): boolean {
    if (must || w.entries.length > 0 || w.snapshot !== null) return false;
    if (w.hardState !== null) this.hard = w.hardState;
    return true;
  }

  /** carry returns `w` carrying the pending commit, which is then no longer pending (a Ready's own hard state is newer: commits only grow in a run). */
  carry(w: StorageWrite): StorageWrite {
    const h = this.hard;
    if (h === null) return w;
    this.hard = null;
    return w.hardState === null ? { hardState: h, entries: w.entries, snapshot: w.snapshot } : w;
  }

  /** take returns the pending commit as a write of its own, no longer pending (null: none). */
  take(): StorageWrite | null {
    const h = this.hard;
    this.hard = null;
    return h === null ? null : { hardState: h, entries: [], snapshot: null };
  }

  /**
   * due tells whether the pending commit has waited FLUSH_MS with no write since (`now` in
   * ms). A write carries the commit pending before it, so when writes came the one pending
   * now is newer and its wait starts now: under steady writes the file's commit trails the
   * core's by the last commit-only Ready; idle, by one run of the loop after FLUSH_MS.
   */
  due(now: number): boolean {
    if (this.hard === null) return false;
    if (this.writes !== this.seenWrites) {
      this.seenWrites = this.writes;
      this.since = now;
      return false;
    }
    return now - this.since >= FLUSH_MS;
  }
}
