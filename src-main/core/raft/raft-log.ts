/**
 * RaftLog is a node's log in memory: an optional snapshot (everything up to `offset`)
 * followed by entries offset+1..lastIndex, with the commit and apply points and what
 * has been persisted. Lookups are O(1); nothing in a hot path copies or shifts the log.
 */
import type { Entry, Snapshot } from '../types';

/** RaftLog holds entries after the latest snapshot, and the commit/apply/persist points. */
export class RaftLog {
  /** snapshot is the latest snapshot (taken locally or received), kept to send to lagging followers. */
  snapshot: Snapshot | null = null;
  /** offset is the index the snapshot covers (0 when there is none); entries[i].index = offset + 1 + i. */
  offset = 0;
  private offsetTerm = 0;
  private ents: Entry[] = [];
  committed = 0;
  applied = 0;
  /** stable: entries up to here are persisted. */
  stable = 0;
  /** pendingSnapshot is a snapshot received from a leader and not yet persisted. */
  pendingSnapshot: Snapshot | null = null;
  /** snapshotHanded: pendingSnapshot went out in a Ready that is not yet advanced. */
  snapshotHanded = false;
  /** handed: entries up to here went out in a Ready that is not yet advanced. */
  handed = 0;
  /** applying: committed entries up to here went out in a Ready that is not yet advanced. */
  applying = 0;
  /** onAppend and onTruncate let the owner track config entries as they enter and leave the log. */
  onAppend: (e: Entry) => void = () => {};
  onTruncate: (from: number) => void = () => {};

  /** restoreFrom loads what storage returned (snapshot then contiguous entries). */
  restoreFrom(snap: Snapshot | null, entries: Entry[], commit: number): void {
    if (snap) {
      this.snapshot = snap;
      this.offset = snap.index;
      this.offsetTerm = snap.term;
    }
    const first = entries[0];
    // Storage keeps entries contiguous after the snapshot; drop any it failed to trim.
    const start = first && first.index <= this.offset ? this.offset + 1 - first.index : 0;
    this.ents = entries.slice(start);
    this.stable = this.lastIndex();
    this.handed = this.stable;
    this.committed = Math.min(Math.max(commit, this.offset), this.lastIndex());
    this.applied = this.offset;
    this.applying = this.offset;
  }

  firstIndex(): number {
    return this.offset + 1;
  }

  lastIndex(): number {
    return this.offset + this.ents.length;
  }

