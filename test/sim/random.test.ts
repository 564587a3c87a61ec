/**
 * A seed replays the same run only while the random source draws the same numbers: the
 * simulator's streams, the cores' election timeouts and every fault come from seededRng
 * (mulberry32). These are its draws as they have always been, pinned, so a faster rewrite
 * of it cannot change a seed's run.
 */
import { describe, expect, it } from 'vitest';
import { seededRng } from '../../src-main/core/types';

describe('seededRng', () => {
  it('draws mulberry32: the same numbers for a seed as ever, past 2^32 state wraps', () => {
    const a = seededRng(1);
    expect([a.next(), a.next(), a.next(), a.next()]).toEqual([
      0.6270739405881613, 0.002735721180215478, 0.5274470399599522, 0.9810509674716741,
    ]);
    let x = 0;
    for (let i = 0; i < 100_000; i++) x = a.next();
    expect(x).toBe(0.44902424002066255);
    expect(a.int(1, 6)).toBe(4);
    const b = seededRng(0xdeadbeef);
    expect([b.next(), b.next(), b.next(), b.next()]).toEqual([
      0.9413696140982211, 0.26719574979506433, 0.772033357527107, 0.35816076025366783,
    ]);
    for (let i = 0; i < 100_000; i++) x = b.next();
    expect(x).toBe(0.9531585634686053);
    expect(b.int(1, 6)).toBe(3);
  });

  it('takes a seed modulo 2^32, as it always did', () => {
    const draws = (seed: number): number[] => {
      const r = seededRng(seed);
      return [r.next(), r.next(), r.next()];
    };
    expect(draws(2 ** 32 + 1)).toEqual(draws(1));
    expect(draws(-1)).toEqual(draws(0xffffffff));
  });
});
