/**
 * A cluster's command decoder: every replica applies the same log, so without a cache each
 * command's JSON is parsed and validated once per node (and once more by the end-of-run
 * replay). The cache keeps decodeCommand's answer per entry data string — the same string
 * the wire hands every node — so each command is decoded once per run. A decoded command is
 * frozen: the state machines share it, and none may change what another reads.
 */
import { decodeCommand, type CommandDecoder } from '../core/kv/codec';
import type { KvCommand } from '../core/kv/types';

/** DECODE_CACHE_MAX bounds the cache: past it, it starts afresh (a long run's old entries are rarely read again). */
export const DECODE_CACHE_MAX = 1 << 16;

/** cachingDecoder returns a decoder that answers as decodeCommand does, decoding each distinct data string once. */
export function cachingDecoder(max = DECODE_CACHE_MAX): CommandDecoder {
  const cache = new Map<string, KvCommand | string>();
  return (data) => {
    let c = cache.get(data);
    if (c === undefined) {
      c = decodeCommand(data);
      if (typeof c !== 'string') {
        Object.freeze(c.cmd);
        Object.freeze(c);
      }
      if (cache.size >= max) cache.clear();
      cache.set(data, c);
    }
    return c;
  };
}
