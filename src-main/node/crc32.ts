/**
 * crc32 (IEEE 802.3, as zlib) over a string's UTF-8 bytes. Written out here rather than
 * taken from node:zlib so the storage file format does not depend on the Node version.
 */

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

/** crc32 returns the checksum of `s` (UTF-8) as an unsigned 32-bit integer. */
export function crc32(s: string | Uint8Array): number {
  const bytes = typeof s === 'string' ? encoder.encode(s) : s;
  let c = -1;
  for (let i = 0; i < bytes.length; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
