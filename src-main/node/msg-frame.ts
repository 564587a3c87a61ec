/**
 * The router link's message frame: what a node and the router exchange after the Hello.
 * Like every socket frame it is a 4-byte big-endian length and that many bytes, but the
 * bytes are a small fixed binary header followed by the message as UTF-8 JSON:
 *
 *   off  size  field
 *     0     1  magic MSG_FRAME_MAGIC (a JSON frame's first byte is `{`, so the two never mix)
 *     1     1  kind: index into MESSAGE_KINDS (vote, append, ...)
 *     2     1  flags: bit 0 = the label says whether it granted, bit 1 = granted
 *     3     1  from: byte length (node id)
 *     4     1  to: byte length (node id)
 *     5     1  type: byte length (the message's type tag)
 *     6     2  label: byte length (big-endian; 0 = no label)
 *     8     8  term: float64, big-endian (a non-negative safe integer)
 *    16     …  from, to, type, label (UTF-8), then the message JSON up to the frame's end
 *
 * Why: the router decides and records everything from the header — who, to whom, what
 * type, which term, the diagram's label — and forwards the frame's bytes untouched on a
 * clean link, where it used to parse, validate and re-encode every message. The label is
 * computed by the sender (its protocol's describer), so the router stays protocol-blind
 * and never walks a payload.
 *
 * Trust: the router checks the header (bounded lengths, a known kind, `from` is the node
 * that said Hello on that connection); the receiving node checks the header, parses the
 * payload bounded in depth, validates the message with its protocol's validator, and
 * refuses a frame whose header and message disagree (from, to, type, term) — so a node
 * cannot get a message past the router's rules under someone else's name. Every check
 * returns a string saying what is wrong; nothing here throws on untrusted bytes.
 */
import type { MessageSummary } from '../core/message-summary';
import { MAX_ID_BYTES } from '../core/message-checks';
import type { MessageBase, MessageKind } from '../core/types';
import { describe, isRecord, parseJsonBounded } from '../core/validate';
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES, MAX_FRAME_DEPTH } from './frames';

/** MSG_FRAME_MAGIC is the first byte of a binary message frame's body. */
export const MSG_FRAME_MAGIC = 0xb1;
/** MSG_FIXED_BYTES is the fixed part of the message header (after the length word). */
export const MSG_FIXED_BYTES = 16;
/** MAX_TYPE_BYTES bounds a message's type tag (the protocol's validator checks it is a known one). */
export const MAX_TYPE_BYTES = 64;
/** MAX_LABEL_BYTES bounds the label (MAX_LABEL_CHARS characters of UTF-8, with room to spare). */
export const MAX_LABEL_BYTES = 512;

/** MESSAGE_KINDS: the kind codes of the header, in order. */
export const MESSAGE_KINDS: readonly MessageKind[] = ['vote', 'append', 'heartbeat', 'snapshot', 'client', 'other'];
const KIND_CODE = new Map<MessageKind, number>(MESSAGE_KINDS.map((k, i) => [k, i]));

const FLAG_HAS_GRANTED = 1;
const FLAG_GRANTED = 2;

/** MsgHeader is what the header of one message frame says. */
export interface MsgHeader {
  kind: MessageKind;
  from: string;
  to: string;
  type: string;
  term: number;
  /** label: the sender's label for the space-time diagram; null when it sent none. */
  label: string | null;
  /** granted: for an answer, whether it granted (absent otherwise). */
  granted?: boolean;
  /** payloadAt: where the message JSON starts in the frame (the frame's bytes, length word included). */
  payloadAt: number;
}

/**
 * encodeMsgFrame encodes one message (length word included). `summary` is the sender's
 * label; a label over MAX_LABEL_BYTES is left out rather than cut inside a character.
 * Throws RangeError for a message too large for one frame, or ids/type over their bounds
 * (a caller bug, as encodeFrame does).
 */