  /** term returns the term of entry i, or undefined if i is compacted away or beyond the log. */
  term(i: number): number | undefined {
    if (i === this.offset) return this.offsetTerm;
    if (i < this.offset) return undefined;
    return this.ents[i - this.offset - 1]?.term;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  matchTerm(i: number, t: number): boolean {
    return this.term(i) === t;
  }

  /** isUpToDate is the election restriction (§5.4.1): is (lastIndex, lastTerm) at least as up-to-date as ours? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const myTerm = this.lastTerm();
    return lastTerm > myTerm || (lastTerm === myTerm && lastIndex >= this.lastIndex());
  }

  /** at returns entry i if held in memory. */
  at(i: number): Entry | undefined {
    return i > this.offset ? this.ents[i - this.offset - 1] : undefined;
  }

  /** slice returns entries [lo, hi) clamped to what is in memory. */
  slice(lo: number, hi: number): Entry[] {
    const from = Math.max(lo, this.firstIndex()) - this.offset - 1;
    const to = Math.min(hi, this.lastIndex() + 1) - this.offset - 1;
    return to > from ? this.ents.slice(from, to) : [];
  }

  /**
   * append adds entries; if the first one's index is not lastIndex+1 the log is truncated
   * there first (the host truncates the same suffix when it persists Ready.entries).
   * Returns the index truncated from, or 0 if nothing was truncated.
   */
  append(entries: Entry[]): number {
    const first = entries[0];
    if (!first) return 0;
    let truncatedFrom = 0;
    if (first.index <= this.lastIndex()) {
      if (first.index <= this.committed) {
        throw new Error(`raft log: entry ${first.index} would overwrite committed entry (commit ${this.committed})`);
      }
      this.ents.length = first.index - this.offset - 1;
      this.stable = Math.min(this.stable, first.index - 1);
      this.handed = Math.min(this.handed, first.index - 1);
      truncatedFrom = first.index;
      this.onTruncate(first.index);
    } else if (first.index !== this.lastIndex() + 1) {
      throw new Error(`raft log: gap appending ${first.index} after ${this.lastIndex()}`);
    }
    for (const e of entries) {
      this.ents.push(e);
      this.onAppend(e);
    }
    return truncatedFrom;
  }

  /**
   * findConflict returns the index of the first entry in `entries` that is not in the log
   * with the same term (a conflict or a new entry), or 0 if the log already holds them all.
   */
  findConflict(entries: Entry[]): number {
    for (const e of entries) {
      if (!this.matchTerm(e.index, e.term)) return e.index;
    }
    return 0;
  }

  /**
   * findConflictByTerm returns the largest index <= index whose term <= term, with that
   * term: the fast-backup hint (etcd). It walks back one term's worth of entries at most
   * per distinct term, and stops at the snapshot.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (; i > this.offset; i--) {
      const t = this.ents[i - this.offset - 1]!.term;
      if (t <= term) return { index: i, term: t };
    }
    return { index: i, term: i === this.offset ? this.offsetTerm : 0 };
  }

  /**
   * maybeAppend is the follower side of AppendEntries (§5.3): if the log matches
   * (prevIndex, prevTerm) it appends the new entries (truncating a conflicting suffix) and
   * advances commit; returns the last index the log now matches the leader's, or null.
   */
  maybeAppend(prevIndex: number, prevTerm: number, commit: number, entries: Entry[]): number | null {
    if (!this.matchTerm(prevIndex, prevTerm)) return null;
    const lastNew = prevIndex + entries.length;
    const ci = this.findConflict(entries);
    // Usually every entry is new: append takes them as they are (it copies the entries, not the list).
    if (ci !== 0) this.append(ci === prevIndex + 1 ? entries : entries.slice(ci - prevIndex - 1));
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  commitTo(i: number): void {
    if (i > this.committed) this.committed = Math.min(i, this.lastIndex());
  }

  /**
   * maybeCommit commits up to i if entry i is from term t (§5.4.2: only current-term entries
   * are committed by counting); t = null accepts any term, which is the Figure 8 bug (an
   * unsafe mode, see core/unsafe.ts).
   */
  maybeCommit(i: number, t: number | null): boolean {
    if (i > this.committed && (t === null || this.term(i) === t)) {
      this.committed = i;
      return true;
    }
    return false;
  }

  /** restore replaces the log with a snapshot received from the leader (§7). */
  restore(snap: Snapshot): void {
    this.snapshot = snap;
    this.pendingSnapshot = snap;
    this.snapshotHanded = false;
    this.offset = snap.index;
    this.offsetTerm = snap.term;
    this.ents = [];
    this.committed = snap.index;
    this.stable = snap.index;
    this.handed = snap.index;
    this.applying = Math.max(this.applying, snap.index);
  }

  /** compact drops entries up to index (captured in a local snapshot). */
  compact(snap: Snapshot): void {
    this.ents = this.ents.slice(snap.index - this.offset);
    this.snapshot = snap;
    this.offset = snap.index;
    this.offsetTerm = snap.term;
    this.stable = Math.max(this.stable, snap.index);
    this.handed = Math.max(this.handed, snap.index);
  }

  /** stableTo marks entries up to i as persisted, if entry i still has term t (it may have been overwritten since). */
  stableTo(i: number, t: number): void {
    if (this.matchTerm(i, t) && i > this.stable) this.stable = i;
  }

  /** unstableFrom returns the entries after `from` (the not-yet-handed-out tail). */
  unstableFrom(from: number): Entry[] {
    return from >= this.lastIndex() ? [] : this.ents.slice(Math.max(from, this.offset) - this.offset);
  }
}
