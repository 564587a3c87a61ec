/**
 * ReadForward is a follower's side of ReadIndex (§6.4) with one forwarded request shared
 * by many reads, for both cores (a Multi-Paxos leader answers forwarded reads the same way). A follower asks the leader for a read point; the leader answers with its
 * commit index once a heartbeat round sent after the request arrived confirms it still
 * leads. That point serves every read that arrived at the follower before the request left,
 * so reads registered before a Ready share one `readIndex` message (its ctx is the first
 * read's, which the host makes unique per boot), and reads arriving while one is in flight
 * wait for the next, sent when the answer comes. A read never joins a request already sent:
 * the leader may have registered it, and taken its commit index, before the read arrived.
 *
 * A request can be lost, or its leader deposed: one sent more than RETRY_BEATS heartbeat
 * intervals ago, or to another leader or term than the follower's now, no longer holds the
 * next one back. Its answer, if it comes, still serves its own reads.
 */
import type { NodeId, ReadState } from './types';

/** RETRY_BEATS: heartbeat intervals after which an unanswered request no longer holds the next back. */
const RETRY_BEATS = 2;

/** FORGET_BEATS: heartbeat intervals after which an unanswered request is forgotten (its reads time out in the host). */
const FORGET_BEATS = 64;

/** Forwarded is one request in flight: whom it went to, when, and the reads it serves. */
interface Forwarded {
  term: number;
  lead: NodeId;
  sentAt: number;
  ctxs: string[];
}

/** ReadForward batches a follower's reads into requests to the leader, at most one in flight per leader and term. */
export class ReadForward {
  private waiting: string[] = [];
  private inFlight = new Map<string, Forwarded>();
  private now = 0;

  constructor(private readonly heartbeatTicks: number) {}

  /** tick counts one tick (for the retry of a lost request). */
  tick(): void {
    this.now++;
  }

  /** add registers a read; the next request to leave carries it. */
  add(ctx: string): void {
    this.waiting.push(ctx);
  }

  /** due tells whether a request should leave now to `lead` in `term`: reads wait and none to it is pending. */
  due(term: number, lead: NodeId | null): boolean {
    if (this.waiting.length === 0 || lead === null) return false;
    for (const f of this.inFlight.values()) {
      if (f.term === term && f.lead === lead && this.now - f.sentAt < RETRY_BEATS * this.heartbeatTicks) return false;
    }
    return true;
  }

  /** take makes the waiting reads one request to `lead` and returns its ctx (call only when due). */
  take(term: number, lead: NodeId): string {
    for (const [key, f] of this.inFlight) {
      if (this.now - f.sentAt >= FORGET_BEATS * this.heartbeatTicks) this.inFlight.delete(key);
    }
    const ctxs = this.waiting;
    this.waiting = [];
    const key = ctxs[0]!;
    this.inFlight.set(key, { term, lead, sentAt: this.now, ctxs });
    return key;
  }

  /** dropWaiting forgets the reads not sent yet (the node no longer follows: its host fails them). */
  dropWaiting(): void {
    if (this.waiting.length > 0) this.waiting = [];
  }

  /**
   * expand hands each answered request's read point to every read it carried; a read state
   * of any other ctx (a leader's own read, an answer to a request forgotten) passes as it is.
   */
  expand(reads: ReadState[]): ReadState[] {
    if (this.inFlight.size === 0) return reads;
    const out: ReadState[] = [];
    for (const rs of reads) {
      const f = this.inFlight.get(rs.ctx);
      if (f === undefined) {
        out.push(rs);
        continue;
      }
      this.inFlight.delete(rs.ctx);
      for (const ctx of f.ctxs) out.push({ ctx, index: rs.index });
    }
    return out;
  }
}
