import { describe, expect, it, vi } from 'vitest';
import {
  FrameDecoder,
  MAX_BATCH_ITEMS,
  batchItems,
  encodeFrame,
  encodeTexts,
  validateClientRequest,
  validateClientResponse,
  validateHello,
} from '../../src-main/node/frames';

function raw(len: number, body: string): Buffer {
  const b = Buffer.from(body, 'utf8');
  const h = Buffer.alloc(4);
  h.writeUInt32BE(len, 0);
  return Buffer.concat([h, b]);
}

describe('frame codec', () => {
  it('round-trips frames split at every byte boundary', () => {
    const objs = [{ t: 'hello', token: 'tok', from: 'n1' }, { t: 'msg', kind: 'vote', msg: { s: 'héllo ✓' } }, {}];
    const bytes = Buffer.concat(objs.map((o) => encodeFrame(o)));
    for (let cut = 0; cut <= bytes.length; cut++) {
      const d = new FrameDecoder();
      const a = d.push(bytes.subarray(0, cut));
      const b = d.push(bytes.subarray(cut));
      expect(a.error).toBeNull();
      expect(b.error).toBeNull();
      expect([...a.frames, ...b.frames]).toEqual(objs);
      expect(d.bufferedBytes).toBe(0);
    }
  });

  it('decodes one byte at a time', () => {
    const o = { t: 'req', id: 1, payload: 'x'.repeat(1000) };
    const bytes = encodeFrame(o);
    const d = new FrameDecoder();
    const out: unknown[] = [];
    for (const byte of bytes) out.push(...d.push(Buffer.from([byte])).frames);
    expect(out).toEqual([o]);
  });

  it('rejects an oversized length as soon as the header arrives', () => {
    const d = new FrameDecoder(1024);
    const h = Buffer.alloc(4);
    h.writeUInt32BE(1025, 0);
    const r = d.push(h);
    expect(r.error).toMatch(/exceeds the limit/);
    // Stays failed: a later valid frame is not accepted.
    expect(d.push(encodeFrame({ a: 1 })).error).toMatch(/exceeds/);
  });

  it('bounds the first frame (the Hello) more tightly than the rest, even in one chunk', () => {
    const big = { v: 'z'.repeat(5000) };
    const ok = new FrameDecoder(1 << 20, 100).push(Buffer.concat([encodeFrame({ t: 'hello' }), encodeFrame(big)]));
    expect(ok).toEqual({ frames: [{ t: 'hello' }, big], error: null });
    expect(new FrameDecoder(1 << 20, 100).push(encodeFrame(big)).error).toMatch(/exceeds the limit of 100/);
  });

  it('keeps frames that precede an error', () => {
    const d = new FrameDecoder();
    const r = d.push(Buffer.concat([encodeFrame({ a: 1 }), raw(5, '{oops')]));
    expect(r.frames).toEqual([{ a: 1 }]);
    expect(r.error).toMatch(/not valid JSON/);
  });

  it('rejects non-object JSON and invalid UTF-8', () => {
    for (const body of ['[1,2]', '42', 'null', '"s"']) {
      expect(new FrameDecoder().push(raw(body.length, body)).error).toMatch(/not a JSON object/);
    }
    const bad = Buffer.concat([raw(2, ''), Buffer.from([0xc3, 0x28])]);
    expect(new FrameDecoder().push(bad).error).toMatch(/UTF-8/);
  });

  it('encodeFrame refuses a frame over the limit', () => {
    expect(() => encodeFrame({ v: 'x'.repeat(100) }, 50)).toThrow(RangeError);
  });

  it('handles a large frame delivered in many chunks without quadratic copying', () => {
    const o = { v: 'y'.repeat(4 * 1024 * 1024) };
    const bytes = encodeFrame(o);
    const d = new FrameDecoder();
    const out: unknown[] = [];
    for (let i = 0; i < bytes.length; i += 65536) out.push(...d.push(bytes.subarray(i, i + 65536)).frames);
    expect(out).toHaveLength(1);
    expect((out[0] as { v: string }).v.length).toBe(4 * 1024 * 1024);
  });
});

describe('frame codec under a trickle', () => {
  it('a frame sent one byte per packet costs O(1) per byte: no chunk list, no Array.shift', () => {
    const o = { v: 'q'.repeat(100_000) };
    const bytes = encodeFrame(o);
    const d = new FrameDecoder();
    const shift = vi.spyOn(Array.prototype, 'shift');
    const out: unknown[] = [];
    try {
      for (let i = 0; i < bytes.length; i++) {
        out.push(...d.push(bytes.subarray(i, i + 1)).frames);
        if (i === 50_000) expect(d.bufferedBytes).toBe(50_001 - 4); // the body so far; the header is read
      }
      expect(shift).not.toHaveBeenCalled();
    } finally {
      shift.mockRestore();
    }
    expect(out).toEqual([o]);
    expect(d.bufferedBytes).toBe(0);
  });
});

