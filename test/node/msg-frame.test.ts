/**
 * The router link's binary message frame (node/msg-frame.ts): what the router reads from
 * the header alone, and what a receiving node refuses — truncated, oversized or malformed
 * frames, and a header that disagrees with its message — always with a clear error and
 * never an exception, whatever the bytes.
 */
import { describe, expect, it } from 'vitest';
import { describeMessage } from '../../src-main/core/protocols';
import { seededRng } from '../../src-main/core/types';
import { FRAME_HEADER_BYTES, RawFrameDecoder } from '../../src-main/node/frames';
import {
  MAX_LABEL_BYTES,
  MSG_FIXED_BYTES,
  decodeMsgFrame,
  encodeMsgFrame,
  readMsgHeader,
} from '../../src-main/node/msg-frame';

const entries = [5, 6, 7].map((index) => ({ index, term: 3, type: 'normal', data: 'héllo ✓' }));
const append = { type: 'append', from: 'n1', to: 'n2', term: 3, prevIndex: 4, prevTerm: 3, entries, commit: 4 };
const ack = { type: 'appendResp', from: 'n2', to: 'n1', term: 3, index: 7, reject: false, rejectHint: 0 };

/** frameOf builds a frame by hand: the fixed header's fields, the strings, then the payload text. */
function frameOf(o: {
  magic?: number;
  kind?: number;
  flags?: number;
  from?: string;
  to?: string;
  type?: string;
  label?: string;
  term?: number;
  payload?: string;
  /** lens: header lengths to write instead of the true ones. */
  lens?: { from?: number; to?: number; type?: number; label?: number };
}): Buffer {
  const from = Buffer.from(o.from ?? 'n1');
  const to = Buffer.from(o.to ?? 'n2');
  const type = Buffer.from(o.type ?? 'append');
  const label = Buffer.from(o.label ?? '');
  const payload = Buffer.from(o.payload ?? JSON.stringify(append));
  const head = Buffer.alloc(FRAME_HEADER_BYTES + MSG_FIXED_BYTES);
  const h = FRAME_HEADER_BYTES;
  head[h] = o.magic ?? 0xb1;
  head[h + 1] = o.kind ?? 1;
  head[h + 2] = o.flags ?? 0;
  head[h + 3] = o.lens?.from ?? from.length;
  head[h + 4] = o.lens?.to ?? to.length;
  head[h + 5] = o.lens?.type ?? type.length;
  head.writeUInt16BE(o.lens?.label ?? label.length, h + 6);
  head.writeDoubleBE(o.term ?? 3, h + 8);
  const f = Buffer.concat([head, from, to, type, label, payload]);
  f.writeUInt32BE(f.length - FRAME_HEADER_BYTES, 0);
  return f;
}

describe('message frame: round trip', () => {
  it('the header carries kind, from, to, type, term and the sender label; the message comes back equal', () => {
    const f = encodeMsgFrame('append', append, describeMessage('raft', append));
    expect(f.readUInt32BE(0)).toBe(f.length - FRAME_HEADER_BYTES);
    const h = readMsgHeader(f);
    expect(h).toMatchObject({
      kind: 'append',
      from: 'n1',
      to: 'n2',
      type: 'append',
      term: 3,
      label: 'AppendEntries t3 [5..7] c=4',
    });
    expect(h).not.toHaveProperty('granted');
    const d = decodeMsgFrame(f);
    if (typeof d === 'string') throw new Error(d);
    expect(d.msg).toEqual(append);
    const r = readMsgHeader(encodeMsgFrame('append', ack, describeMessage('raft', ack)));
    expect(r).toMatchObject({
      kind: 'append',
      type: 'appendResp',
      label: 'AppendResp t3 → ok, match 7',
      granted: true,
    });
    const no = readMsgHeader(
      encodeMsgFrame('vote', { ...ack, type: 'voteResp', reject: true }, { label: 'x', granted: false }),
    );
    expect(no).toMatchObject({ kind: 'vote', granted: false });
    expect(readMsgHeader(encodeMsgFrame('other', append))).toMatchObject({ label: null });
  });

  it('frames cut at every byte boundary come out whole and identical', () => {
    const frames = [
      encodeMsgFrame('append', append, describeMessage('raft', append)),
      encodeMsgFrame('append', ack, describeMessage('raft', ack)),
    ];
    const bytes = Buffer.concat(frames);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new RawFrameDecoder();
      const got = [...d.push(bytes.subarray(0, cut)).frames, ...d.push(bytes.subarray(cut)).frames];
      expect(got.map((g) => Buffer.from(g))).toEqual(frames);
      expect(d.bufferedBytes).toBe(0);
    }
  });

  it('a label too long for the header is left out, never cut inside a character', () => {
    const f = encodeMsgFrame('append', append, { label: '✓'.repeat(MAX_LABEL_BYTES) });
    expect(readMsgHeader(f)).toMatchObject({ label: null });
  });

  it('the sender refuses what no header can carry (a caller bug, as encodeFrame does)', () => {
    expect(() => encodeMsgFrame('append', { ...append, from: 'n'.repeat(65) })).toThrow(RangeError);
    expect(() => encodeMsgFrame('append', { ...append, type: 't'.repeat(65) })).toThrow(RangeError);
  });
});

