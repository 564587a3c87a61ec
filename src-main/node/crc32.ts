/**
 * crc32 (IEEE 802.3, as zlib) over a string's UTF-8 bytes. The table version below is the
 * definition the storage file format relies on; where the runtime's zlib has crc32 (Node
 * 20.15 and later, Electron's Node too) the same checksum is taken natively, some twenty
 * times faster — which matters for a multi-megabyte snapshot checksummed on the event
 * loop. test/node/storage.test.ts holds both to the same values.
 */
import zlib from 'node:zlib';

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

const encoder = new TextEncoder();

type NativeCrc = (data: string | Uint8Array, value?: number) => number;
const native = (zlib as unknown as { crc32?: NativeCrc }).crc32;

/** crc32Table is the table-driven checksum (the reference; used where zlib has no crc32). */
export function crc32Table(s: string | Uint8Array, prev = 0): number {
  const bytes = typeof s === 'string' ? encoder.encode(s) : s;
  let c = ~prev;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/**
 * crc32 returns the checksum of `s` (UTF-8) as an unsigned 32-bit integer; given `prev`, the
 * checksum of whatever `prev` was the checksum of followed by `s` (so a long text can be
 * checksummed in pieces).
 */
export function crc32(s: string | Uint8Array, prev = 0): number {
  return native ? native(s, prev) >>> 0 : crc32Table(s, prev);
}
