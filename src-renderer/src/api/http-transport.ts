/**
 * The browser transport: each command is an HTTP request on its row's route (the wire
 * argument placed by src-main/api/http-routes.ts), and the live event stream is the
 * /api/events WebSocket, reconnected with backoff when it drops. The page's URL, the lab's
 * launch token and the WebSocket constructor are handed in (./index.ts passes the
 * browser's), so this file type-checks and runs under Node too, where tests drive it
 * against a real host. The token goes as `Authorization: Bearer T` on every call, and as
 * the subprotocol `bearer.T` next to `quorum-lab` on the WebSocket (a browser's WebSocket
 * cannot set headers, and a subprotocol stays out of URLs and logs). The stream is asked for
 * in batches (`?batch=1`: each message a JSON array of events, src-main/api/event-batch.ts),
 * so a busy cluster costs the page one message per frame rather than one per record; a
 * single event per message (a host that does not batch) is understood as well.
 */
import type { MenuAction } from '../../../src-main/api/bridge';
import { COMMANDS, type CommandName } from '../../../src-main/api/commands';
import type { LabEvent } from '../../../src-main/api/contract';
import { EVENT_BATCH_MAX, EVENT_BATCH_PARAM } from '../../../src-main/api/event-batch';
import { httpRequestOf } from '../../../src-main/api/http-routes';
import { isRecord } from '../../../src-main/api/schemas';
import { Emitter } from './emitter';
import { LabError, isLabEvent, type Connection, type LabTransport } from './lab-client';

/** SocketEvents are what the transport hears from its event stream's socket. */
export interface SocketEvents {
  open(): void;
  message(data: unknown): void;
  close(): void;
}

/** OpenSocket opens a WebSocket to `url` offering `protocols` (they carry the token) that reports to `on`; what it returns closes it. */
export type OpenSocket = (url: URL, on: SocketEvents, protocols: string[]) => { close(): void };

/** WS_PROTOCOL is the event stream's subprotocol; WS_TOKEN_PREFIX + token is offered beside it. */
export const WS_PROTOCOL = 'quorum-lab';
/** WS_TOKEN_PREFIX: the subprotocol `bearer.<token>` carries the token (the host never selects it). */
export const WS_TOKEN_PREFIX = 'bearer.';

/** HttpTransportOptions: where the lab is, and how to open its event stream. */
export interface HttpTransportOptions {
  /** base: the lab's origin ('' = the page's own, for fetch). */
  base?: string;
  /** pageUrl: the page's URL, which a '' base resolves against for the WebSocket. */
  pageUrl?: string;
  /** openSocket opens a WebSocket (absent: no live events, commands only). */
  openSocket?: OpenSocket;
  /** token: the lab's launch token (absent: calls go without one, and the lab answers 401). */
  token?: string | null;
}

/** HttpTransport carries the LabClient over fetch + WebSocket against `base` (same origin by default). */
export class HttpTransport implements LabTransport {
  readonly kind = 'http' as const;
  private readonly events = new Emitter<LabEvent>();
  private readonly conn = new Emitter<Connection>();
  private readonly base: string;
  private ws: { close(): void } | null = null;
  private retryMs = 250;
  private closed = false;

  constructor(private readonly opts: HttpTransportOptions = {}) {
    this.base = opts.base ?? '';
  }

  /** connect opens the event stream (idempotent). */
  connect(): void {
    const open = this.opts.openSocket;
    if (this.ws || this.closed || !open) return;
    const url = new URL('/api/events', this.base || this.opts.pageUrl);
    url.searchParams.set(EVENT_BATCH_PARAM, '1');
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    this.conn.emit('connecting');
    const protocols = this.opts.token ? [WS_PROTOCOL, WS_TOKEN_PREFIX + this.opts.token] : [WS_PROTOCOL];
    this.ws = open(
      url,
      {
        open: () => {
          this.retryMs = 250;
          this.conn.emit('open');
        },
        message: (data) => this.onMessage(data),
        close: () => {
          this.ws = null;
          this.conn.emit('closed');
          if (this.closed) return;
          setTimeout(() => this.connect(), this.retryMs);
          this.retryMs = Math.min(this.retryMs * 2, 5000);
        },
      },
      protocols,
    );
  }

  private onMessage(data: unknown): void {
    if (typeof data !== 'string') return;
    let e: unknown;
    try {
      e = JSON.parse(data);
    } catch {
      return; // a garbled frame is dropped, not fatal
    }
    for (const ev of eventsOf(e)) this.events.emit(ev);
  }

  /** close stops the event stream for good. */
  close(): void {
    this.closed = true;
    this.ws?.close();
  }

  onEvent(cb: (e: LabEvent) => void): () => void {
    this.connect();
    return this.events.on(cb);
  }
  onConnection(cb: (c: Connection) => void): () => void {
    return this.conn.on(cb);
  }
  onMenu(_cb: (m: MenuAction) => void): () => void {
    return () => undefined;
  }

  async send(name: CommandName, wire: unknown): Promise<unknown> {
    const req = httpRequestOf(COMMANDS[name].http, wire);
    const headers: Record<string, string> = {};
    if (this.opts.token) headers.authorization = `Bearer ${this.opts.token}`;
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(this.base + req.path, {
        method: req.method,
        headers,
        body: req.body === undefined ? null : JSON.stringify(req.body),
      });
    } catch (e) {
      throw new LabError(`the lab is unreachable (${e instanceof Error ? e.message : String(e)})`);
    }
    const text = await res.text();
    let data: unknown = null;
    if (text !== '') {
      try {
        data = JSON.parse(text);
      } catch {
        throw new LabError(`the lab answered ${res.status} with something that is not JSON`, res.status);
      }
    }
    // A client request's answer comes with 409/503/504 when it was refused or its outcome is
    // unknown: it is still an answer (outcome, node, value), not an error of the call.
    if (!res.ok && isRecord(data) && typeof data.outcome === 'string') return data;
    if (!res.ok) {
      const msg = isRecord(data) && typeof data.error === 'string' ? data.error : `HTTP ${res.status}`;
      throw new LabError(msg, res.status);
    }
    return data;
  }
}

/**
 * eventsOf reads one event-stream message: a single event, or a batch (an array of at most
 * EVENT_BATCH_MAX). A malformed event is dropped alone; an over-long batch is dropped whole.
 */
export function eventsOf(msg: unknown): LabEvent[] {
  if (!Array.isArray(msg)) return isLabEvent(msg) ? [msg] : [];
  if (msg.length > EVENT_BATCH_MAX) return [];
  return msg.filter(isLabEvent);
}
