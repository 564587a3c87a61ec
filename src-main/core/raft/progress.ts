/**
 * Progress is what a leader knows of one peer's log, after etcd's tracker.Progress:
 * probe (one append at a time until the match point is found), replicate (pipelined
 * appends bounded by Inflights) and snapshot (waiting for an InstallSnapshot to land).
 */
import { assertNever } from '../types';
import type { FollowerProgress, NodeId } from '../types';

/** Inflights is a ring buffer of the last index of each un-acknowledged append. */
export class Inflights {
  private buf: number[];
  private start = 0;
  count = 0;

  constructor(readonly size: number) {
    this.buf = new Array<number>(Math.max(1, size)).fill(0);
  }

  full(): boolean {
    return this.count >= this.size;
  }

  add(last: number): void {
    this.buf[(this.start + this.count) % this.buf.length] = last;
    this.count++;
  }

  /** freeLE frees every append whose last index is <= to (they are acknowledged). */
  freeLE(to: number): void {
    while (this.count > 0 && this.buf[this.start]! <= to) {
      this.start = (this.start + 1) % this.buf.length;
      this.count--;
    }
  }

  /** freeFirstOne frees the oldest append (a heartbeat answer says the peer is alive; it was probably lost). */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.buf.length;
    this.count--;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}

/** ProgressState is the replication mode towards one peer. */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** Progress tracks one peer's log from the leader's side. */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** probeSent: in probe state, an append is out and we wait for its answer (or a heartbeat answer). */
  probeSent = false;
  /** pendingSnapshot is the index of the snapshot sent while in snapshot state. */
  pendingSnapshot = 0;
  /** snapshotWait counts heartbeat rounds spent in snapshot state (to resend a lost snapshot). */
  snapshotWait = 0;
  recentActive = false;
  /**
   * recovering: the peer's last answer said its store was damaged and it has not caught up
   * (AppendRespMsg.recovering). Its match still steers replication, but it counts for no
   * commit, no read confirmation and no CheckQuorum.
   */
  recovering = false;
  readonly inflights: Inflights;

  constructor(
    readonly id: NodeId,
    next: number,
    maxInflight: number,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  becomeProbe(): void {
    // After a snapshot, probing starts right after it: the follower has at least that much.
    const from = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.state = 'probe';
    this.next = from;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }

  becomeReplicate(): void {
    this.state = 'replicate';
    this.next = this.match + 1;
    this.probeSent = false;
    this.inflights.reset();
  }

  becomeSnapshot(index: number): void {
    this.state = 'snapshot';
    this.pendingSnapshot = index;
    this.snapshotWait = 0;
    this.probeSent = false;
    this.inflights.reset();
  }

  /** maybeUpdate records that the peer matches up to n; returns whether match moved. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * maybeDecrTo handles a rejected append of prevIndex `rejected`, with the next index to
   * probe (from the follower's conflict hint); returns false if the rejection is stale.
   *
   * A healthy follower never loses what it acknowledged, so (as etcd's tracker has it) a
   * rejection at or below match can only be an old, reordered message. A follower that is
   * recovering from a damaged store (`lost`) may have lost acknowledged entries: its
   * rejection there is news, not noise. What it holds is then unknown — match falls to 0
   * until its next acknowledgement says again — and probing restarts at its hint. Without
   * this the leader would never probe below the old match and the follower could not
   * catch up from the log.
   */
  maybeDecrTo(rejected: number, probe: number, lost = false): boolean {
    if (lost && rejected <= this.match) {
      this.match = 0;
      this.becomeProbe();
      this.next = Math.max(1, Math.min(rejected, probe + 1));
      return true;
    }
    if (this.state === 'replicate') {
      // A rejection of something already matched is an old, reordered message.
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    // In probe state only the answer to the latest probe (prevIndex = next-1) counts.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, probe + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** sentEntries records an append ending at `last` carrying `count` entries. */
  sentEntries(last: number, count: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = last + 1;
        this.inflights.add(last);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  /** isPaused tells whether sending another append now would be wasted or exceed the bound. */
  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      case 'snapshot':
        return true;
      default:
        return assertNever(this.state, 'progress state');
    }
  }

  view(): FollowerProgress {
    return {
      id: this.id,
      match: this.match,
      next: this.next,
      state: this.state,
      inflight: this.inflights.count,
      recentActive: this.recentActive,
    };
  }

  /** shows tells whether `v` is what view() would give now (kept beside view, field for field). */
  shows(v: FollowerProgress): boolean {
    return (
      v.id === this.id &&
      v.match === this.match &&
      v.next === this.next &&
      v.state === this.state &&
      v.inflight === this.inflights.count &&
      v.recentActive === this.recentActive
    );
  }
}
