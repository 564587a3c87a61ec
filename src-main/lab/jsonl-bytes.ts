/** The run's files are JSON lines; jsonlBytes encodes a batch of them for one write. */

/**
 * jsonlBytes encodes items as JSON lines straight into one buffer: building one string of
 * the batch and encoding it cost a flattened copy of the whole text (two bytes a character
 * once a line holds a non-Latin-1 character, as a preview's '…' does) and the encoding's
 * buffer besides. `hint` is the size to start from (the last batch's); it grows as needed.
 */
export function jsonlBytes(items: readonly object[], hint: number): Buffer {
  let buf = Buffer.allocUnsafeSlow(Math.max(4096, hint));
  let at = 0;
  for (const x of items) {
    const s = JSON.stringify(x);
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
  return buf.subarray(0, at);
}
