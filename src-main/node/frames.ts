/**
 * The socket frame codec: a 4-byte big-endian length followed by that many bytes, UTF-8
 * JSON for every frame but the router link's messages (binary header + JSON message:
 * msg-frame.ts). Used by the node's transport and client port, and by the lab's router and
 * gateway. RawFrameDecoder cuts a stream into whole frames; FrameDecoder also parses each
 * as JSON. Also the validators for the JSON frames in contract.ts, written
 * with the validation kit (core/validate.ts): each returns the typed value or a string
 * saying what is wrong, so untrusted bytes never reach code that trusts them. Frame JSON
 * is parsed bounded in depth, because a 200 KB `[[[…]]]` parses fine but overflows the
 * stack of whatever walks it next (JSON.stringify when the router forwards it, an error
 * message describing it) — and an exception in a socket handler ends the process.
 */
import { kvOp } from '../core/kv/codec';
import {
  MAX_JSON_DEPTH,
  bool,
  describe,
  fail,
  int,
  isRecord,
  nullable,
  num,
  oneOf,
  optional,
  parseJsonBounded,
  record,
  str,
  valueOrError,
} from '../core/validate';
import {
  MAX_FRAME_BYTES,
  type ClientOutcome,
  type ClientRequestFrame,
  type ClientResponseFrame,
  type HelloFrame,
} from './contract';

export { MAX_FRAME_BYTES };
// describe and isObject are the kit's; re-exported for the router and the IPC validator.
export { describe, isRecord as isObject };

/** MAX_FRAME_DEPTH bounds a frame's JSON nesting (a snapshot message, the deepest, is 6). */
export const MAX_FRAME_DEPTH = MAX_JSON_DEPTH;

/** MAX_HELLO_BYTES bounds the first frame on a connection that must open with a Hello (a Hello is tiny). */
export const MAX_HELLO_BYTES = 4096;

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

/**
 * MAX_BATCH_ITEMS bounds the requests of a ClientRequestBatchFrame and the answers of a
 * ClientResponseBatchFrame; a reader refuses a batch of more (or of none).
 */
export const MAX_BATCH_ITEMS = 1024;

/**
 * MAX_BATCH_BYTES: a writer keeps a batch frame's body under this many bytes (by the bound
 * of 3 bytes a UTF-16 unit, so without measuring each text), and sends a request or answer
 * whose bound alone is larger in a frame of its own. A reader bounds a frame by its own
 * limit, whatever it carries.
 */
export const MAX_BATCH_BYTES = 256 * 1024;

/** BATCH_OVERHEAD_BYTES bounds what encodeBatch adds around the texts: `{"t":"reqs","reqs":[` … `]}` and the commas. */
const batchOverhead = (tag: 'reqs' | 'ress', n: number): number => 2 * tag.length + 16 + n;

/**
 * encodeTexts writes JSON texts as one buffer of frames: a text alone is a frame of its
 * own; several are one batch frame `{"t":tag,tag:[text,…]}` (ClientRequestBatchFrame,
 * ClientResponseBatchFrame). `bound` is an upper bound of the texts' UTF-8 bytes (the
 * caller's sum of 3 bytes a UTF-16 unit); the caller keeps the texts within the batch
 * limits (MAX_BATCH_ITEMS, MAX_BATCH_BYTES), so the frame never nears MAX_FRAME_BYTES.
 */
export function encodeTexts(tag: 'reqs' | 'ress', texts: readonly string[], bound: number): Buffer {
  if (texts.length === 1) {
    const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bound);
    const n = buf.write(texts[0]!, FRAME_HEADER_BYTES, 'utf8');
    buf.writeUInt32BE(n, 0);
    return buf.subarray(0, FRAME_HEADER_BYTES + n);
  }
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bound + batchOverhead(tag, texts.length));
  let at = FRAME_HEADER_BYTES;
  at += buf.write(`{"t":"${tag}","${tag}":[`, at, 'latin1');
  for (let i = 0; i < texts.length; i++) {
    if (i > 0) buf[at++] = 0x2c; // ','
    at += buf.write(texts[i]!, at, 'utf8');
  }
  buf[at++] = 0x5d; // ']'
  buf[at++] = 0x7d; // '}'
  buf.writeUInt32BE(at - FRAME_HEADER_BYTES, 0);
  return buf.subarray(0, at);
}

