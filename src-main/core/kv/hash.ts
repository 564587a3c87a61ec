/**
 * Small deterministic string hashes written here (no node:crypto in the core): FNV-1a over
 * UTF-8 bytes for the consistent-hash ring, and a 64-bit-ish digest for comparing replicas.
 */

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** fnv1a32 hashes the UTF-8 bytes of `s` with 32-bit FNV-1a (same value as any other FNV-1a implementation). */
export function fnv1a32(s: string, seed = FNV_OFFSET): number {
  let h = seed >>> 0;
  const byte = (b: number): void => {
    h ^= b;
    h = Math.imul(h, FNV_PRIME) >>> 0;
  };
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    // Combine a surrogate pair into one code point so the bytes are real UTF-8.
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) byte(c);
    else if (c < 0x800) {
      byte(0xc0 | (c >> 6));
      byte(0x80 | (c & 0x3f));
    } else if (c < 0x10000) {
      byte(0xe0 | (c >> 12));
      byte(0x80 | ((c >> 6) & 0x3f));
      byte(0x80 | (c & 0x3f));
    } else {
      byte(0xf0 | (c >> 18));
      byte(0x80 | ((c >> 12) & 0x3f));
      byte(0x80 | ((c >> 6) & 0x3f));
      byte(0x80 | (c & 0x3f));
    }
  }
  return h >>> 0;
}

/** mix32 is murmur3's finalizer: spreads the bits of a 32-bit hash (FNV-1a alone clusters on similar keys). */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** cyrb53 is a fast 53-bit string hash (over UTF-16 code units; deterministic everywhere). */
export function cyrb53(s: string, seed = 0): number {
  let h1 = 0xdeadbeef ^ seed;
  let h2 = 0x41c6ce57 ^ seed;
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return 4294967296 * (2097151 & h2) + (h1 >>> 0);
}

/** digestHex returns a 22-hex-digit digest of `s` (cyrb53 and FNV-1a side by side: ~85 bits). */
export function digestHex(s: string): string {
  return cyrb53(s).toString(16).padStart(14, '0') + fnv1a32(s).toString(16).padStart(8, '0');
}