export function encodeMsgFrame(
  kind: MessageKind,
  msg: MessageBase | (MessageBase & Record<string, unknown>),
  summary?: MessageSummary,
): Buffer {
  const json = JSON.stringify(msg);
  const from = String(msg.from);
  const to = String(msg.to);
  const type = String(msg.type);
  const fromLen = Buffer.byteLength(from);
  const toLen = Buffer.byteLength(to);
  const typeLen = Buffer.byteLength(type);
  if (fromLen > MAX_ID_BYTES || toLen > MAX_ID_BYTES || typeLen > MAX_TYPE_BYTES)
    throw new RangeError(`message ${type.slice(0, 32)}: an id or its type is too long for a frame header`);
  let label = summary?.label ?? '';
  let labelLen = Buffer.byteLength(label);
  if (labelLen > MAX_LABEL_BYTES) {
    label = '';
    labelLen = 0;
  }
  const jsonLen = Buffer.byteLength(json);
  const bodyLen = MSG_FIXED_BYTES + fromLen + toLen + typeLen + labelLen + jsonLen;
  if (bodyLen > MAX_FRAME_BYTES)
    throw new RangeError(`frame of ${bodyLen} bytes exceeds the limit of ${MAX_FRAME_BYTES}`);
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bodyLen);
  buf.writeUInt32BE(bodyLen, 0);
  const h = FRAME_HEADER_BYTES;
  buf[h] = MSG_FRAME_MAGIC;
  buf[h + 1] = KIND_CODE.get(kind) ?? KIND_CODE.get('other')!;
  const g = summary?.granted;
  buf[h + 2] = g === undefined ? 0 : FLAG_HAS_GRANTED | (g ? FLAG_GRANTED : 0);
  buf[h + 3] = fromLen;
  buf[h + 4] = toLen;
  buf[h + 5] = typeLen;
  buf.writeUInt16BE(labelLen, h + 6);
  buf.writeDoubleBE(msg.term, h + 8);
  let at = h + MSG_FIXED_BYTES;
  at += buf.write(from, at, 'utf8');
  at += buf.write(to, at, 'utf8');
  at += buf.write(type, at, 'utf8');
  if (labelLen > 0) at += buf.write(label, at, 'utf8');
  buf.write(json, at, 'utf8');
  return buf;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** text decodes a header field as strict UTF-8; null if it is not. */
function text(frame: Buffer, at: number, len: number): string | null {
  if (len === 0) return '';
  // Ids, types and most labels are ASCII: decoded without a view or a TextDecoder call,
  // which were most of the router's cost of reading a header.
  let ascii = true;
  for (let i = at, end = at + len; i < end; i++)
    if (frame[i]! > 0x7f) {
      ascii = false;
      break;
    }
  return ascii ? frame.toString('latin1', at, at + len) : strictUtf8(frame, at, len);
}

/** strictUtf8 decodes bytes as UTF-8 (TextDecoder, fatal); null if they are not. */
function strictUtf8(frame: Buffer, at: number, len: number): string | null {
  try {
    return utf8.decode(frame.subarray(at, at + len));
  } catch {
    return null;
  }
}

/** isMsgFrame tells whether a whole frame (length word included) is a binary message frame rather than JSON. */
export function isMsgFrame(frame: Buffer): boolean {
  return frame.length > FRAME_HEADER_BYTES && frame[FRAME_HEADER_BYTES] === MSG_FRAME_MAGIC;
}

/**
 * readMsgHeader checks and reads a whole frame's header (the frame as RawFrameDecoder
 * yields it: length word included); returns the header or a string saying what is wrong.
 * It reads only the header: the payload is not looked at.
 */
