/** The run's files are JSON lines; jsonlBytes encodes a batch of them for one write (jsonlSlice, a part of one). */
import { performance } from 'node:perf_hooks';

/**
 * jsonlBytes encodes items as JSON lines straight into one buffer: building one string of
 * the batch and encoding it cost a flattened copy of the whole text (two bytes a character
 * once a line holds a non-Latin-1 character, as a preview's '…' does) and the encoding's
 * buffer besides. `hint` is the size to start from (the last batch's); it grows as needed.
 */
export function jsonlBytes(items: readonly object[], hint: number): Buffer {
  return jsonlSlice(items, 0, hint, Infinity).bytes;
}

/** SLICE_CHECK: jsonlSlice looks at the clock once per this many items. */
const SLICE_CHECK = 32;

/**
 * jsonlSlice encodes items[from..] like jsonlBytes, stopping at the first multiple of
 * SLICE_CHECK items after performance.now() passed `deadline` (Infinity: all of them);
 * `next` is the first item not encoded (items.length when all were).
 */
export function jsonlSlice(
  items: readonly object[],
  from: number,
  hint: number,
  deadline: number,
): { bytes: Buffer; next: number } {
  let buf = Buffer.allocUnsafeSlow(Math.max(4096, hint));
  let at = 0;
  let i = from;
  for (; i < items.length; i++) {
    if (deadline !== Infinity && i > from && (i - from) % SLICE_CHECK === 0 && performance.now() > deadline) break;
    const s = JSON.stringify(items[i]);
    // A UTF-16 code unit is at most 3 bytes of UTF-8 (a surrogate pair, 4 for two units).
    const most = s.length * 3 + 1;
    if (at + most > buf.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(buf.length * 2, at + most));
      buf.copy(bigger, 0, 0, at);
      buf = bigger;
    }
    at += buf.write(s, at);
    buf[at++] = 0x0a;
  }
  return { bytes: buf.subarray(0, at), next: i };
}
