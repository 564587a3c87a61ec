/**
 * A cluster's command decoder: every replica applies the same log, so without a cache each
 * command's JSON is parsed and validated once per node (and once more by the end-of-run
 * replay). The cache keeps decodeCommand's answer per entry data string — the same string
 * the wire hands every node — so each command is decoded once per run. A decoded command is
 * frozen: the state machines share it, and none may change what another reads.
 *
 * The state machine names the log index it applies, and replicas apply an index with the
 * same data string, so the cache first looks in a slot per index (index modulo the bound):
 * a hit is a comparison of the slot's string with the data — almost always the very same
 * string object, so no hashing at all. A slot holding other data (the ring wrapped, or
 * replicas that disagree, as in an unsafe run) is simply decoded again. Data with no index
 * goes through a Map.
 */
import { decodeCommand, type CommandDecoder } from '../core/kv/codec';
import type { KvCommand } from '../core/kv/types';

/** DECODE_CACHE_MAX bounds the cache: past it, the index slots wrap and the Map starts afresh. */
export const DECODE_CACHE_MAX = 1 << 16;

/** cachingDecoder returns a decoder that answers as decodeCommand does, decoding each distinct data string once. */
export function cachingDecoder(max = DECODE_CACHE_MAX): CommandDecoder {
  const cache = new Map<string, KvCommand | string>();
  // Per index slot: the data it holds and its answer. Grown as indexes come (a seed's log is short).
  const slotData: (string | undefined)[] = [];
  const slotCommand: (KvCommand | string)[] = [];
  const size = Math.max(1, Math.floor(max));
  return (data, index) => {
    if (index !== undefined && Number.isSafeInteger(index) && index >= 0) {
      const i = index % size;
      if (slotData[i] === data) return slotCommand[i]!;
      const c = decodeFrozen(data);
      // Fill holes in order so the arrays stay dense (an index past the end leaves a gap only once).
      while (slotData.length < i) {
        slotData.push(undefined);
        slotCommand.push('');
      }
      slotData[i] = data;
      slotCommand[i] = c;
      return c;
    }
    let c = cache.get(data);
    if (c === undefined) {
      c = decodeFrozen(data);
      if (cache.size >= size) cache.clear();
      cache.set(data, c);
    }
    return c;
  };
}

/** decodeFrozen decodes data and freezes the command, so the replicas sharing it cannot change it. */
function decodeFrozen(data: string): KvCommand | string {
  const c = decodeCommand(data);
  if (typeof c !== 'string') {
    Object.freeze(c.cmd);
    Object.freeze(c);
  }
  return c;
}
