/**
 * Progress is what a leader knows of one peer's log, after etcd's tracker.Progress:
 * probe (one append at a time until the match point is found), replicate (pipelined
 * appends bounded by Inflights) and snapshot (waiting for an InstallSnapshot to land).
 *
 * Flow control (docs/BENCHMARKS.md, "The append pipe after a counted rejection"): on a
 * network that reorders, a pipe of small appends breaks at every overtaken append — the
 * follower rejects each one that arrives ahead of a gap — and each break used to be refilled
 * with as many appends as before, to be broken again. So a counted rejection halves the
 * pipe (Inflights.window), each acknowledged append widens it by one again (TCP's slow
 * start: it doubles per round trip, up to maxInflight), and the appends of a narrowed pipe
 * carry in fewer messages the entries the whole pipe would have in flight, up to
 * CATCH_UP_ENTRIES each (entriesPerAppend). One append cannot overtake itself: the entries
 * it carries, not the number of appends, make a follower catch up.
 */
import { assertNever } from '../types';
import type { FollowerProgress, NodeId } from '../types';

/**
 * CATCH_UP_ENTRIES bounds the entries of one append of a narrowed pipe (a whole pipe's
 * carry maxEntriesPerMsg, and so do a narrowed one's when that is larger). 64 is the lab's
 * and the simulator's default maxEntriesPerMsg.
 */
export const CATCH_UP_ENTRIES = 64;

/**
 * Inflights is a ring buffer of the last index of each un-acknowledged append, with a
 * window (1..size) of how many may be in flight now.
 */
export class Inflights {
  private buf: number[];
  private start = 0;
  count = 0;
  /** window: appends allowed in flight now; halved by a counted rejection (halve), one more per acknowledged append (freeLE). */
  window: number;

  constructor(readonly size: number) {
    this.buf = new Array<number>(Math.max(1, size)).fill(0);
    this.window = Math.max(1, size);
  }

  full(): boolean {
    return this.count >= this.window;
  }

  add(last: number): void {
    this.buf[(this.start + this.count) % this.buf.length] = last;
    this.count++;
  }

  /**
   * freeLE frees every append whose last index is <= to (they are acknowledged), and widens
   * the window by one per append freed (up to size): slow start, a doubling per round trip.
   */
  freeLE(to: number): void {
    let freed = 0;
    while (this.count > 0 && this.buf[this.start]! <= to) {
      this.start = (this.start + 1) % this.buf.length;
      this.count--;
      freed++;
    }
    if (freed > 0) this.window = Math.min(this.buf.length, this.window + freed);
  }

  /** freeFirstOne frees the oldest append (a heartbeat answer says the peer is alive; it was probably lost). */
  freeFirstOne(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.buf.length;
    this.count--;
  }

  /** halve narrows the window to half (at least one append): the pipe broke. */
  halve(): void {
    this.window = Math.max(1, this.window >> 1);
  }

  /** reset forgets the appends in flight (the window stays as it is). */
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
  /**
   * boot: the boot (AppendRespMsg.boot) of the peer's damaged store that match describes, once
   * its answers say it is recovering; null while they do not. An answer from another boot
   * makes the leader forget what it knew (see forget).
   */
  boot: string | null = null;
  /**
   * epoch numbers the resets of this peer's pipe: each return to probing (and each snapshot)
   * starts a new one. Every append carries the epoch it was sent in (AppendMsg.epoch) and the
   * answer echoes it, so a rejection tells whether it answers the pipe now in flight or one
   * the leader already gave up (see maybeDecrTo). It only ever grows; nothing but this
   * progress compares it.
   */
  epoch = 0;
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
    this.epoch++;
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
    this.epoch++;
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
   * maybeDecrTo handles a rejected append of prevIndex `rejected` sent in `epoch`, with the
   * next index to probe (from the follower's conflict hint); returns false if the rejection
   * is stale (nothing changed).
   *
   * Stale, as etcd's tracker has it: a rejection at or below match (a follower never loses
   * what it acknowledged within one boot — a new boot is handled by forget — so it is an
   * old, reordered message); in probe state, one that does not answer the latest probe
   * (prevIndex = next-1). And stale here too: a rejection sent in an older epoch. It answers
   * an append of a pipe the leader already gave up: whatever gap it reports was there before
   * the reset, and the probe that followed the reset asks again. Without this rule, under
   * reordering each such rejection (one per append of the old pipe still in flight) sent the
   * leader back to probing and the next acknowledgement refilled the pipe with the same
   * entries — a replication storm.
   *
   * Ignoring a rejection is always safe: a rejection never moves match or the commit index.
   * Liveness holds because a rejection of the current epoch still counts, and a heartbeat
   * answer re-sends the probe (or frees a slot of a full pipe).
   *
   * In replicate state a counted rejection halves the pipe's window (flow control, see the
   * file comment) and starts a new epoch in probe state; probing resumes at the follower's
   * hint when that is above match (the follower says it holds a matching log up to there;
   * the probe checks it), else right after match.
   */
  maybeDecrTo(rejected: number, probe: number, epoch: number): boolean {
    if (epoch !== this.epoch) return false;
    if (this.state === 'replicate') {
      // A rejection of something already matched is an old, reordered message.
      if (rejected <= this.match) return false;
      this.inflights.halve();
      this.becomeProbe();
      this.next = Math.max(Math.min(rejected, probe + 1), this.match + 1);
      return true;
    }
    // In probe state only the answer to the latest probe (prevIndex = next-1) counts, and
    // never one at or below match: a follower whose log is durable cannot lack what it
    // acknowledged (a damaged one says so and is forgotten first, noteAnswer). Counting it
    // would probe at match + 1 again at once, and the same rejection would come back at
    // network speed for ever (a forged ack, or an unsafe node's lost log): test/fuzz/core.
    if (this.next - 1 !== rejected || rejected <= this.match) return false;
    this.next = Math.max(Math.min(rejected, probe + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /**
   * forget: the peer answered from `boot`, a boot of a damaged store other than the one match
   * describes; it may have lost entries it acknowledged. What it holds is unknown: match falls
   * to 0 and probing restarts from the leader's last index + 1 (`next`), in a new epoch, as
   * for a peer never heard from (§5.3). Without this the leader would never probe below the
   * old match and the follower could not catch up from the log. It happens once per boot:
   * later answers of that boot are truthful (its log only grows within a boot), so its
   * reordered rejections at or below the new match are stale again (maybeDecrTo). A delayed
   * answer of an older boot can make it happen once more (the nonces have no order): each such
   * answer is one message, so that is bounded, and forgetting is always safe.
   */
  forget(boot: string, next: number): void {
    this.match = 0;
    this.becomeProbe();
    this.next = Math.max(1, next);
    this.boot = boot;
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

  /**
   * entriesPerAppend is how many entries the next append (or probe) may carry, `per` being
   * maxEntriesPerMsg: `per` while the window is whole; k times as many once breaks narrowed
   * it to 1/k of maxInflight, so the entries in flight stay what the whole pipe holds — but
   * at most CATCH_UP_ENTRIES (or `per`, if larger). A probe counts the same way: a new
   * leader's first probes carry `per`, as the appends of a whole pipe do; one after a break
   * carries more.
   */
  entriesPerAppend(per: number): number {
    const k = Math.floor(this.inflights.size / this.inflights.window);
    return k <= 1 ? per : Math.max(per, Math.min(per * k, CATCH_UP_ENTRIES));
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