/**
 * batchItems returns the items of a batch frame whose tag is `tag` (its array is named
 * like its tag), or a string saying why it is not one: the array must hold 1..MAX_BATCH_ITEMS
 * items. Each item is still unchecked: the caller validates it as a frame of its own.
 */
export function batchItems(o: Record<string, unknown>, tag: 'reqs' | 'ress'): unknown[] | string {
  const items = o[tag];
  if (!Array.isArray(items)) return `${tag}.${tag} is ${describe(items)}, not an array`;
  if (items.length === 0 || items.length > MAX_BATCH_ITEMS) {
    return `${tag}.${tag} holds ${items.length} items, not 1..${MAX_BATCH_ITEMS}`;
  }
  return items;
}

/** DecodeResult is what one push() yields: the frames completed, and an error that ends the stream. */
export interface DecodeResult {
  /** frames: every whole frame decoded before any error, in order. */
  frames: Record<string, unknown>[];
  /** error: why the stream is unusable (the connection should be closed); null if fine. */
  error: string | null;
}

/** RawDecodeResult is what one RawFrameDecoder.push() yields: whole frames, and an error that ends the stream. */
export interface RawDecodeResult {
  /** frames: every whole frame completed before any error, in order, each with its 4-byte length word. */
  frames: Buffer[];
  /** error: why the stream is unusable (the connection should be closed); null if fine. */
  error: string | null;
}

/**
 * RawFrameDecoder cuts a byte stream into whole frames without looking inside them: each
 * frame comes out as its bytes, length word included, so the router can forward it as it
 * came. It rejects a length over the limit as soon as the length word arrives (before
 * buffering the body); after an error it stays failed: every later push returns the error.
 *
 * Cost: O(1) per byte however the stream is split. A frame that arrives whole inside one
 * chunk is a view of that chunk (no copy); otherwise its bytes are copied into one buffer
 * that grows by doubling up to the frame's length, so a peer trickling one byte per packet
 * makes us hold neither a list of tiny chunks nor more than twice what it sent.
 */
export class RawFrameDecoder {
  private readonly header = Buffer.alloc(FRAME_HEADER_BYTES);
  private headerFilled = 0;
  /** body: the frame being assembled across chunks, length word included; null when none is. */
  private body: Buffer | null = null;
  private bodyFilled = 0;
  private need = -1; // body length of the frame in progress; -1 = length word not read yet
  private failed: string | null = null;
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
  push(chunk: Buffer | Uint8Array): RawDecodeResult {
    const frames: Buffer[] = [];
    if (this.failed) return { frames, error: this.failed };
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let off = 0;
    while (off < buf.length) {
      if (this.need < 0) {
        const k = Math.min(FRAME_HEADER_BYTES - this.headerFilled, buf.length - off);
        // The length word lies whole in this chunk only if none of it came with an earlier one.
        const wordHere = k === FRAME_HEADER_BYTES;
        buf.copy(this.header, this.headerFilled, off, off + k);
        this.headerFilled += k;
        off += k;
        if (this.headerFilled < FRAME_HEADER_BYTES) break;
        this.headerFilled = 0;
        const len = this.header.readUInt32BE(0);
        const limit = this.decoded === 0 ? this.firstMaxBytes : this.maxBytes;
        if (len > limit) return this.fail(frames, `frame length ${len} exceeds the limit of ${limit}`);
        this.need = len;
        if (wordHere && buf.length - off >= len) {
          // Whole in this chunk, length word included: a view, no copy.
          frames.push(buf.subarray(off - FRAME_HEADER_BYTES, off + len));
          off += len;
          this.need = -1;
          this.decoded++;
          continue;
        }
        this.reserve(FRAME_HEADER_BYTES);
        this.header.copy(this.body!, 0);
        this.bodyFilled = FRAME_HEADER_BYTES;
      }
      const total = FRAME_HEADER_BYTES + this.need;
      const k = Math.min(total - this.bodyFilled, buf.length - off);
      this.reserve(this.bodyFilled + k);
      buf.copy(this.body!, this.bodyFilled, off, off + k);
      this.bodyFilled += k;
      off += k;
      if (this.bodyFilled < total) break;
      frames.push(this.body!.subarray(0, total));
      this.body = null;
      this.bodyFilled = 0;
      this.need = -1;
      this.decoded++;
    }
    return { frames, error: null };
  }

