/**
 * Linearizable reads for the Multi-Paxos leader, after Raft's ReadIndex (Ongaro's thesis
 * §6.4): a read registered now may be served once the state machine has applied every slot
 * the leader has proposed so far, provided a quorum confirms — by answering a heartbeat
 * sent after the read arrived — that no higher ballot has taken over in the meantime.
 *
 * One round serves many reads: those registered before the next Ready share its round, and
 * those registered while a round is in flight wait for the next, which leaves once the one
 * in flight is confirmed (or with the periodic heartbeat, LeaderRole.tick) — at most one
 * read round in flight, however many reads arrive. A read never joins a round already
 * sent: an answer to a heartbeat that left before the read arrived says nothing of the
 * time after, when a higher ballot may have taken over and a write been acknowledged
 * (core/raft/read-only.ts gives the argument in full).
 */
import type { NodeId } from '../types';

/** PendingRead is one read waiting for its quorum round. */
export interface PendingRead {
  ctx: string;
  /** index: the leader's last proposed slot when the read arrived. */
  index: number;
  /** seq: the heartbeat round that confirms it (0 until that round is sent). */
  seq: number;
  /** from: the follower that forwarded it, or null for the leader's own host. */
  from: NodeId | null;
}

/** ReadQueue orders reads by confirmation round; rounds only grow, so confirmation pops from the front. */
export class ReadQueue {
  private queue: PendingRead[] = [];
  private head = 0;
  /** seq is the newest heartbeat round. */
  seq = 0;
  /** roundPending: some read waits for a round that has not been sent yet. */
  roundPending = false;

  /** add registers a read; the next heartbeat round will confirm it. */
  add(ctx: string, index: number, from: NodeId | null): void {
    this.queue.push({ ctx, index, seq: 0, from });
    this.roundPending = true;
  }

  /** startRound assigns a new round to every read still without one and returns it. */
  startRound(): number {
    this.seq++;
    for (let i = this.queue.length - 1; i >= this.head; i--) {
      const r = this.queue[i]!;
      if (r.seq !== 0) break;
      r.seq = this.seq;
    }
    this.roundPending = false;
    return this.seq;
  }

  /** confirm pops every read whose round a quorum has answered (`acked(seq)` counts answers incl. self). */
  confirm(isConfirmed: (seq: number) => boolean): PendingRead[] {
    const out: PendingRead[] = [];
    while (this.head < this.queue.length) {
      const r = this.queue[this.head]!;
      if (r.seq === 0 || !isConfirmed(r.seq)) break;
      out.push(r);
      this.head++;
    }
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** inFlight tells whether a round has been sent and not confirmed yet (rounds are given out front to back). */
  inFlight(): boolean {
    return this.head < this.queue.length && this.queue[this.head]!.seq !== 0;
  }

  /** due tells whether a round should leave now: reads wait for one and none is in flight. */
  due(): boolean {
    return this.roundPending && !this.inFlight();
  }

  /** clear drops every pending read (leadership lost: they never complete). */
  clear(): void {
    this.queue = [];
    this.head = 0;
    this.roundPending = false;
  }

  /** size is the number of reads still waiting. */
  size(): number {
    return this.queue.length - this.head;
  }
}
