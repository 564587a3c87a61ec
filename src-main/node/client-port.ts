/**
 * The node's client port: a TCP server on 127.0.0.1 where the gateway (or a test) sends
 * ClientRequestFrames (alone or several in a ClientRequestBatchFrame) and reads
 * ClientResponseFrames (several in a ClientResponseBatchFrame if its Hello asked for
 * `batch`). Every connection must open with a Hello carrying the cluster token; a wrong token, a malformed or oversized frame, or an
 * invalid request closes that connection and is reported — the node itself keeps running.
 */
import net from 'node:net';
import type { ClientRequestFrame, ClientResponseFrame } from './contract';
import {
  FrameDecoder,
  MAX_BATCH_BYTES,
  MAX_BATCH_ITEMS,
  MAX_HELLO_BYTES,
  batchItems,
  encodeFrame,
  encodeTexts,
  validateClientRequest,
  validateHello,
} from './frames';
import { tokenEquals } from './token';

/** ClientPortOptions wires the port to the node. */
export interface ClientPortOptions {
  token: string;
  port: number;
  /** onRequest handles one valid request; `reply` may be called once, later. */
  onRequest(req: ClientRequestFrame, reply: (res: ClientResponseFrame) => void): void;
  /** answerInvalid builds the 'fail' answer to a well-framed request with a bad field (the connection stays open). */
  answerInvalid(id: number, reason: string): ClientResponseFrame;
  /** onReject reports a refused connection or frame (for the run log). */
  onReject(reason: string, remote: string): void;
}

/** MAX_CLIENT_CONNECTIONS bounds open client connections so a flood cannot exhaust descriptors. */
export const MAX_CLIENT_CONNECTIONS = 1024;
// MAX_HELLO_BYTES (frames.ts) bounds the frame before a valid Hello; re-exported for callers of this module.
export { MAX_HELLO_BYTES };
/** MAX_CLIENT_FRAME_BYTES bounds a request: a 1 MiB value (JSON-escaped, up to 6 bytes a char in the worst case) and its envelope. */
export const MAX_CLIENT_FRAME_BYTES = 8 * 1024 * 1024;
/** HELLO_TIMEOUT_MS: a connection that does not say Hello in time is closed. */
export const HELLO_TIMEOUT_MS = 5000;

/** uncork ends a reply batch (see accept's reply). */
function uncork(sock: net.Socket): void {
  sock.uncork();
}

/**
 * AnswerBatch gathers the answers of one pass for a connection whose Hello said `batch`:
 * their JSON texts, written as one ClientResponseBatchFrame when the pass ends (or sooner,
 * when MAX_BATCH_ITEMS or MAX_BATCH_BYTES would be passed), so the gateway parses one frame
 * instead of one per answer.
 */
class AnswerBatch {
  private texts: string[] = [];
  /** bound: 3 bytes a UTF-16 unit of the texts, an upper bound of their UTF-8 size. */
  private bound = 0;

  constructor(private readonly sock: net.Socket) {}

  add(res: ClientResponseFrame): void {
    const json = JSON.stringify(res);
    const b = json.length * 3;
    if (b > MAX_BATCH_BYTES) {
      // A large answer (a get of a large value) goes alone, measured exactly.
      this.flush();
      this.sock.write(encodeFrame(res));
      return;
    }
    if (this.texts.length >= MAX_BATCH_ITEMS || this.bound + b > MAX_BATCH_BYTES) this.flush();
    this.texts.push(json);
    this.bound += b;
  }

  /** end writes what the pass gathered and lets the corked writes go. */
  readonly end = (): void => {
    this.flush();
    this.sock.uncork();
  };

  private flush(): void {
    if (this.texts.length === 0) return;
    const texts = this.texts;
    const bound = this.bound;
    this.texts = [];
    this.bound = 0;
    if (this.sock.destroyed || !this.sock.writable) return;
    this.sock.write(encodeTexts('ress', texts, bound));
  }
}

/** ClientPort is the listening server. */
export class ClientPort {
  private server: net.Server;
  private readonly conns = new Set<net.Socket>();
  /** ends: how each connection corked by this pass's answers lets them go (see flushAnswers). */
  private ends: (() => void)[] = [];