export function readMsgHeader(frame: Buffer): MsgHeader | string {
  const h = FRAME_HEADER_BYTES;
  if (frame.length < h + MSG_FIXED_BYTES) return `message frame of ${frame.length} bytes is shorter than its header`;
  if (frame[h] !== MSG_FRAME_MAGIC) return `not a message frame (first byte ${frame[h]})`;
  const kind = MESSAGE_KINDS[frame[h + 1]!];
  if (kind === undefined) return `message frame with unknown kind code ${frame[h + 1]}`;
  const flags = frame[h + 2]!;
  if ((flags & ~(FLAG_HAS_GRANTED | FLAG_GRANTED)) !== 0) return `message frame with unknown flags ${flags}`;
  const fromLen = frame[h + 3]!;
  const toLen = frame[h + 4]!;
  const typeLen = frame[h + 5]!;
  const labelLen = frame.readUInt16BE(h + 6);
  if (fromLen < 1 || fromLen > MAX_ID_BYTES) return `message frame: from is ${fromLen} bytes (1..${MAX_ID_BYTES})`;
  if (toLen < 1 || toLen > MAX_ID_BYTES) return `message frame: to is ${toLen} bytes (1..${MAX_ID_BYTES})`;
  if (typeLen < 1 || typeLen > MAX_TYPE_BYTES) return `message frame: type is ${typeLen} bytes (1..${MAX_TYPE_BYTES})`;
  if (labelLen > MAX_LABEL_BYTES) return `message frame: label is ${labelLen} bytes (at most ${MAX_LABEL_BYTES})`;
  const term = frame.readDoubleBE(h + 8);
  if (!Number.isSafeInteger(term) || term < 0) return `message frame: term ${term} is not a non-negative integer`;
  const fromAt = h + MSG_FIXED_BYTES;
  const payloadAt = fromAt + fromLen + toLen + typeLen + labelLen;
  if (payloadAt > frame.length) return `message frame of ${frame.length} bytes is shorter than its header says`;
  const from = text(frame, fromAt, fromLen);
  const to = text(frame, fromAt + fromLen, toLen);
  const type = text(frame, fromAt + fromLen + toLen, typeLen);
  const label = text(frame, fromAt + fromLen + toLen + typeLen, labelLen);
  if (from === null || to === null || type === null || label === null) return 'message frame header is not valid UTF-8';
  const out: MsgHeader = { kind, from, to, type, term, label: labelLen > 0 ? label : null, payloadAt };
  if (flags & FLAG_HAS_GRANTED) out.granted = (flags & FLAG_GRANTED) !== 0;
  return out;
}

/**
 * readMsgPayload parses the message JSON of a frame whose header was read, bounded in
 * depth, and checks that it is an object whose from, to, type and term are the header's.
 * The caller still validates the message with its protocol's validator.
 */
export function readMsgPayload(frame: Buffer, header: MsgHeader): Record<string, unknown> | string {
  if (header.payloadAt >= frame.length) return `${header.type} frame carries no message`;
  const body = strictUtf8(frame, header.payloadAt, frame.length - header.payloadAt);
  if (body === null) return `${header.type} message is not valid UTF-8`;
  const parsed = parseJsonBounded(body, { maxDepth: MAX_FRAME_DEPTH });
  if (!parsed.ok) return `${header.type} message is ${parsed.error}`;
  const m = parsed.value;
  if (!isRecord(m)) return `${header.type} message is not a JSON object (got ${describe(m)})`;
  if (m.from !== header.from || m.to !== header.to || m.type !== header.type || m.term !== header.term)
    return `header and message disagree: header ${header.type} ${header.from}→${header.to} term ${header.term}, message ${describe(m.type)} ${describe(m.from)}→${describe(m.to)} term ${describe(m.term)}`;
  return m;
}

/** decodeMsgFrame reads a whole message frame: its header and its message (see readMsgPayload). */
export function decodeMsgFrame(frame: Buffer): { header: MsgHeader; msg: Record<string, unknown> } | string {
  const header = readMsgHeader(frame);
  if (typeof header === 'string') return header;
  const msg = readMsgPayload(frame, header);
  return typeof msg === 'string' ? msg : { header, msg };
}
