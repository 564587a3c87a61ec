/**
 * The node's link to the router: one TCP connection on loopback. It opens with a Hello
 * (token + node id, a JSON frame), then carries binary message frames both ways
 * (msg-frame.ts): the header says who, to whom, what and the label the router records;
 * the router forwards the bytes as they are. Incoming frames are validated — the header,
 * the message by the protocol's validator, and that the two agree — and anything invalid
 * is dropped and reported, never stepped into the core. If the router goes away the link
 * reconnects with back-off; messages sent meanwhile are dropped (the protocols retransmit).
 */
import net from 'node:net';
import type { MessageSummary } from '../core/message-summary';
import type { MessageBase, MessageKind } from '../core/types';
import { RawFrameDecoder, encodeFrame, parseJsonFrame, validateHello } from './frames';
import { encodeMsgFrame, isMsgFrame, readMsgHeader, readMsgPayload } from './msg-frame';
import { isPeerClosed, validatePeerClosed } from './peer-closed-frame';
import { tokenEquals } from './token';
import { TRACE_ON, trace } from './trace';

/** MAX_BACKLOG_BYTES: past this much unsent data the router is not reading; drop rather than grow without bound. */
export const MAX_BACKLOG_BYTES = 64 * 1024 * 1024;

/** RouterLinkOptions wires the link to the node. */
export interface RouterLinkOptions {
  id: string;
  token: string;
  host: string;
  port: number;
  /** validate checks a message from the wire (validateMessage of the node's protocol). */
  validate(x: unknown): MessageBase | string;
  /** describe labels an outgoing message for the run log (the protocol's describer); absent: no label. */
  describe?(msg: MessageBase): MessageSummary;
  /** onMessage receives each valid message addressed to this node. */
  onMessage(msg: MessageBase): void;
  /** onReject reports a frame or message that was refused (for the run log). */
  onReject(reason: string): void;
  /** onConnect fires on every (re)connection, after the Hello was written. */
  onConnect(): void;
  /** onDisconnect fires when an established connection is lost. */
  onDisconnect?(reason: string): void;
  /** onPeerClosed: the router says `peer`'s process is gone and its connection closed (peer-closed-frame.ts). */
  onPeerClosed?(peer: string): void;
  /** onChunkEnd: every frame of one read from the socket was handed on (the node may run its Ready loop now). */
  onChunkEnd?(): void;
}

/** RouterLink is the node's reconnecting connection to the router. */
export class RouterLink {
  private sock: net.Socket | null = null;
  private up = false;
  private closed = false;
  private backoffMs = 50;
  private retry: NodeJS.Timeout | null = null;
  /** dropped counts messages dropped because the link was down or backed up. */
  dropped = 0;

  constructor(private readonly o: RouterLinkOptions) {}

  /** connected tells whether the Hello has been written on a live connection. */
  get connected(): boolean {
    return this.up;
  }

  /** sentAll: nothing this link was given waits in the socket's buffer (it is all in the kernel, or the link is down). */
  get sentAll(): boolean {
    return (this.sock?.writableLength ?? 0) === 0;
  }

  /** start opens the first connection. */
  start(): void {
    this.connect();
  }

  /** send writes one frame per message in a single socket write (one syscall per Ready). */
  send(msgs: { kind: MessageKind; msg: MessageBase }[]): void {
    if (msgs.length === 0) return;
    const s = this.sock;
    if (!this.up || !s || s.writableLength > MAX_BACKLOG_BYTES) {
      this.dropped += msgs.length;
      return;
    }
    const bufs: Buffer[] = [];
    for (const m of msgs) {
      try {
        bufs.push(encodeMsgFrame(m.kind, m.msg, this.o.describe?.(m.msg)));
      } catch (e) {
        // A message too large for one frame (a huge snapshot) cannot be sent; say so.
        this.dropped++;
        this.o.onReject(`outgoing ${m.msg.type} to ${m.msg.to} not sent: ${(e as Error).message}`);
      }
    }
    if (TRACE_ON) for (const m of msgs) trace('n.out', `${m.msg.to}|${this.o.describe?.(m.msg).label ?? m.msg.type}`);
    if (bufs.length > 0) s.write(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
  }

  /** close ends the link for good (no reconnect). */
  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.sock?.destroy();
    this.sock = null;
    this.up = false;
  }

  private connect(): void {
    if (this.closed) return;
    const sock = net.connect({ host: this.o.host, port: this.o.port });
    this.sock = sock;
    sock.setNoDelay(true);
    const dec = new RawFrameDecoder();
    let hadHello = false;
    sock.on('connect', () => {
      this.backoffMs = 50;
      sock.write(encodeFrame({ t: 'hello', token: this.o.token, from: this.o.id }));
      this.up = true;
      this.o.onConnect();
    });
    sock.on('data', (chunk: Buffer) => {
      const { frames, error } = dec.push(chunk);
      for (const f of frames) {
        if (isMsgFrame(f)) {
          this.handleFrame(f);
          continue;
        }
        const json = parseJsonFrame(f);
        if (typeof json === 'string') {
          this.o.onReject(`router link: ${json}`);
          continue;
        }
        // The router may greet us with its own Hello (JSON); it must carry our token.
        if (!hadHello && json.t === 'hello') {
          hadHello = true;
          const h = validateHello(json);
          if (typeof h === 'string' || !tokenEquals(h.token, this.o.token)) {
            this.o.onReject('router hello with a wrong token: reconnecting');
            sock.destroy();
            return;
          }
          continue;
        }
        // The router tells us a peer's process is gone (its connection closed).
        if (isPeerClosed(json)) {
          this.handlePeerClosed(json);
          continue;
        }
        this.o.onReject('router link: a JSON frame where a message frame was expected');
      }
      this.o.onChunkEnd?.();
      if (error) {
        // The byte stream is out of step; only a fresh connection can resynchronize it.
        this.o.onReject(`router link: ${error}; reconnecting`);
        sock.destroy();
      }
    });
    sock.on('error', () => {
      // 'close' follows and schedules the reconnect; the error itself needs no action.
    });
    sock.on('close', () => {
      if (this.sock !== sock) return;
      const wasUp = this.up;
      this.up = false;
      this.sock = null;
      if (wasUp) this.o.onDisconnect?.('router connection closed');
      this.scheduleReconnect();
    });
  }

  /** handleFrame checks one message frame (header, message, their agreement) and hands the message on. */
  private handleFrame(f: Buffer): void {
    const header = readMsgHeader(f);
    if (typeof header === 'string') {
      this.o.onReject(`router link: ${header}`);
      return;
    }
    if (TRACE_ON) trace('n.in', `${header.from}|${header.label ?? header.type}`);
    // Checked before the payload is parsed: a misrouted frame costs no JSON parse.
    if (header.to !== this.o.id) {
      this.o.onReject(`router link: message for ${header.to} delivered to ${this.o.id}`);
      return;
    }
    const raw = readMsgPayload(f, header);
    if (typeof raw === 'string') {
      this.o.onReject(`router link: ${raw}`);
      return;
    }
    const msg = this.o.validate(raw);
    if (typeof msg === 'string') {
      this.o.onReject(`router link: invalid ${header.type} message: ${msg}`);
      return;
    }
    this.o.onMessage(msg);
  }

  private handlePeerClosed(f: Record<string, unknown>): void {
    const pc = validatePeerClosed(f);
    if (typeof pc === 'string') this.o.onReject(`router link: ${pc}`);
    else if (pc.peer !== this.o.id) this.o.onPeerClosed?.(pc.peer);
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retry) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, 2000);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect();
    }, wait);
  }
}
