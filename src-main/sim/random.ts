/**
 * Seeded randomness for the simulator. One run seed is split into independent streams
 * (network, faults, clients, each node's incarnation) so that, say, adding a client draw
 * does not reshuffle the fault schedule of the same seed.
 */
import { seededRng, type Rng } from '../core/types';

/** mixSeed derives a 32-bit seed from a run seed and a stream label (a small integer hash). */
export function mixSeed(seed: number, ...labels: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const l of labels) {
    h = Math.imul(h ^ (l >>> 0), 0x85ebca6b) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35) >>> 0;
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** Stream numbers the independent random streams of one run. */
export const Stream = {
  network: 1,
  faults: 2,
  clients: 3,
  node: 4,
  disk: 5,
  scenario: 6,
  setup: 7,
  resume: 8,
  triggers: 9,
} as const;

/** streamRng returns the Rng of one stream of a run. */
export function streamRng(seed: number, ...labels: number[]): Rng {
  return seededRng(mixSeed(seed, ...labels));
}

/** pick returns a uniformly chosen element of a non-empty array. */
export function pick<T>(rng: Rng, xs: readonly T[]): T {
  if (xs.length === 0) throw new Error('pick from an empty array');
  return xs[rng.int(0, xs.length - 1)]!;
}

/** shuffle returns a new array in a seeded random order (Fisher–Yates). */
export function shuffle<T>(rng: Rng, xs: readonly T[]): T[] {
  const out = xs.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    const t = out[i]!;
    out[i] = out[j]!;
    out[j] = t;
  }
  return out;
}

/** exponential draws from an exponential distribution with the given mean. */
export function exponential(rng: Rng, mean: number): number {
  return -Math.log(1 - rng.next()) * mean;
}