  constructor(private readonly o: ClientPortOptions) {
    this.server = net.createServer((s) => this.accept(s));
    this.server.maxConnections = MAX_CLIENT_CONNECTIONS;
  }

  /** listen binds 127.0.0.1 and resolves with the port (a free one if options.port is 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve((this.server.address() as net.AddressInfo).port);
      });
    });
  }

  /**
   * flushAnswers lets the answers given so far leave, one write per connection: at the end
   * of the pass that gave them (nextTick), or sooner when the host says the pass's answers
   * are all given — a leader's Ready applies and answers before its write to the disk
   * (HostHooks.appliedEarly), and corked until the pass ended, the answers waited for that
   * write too.
   */
  readonly flushAnswers = (): void => {
    const ends = this.ends;
    if (ends.length === 0) return;
    this.ends = [];
    for (const end of ends) end();
  };

  /** close stops listening and drops every connection. */
  close(): void {
    this.server.close();
    for (const c of this.conns) c.destroy();
  }

  private accept(sock: net.Socket): void {
    this.conns.add(sock);
    sock.setNoDelay(true);
    const remote = `${sock.remoteAddress ?? '?'}:${sock.remotePort ?? '?'}`;
    const dec = new FrameDecoder(MAX_CLIENT_FRAME_BYTES, MAX_HELLO_BYTES);
    let greeted = false;
    /** answers: set once the Hello asked for batched answers. */
    let answers: AnswerBatch | null = null;
    const helloTimer = setTimeout(() => reject('no hello within 5 s'), HELLO_TIMEOUT_MS);
    const reject = (reason: string): void => {
      if (sock.destroyed) return;
      this.o.onReject(reason, remote);
      sock.destroy();
    };
    const reply = (res: ClientResponseFrame): void => {
      if (sock.destroyed || !sock.writable) return;
      // A Ready answers every client whose entry it applied, in one synchronous pass: corked
      // until that pass ends (nextTick, not a later turn: no answer waits for other I/O),
      // they leave in one write instead of one system call and one wake-up of the host each.
      // With a batch Hello, they leave in one frame as well (AnswerBatch).
      if (sock.writableCorked === 0) {
        sock.cork();
        this.ends.push(answers ? answers.end : () => uncork(sock));
        if (this.ends.length === 1) process.nextTick(this.flushAnswers);
      }
      if (answers) answers.add(res);
      else sock.write(encodeFrame(res));
    };
    /** request takes one request frame (alone or out of a batch); false: the connection was refused. */
    const request = (f: unknown): boolean => {
      const req = validateClientRequest(f);
      if (typeof req === 'string') {
        // A request we can still answer (it has an id) fails alone, so other requests
        // multiplexed on this connection are not lost; anything else ends the connection.
        const o = f as Record<string, unknown> | null;
        if (
          typeof o === 'object' &&
          o !== null &&
          o.t === 'req' &&
          typeof o.id === 'number' &&
          Number.isSafeInteger(o.id) &&
          o.id >= 0
        ) {
          this.o.onReject(`bad request ${o.id}: ${req}`, remote);
          reply(this.o.answerInvalid(o.id, req));
          return true;
        }
        reject(req);
        return false;
      }
      this.o.onRequest(req, reply);
      return true;
    };
    sock.on('data', (chunk: Buffer) => {
      const { frames, error } = dec.push(chunk);
      for (const f of frames) {
        if (sock.destroyed) return;
        if (!greeted) {
          const h = validateHello(f);
          if (typeof h === 'string') return reject(h);
          if (!tokenEquals(h.token, this.o.token)) return reject(`wrong token from ${h.from}`);
          greeted = true;
          if (h.batch === true) answers = new AnswerBatch(sock);
          clearTimeout(helloTimer);
          continue;
        }
        if (f.t === 'reqs') {
          const items = batchItems(f, 'reqs');
          if (typeof items === 'string') return reject(items);
          for (const item of items) if (!request(item)) return;
          continue;
        }
        if (!request(f)) return;
      }
      if (error) reject(error);
    });
    sock.on('error', () => {
      // 'close' follows; a reset by the peer is not the node's problem.
    });
    sock.on('close', () => {
      clearTimeout(helloTimer);
      this.conns.delete(sock);
    });
  }
}
