/**
 * TurnWrites batches the router's frames per socket (cork/uncork): on loopback every write
 * system call runs the receiver's TCP path in the sender's context, so one write per frame
 * was the host's largest cost under load. When a batch leaves depends on what it can batch:
 *
 * - Under load the frames of one event-loop turn leave together, at the turn's end
 *   (setImmediate): frames read from several sockets in one turn (two followers'
 *   acknowledgements for the leader) share a write.
 * - When a turn-end flush held the frames of one read only (one sequential client: each
 *   turn reads one socket), the frames of a read leave at that read's end (`readEnd`),
 *   still one write per socket, without waiting for the turn's other callbacks. Every
 *   PROBE_EVERY-th such flush waits for the turn's end again, to see whether reads now
 *   share turns.
 *
 * Frames written outside a read (a delayed delivery's timer, a held frame released) wait for
 * the turn's end either way.
 */
import type { Socket } from 'node:net';

/** PROBE_EVERY: read-end flushes between two turn-end flushes that look for reads sharing a turn. */
export const PROBE_EVERY = 16;

/** TurnWrites: see the file comment. */
export class TurnWrites {
  private corked: Socket[] = [];
  private scheduled = false;
  private reading = false;
  /** wrote: the read under way wrote a frame; reads: reads that wrote since the last flush. */
  private wrote = false;
  private reads = 0;
  /** atReadEnd: the last turn-end flush held one read's frames; probe counts down to the next turn-end flush. */
  private atReadEnd = false;
  private probe = PROBE_EVERY;
  /** readFlushes: flushes at a read's end (tests). */
  readFlushes = 0;

  constructor(private readonly onFlush?: () => void) {}

  /** write queues `bytes` for `sock` until this read's or this turn's end. */
  write(sock: Socket, bytes: Buffer): void {
    if (sock.writableCorked === 0) {
      sock.cork();
      this.corked.push(sock);
    }
    if (this.reading) this.wrote = true;
    if (!this.scheduled && !(this.reading && this.atReadEnd)) {
      this.scheduled = true;
      setImmediate(this.turnEnd);
    }
    sock.write(bytes);
  }

  /** readStart: a socket's read is being routed. */
  readStart(): void {
    this.reading = true;
    this.wrote = false;
  }

  /** readEnd: the read is routed; in read-end mode what it wrote leaves now. */
  readEnd(): void {
    this.reading = false;
    if (this.wrote) this.reads++;
    if (!this.atReadEnd || this.scheduled || this.corked.length === 0) return;
    this.readFlushes++;
    if (--this.probe <= 0) this.atReadEnd = false;
    this.flush();
  }

  private readonly turnEnd = (): void => {
    this.scheduled = false;
    if (this.corked.length === 0) return;
    this.atReadEnd = this.reads <= 1;
    this.probe = PROBE_EVERY;
    this.flush();
  };

  private flush(): void {
    const socks = this.corked;
    this.corked = [];
    this.reads = 0;
    this.onFlush?.();
    for (const s of socks) if (!s.destroyed) s.uncork();
  }
}
