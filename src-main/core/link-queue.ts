/**
 * A link with a rate limit: bytes leave it at `rate` bytes a second, one message after the
 * other, and messages that wait for the wire sit in a bounded queue. The lab's router and
 * the simulator both use this one model, so a slow link behaves the same in either: a
 * message of s bytes offered at time t starts when the link is free (max(t, busyUntil)),
 * is on the wire for s / rate seconds, and only then starts its latency. A message that
 * would overfill the queue is refused (the caller drops it as 'queue-full'), as a router's
 * tail-drop queue would. Pure: time comes in as milliseconds from the caller's clock.
 *
 * The queue is bounded in bytes (QUEUE_SECONDS of traffic at the link's rate, clamped to
 * MIN_QUEUE_BYTES..MAX_QUEUE_BYTES) and in messages (MAX_QUEUE_MESSAGES). An empty queue
 * takes any one message however large: a snapshot bigger than the queue must still be
 * able to crawl across, or a slow link would cut a lagging follower off for good.
 */

/** MAX_BANDWIDTH bounds a link's rate limit in bytes a second (1 GiB/s; loopback is about that fast). */
export const MAX_BANDWIDTH = 1024 * 1024 * 1024;
/** QUEUE_SECONDS is how many seconds of traffic a rate-limited link queues before it drops. */
export const QUEUE_SECONDS = 2;
/** MIN_QUEUE_BYTES / MAX_QUEUE_BYTES clamp a link's queue (64 KiB … 16 MiB). */
export const MIN_QUEUE_BYTES = 64 * 1024;
export const MAX_QUEUE_BYTES = 16 * 1024 * 1024;
/** MAX_QUEUE_MESSAGES bounds the messages one link queues, whatever their size. */
export const MAX_QUEUE_MESSAGES = 4096;

/** queueCapacityBytes is the byte bound of a link's queue at `rate` bytes a second. */
export function queueCapacityBytes(rate: number): number {
  return Math.min(MAX_QUEUE_BYTES, Math.max(MIN_QUEUE_BYTES, Math.floor(rate * QUEUE_SECONDS)));
}

/** LinkBacklog is what waits on a link: bytes and messages not yet fully on the wire. */
export interface LinkBacklog {
  bytes: number;
  messages: number;
}

/** LinkQueue is one directed link's rate limit and queue (see the file comment). */
export class LinkQueue {
  /** doneAt[i] / sizes[i]: when message i has left the link, and its size; i < head are gone. */
  private doneAt: number[] = [];
  private sizes: number[] = [];
  private head = 0;
  private busyUntil = 0;
  private waitingBytes = 0;

  /** capacity is the queue's byte bound; rate is in bytes a second (> 0). */
  constructor(
    private rate: number,
    private capacity = queueCapacityBytes(rate),
  ) {}

  /** setRate changes the rate (and capacity) for messages offered from now on; queued ones keep their times. */
  setRate(rate: number, capacity = queueCapacityBytes(rate)): void {
    this.rate = rate;
    this.capacity = capacity;
  }

  /**
   * offer queues a message of `bytes` at time `now` (ms) and returns when its last byte
   * leaves the link (ms), or null when the queue is full and the message must be dropped.
   */
  offer(now: number, bytes: number): number | null {
    this.drain(now);
    const waiting = this.doneAt.length - this.head;
    if (waiting > 0 && (waiting >= MAX_QUEUE_MESSAGES || this.waitingBytes + bytes > this.capacity)) return null;
    const start = Math.max(now, this.busyUntil);
    const done = start + (bytes * 1000) / this.rate;
    this.busyUntil = done;
    this.doneAt.push(done);
    this.sizes.push(bytes);
    this.waitingBytes += bytes;
    return done;
  }

  /** backlog says what waits on the link at time `now`. */
  backlog(now: number): LinkBacklog {
    this.drain(now);
    return { bytes: this.waitingBytes, messages: this.doneAt.length - this.head };
  }

  /** drain forgets the messages that have left the link by `now`. */
  private drain(now: number): void {
    while (this.head < this.doneAt.length && this.doneAt[this.head]! <= now) {
      this.waitingBytes -= this.sizes[this.head]!;
      this.head++;
    }
    // Compact now and then, so the arrays do not grow with every message ever sent.
    if (this.head > 1024 && this.head * 2 > this.doneAt.length) {
      this.doneAt = this.doneAt.slice(this.head);
      this.sizes = this.sizes.slice(this.head);
      this.head = 0;
    }
    if (this.head === this.doneAt.length) this.waitingBytes = 0;
  }
}
