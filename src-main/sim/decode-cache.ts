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
 *
 * The request layer that encoded a command hands it over too (`remember`, through
 * RequestsDeps.proposed): the slot of its index then holds the command before any replica
 * applies it, validated from the object instead of parsed from its JSON — the same answer,
 * since the request layer's command is a validated op with its session fields, which JSON
 * carries unchanged. If another entry lands at that index, its data differs and is decoded.
 */
import { decodeCommand, validateKvCommand, type CommandDecoder } from '../core/kv/codec';
import type { KvCommand } from '../core/kv/types';

/** DECODE_CACHE_MAX bounds the cache: past it, the index slots wrap and the Map starts afresh. */
export const DECODE_CACHE_MAX = 1 << 16;

/** DecodeCache is one cluster's decoder (`decode`) and what its request layers hand it (`remember`). */
export class DecodeCache {
  private readonly cache = new Map<string, KvCommand | string>();
  // Per index slot: the data it holds and its answer. Grown as indexes come (a seed's log is short).
  private readonly slotData: (string | undefined)[] = [];
  private readonly slotCommand: (KvCommand | string)[] = [];
  /** slotEncoded[i]: the slot's command was handed over with the data that encodes it (remember). */
  private readonly slotEncoded: boolean[] = [];
  private readonly size: number;

  constructor(max = DECODE_CACHE_MAX) {
    this.size = Math.max(1, Math.floor(max));
  }

  /** decode answers as decodeCommand does, decoding each distinct data string once. */
  readonly decode: CommandDecoder = (data, index) => {
    if (index !== undefined && Number.isSafeInteger(index) && index >= 0) {
      const i = index % this.size;
      if (this.slotData[i] === data) return this.slotCommand[i]!;
      const c = decodeFrozen(data);
      this.fill(i, data, c);
      return c;
    }
    let c = this.cache.get(data);
    if (c === undefined) {
      c = decodeFrozen(data);
      if (this.cache.size >= this.size) this.cache.clear();
      this.cache.set(data, c);
    }
    return c;
  };

  /**
   * remember: `data`, proposed at `index`, is the encoding of `cmd` (encodeCommand's), a
   * command whose op was validated. Its answer is what decoding `data` would give.
   */
  remember(index: number, data: string, cmd: KvCommand): void {
    if (!Number.isSafeInteger(index) || index < 0) return;
    const c = frozen(validateKvCommand(cmd));
    this.fill(index % this.size, data, c, typeof c !== 'string');
  }

  /**
   * encodedAt is the command `data`, applied at `index`, is encodeCommand's text of — when
   * the request layer handed the two over together (remember) and the slot still holds
   * them; else null (not known to be an encoding).
   */
  encodedAt(data: string, index: number): KvCommand | null {
    if (!Number.isSafeInteger(index) || index < 0) return null;
    const i = index % this.size;
    return this.slotData[i] === data && this.slotEncoded[i] === true ? (this.slotCommand[i] as KvCommand) : null;
  }

  private fill(i: number, data: string, c: KvCommand | string, encoded = false): void {
    const { slotData, slotCommand, slotEncoded } = this;
    // Fill holes in order so the arrays stay dense (an index past the end leaves a gap only once).
    while (slotData.length < i) {
      slotData.push(undefined);
      slotCommand.push('');
      slotEncoded.push(false);
    }
    slotData[i] = data;
    slotCommand[i] = c;
    slotEncoded[i] = encoded;
  }
}

/** cachingDecoder returns a decoder that answers as decodeCommand does, decoding each distinct data string once. */
export function cachingDecoder(max = DECODE_CACHE_MAX): CommandDecoder {
  return new DecodeCache(max).decode;
}

/** decodeFrozen decodes data and freezes the command, so the replicas sharing it cannot change it. */
function decodeFrozen(data: string): KvCommand | string {
  return frozen(decodeCommand(data));
}

function frozen(c: KvCommand | string): KvCommand | string {
  if (typeof c !== 'string') {
    Object.freeze(c.cmd);
    Object.freeze(c);
  }
  return c;
}
