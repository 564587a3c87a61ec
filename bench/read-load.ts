/**
 * The read rows' common part, for `npm run bench` (rows reads-sequential, reads-concurrent)
 * and bench/reads.ts: a set of keys written first with known values, closed-loop clients
 * sending linearizable gets of them, and the check of every answer against the value
 * written. A get answered with another value, with none, or for another key counts as an
 * error, so a row cannot be fast by being wrong.
 */
import type { HttpReply } from './http';
import { parseJson } from './http';
import type { ReadTarget, Target } from './target';
import { makeValue, Rng, runClosedLoop, type KeySpace, type RowClient, type ThroughputResult } from './workload';

/** READ_KEYS: how many keys the read rows write first and then read (uniformly). */
export const READ_KEYS = 256;

/** readKeyOf names the i-th key of the read set (apart from the put rows' keys, which the put rows overwrite). */
export function readKeyOf(i: number): string {
  return `read-${String(i).padStart(5, '0')}`;
}

/** GetAnswer is a get's answer as parsed: the value it carried (null: no such key), or why it is not an answer. */
export type GetAnswer = { value: string | null } | string;

/** checkAnswer judges a get's value against the one written: true, or the error kind it counts as. */
export function checkAnswer(expected: string | undefined, got: string | null): true | string {
  if (expected === undefined) return 'not a key the bench wrote';
  if (got === null) return 'wrong answer: key not found';
  if (got !== expected) return 'wrong answer: another value';
  return true;
}

/** ReadSet is the keys the read rows read and the value written to each (VALUE_BYTES bytes, the put rows' size). */
export class ReadSet {
  /** keys: the key space the row's clients draw from. */
  readonly keys: KeySpace;
  private readonly values = new Map<string, string>();

  constructor(size = READ_KEYS, seed = 7) {
    // Seeded, so both systems get the same keys with the same values.
    const rng = new Rng(seed);
    for (let i = 0; i < size; i++) this.values.set(readKeyOf(i), makeValue(rng));
    this.keys = { size, name: readKeyOf };
  }

  /** entries lists every key with its value, in key order. */
  entries(): [string, string][] {
    return [...this.values];
  }

  /** check judges one get's answer for `key` (a ReadTarget's reader calls it on every answer). */
  readonly check = (key: string, value: string | null): true | string => checkAnswer(this.values.get(key), value);
}

/** noAnswer names a reply that is not a 200: the transport's error, or the status and the server's message. */
function noAnswer(r: HttpReply, message: unknown): string {
  if (r.status === 0) return `no answer: ${r.error ?? 'connection closed'}`;
  return `HTTP ${r.status}${typeof message === 'string' ? `: ${message.slice(0, 80)}` : ''}`;
}

/** labGetAnswer parses the lab's answer to `POST /api/kv {op:'get'}`: `{outcome:'ok', value}`, value a string or null. */
export function labGetAnswer(r: HttpReply): GetAnswer {
  const j = parseJson(r.body) as { outcome?: unknown; value?: unknown; error?: unknown } | null;
  if (r.status !== 200) return noAnswer(r, j?.error);
  if (j === null || typeof j !== 'object') return 'malformed answer';
  if (j.outcome !== 'ok') return `${String(j.outcome ?? '?')}: ${String(j.error ?? '')}`;
  if (j.value !== null && typeof j.value !== 'string') return 'malformed answer';
  return { value: j.value };
}

/**
 * etcdRangeAnswer parses etcd's answer to `POST /v3/kv/range {key}` (its JSON gateway: base64
 * bytes, empty fields left out): `{header:{revision}, kvs:[{key, value}], count}`; no `kvs`
 * means no such key.
 */
export function etcdRangeAnswer(r: HttpReply, key: string): GetAnswer {
  const j = parseJson(r.body) as { header?: { revision?: unknown }; kvs?: unknown; error?: unknown } | null;
  if (r.status !== 200) return noAnswer(r, j?.error);
  // Only a real range answer carries the header with the store's revision.
  if (j === null || typeof j !== 'object' || typeof j.header?.revision !== 'string') return 'malformed answer';
  if (j.kvs === undefined) return { value: null };
  if (!Array.isArray(j.kvs) || j.kvs.length > 1) return 'malformed answer';
  const kv = j.kvs[0] as { key?: unknown; value?: unknown } | undefined;
  if (kv === undefined) return { value: null };
  if (typeof kv.key !== 'string' || Buffer.from(kv.key, 'base64').toString('utf8') !== key)
    return 'wrong answer: another key';
  if (kv.value === undefined) return { value: '' };
  if (typeof kv.value !== 'string') return 'malformed answer';
  return { value: Buffer.from(kv.value, 'base64').toString('utf8') };
}

/** writeReadSet puts every key of the set through `target`'s put clients (`clients` at once), and throws if one is never acknowledged. */
export async function writeReadSet(target: Pick<Target, 'client'>, set: ReadSet, clients = 8): Promise<void> {
  const todo = set.entries();
  const failed: string[] = [];
  const worker = async (): Promise<void> => {
    const c = target.client();
    try {
      for (let e = todo.pop(); e !== undefined; e = todo.pop()) {
        let acked: boolean | string = false;
        for (let attempt = 0; attempt < 3 && acked !== true; attempt++) acked = await c.put(e[0], e[1]);
        if (acked !== true) failed.push(`${e[0]} (${acked === false ? 'not acknowledged' : acked})`);
      }
    } finally {
      c.close();
    }
  };
  await Promise.all(Array.from({ length: clients }, worker));
  if (failed.length > 0) throw new Error(`${failed.length} read keys not written: ${failed.slice(0, 3).join(', ')}`);
}

/** runReads runs `clients` closed-loop clients sending linearizable gets of the set's keys for `seconds`, every answer checked. */
export function runReads(
  target: Pick<ReadTarget, 'reader'>,
  set: ReadSet,
  clients: number,
  seconds: number,
  seed: number,
): Promise<ThroughputResult> {
  const open = (): RowClient => {
    const c = target.reader(set.check);
    return { send: (key) => c.get(key), close: () => c.close() };
  };
  return runClosedLoop(open, set.keys, clients, seconds, seed);
}
