/**
 * The socket frame codec: a 4-byte big-endian length followed by that many bytes of
 * UTF-8 JSON (see contract.ts). Used by the node's transport and client port, and by the
 * lab's router and gateway. Also the validators for every frame in contract.ts: each
 * returns the typed value or a string saying what is wrong, so untrusted bytes never
 * reach code that trusts them.
 */
import { validateKvOp } from '../core/kv/codec';
import type { KvOp } from '../core/kv/types';
import type { MessageKind } from '../core/types';
import {
  MAX_FRAME_BYTES,
  type ClientOutcome,
  type ClientRequestFrame,
  type ClientResponseFrame,
  type HelloFrame,
  type MsgFrame,
} from './contract';

export { MAX_FRAME_BYTES };

/** FRAME_HEADER_BYTES is the size of the length prefix. */
export const FRAME_HEADER_BYTES = 4;

/** encodeFrame serializes `obj` as one frame; throws RangeError if it exceeds MAX_FRAME_BYTES (a caller bug). */
export function encodeFrame(obj: object, maxBytes = MAX_FRAME_BYTES): Buffer {
  const json = JSON.stringify(obj);
  const len = Buffer.byteLength(json, 'utf8');
  if (len > maxBytes) throw new RangeError(`frame of ${len} bytes exceeds the limit of ${maxBytes}`);
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + len);
  buf.writeUInt32BE(len, 0);
  buf.write(json, FRAME_HEADER_BYTES, 'utf8');
  return buf;
}

/** DecodeResult is what one push() yields: the frames completed, and an error that ends the stream. */
export interface DecodeResult {
  /** frames: every whole frame decoded before any error, in order. */
  frames: Record<string, unknown>[];
  /** error: why the stream is unusable (the connection should be closed); null if fine. */
  error: string | null;
}

/**
 * FrameDecoder turns a byte stream into frames. It rejects a length over the limit as soon
 * as the header arrives (before buffering the body), malformed UTF-8/JSON, and JSON that
 * is not an object. After an error it stays failed: every later push returns the error.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private need = -1; // body length of the frame in progress; -1 = header not read yet
  private failed: string | null = null;
  private readonly utf8 = new TextDecoder('utf-8', { fatal: true });

  private decoded = 0;

  /**
   * @param maxBytes the largest frame accepted.
   * @param firstMaxBytes the largest first frame (the Hello, which is tiny), so an
   *   unauthenticated peer cannot make us buffer maxBytes; defaults to maxBytes.
   */
  constructor(
    private readonly maxBytes = MAX_FRAME_BYTES,
    private readonly firstMaxBytes = maxBytes,
  ) {}

  /** push feeds bytes read from the socket and returns the frames they complete. */
  push(chunk: Buffer | Uint8Array): DecodeResult {
    const frames: Record<string, unknown>[] = [];
    if (this.failed) return { frames, error: this.failed };
    if (chunk.length > 0) {
      this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      this.buffered += chunk.length;
    }
    for (;;) {
      if (this.need < 0) {
        if (this.buffered < FRAME_HEADER_BYTES) break;
        const len = this.take(FRAME_HEADER_BYTES).readUInt32BE(0);
        const limit = this.decoded === 0 ? this.firstMaxBytes : this.maxBytes;
        if (len > limit) return this.fail(frames, `frame length ${len} exceeds the limit of ${limit}`);
        this.need = len;
      }
      if (this.buffered < this.need) break;
      const body = this.take(this.need);
      this.need = -1;
      const parsed = this.parse(body);
      if (typeof parsed === 'string') return this.fail(frames, parsed);
      this.decoded++;
      frames.push(parsed);
    }
    return { frames, error: null };
  }

  /** bufferedBytes is how many bytes wait for the rest of a frame (for tests and back-pressure). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  private parse(body: Buffer): Record<string, unknown> | string {
    let text: string;
    try {
      text = this.utf8.decode(body);
    } catch {
      return 'frame is not valid UTF-8';
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      return `frame is not valid JSON: ${(e as Error).message}`;
    }
    if (!isObject(value)) return `frame is not a JSON object (got ${describe(value)})`;
    return value;
  }

  private fail(frames: Record<string, unknown>[], error: string): DecodeResult {
    this.failed = error;
    this.chunks = [];
    this.buffered = 0;
    return { frames, error };
  }

  /** take removes exactly n buffered bytes; copies only when a frame spans chunks. */
  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------
// Validators. Each returns the frame (typed) or a string naming the first problem.

const MESSAGE_KINDS: readonly MessageKind[] = ['vote', 'append', 'heartbeat', 'snapshot', 'client', 'other'];
const OUTCOMES: readonly ClientOutcome[] = ['ok', 'fail', 'unknown'];
/** MAX_ID_CHARS bounds ids, tokens and client names on the wire. */
export const MAX_ID_CHARS = 256;

