/**
 * The Router is the only path between nodes: one TCP listener on 127.0.0.1. Each node
 * connects, sends Hello {token, from: its id}, then message frames (node/msg-frame.ts);
 * the router routes each by its header's `to`, applying the link rules (kept in
 * ./link-rules.ts with the rate-limited links' queues): partitions
 * (groups), one-way cuts, per directed link latency ± jitter (jitter reorders), loss and
 * duplication probabilities, all drawn from a seeded Rng, and a rate limit in bytes a
 * second with a bounded queue (core/link-queue.ts: a frame waits for the wire, crosses it
 * at the rate, then takes its latency; one that would overfill the queue is dropped as
 * 'queue-full'). Rules are checked again when a delayed frame is delivered, so a link cut
 * while a frame is in flight drops it, as a real network would.
 *
 * This is the benchmark's hot path. A message frame (node/msg-frame.ts) has a small binary
 * header — kind, from, to, type, term, and the label the sender's protocol gave it — and
 * the router decides, records and forwards from that header alone: it never parses the
 * message, and a clean link forwards the frame's bytes untouched, synchronously. Each
 * message costs two small records in the Recorder (the send record carries the header's
 * label), and the recorder copies the frame into its bounded body store (one memcpy into
 * a fixed arena), for GET /api/messages/:id. The receiving node validates the message and
 * checks that header and message agree, so a node cannot use the header to get a message
 * past the rules under another name: the router checks the header's `from` is the node
 * that said Hello on that connection.
 *
 * A drop record says which rule dropped the message: `partition` (the two ends are in
 * different partition groups), `blocked` (a one-way or two-way cut of that link), `loss`
 * (with the link's `loss` probability), `down` (no connection to the receiver),
 * `held-overflow`, `queue-full` (a rate-limited link's queue had no room),
 * `removed` (the receiver was taken out of the cluster); `inFlight: true` when the rule came into force while the
 * message was on its way.
 *
 * Any local process can connect to the listener, so before a valid Hello a connection is
 * held to the client port's limits: a first frame of at most MAX_HELLO_BYTES, a Hello
 * within HELLO_TIMEOUT_MS, at most MAX_ROUTER_CONNECTIONS open at once; tokens are compared
 * in constant time. Refused connections reach the run log at most REJECT_LOG_PER_SEC a
 * second, then as one "N more rejected connections not logged" record, so a flood cannot
 * push real events out of the log.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { LinkBacklog, LinkRule } from '../api/contract';
import { deliveryDelayMs } from '../api/slow-motion';
import { boundLabel } from '../core/message-summary';
import type { ProtocolName } from '../core/protocols';
import { seededRng, type NodeId, type Rng } from '../core/types';
import { HELLO_TIMEOUT_MS } from '../node/client-port';
import {
  MAX_FRAME_BYTES,
  MAX_HELLO_BYTES,
  RawFrameDecoder,
  describe,
  parseJsonFrame,
  validateHello,
} from '../node/frames';
import { readMsgHeader, type MsgHeader } from '../node/msg-frame';
import { tokenEquals } from '../node/token';
import { LinkRules, type LinkSettings } from './link-rules';
import { TRACE_ON, trace } from '../node/trace';
import { PeerCloses } from './peer-closes';
import { RejectLog } from './reject-log';
import { WireOrder } from './wire-order';
import { TurnWrites } from './turn-writes';
import type { Recorder } from './recorder';

/** MAX_ROUTER_CONNECTIONS bounds open router connections: a node needs one (two while it reconnects). */
export const MAX_ROUTER_CONNECTIONS = 64;
/** REJECT_LOG_PER_SEC bounds the run-log records of refused connections and frames per second. */
export const REJECT_LOG_PER_SEC = 5;
/** MAX_HELD bounds the messages kept while the cluster is frozen (a node restarted meanwhile keeps sending). */
const MAX_HELD = 10_000;

