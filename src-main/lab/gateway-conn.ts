/**
 * NodeConn is one of the Gateway's persistent client-port connections: a Hello, then
 * ClientRequestFrames multiplexed by id, each answered by a ClientResponseFrame with the
 * same id or ended by its deadline or the connection's close (./gateway.ts says how the
 * gateway reads each ending). The requests of one event-loop turn leave in one write, as
 * one ClientRequestBatchFrame when there are several; the node answers the requests of one
 * of its passes in one ClientResponseBatchFrame (the Hello asks for it).
 */
import { connect, type Socket } from 'node:net';
import type { ClientRequestFrame, ClientResponseFrame } from '../node/contract';
import {
  FrameDecoder,
  MAX_BATCH_BYTES,
  MAX_BATCH_ITEMS,
  batchItems,
  encodeFrame,
  encodeTexts,
  validateClientResponse,
} from '../node/frames';
import type { NodeId } from '../core/types';
import { TRACE_ON, trace } from '../node/trace';

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
  /** texts: this turn's requests, encoded, waiting for flushQueue; textBytes bounds their UTF-8 size from above. */
  private texts: string[] = [];
  private textBytes = 0;
  /**
   * timer: one timer for the whole connection, due at `timerAt`, the earliest pending
   * deadline when it was set (never later than any pending deadline; it may be earlier,
   * when that request was answered) — not one per request, whose setTimeout and
   * clearTimeout (each request's own duration, so its own timer list) cost more than the
   * rest of sending it under 64 clients.
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
    this.sock.write(encodeFrame({ t: 'hello', token, from: 'gateway', batch: true }));
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
      if (f.t !== 'ress') {
        this.answer(f);
        continue;
      }
      const items = batchItems(f, 'ress');
      if (typeof items === 'string') continue; // a node bug; its requests time out as unknown
      for (const item of items) this.answer(item);
    }
    // The timer stays when the last request is answered: with one client at a time every
    // request would otherwise set a timer and its answer clear it (a timer list each, since
    // every deadline's duration differs). Left set, it fires once per deadline span, finds
    // nothing due, and is set again for the earliest request then pending, if any.
    if (error) this.sock.destroy();
  }

  /** answer settles the request one answer (alone or out of a batch) is for. */
  private answer(f: unknown): void {
    const res = validateClientResponse(f);
    if (typeof res === 'string') return; // a node bug; the request times out as unknown
    if (TRACE_ON) trace('g.in', res.id);
    const p = this.pending.get(res.id);
    if (!p) return; // answered after its deadline
    this.pending.delete(res.id);
    p.resolve({ k: 'res', res });
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
   * leave in one socket write (on loopback each write runs the node's TCP receive path in
   * this process), as one ClientRequestBatchFrame when there are several (one frame for the
   * node to cut and parse instead of one per request), and only their JSON texts are kept
   * until then. A batch is written early when it would pass MAX_BATCH_ITEMS or
   * MAX_BATCH_BYTES; a request over MAX_BATCH_BYTES alone (a large value) goes in a frame of
   * its own.
   */
  private queue(frame: ClientRequestFrame): void {
    const json = JSON.stringify(frame);
    const bound = json.length * 3;
    if (bound > MAX_BATCH_BYTES) {
      // encodeFrame measures it exactly (and throws past the frame limit).
      this.flushQueue();
      this.sock.write(encodeFrame(frame));
      if (TRACE_ON) trace('g.out', frame.id);
      return;
    }
    if (this.texts.length >= MAX_BATCH_ITEMS || this.textBytes + bound > MAX_BATCH_BYTES) this.flushQueue();
    this.texts.push(json);
    if (TRACE_ON) trace('g.out', frame.id);
    this.textBytes += bound;
    if (this.texts.length === 1) setImmediate(this.flushQueue);
  }

  /** flushQueue writes the queued requests: one frame, a batch frame if there are several. */
  private readonly flushQueue = (): void => {
    const texts = this.texts;
    if (texts.length === 0) return;
    const bound = this.textBytes;
    this.texts = [];
    this.textBytes = 0;
    if (this.closed) return;
    if (TRACE_ON) trace('g.flush', '-');
    this.sock.write(encodeTexts('reqs', texts, bound));
  };

  get inflight(): number {
    return this.pending.size;
  }

  close(): void {
    this.sock.destroy();
  }
}
