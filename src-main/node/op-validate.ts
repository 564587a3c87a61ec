/**
 * validateOp checks an untrusted KvOp from a client frame. It follows core/kv/types.ts
 * (key/value limits, every op's fields) so a bad op is refused at the socket with a clear
 * message rather than reaching the log.
 */
import { assertNever } from '../core/types';
import { MAX_KEY_BYTES, MAX_VALUE_BYTES, type KvOp } from '../core/kv/types';

const OPS = ['put', 'get', 'delete', 'cas', 'lock', 'renew', 'unlock', 'fencedPut'] as const;

/** validateOp returns the op or a string saying what is wrong with it. */
export function validateOp(x: unknown): KvOp | string {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return 'op must be an object';
  const o = x as Record<string, unknown>;
  const name = o.op;
  if (typeof name !== 'string' || !(OPS as readonly string[]).includes(name))
    return `op.op must be one of ${OPS.join(', ')}`;
  const key = (f: string): string | null => {
    const v = o[f];
    if (typeof v !== 'string' || v.length === 0) return `op.${f} must be a non-empty string`;
    if (Buffer.byteLength(v, 'utf8') > MAX_KEY_BYTES) return `op.${f} is longer than ${MAX_KEY_BYTES} bytes`;
    return null;
  };
  const value = (f: string): string | null => {
    const v = o[f];
    if (typeof v !== 'string') return `op.${f} must be a string`;
    if (Buffer.byteLength(v, 'utf8') > MAX_VALUE_BYTES) return `op.${f} is longer than ${MAX_VALUE_BYTES} bytes`;
    return null;
  };
  const posInt = (f: string): string | null => {
    const v = o[f];
    return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? null : `op.${f} must be a non-negative integer`;
  };
  const ttl = (): string | null => {
    const v = o.ttlMs;
    return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 && v <= 86_400_000
      ? null
      : 'op.ttlMs must be an integer in 1..86400000';
  };
  const first = (...errs: (string | null)[]): string | null => errs.find((e) => e !== null) ?? null;
  const s = (f: string): string => o[f] as string;
  const n = (f: string): number => o[f] as number;
  let err: string | null;
  switch (name as (typeof OPS)[number]) {
    case 'put':
      err = first(key('key'), value('value'));
      return err ?? { op: 'put', key: s('key'), value: s('value') };
    case 'get':
      err = key('key');
      return err ?? { op: 'get', key: s('key') };
    case 'delete':
      err = key('key');
      return err ?? { op: 'delete', key: s('key') };
    case 'cas':
      err = first(key('key'), value('value'), o.expected === null ? null : value('expected'));
      return err ?? { op: 'cas', key: s('key'), expected: (o.expected as string | null) ?? null, value: s('value') };
    case 'lock':
      err = first(key('name'), key('owner'), ttl());
      return err ?? { op: 'lock', name: s('name'), owner: s('owner'), ttlMs: n('ttlMs') };
    case 'renew':
      err = first(key('name'), key('owner'), posInt('token'), ttl());
      return err ?? { op: 'renew', name: s('name'), owner: s('owner'), token: n('token'), ttlMs: n('ttlMs') };
    case 'unlock':
      err = first(key('name'), posInt('token'));
      return err ?? { op: 'unlock', name: s('name'), token: n('token') };
    case 'fencedPut':
      err = first(key('key'), value('value'), posInt('token'));
      return err ?? { op: 'fencedPut', key: s('key'), value: s('value'), token: n('token') };
    default:
      return assertNever(name as never, 'op');
  }
}