/** RouterOptions configure a Router. */
export interface RouterOptions {
  token: string;
  nodes: NodeId[];
  recorder: Recorder;
  seed: number;
  /** helloTimeoutMs: how long a new connection may take to say Hello (default HELLO_TIMEOUT_MS). */
  helloTimeoutMs?: number;
  /** maxConnections: open connections allowed at once (default MAX_ROUTER_CONNECTIONS). */
  maxConnections?: number;
  /** protocol: when set, every send record carries a label (the sender's, else the message type). */
  protocol?: ProtocolName;
  /** onQueue: a rate-limited link's queue changed (a message joined or left it). */
  onQueue?: () => void;
}

/** DropReason names the rule that dropped a message (see the file comment). */
export type DropReason = 'partition' | 'blocked' | 'loss' | 'down' | 'held-overflow' | 'queue-full' | 'removed';

/** Router forwards protocol messages between node processes under the link rules. */
export class Router {
  private server: Server | null = null;
  private readonly conns = new Map<NodeId, Socket>();
  private readonly all = new Set<Socket>();
  /** net: who may connect, the partition and the link rules (link-rules.ts). */
  private readonly net: LinkRules;
  private readonly rng: Rng;
  private nextId = 0;
  private timeScale = 1;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly wireOrder = new WireOrder();
  /** writes: frames batched per socket to a read's or a turn's end (turn-writes.ts). */
  private readonly writes = new TurnWrites(TRACE_ON ? () => trace('r.flush', '-') : undefined);
  /** held: deliveries waiting while the lab has frozen the cluster (pause-on), in order; null when not frozen. */
  private held: { id: number; h: MsgHeader; bytes: Buffer }[] | null = null;
  private readonly rejects: RejectLog;
  /** closes tell a dead node's peers that its connection closed (peer-closes.ts). */
  private readonly closes: PeerCloses;
  port = 0;

  constructor(private readonly opts: RouterOptions) {
    this.rng = seededRng(opts.seed ^ 0x5eed);
    this.net = new LinkRules(opts.nodes);
    this.rejects = new RejectLog(opts.recorder, REJECT_LOG_PER_SEC);
    this.closes = new PeerCloses({
      cutBy: (from, to) => this.cutBy(from, to, this.linkOf(from, to)),
      delayMs: (from, to) => this.closeDelayMs(from, to),
      connected: () => this.conns.keys(),
      write: (to, bytes) => {
        const sock = this.conns.get(to);
        if (!sock || sock.destroyed) return false;
        this.write(sock, bytes);
        return true;
      },
      frozen: () => this.held !== null,
      record: (kind, fields) => this.opts.recorder.record(kind, fields),
    });
  }

  /**
   * nodeExited: the lab saw `id`'s process exit. Its peers are told its connection closed
   * (peer-closes.ts) once the router has read the last frame it sent.
   */
  nodeExited(id: NodeId): void {
    const sock = this.conns.get(id);
    this.closes.exited(id, sock !== undefined && !sock.destroyed);
  }

  /** closeDelayMs: a close on from → to arrives after the link's latency, its worst jitter and its queue. */
  private closeDelayMs(from: NodeId, to: NodeId): number {
    const l = this.linkOf(from, to);
    const rate = l.bandwidth * Math.min(1, this.timeScale > 0 ? this.timeScale : 1);
    const queued = rate > 0 ? (this.backlog(from, to).bytes * 1000) / rate : 0;
    return deliveryDelayMs(l.latencyMs + l.jitterMs, this.timeScale) + queued;
  }

