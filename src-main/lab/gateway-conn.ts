/**
 * NodeConn is one of the Gateway's persistent client-port connections: a Hello, then
 * ClientRequestFrames multiplexed by id, each answered by a ClientResponseFrame with the
 * same id or ended by its deadline or the connection's close (./gateway.ts says how the
 * gateway reads each ending). The requests of one event-loop turn leave in one write.
 */
import { connect, type Socket } from 'node:net';
import type { ClientRequestFrame, ClientResponseFrame } from '../node/contract';
import { FRAME_HEADER_BYTES, FrameDecoder, MAX_FRAME_BYTES, encodeFrame, validateClientResponse } from '../node/frames';
import type { NodeId } from '../core/types';
import { TRACE_ON, trace } from '../node/trace';

/** MAX_WRITE_BYTES: a turn's requests are written as soon as this many bytes of them wait. */
const MAX_WRITE_BYTES = 256 * 1024;

/** Attempt is how one try on one connection ended. */
export type Attempt =
  | { k: 'res'; res: ClientResponseFrame }
  /** not-sent: the bytes never reached the node (refused, closed before connect): certainly not applied. */
  | { k: 'not-sent'; why: string }
  /** lost: sent, then the connection closed or the time ran out: it may have been applied. */
  | { k: 'lost'; why: string };

interface Pending {
  resolve: (a: Attempt) => void;
  /** deadline: performance.now() past which the request ends 'lost: timeout'. */
  deadline: number;
}

/** TIMER_SLACK_MS: a deadline this close when the connection's timer fires counts as reached (timers have 1 ms steps). */
const TIMER_SLACK_MS = 1;

/** NodeConn is one persistent client-port connection of the Gateway. */
export class NodeConn {
  readonly sock: Socket;
  private readonly decoder = new FrameDecoder();
  private readonly pending = new Map<number, Pending>();
  /** texts: this turn's requests, encoded, waiting for flushQueue; textBytes bounds their size from above. */
  private texts: string[] = [];
  private textBytes = 0;
  /**
   * timer: one timer for the whole connection, due at `timerAt`, the earliest pending
   * deadline when it was set — not one per request, whose setTimeout and clearTimeout
   * (each request's own duration, so its own timer list) cost more than the rest of
   * sending it under 64 clients.
   */
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private connected = false;
  closed = false;

  constructor(
    readonly id: NodeId,
    readonly port: number,
    token: string,
    private readonly onDead: (c: NodeConn) => void,
  ) {
    this.sock = connect({ port, host: '127.0.0.1', noDelay: true });
    this.sock.write(encodeFrame({ t: 'hello', token, from: 'gateway' }));
    this.sock.on('connect', () => {
      this.connected = true;
    });
    this.sock.on('data', (chunk: Buffer) => this.onData(chunk));
    this.sock.on('error', () => {
      /* 'close' follows and settles every pending request */
    });
    this.sock.on('close', () => this.fail());
  }

  private onData(chunk: Buffer): void {
    const { frames, error } = this.decoder.push(chunk);
    for (const f of frames) {
      const res = validateClientResponse(f);
      if (typeof res === 'string') continue; // a node bug; the request times out as unknown
      if (TRACE_ON) trace('g.in', res.id);
      const p = this.pending.get(res.id);
      if (!p) continue; // answered after its deadline
      this.pending.delete(res.id);
      p.resolve({ k: 'res', res });
    }
    if (this.pending.size === 0) this.disarm();
    if (error) this.sock.destroy();
  }

  private fail(): void {
    if (this.closed) return;
    this.closed = true;
    const wasConnected = this.connected;
    this.disarm();
    for (const p of this.pending.values()) {
      // Bytes written before the connection was established were never delivered.
      p.resolve(wasConnected ? { k: 'lost', why: 'connection closed' } : { k: 'not-sent', why: 'connection refused' });
    }
    this.pending.clear();
    this.onDead(this);
  }

  /** send writes one request and resolves with how it ended (never rejects). */
  send(frame: ClientRequestFrame, ms: number): Promise<Attempt> {
    if (this.closed) return Promise.resolve({ k: 'not-sent', why: 'connection closed' });
    return new Promise((resolve) => {
      const deadline = performance.now() + ms;
      this.pending.set(frame.id, { resolve, deadline });
      if (deadline < this.timerAt) this.arm(deadline);
      this.queue(frame);
    });
  }

  /** arm sets the connection's timer to fire at `at` (performance.now() time). */
  private arm(at: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(this.expire, Math.max(0, at - performance.now()));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Infinity;
  }

  /** expire ends every request whose deadline has come as 'lost: timeout' and sets the timer for the next deadline. */
  private readonly expire = (): void => {
    this.timer = null;
    this.timerAt = Infinity;
    const now = performance.now() + TIMER_SLACK_MS;
    let next = Infinity;
    for (const [id, p] of this.pending) {
      if (p.deadline <= now) {
        this.pending.delete(id);
        p.resolve({ k: 'lost', why: 'timeout' });
      } else if (p.deadline < next) next = p.deadline;
    }
    if (next !== Infinity && !this.closed) this.arm(next);
  };

  /**
   * queue encodes a request for this event-loop turn's write: the requests of one turn
   * leave as one buffer in one socket write (on loopback each write runs the node's TCP
   * receive path in this process), and only their JSON texts are kept until then.
   */
  private queue(frame: ClientRequestFrame): void {
    const json = JSON.stringify(frame);
    if (json.length * 3 > MAX_FRAME_BYTES) {
      // Only a huge value gets near the frame limit: encodeFrame measures it exactly (and throws past it).
      this.flushQueue();
      this.sock.write(encodeFrame(frame));
      if (TRACE_ON) trace('g.out', frame.id);
      return;
    }
    this.texts.push(json);
    if (TRACE_ON) trace('g.out', frame.id);
    this.textBytes += FRAME_HEADER_BYTES + json.length * 3;
    if (this.texts.length === 1) setImmediate(this.flushQueue);
    else if (this.textBytes >= MAX_WRITE_BYTES) this.flushQueue();
  }

  /** flushQueue writes the queued requests as consecutive frames of one buffer. */
  private readonly flushQueue = (): void => {
    const texts = this.texts;
    if (texts.length === 0) return;
    const bound = this.textBytes;
    this.texts = [];
    this.textBytes = 0;
    if (this.closed) return;
    if (TRACE_ON) trace('g.flush', '-');
    // textBytes bounds the frames' size from above (3 bytes a UTF-16 unit), so one pass
    // writes each text and then its length word, without measuring the texts first.
    const buf = Buffer.allocUnsafe(bound);
    let at = 0;
    for (const text of texts) {
      const n = buf.write(text, at + FRAME_HEADER_BYTES, 'utf8');
      buf.writeUInt32BE(n, at);
      at += FRAME_HEADER_BYTES + n;
    }
    this.sock.write(buf.subarray(0, at));
  };

  get inflight(): number {
    return this.pending.size;
  }

  close(): void {
    this.sock.destroy();
  }
}
