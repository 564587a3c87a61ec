/**
 * The cluster token: a random secret every socket Hello must carry (router and client
 * ports). It never appears on a command line, in the environment or in a file: the host
 * hands it to each node over the fork IPC channel (see node/ipc.ts receiveToken).
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * tokenEquals compares a presented token with the expected one in constant time. Both are
 * hashed first, so the comparison runs on equal-length buffers and its time says nothing
 * about how many leading characters matched, nor about the expected token's length.
 */
export function tokenEquals(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented, 'utf8').digest();
  return timingSafeEqual(a, digestOf(expected));
}

/** lastExpected / lastDigest: the expected token's hash, kept (it is the same on every HTTP call). */
let lastExpected: string | null = null;
let lastDigest: Buffer = Buffer.alloc(0);

function digestOf(expected: string): Buffer {
  if (expected !== lastExpected) {
    lastDigest = createHash('sha256').update(expected, 'utf8').digest();
    lastExpected = expected;
  }
  return lastDigest;
}