describe('frame validators', () => {
  it('hello', () => {
    expect(validateHello({ t: 'hello', token: 'a', from: 'n1' })).toEqual({ t: 'hello', token: 'a', from: 'n1' });
    expect(validateHello({ t: 'msg' })).toMatch(/expected a hello/);
    expect(validateHello({ t: 'hello', token: '', from: 'n1' })).toMatch(/token/);
    expect(validateHello({ t: 'hello', token: 'a', from: 7 })).toMatch(/from/);
    expect(validateHello({ t: 'hello', token: 'a', from: 'gateway', batch: true })).toEqual({
      t: 'hello',
      token: 'a',
      from: 'gateway',
      batch: true,
    });
    expect(validateHello({ t: 'hello', token: 'a', from: 'gateway', batch: 'yes' })).toMatch(/batch/);
  });

  it('client request', () => {
    const r = { t: 'req', id: 1, client: 'c1', seq: 1, op: { op: 'put', key: 'k', value: 'v' }, timeoutMs: 1000 };
    expect(validateClientRequest(r)).toEqual(r);
    expect(validateClientRequest({ ...r, allowFollowerRead: true })).toEqual({ ...r, allowFollowerRead: true });
    expect(validateClientRequest({ ...r, op: { op: 'put', key: '', value: 'v' } })).toMatch(/key/);
    expect(validateClientRequest({ ...r, op: { op: 'drop-table' } })).toMatch(/op must be one of/);
    expect(validateClientRequest({ ...r, op: { op: 'cas', key: 'k', expected: 5, value: 'v' } })).toMatch(/expected/);
    expect(validateClientRequest({ ...r, op: { op: 'cas', key: 'k', expected: null, value: 'v' } })).not.toBeTypeOf(
      'string',
    );
    expect(validateClientRequest({ ...r, op: { op: 'lock', name: 'l', owner: 'o', ttlMs: 0 } })).toMatch(/ttlMs/);
    expect(validateClientRequest({ ...r, op: { op: 'put', key: 'k'.repeat(257), value: 'v' } })).toMatch(
      /key must be a string of 1–256 bytes/,
    );
    expect(validateClientRequest({ ...r, timeoutMs: -5 })).toMatch(/timeoutMs/);
    expect(validateClientRequest({ ...r, id: 1.5 })).toMatch(/id/);
  });

  it('client response', () => {
    const r = { t: 'res', id: 4, outcome: 'ok', result: { ok: true, value: null }, node: 'n1', leader: 'n1' };
    expect(validateClientResponse(r)).toEqual(r);
    expect(validateClientResponse({ ...r, outcome: 'maybe' })).toMatch(/outcome/);
    expect(validateClientResponse({ ...r, result: null, outcome: 'fail', error: 'not-leader', leader: null })).toEqual({
      ...r,
      result: null,
      outcome: 'fail',
      error: 'not-leader',
      leader: null,
    });
  });
});

describe('batch frames', () => {
  const bound = (texts: string[]): number => texts.reduce((a, t) => a + t.length * 3, 0);

  it('encodeTexts writes one text as a plain frame, several as one batch frame, multi-byte text intact', () => {
    const objs = [
      { t: 'res', id: 1, v: 'é€😀 "q" \\' },
      { t: 'res', id: 2, v: '' },
      { t: 'res', id: 3, v: 'ü'.repeat(50) },
    ];
    const texts = objs.map((o) => JSON.stringify(o));
    const one = encodeTexts('ress', texts.slice(0, 1), bound(texts.slice(0, 1)));
    expect(one.equals(encodeFrame(objs[0]!))).toBe(true);
    const all = encodeTexts('ress', texts, bound(texts));
    const { frames, error } = new FrameDecoder().push(all);
    expect(error).toBeNull();
    expect(frames).toEqual([{ t: 'ress', ress: objs }]);
    expect(batchItems(frames[0]!, 'ress')).toEqual(objs);
    const reqs = new FrameDecoder().push(encodeTexts('reqs', texts, bound(texts))).frames;
    expect(reqs).toEqual([{ t: 'reqs', reqs: objs }]);
  });

  it('batchItems takes 1..MAX_BATCH_ITEMS items of an array named like the tag', () => {
    expect(batchItems({ t: 'reqs', reqs: [1] }, 'reqs')).toEqual([1]);
    expect(batchItems({ t: 'reqs', reqs: Array(MAX_BATCH_ITEMS).fill(0) }, 'reqs')).toHaveLength(MAX_BATCH_ITEMS);
    expect(batchItems({ t: 'reqs', reqs: [] }, 'reqs')).toMatch(/holds 0 items/);
    expect(batchItems({ t: 'reqs', reqs: Array(MAX_BATCH_ITEMS + 1).fill(0) }, 'reqs')).toMatch(/holds 1025 items/);
    expect(batchItems({ t: 'reqs', reqs: { 0: 1 } }, 'reqs')).toMatch(/not an array/);
    expect(batchItems({ t: 'reqs', ress: [1] }, 'reqs')).toMatch(/not an array/);
  });
});