  /** bufferedBytes is how many bytes of a frame wait for the rest of it (for tests and back-pressure). */
  get bufferedBytes(): number {
    return this.headerFilled + Math.max(0, this.bodyFilled - FRAME_HEADER_BYTES);
  }

  /** reserve grows the frame buffer to hold n bytes, doubling (never past the frame's length). */
  private reserve(n: number): void {
    const cur = this.body;
    if (cur && cur.length >= n) return;
    const size = Math.min(FRAME_HEADER_BYTES + this.need, Math.max(n, (cur?.length ?? 0) * 2, 64 * 1024));
    const next = Buffer.allocUnsafe(size);
    if (cur) cur.copy(next, 0, 0, this.bodyFilled);
    this.body = next;
  }

  private fail(frames: Buffer[], error: string): RawDecodeResult {
    this.failed = error;
    this.body = null;
    this.bodyFilled = 0;
    this.headerFilled = 0;
    return { frames, error };
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * parseJsonFrame parses a whole JSON frame (length word included): bounded in depth, and
 * it must be an object. Returns the object or a string saying what is wrong.
 */
export function parseJsonFrame(frame: Buffer): Record<string, unknown> | string {
  let text: string;
  try {
    text = utf8.decode(frame.subarray(FRAME_HEADER_BYTES));
  } catch {
    return 'frame is not valid UTF-8';
  }
  const parsed = parseJsonBounded(text, { maxDepth: MAX_FRAME_DEPTH });
  if (!parsed.ok) return `frame is ${parsed.error}`;
  if (!isRecord(parsed.value)) return `frame is not a JSON object (got ${describe(parsed.value)})`;
  return parsed.value;
}

/** DecodeResult is what one FrameDecoder.push() yields: the frames completed, and an error that ends the stream. */
export interface DecodeResult {
  /** frames: every whole frame decoded before any error, in order. */
  frames: Record<string, unknown>[];
  /** error: why the stream is unusable (the connection should be closed); null if fine. */
  error: string | null;
}

/**
 * FrameDecoder turns a byte stream of JSON frames into objects (RawFrameDecoder, then
 * parseJsonFrame): it also rejects malformed UTF-8/JSON, JSON nested deeper than
 * MAX_FRAME_DEPTH, and JSON that is not an object. After an error it stays failed.
 */
export class FrameDecoder {
  private readonly raw: RawFrameDecoder;
  private failed: string | null = null;

  /** See RawFrameDecoder for maxBytes and firstMaxBytes. */
  constructor(maxBytes = MAX_FRAME_BYTES, firstMaxBytes = maxBytes) {
    this.raw = new RawFrameDecoder(maxBytes, firstMaxBytes);
  }

  /** push feeds bytes read from the socket and returns the frames they complete. */
  push(chunk: Buffer | Uint8Array): DecodeResult {
    const frames: Record<string, unknown>[] = [];
    if (this.failed) return { frames, error: this.failed };
    const r = this.raw.push(chunk);
    for (const f of r.frames) {
      const parsed = parseJsonFrame(f);
      if (typeof parsed === 'string') {
        this.failed = parsed;
        return { frames, error: parsed };
      }
      frames.push(parsed);
    }
    if (r.error) this.failed = r.error;
    return { frames, error: r.error };
  }

  /** bufferedBytes is how many bytes wait for the rest of a frame (for tests and back-pressure). */
  get bufferedBytes(): number {
    return this.raw.bufferedBytes;
  }
}

// ---------------------------------------------------------------------------------------
// Validators. Each returns the frame (typed) or a string naming the first problem.

const OUTCOMES: readonly ClientOutcome[] = ['ok', 'fail', 'unknown'];
/** MAX_ID_BYTES bounds tokens, client names and Hello senders on the wire. */
export const MAX_ID_BYTES = 256;
/** MAX_REQUEST_TIMEOUT_MS bounds a client request's timeoutMs. */
const MAX_REQUEST_TIMEOUT_MS = 600_000;

function shortString(x: unknown, path: string): string {
  return str(x, path, { min: 1, max: MAX_ID_BYTES, what: `a non-empty string of at most ${MAX_ID_BYTES} bytes` });
}

/** expectT checks a frame's tag, naming what was expected. */
function expectT(o: Record<string, unknown>, t: string, what: string): void {
  if (o.t !== t) fail(`expected ${what}, got t=${describe(o.t)}`);
}

/** validateHello checks a Hello frame's shape (the caller compares the token). */
export function validateHello(x: unknown): HelloFrame | string {
  return valueOrError((): HelloFrame => {
    const o = record(x, 'hello');
    expectT(o, 'hello', 'a hello frame first');
    const out: HelloFrame = {
      t: 'hello',
      token: shortString(o.token, 'hello.token'),
      from: shortString(o.from, 'hello.from'),
    };
    const batch = optional(o.batch, (v) => bool(v, 'hello.batch'));
    if (batch !== undefined) out.batch = batch;
    return out;
  });
}

/** validateClientRequest checks a request on a client port, including its KV operation. */
export function validateClientRequest(x: unknown): ClientRequestFrame | string {
  return valueOrError((): ClientRequestFrame => {
    const o = record(x, 'req');
    expectT(o, 'req', 'a req frame');
    const out: ClientRequestFrame = {
      t: 'req',
      id: int(o.id, 'req.id'),
      client: shortString(o.client, 'req.client'),
      seq: int(o.seq, 'req.seq'),
      op: kvOp(o.op, 'req.op'),
      timeoutMs: num(o.timeoutMs, 'req.timeoutMs', 0, MAX_REQUEST_TIMEOUT_MS, { loOpen: true }),
    };
    const follower = optional(o.allowFollowerRead, (v) => bool(v, 'req.allowFollowerRead'));
    if (follower !== undefined) out.allowFollowerRead = follower;
    return out;
  });
}

/** validateClientResponse checks an answer from a client port (used by the gateway). */
export function validateClientResponse(x: unknown): ClientResponseFrame | string {
  return valueOrError((): ClientResponseFrame => {
    const o = record(x, 'res');
    expectT(o, 'res', 'a res frame');
    const id = int(o.id, 'res.id');
    const outcome = oneOf(o.outcome, 'res.outcome', OUTCOMES);
    const result = nullable(o.result, (v) => record(v, 'res.result', 'an object or null'));
    if (result !== null) bool(result.ok, 'res.result.ok');
    const out: ClientResponseFrame = {
      t: 'res',
      id,
      outcome,
      result: result as ClientResponseFrame['result'],
      node: shortString(o.node, 'res.node'),
      leader: nullable(o.leader, (v) => shortString(v, 'res.leader')),
    };
    const error = optional(o.error, (v) => str(v, 'res.error'));
    if (error !== undefined) out.error = error;
    return out;
  });
}
