/**
 * ReadOnly is the leader's side of ReadIndex (Raft §6.4 / §8): each read records the
 * commit index when it arrived and waits until a heartbeat round tagged with its key is
 * acknowledged by a quorum in the same term. Acknowledging a later round confirms every
 * earlier read too, as in etcd's readOnly.advance.
 */
import type { NodeId } from '../types';

/** ReadRequest is one pending read: who asked (the leader itself or a follower) and its read point. */
export interface ReadRequest {
  ctx: string;
  from: NodeId;
  index: number;
  key: string;
  acks: Set<NodeId>;
}

/** ReadOnly queues reads awaiting leadership confirmation, oldest first. */
export class ReadOnly {
  private queue: ReadRequest[] = [];
  private head = 0;
  private byKey = new Map<string, ReadRequest>();
  private seq = 0;

  constructor(private readonly term: number) {}

  /** add registers a read at `index` and returns the key its heartbeat round carries. */
  add(ctx: string, from: NodeId, index: number, self: NodeId): string {
    const key = `${this.term}.${++this.seq}`;
    const req: ReadRequest = { ctx, from, index, key, acks: new Set([self]) };
    this.queue.push(req);
    this.byKey.set(key, req);
    return key;
  }

  /** recvAck records that `from` answered the round `key`; returns the acks so far, or null if unknown. */
  recvAck(key: string, from: NodeId): Set<NodeId> | null {
    const req = this.byKey.get(key);
    if (!req) return null;
    req.acks.add(from);
    return req.acks;
  }

  /** advance removes and returns every read up to and including `key`, oldest first. */
  advance(key: string): ReadRequest[] {
    const req = this.byKey.get(key);
    if (!req) return [];
    const out: ReadRequest[] = [];
    while (this.head < this.queue.length) {
      const r = this.queue[this.head++]!;
      this.byKey.delete(r.key);
      out.push(r);
      if (r === req) break;
    }
    // Drop the consumed prefix now and then, so the queue never grows without bound.
    if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  pending(): number {
    return this.queue.length - this.head;
  }
}