  /** listen starts the TCP listener on 127.0.0.1 (a free port) and resolves with the port. */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      const server = createServer((s) => this.accept(s));
      server.maxConnections = this.opts.maxConnections ?? MAX_ROUTER_CONNECTIONS;
      server.on('drop', () => this.rejects.note(null, 'too many connections'));
      server.on('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const addr = server.address();
        this.port = typeof addr === 'object' && addr ? addr.port : 0;
        this.server = server;
        resolve(this.port);
      });
    });
  }

  private accept(sock: Socket): void {
    sock.setNoDelay(true);
    this.all.add(sock);
    // Until the Hello, a peer is a stranger: it may not make us buffer more than a Hello.
    const decoder = new RawFrameDecoder(MAX_FRAME_BYTES, MAX_HELLO_BYTES);
    let node: NodeId | null = null;
    const helloMs = this.opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS;
    const helloTimer = setTimeout(() => reject(`no hello within ${helloMs} ms`), helloMs);
    const reject = (why: string): void => {
      if (sock.destroyed) return;
      this.rejects.note(node, why);
      sock.destroy();
    };
    const onData = (chunk: Buffer): void => {
      const { frames, error } = decoder.push(chunk);
      for (const f of frames) {
        if (sock.destroyed) return;
        if (node === null) {
          const json = parseJsonFrame(f);
          if (typeof json === 'string') return reject(json);
          const h = validateHello(json);
          if (typeof h === 'string') return reject(h);
          if (!tokenEquals(h.token, this.opts.token)) return reject('wrong token');
          if (!this.net.known.has(h.from)) return reject(`unknown node ${describe(h.from)}`);
          clearTimeout(helloTimer);
          node = h.from;
          const old = this.conns.get(node);
          if (old && old !== sock) old.destroy();
          this.conns.set(node, sock);
          this.opts.recorder.record('router-connect', { node });
          this.closes.connected(node);
          continue;
        }
        const h = readMsgHeader(f);
        if (typeof h === 'string') return reject(h);
        if (h.from !== node) return reject(`message from ${describe(h.from)} on ${node}'s connection`);
        // A node that has not yet heard of a removal may still address the removed node: dropped, not refused.
        if (!this.net.known.has(h.to) && !this.net.removed.has(h.to))
          return reject(`message to unknown node ${describe(h.to)}`);
        if (TRACE_ON) trace('r.in', `${h.from}>${h.to}|${h.label ?? h.type}`);
        this.route(h, f);
      }
      if (error) reject(error);
    };
    sock.on('data', (chunk: Buffer) => {
      this.writes.readStart();
      try {
        onData(chunk);
      } finally {
        this.writes.readEnd();
      }
    });
    sock.on('error', () => {
      /* a crashed node resets its socket; 'close' cleans up */
    });
    sock.on('close', () => {
      clearTimeout(helloTimer);
      this.all.delete(sock);
      if (node !== null && this.conns.get(node) === sock) {
        this.conns.delete(node);
        this.opts.recorder.record('router-disconnect', { node });
        this.closes.socketClosed(node);
      }
    });
  }

  private linkOf(from: NodeId, to: NodeId): LinkSettings {
    return this.net.linkOf(from, to);
  }

  /** cutBy names the rule that cuts from → to now ('blocked' before 'partition'), or null when the link is open. */
  private cutBy(from: NodeId, to: NodeId, l: LinkSettings): DropReason | null {
    return this.net.cutBy(from, to, l);
  }

  /** sendLabel is a send record's label fields: the sender's label, else (with a protocol) the type. */
  private sendLabel(h: MsgHeader): { label: string; granted?: boolean } | undefined {
    if (h.label !== null) {
      // The header allows MAX_LABEL_BYTES; the run log's labels stay as short as a describer makes them.
      const label = boundLabel(h.label);
      return h.granted === undefined ? { label } : { label, granted: h.granted };
    }
    return this.opts.protocol ? { label: boundLabel(h.type) } : undefined;
  }

  /** route records a message frame's send and applies the link's rules to it; `bytes` is the frame as it came. */
  private route(h: MsgHeader, bytes: Buffer): void {
    const { from, to, type, term, kind } = h;
    const rec = this.opts.recorder;
    const id = ++this.nextId;
    rec.message('send', id, from, to, type, kind, term, this.sendLabel(h));
    const l = this.linkOf(from, to);
    rec.keepBody(id, bytes);
    const cut = this.cutBy(from, to, l);
    if (cut !== null) {
      rec.message('drop', id, from, to, type, kind, term, { reason: cut });
      return;
    }
    if (l.loss > 0 && this.rng.next() < l.loss) {
      rec.message('drop', id, from, to, type, kind, term, { reason: 'loss', loss: l.loss });
      return;
    }
    this.schedule(id, h, bytes, l);
    if (l.duplicate > 0 && this.rng.next() < l.duplicate) {
      rec.message('duplicate', id, from, to, type, kind, term);
      this.schedule(id, h, bytes, l);
    }
  }

  private schedule(id: number, h: MsgHeader, bytes: Buffer, l: LinkSettings): void {
    let wire = 0;
    if (l.bandwidth > 0) {
      const q = this.net.queueOf(h.from, h.to, l.bandwidth, this.timeScale);
      const now = performance.now();
      const done = q.offer(now, bytes.length);
      if (done === null) {
        const { from, to, type, term } = h;
        const { bytes: queued, messages } = q.backlog(now);
        this.opts.recorder.message('drop', id, from, to, type, h.kind, term, {
          reason: 'queue-full',
          bytes: bytes.length,
          queuedBytes: queued,
          queued: messages,
        });
        return;
      }
      wire = done - now;
      this.opts.onQueue?.();
    }
    let latency = l.latencyMs;
    if (l.jitterMs > 0) latency += (this.rng.next() * 2 - 1) * l.jitterMs;
    // In slow motion every delivery is stretched too, not only the timers (see slow-motion.ts);
    // the wire time is already in wall time (the queue runs at the rate times the scale).
    const delay = deliveryDelayMs(latency, this.timeScale) + wire;
    if (delay < 0.5 && l.jitterMs === 0 && l.bandwidth === 0) {
      this.deliver(id, h, bytes, false);
      return;
    }
    const land = (): void => {
      this.deliver(id, h, bytes, true);
      if (l.bandwidth > 0) this.opts.onQueue?.();
    };
    const arrive = l.bandwidth > 0 && l.jitterMs === 0 ? this.wireOrder.enter(h.from, h.to, land) : land;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      arrive();
    }, delay);
    this.timers.add(timer);
  }

  /**
   * carry sends a payload the lab itself moves between two nodes (a shard's data on its way
   * to its new group) over the link from → to, under the same rules as a protocol message:
   * cut, loss, the rate limit's queue and latency ± jitter apply, the run log records its
   * send and its delivery or drop, and it resolves with whether it arrived (`reason`: the
   * rule that dropped it).
   */
  carry(
    from: NodeId,
    to: NodeId,
    type: string,
    bytes: Buffer,
  ): Promise<{ ok: true } | { ok: false; reason: DropReason }> {
    const rec = this.opts.recorder;
    const id = ++this.nextId;
    rec.message('send', id, from, to, type, 'snapshot', 0, { label: `${type} ${bytes.length} B`, bytes: bytes.length });
    rec.keepBody(id, bytes);
    const verdict = (delayed: boolean): { ok: true } | { ok: false; reason: DropReason } => {
      const cut = this.cutBy(from, to, this.linkOf(from, to));
      const reason: DropReason | null = cut ?? (this.conns.get(to)?.destroyed === false ? null : 'down');
      if (reason !== null) {
        rec.message('drop', id, from, to, type, 'snapshot', 0, { reason, ...(delayed ? { inFlight: true } : {}) });
        return { ok: false, reason };
      }
      rec.message('deliver', id, from, to, type, 'snapshot', 0);
      return { ok: true };
    };
    const l = this.linkOf(from, to);
    if (this.cutBy(from, to, l) === null && l.loss > 0 && this.rng.next() < l.loss) {
      rec.message('drop', id, from, to, type, 'snapshot', 0, { reason: 'loss', loss: l.loss });
      return Promise.resolve({ ok: false, reason: 'loss' });
    }
    // The bytes wait for the wire behind whatever the link already queues, like any message.
    let wire = 0;
    if (l.bandwidth > 0 && this.cutBy(from, to, l) === null) {
      const now = performance.now();
      const done = this.net.queueOf(from, to, l.bandwidth, this.timeScale).offer(now, bytes.length);
      if (done === null) {
        rec.message('drop', id, from, to, type, 'snapshot', 0, { reason: 'queue-full', bytes: bytes.length });
        return Promise.resolve({ ok: false, reason: 'queue-full' });
      }
      wire = done - now;
      this.opts.onQueue?.();
    }
    const latency = l.latencyMs + (l.jitterMs > 0 ? (this.rng.next() * 2 - 1) * l.jitterMs : 0);
    const delay = deliveryDelayMs(latency, this.timeScale) + wire;
    if (delay < 0.5 && wire === 0) return Promise.resolve(verdict(false));
    return new Promise((resolve) => {
      const land = (): void => {
        if (wire > 0) this.opts.onQueue?.();
        resolve(verdict(true));
      };
      const arrive = wire > 0 && l.jitterMs === 0 ? this.wireOrder.enter(from, to, land) : land;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        arrive();
      }, delay);
      this.timers.add(timer);
    });
  }

  private deliver(id: number, h: MsgHeader, bytes: Buffer, delayed: boolean): void {
    const { from, to, type, term, kind } = h;
    // While the cluster is frozen nothing arrives anywhere: the message waits, as if in flight.
    if (this.held) {
      if (this.held.length < MAX_HELD) this.held.push({ id, h, bytes });
      else this.opts.recorder.message('drop', id, from, to, type, kind, term, { reason: 'held-overflow' });
      return;
    }
    const rec = this.opts.recorder;
    // A rule that changed while the frame was in flight applies to it now.
    const cut = delayed ? this.cutBy(from, to, this.linkOf(from, to)) : null;
    if (cut !== null) {
      rec.message('drop', id, from, to, type, kind, term, { reason: cut, inFlight: true });
      return;
    }
    const sock = this.conns.get(to);
    if (this.net.removed.size > 0 && this.net.removed.has(to)) {
      rec.message('drop', id, from, to, type, kind, term, { reason: 'removed' });
      return;
    }
    if (!sock || sock.destroyed) {
      rec.message('drop', id, from, to, type, kind, term, { reason: 'down' });
      return;
    }
    this.write(sock, bytes);
    if (TRACE_ON) trace('r.out', `${from}>${to}|${h.label ?? type}`);
    rec.message('deliver', id, from, to, type, kind, term);
  }

  /** write batches frames per socket to the end of this read or this turn (turn-writes.ts). */
  private write(sock: Socket, bytes: Buffer): void {
    this.writes.write(sock, bytes);
  }

  /**
   * hold freezes delivery (on) or lets the held messages go on in the order they were due
   * (off), each checked against the rules of that moment. The lab holds while it has
   * every node SIGSTOPped, so a frozen cluster is frozen in the network too.
   */
  hold(on: boolean): void {
    if (on) {
      this.held ??= [];
      return;
    }
    const due = this.held ?? [];
    this.held = null;
    for (const m of due) this.deliver(m.id, m.h, m.bytes, true);
    this.closes.release();
  }

  /** partition cuts every link between the groups; nodes not named form one more group. */
  partition(groups: NodeId[][]): void {
    this.net.partition(groups);
  }

  /**
   * addNode lets a new node connect. Under a partition it joins the group of `near` (the
   * lab passes the leader, whom a joining node must reach to catch up), else the last group.
   */
  addNode(id: NodeId, near?: NodeId): void {
    this.net.addNode(id, near);
  }

  /** removeNode takes a node out: its connection closes, its rules go, messages still addressed to it are dropped. */
  removeNode(id: NodeId): void {
    this.net.removeNode(id);
    this.conns.get(id)?.destroy();
  }

  /** heal removes the partition and every link rule. */
  heal(): void {
    this.net.heal();
  }

  /** setLink sets one directed link's rule (fields not given keep their current value). */
  setLink(rule: Partial<LinkRule> & { from: NodeId; to: NodeId }): void {
    this.net.setLink(rule);
  }

  /** setTimeScale stretches deliveries: at scale s < 1 each takes (latency + SLOW_MOTION_BASE_MS) / s. */
  setTimeScale(scale: number): void {
    this.timeScale = scale;
  }

  /** rules lists the non-clean links, partition cuts included (shown as blocked). */
  rules(): LinkRule[] {
    return this.net.rules();
  }

  /** backlog says what waits on the link from → to now (nothing on a link without a rate limit). */
  backlog(from: NodeId, to: NodeId): LinkBacklog {
    return this.net.backlog(from, to);
  }

  /** partitionGroups returns the current groups (one group of every node when healed). */
  partitionGroups(): NodeId[][] {
    return this.net.partitionGroups();
  }

  /** connected tells whether a node's router connection is open. */
  connected(id: NodeId): boolean {
    return this.conns.has(id);
  }

  /** close stops listening, drops frames in flight and closes every connection. */
  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.wireOrder.clear();
    this.closes.stop();
    this.rejects.close();
    for (const s of this.all) s.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((res) => server.close(() => res()));
  }
}
