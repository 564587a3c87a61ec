/**
 * JsonlFile (lab/jsonl-file.ts): the timer's flush writes a batch in slices, yielding to the
 * event loop between them, and the file keeps every record, in order — also when records
 * come, or a full flush is asked for, while a batch is half written.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { FLUSH_MS, JsonlFile } from '../../src-main/lab/jsonl-file';
import { jsonlBytes, jsonlSlice } from '../../src-main/lab/jsonl-bytes';

const dir = mkdtempSync(join(tmpdir(), 'jsonl-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  vi.useRealTimers();
});

const lines = (file: string): number[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => (JSON.parse(l) as { n: number }).n);
const upTo = (n: number, from = 0): number[] => Array.from({ length: n - from }, (_, i) => from + i);

describe('jsonlSlice', () => {
  it('encodes as jsonlBytes does, and stops after a whole number of 32-item checks once past the deadline', () => {
    const items = upTo(100).map((n) => ({ n, s: 'é…' }));
    expect(jsonlSlice(items, 0, 0, Infinity).bytes.equals(jsonlBytes(items, 0))).toBe(true);
    const first = jsonlSlice(items, 0, 0, -1);
    expect(first.next).toBe(32);
    const rest = jsonlSlice(items, first.next, 0, Infinity);
    expect(rest.next).toBe(100);
    expect(Buffer.concat([first.bytes, rest.bytes]).equals(jsonlBytes(items, 0))).toBe(true);
  });
});

describe('JsonlFile', () => {
  it("writes the timer's batch in slices, one per event-loop turn, every record in order", async () => {
    const file = join(dir, 'sliced.jsonl');
    const f = new JsonlFile(file, 0);
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'clearTimeout'] });
    for (const n of upTo(1000)) f.add({ n });
    vi.advanceTimersByTime(FLUSH_MS);
    // The timer ran one slice (32 records with a slice of 0 ms) and left the rest to the next turns.
    expect(f.slices).toBe(1);
    vi.runAllTimers();
    expect(f.slices).toBe(Math.ceil(1000 / 32));
    vi.useRealTimers();
    await f.close();
    expect(lines(file)).toEqual(upTo(1000));
  });

  it('keeps the order when records come, and a full flush is asked for, in the middle of a batch', async () => {
    const file = join(dir, 'mid.jsonl');
    const f = new JsonlFile(file, 0);
    vi.useFakeTimers({ toFake: ['setTimeout', 'setImmediate', 'clearTimeout'] });
    for (const n of upTo(200)) f.add({ n });
    vi.advanceTimersByTime(FLUSH_MS);
    expect(f.slices).toBe(1);
    for (const n of upTo(205, 200)) f.add({ n }); // made while the batch is half written: after it
    vi.runOnlyPendingTimers(); // one more slice
    expect(f.slices).toBe(2);
    f.flush(); // the rest of the batch, then what came meanwhile
    for (const n of upTo(210, 205)) f.add({ n });
    vi.runAllTimers();
    vi.useRealTimers();
    await f.sync();
    expect(lines(file)).toEqual(upTo(210));
    await f.close();
    f.add({ n: 999 }); // after close: dropped, not thrown
    expect(lines(file)).toEqual(upTo(210));
  });
});
