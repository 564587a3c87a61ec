import { describe, expect, it } from 'vitest';
import { digestHex, fnv1a32 } from '../../../src-main/core/kv/hash';

describe('hashes', () => {
  it('fnv1a32 matches the published FNV-1a test vectors, over UTF-8 bytes', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
    // "é" is the two bytes c3 a9: hashing them one by one must give the same value.
    let h = 0x811c9dc5;
    for (const b of [0xc3, 0xa9]) h = Math.imul(h ^ b, 0x01000193) >>> 0;
    expect(fnv1a32('é')).toBe(h);
  });

  it('digestHex is stable and tells different inputs apart', () => {
    expect(digestHex('state')).toBe(digestHex('state'));
    expect(digestHex('state')).toMatch(/^[0-9a-f]{22}$/);
    const seen = new Set<string>();
    for (let i = 0; i < 20_000; i++) seen.add(digestHex(`{"k":"${i}"}`));
    expect(seen.size).toBe(20_000);
  });
});