describe('message frame: refused with a clear error', () => {
  it('truncated: shorter than the fixed header, or than the lengths it gives', () => {
    const f = encodeMsgFrame('append', append);
    expect(readMsgHeader(f.subarray(0, FRAME_HEADER_BYTES + 10))).toMatch(/shorter than its header/);
    expect(readMsgHeader(frameOf({ lens: { label: 400 }, payload: '' }))).toMatch(/shorter than its header says/);
    expect(decodeMsgFrame(frameOf({ payload: '' }))).toMatch(/carries no message/);
    expect(decodeMsgFrame(frameOf({ payload: JSON.stringify(append).slice(0, 30) }))).toMatch(/JSON/);
  });

  it('oversized: a length over the limit is refused as soon as the length word arrives', () => {
    const d = new RawFrameDecoder(1024);
    const f = encodeMsgFrame('append', {
      ...append,
      entries: [{ index: 5, term: 3, type: 'normal', data: 'x'.repeat(2000) }],
    });
    const r = d.push(f.subarray(0, 8));
    expect(r.error).toMatch(/frame length \d+ exceeds the limit of 1024/);
    expect(d.bufferedBytes).toBe(0);
    expect(d.push(encodeMsgFrame('append', ack)).error).toMatch(/exceeds/); // it stays failed
    expect(readMsgHeader(frameOf({ lens: { label: MAX_LABEL_BYTES + 1 } }))).toMatch(/label is 513 bytes/);
    expect(readMsgHeader(frameOf({ from: 'n'.repeat(65) }))).toMatch(/from is 65 bytes/);
    expect(readMsgHeader(frameOf({ type: 't'.repeat(65) }))).toMatch(/type is 65 bytes/);
  });

  it('malformed header fields', () => {
    expect(readMsgHeader(frameOf({ magic: 0x7b }))).toMatch(/not a message frame/);
    expect(readMsgHeader(frameOf({ kind: 6 }))).toMatch(/unknown kind code 6/);
    expect(readMsgHeader(frameOf({ flags: 4 }))).toMatch(/unknown flags/);
    expect(readMsgHeader(frameOf({ from: '' }))).toMatch(/from is 0 bytes/);
    expect(readMsgHeader(frameOf({ to: '' }))).toMatch(/to is 0 bytes/);
    for (const term of [-1, 1.5, NaN, Infinity, 2 ** 53])
      expect(readMsgHeader(frameOf({ term }))).toMatch(/is not a non-negative integer/);
    const badUtf8 = frameOf({ from: 'n1' });
    badUtf8[FRAME_HEADER_BYTES + MSG_FIXED_BYTES] = 0xff;
    expect(readMsgHeader(badUtf8)).toMatch(/not valid UTF-8/);
  });

  it('malformed message: not JSON, not an object, nested too deep', () => {
    expect(decodeMsgFrame(frameOf({ payload: '{oops' }))).toMatch(/append message is .*JSON/);
    expect(decodeMsgFrame(frameOf({ payload: '[1,2]' }))).toMatch(/not a JSON object/);
    const deep = `{"type":"append","from":"n1","to":"n2","term":3,"x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(decodeMsgFrame(frameOf({ payload: deep }))).toMatch(/nested deeper than 64/);
  });

  it('header and message must agree on from, to, type and term', () => {
    for (const change of [{ from: 'n3' }, { to: 'n3' }, { type: 'vote' }, { term: 4 }, { term: '3' }]) {
      const r = decodeMsgFrame(frameOf({ payload: JSON.stringify({ ...append, ...change }) }));
      expect(r).toMatch(/^header and message disagree: header append n1→n2 term 3, message /);
    }
    expect(typeof decodeMsgFrame(frameOf({}))).toBe('object');
  });

  it('no byte pattern makes the reader throw: random flips and cuts of valid frames', () => {
    const rng = seededRng(15);
    const good = encodeMsgFrame('append', append, describeMessage('raft', append));
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      const f = Buffer.from(good.subarray(0, FRAME_HEADER_BYTES + Math.floor(rng.next() * (good.length + 1))));
      const flips = 1 + Math.floor(rng.next() * 4);
      for (let k = 0; k < flips && f.length > 0; k++)
        f[Math.floor(rng.next() * f.length)] = Math.floor(rng.next() * 256);
      const r = decodeMsgFrame(f);
      if (typeof r === 'string') refused++;
      else
        expect(r.msg).toMatchObject({ from: r.header.from, to: r.header.to, type: r.header.type, term: r.header.term });
    }
    expect(refused).toBeGreaterThan(4000);
  });
});