/** validateHello checks a Hello frame's shape (the caller compares the token). */
export function validateHello(x: unknown): HelloFrame | string {
  if (!isObject(x)) return 'hello: not an object';
  if (x.t !== 'hello') return `expected a hello frame first, got t=${describe(x.t)}`;
  if (!isShortString(x.token)) return 'hello: token must be a non-empty string';
  if (!isShortString(x.from)) return 'hello: from must be a non-empty string';
  return { t: 'hello', token: x.token, from: x.from };
}

/** validateMsgFrame checks a MsgFrame's envelope; the caller validates `msg` with validateMessage (core/protocols). */
export function validateMsgFrame(x: unknown): MsgFrame | string {
  if (!isObject(x)) return 'msg: not an object';
  if (x.t !== 'msg') return `expected a msg frame, got t=${describe(x.t)}`;
  if (!MESSAGE_KINDS.includes(x.kind as MessageKind)) return `msg: unknown kind ${describe(x.kind)}`;
  const m = x.msg;
  if (!isObject(m)) return 'msg: msg must be an object';
  if (typeof m.type !== 'string') return 'msg: msg.type must be a string';
  if (!isShortString(m.from)) return 'msg: msg.from must be a node id';
  if (!isShortString(m.to)) return 'msg: msg.to must be a node id';
  if (!isNonNegInt(m.term)) return 'msg: msg.term must be a non-negative integer';
  return { t: 'msg', kind: x.kind as MessageKind, msg: m as MsgFrame['msg'] };
}

/** validateClientRequest checks a request on a client port, including its KV operation. */
export function validateClientRequest(x: unknown): ClientRequestFrame | string {
  if (!isObject(x)) return 'req: not an object';
  if (x.t !== 'req') return `expected a req frame, got t=${describe(x.t)}`;
  if (!isNonNegInt(x.id)) return 'req: id must be a non-negative integer';
  if (!isShortString(x.client)) return 'req: client must be a non-empty string';
  if (!isNonNegInt(x.seq)) return 'req: seq must be a non-negative integer';
  if (!(typeof x.timeoutMs === 'number' && Number.isFinite(x.timeoutMs) && x.timeoutMs > 0 && x.timeoutMs <= 600_000))
    return 'req: timeoutMs must be a number in (0, 600000]';
  if (x.allowFollowerRead !== undefined && typeof x.allowFollowerRead !== 'boolean')
    return 'req: allowFollowerRead must be a boolean';
  const op: KvOp | string = validateKvOp(x.op);
  if (typeof op === 'string') return `req: ${op}`;
  const out: ClientRequestFrame = { t: 'req', id: x.id, client: x.client, seq: x.seq, op, timeoutMs: x.timeoutMs };
  if (x.allowFollowerRead !== undefined) out.allowFollowerRead = x.allowFollowerRead;
  return out;
}

/** validateClientResponse checks an answer from a client port (used by the gateway). */
export function validateClientResponse(x: unknown): ClientResponseFrame | string {
  if (!isObject(x)) return 'res: not an object';
  if (x.t !== 'res') return `expected a res frame, got t=${describe(x.t)}`;
  if (!isNonNegInt(x.id)) return 'res: id must be a non-negative integer';
  if (!OUTCOMES.includes(x.outcome as ClientOutcome)) return `res: unknown outcome ${describe(x.outcome)}`;
  if (x.result !== null && !isObject(x.result)) return 'res: result must be an object or null';
  if (isObject(x.result) && typeof x.result.ok !== 'boolean') return 'res: result.ok must be a boolean';
  if (!isShortString(x.node)) return 'res: node must be a node id';
  if (x.leader !== null && !isShortString(x.leader)) return 'res: leader must be a node id or null';
  if (x.error !== undefined && typeof x.error !== 'string') return 'res: error must be a string';
  const out: ClientResponseFrame = {
    t: 'res',
    id: x.id,
    outcome: x.outcome as ClientOutcome,
    result: (x.result ?? null) as ClientResponseFrame['result'],
    node: x.node,
    leader: (x.leader ?? null) as string | null,
  };
  if (typeof x.error === 'string') out.error = x.error;
  return out;
}

/** isObject: a plain JSON object (not null, not an array). */
export function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isShortString(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= MAX_ID_CHARS;
}

function isNonNegInt(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** describe names a bad value briefly for an error message (never the whole value). */
export function describe(x: unknown): string {
  if (x === undefined) return 'undefined';
  const s = JSON.stringify(x) ?? String(x);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
