/**
 * The wire form of state-machine commands and their validation. Everything that arrives
 * from outside (an API call, a console line, a log entry written by another node) passes
 * through validateKvOp / decodeCommand before the state machine trusts it.
 */
import { assertNever } from '../types';
import { MAX_KEY_BYTES, MAX_TTL_MS, MAX_VALUE_BYTES } from './types';
import type { KvCommand, KvOp } from './types';

/** MAX_CLIENT_BYTES bounds a session's client id. */
export const MAX_CLIENT_BYTES = 256;

/** KV_OP_NAMES lists every op the state machine applies. */
export const KV_OP_NAMES = ['put', 'get', 'delete', 'cas', 'lock', 'renew', 'unlock', 'fencedPut'] as const;

/** utf8Length counts the UTF-8 bytes of `s` without allocating (lone surrogates count 3, as TextEncoder writes U+FFFD). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** checkName: a key, lock name or owner — a string of 1..MAX_KEY_BYTES UTF-8 bytes. */
function checkName(o: Obj, field: string): string | { error: string } {
  const v = o[field];
  const msg = `${field} must be a string of 1–${MAX_KEY_BYTES} bytes`;
  if (typeof v !== 'string' || v.length === 0) return { error: msg };
  // A JS string's UTF-8 length is at most 3x its length; skip the count when it cannot exceed.
  if (v.length * 3 > MAX_KEY_BYTES && utf8Length(v) > MAX_KEY_BYTES) return { error: msg };
  return v;
}

function checkValue(o: Obj, field: string, nullable: boolean): string | null | { error: string } {
  const v = o[field];
  const msg = `${field} must be a string${nullable ? ' or null' : ''} of at most ${MAX_VALUE_BYTES} bytes`;
  if (v === null && nullable) return null;
  if (typeof v !== 'string') return { error: msg };
  if (v.length * 3 > MAX_VALUE_BYTES && utf8Length(v) > MAX_VALUE_BYTES) return { error: msg };
  return v;
}

function checkTtl(o: Obj): number | { error: string } {
  const v = o['ttlMs'];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0 || v > MAX_TTL_MS) {
    return { error: `ttlMs must be an integer from 1 to ${MAX_TTL_MS}` };
  }
  return v;
}

function checkToken(o: Obj): number | { error: string } {
  const v = o['token'];
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
    return { error: 'token must be a non-negative integer' };
  }
  return v;
}

function bad(x: unknown): x is { error: string } {
  return isObj(x) && typeof x['error'] === 'string';
}

/** validateKvOp checks an untrusted value is a well-formed KvOp; returns a fresh KvOp (unknown fields dropped) or what is wrong. */
export function validateKvOp(x: unknown): KvOp | string {
  if (!isObj(x)) return 'command must be an object';
  const op = x['op'];
  if (typeof op !== 'string' || !(KV_OP_NAMES as readonly string[]).includes(op)) {
    return `op must be one of ${KV_OP_NAMES.join(', ')}`;
  }
  const which = op as KvOp['op'];
  switch (which) {
    case 'get':
    case 'delete': {
      const key = checkName(x, 'key');
      if (bad(key)) return key.error;
      return { op: which, key };
    }
    case 'put': {
      const key = checkName(x, 'key');
      if (bad(key)) return key.error;
      const value = checkValue(x, 'value', false);
      if (bad(value)) return value.error;
      return { op: 'put', key, value: value as string };
    }
    case 'cas': {
      const key = checkName(x, 'key');
      if (bad(key)) return key.error;
      // expected: absent is the same as null ("the key must not exist").
      const expected = x['expected'] === undefined ? null : checkValue(x, 'expected', true);
      if (bad(expected)) return expected.error;
      const value = checkValue(x, 'value', false);
      if (bad(value)) return value.error;
      return { op: 'cas', key, expected, value: value as string };
    }
    case 'lock': {
      const name = checkName(x, 'name');
      if (bad(name)) return name.error;
      const owner = checkName(x, 'owner');
      if (bad(owner)) return owner.error;
      const ttlMs = checkTtl(x);
      if (bad(ttlMs)) return ttlMs.error;
      return { op: 'lock', name, owner, ttlMs };
    }
    case 'renew': {
      const name = checkName(x, 'name');
      if (bad(name)) return name.error;
      const owner = checkName(x, 'owner');
      if (bad(owner)) return owner.error;
      const token = checkToken(x);
      if (bad(token)) return token.error;
      const ttlMs = checkTtl(x);
      if (bad(ttlMs)) return ttlMs.error;
      return { op: 'renew', name, owner, token, ttlMs };
    }
    case 'unlock': {
      const name = checkName(x, 'name');
      if (bad(name)) return name.error;
      const token = checkToken(x);
      if (bad(token)) return token.error;
      return { op: 'unlock', name, token };
    }
    case 'fencedPut': {
      const key = checkName(x, 'key');
      if (bad(key)) return key.error;
      const value = checkValue(x, 'value', false);
      if (bad(value)) return value.error;
      const token = checkToken(x);
      if (bad(token)) return token.error;
      return { op: 'fencedPut', key, value: value as string, token };
    }
    default:
      return assertNever(which, 'op');
  }
}

/** validateKvCommand checks an untrusted value is a well-formed KvCommand; returns a fresh one or what is wrong. */
export function validateKvCommand(x: unknown): KvCommand | string {
  if (!isObj(x)) return 'command must be an object';
  const client = x['client'];
  if (typeof client !== 'string' || utf8Length(client) > MAX_CLIENT_BYTES) {
    return `client must be a string of at most ${MAX_CLIENT_BYTES} bytes`;
  }
  const seq = x['seq'];
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return 'seq must be a non-negative integer';
  const now = x['now'];
  if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) return 'now must be a non-negative finite number';
  const cmd = validateKvOp(x['cmd']);
  if (typeof cmd === 'string') return cmd;
  return { client, seq, now, cmd };
}

/** encodeCommand is the log-entry data of a command (JSON). */
export function encodeCommand(c: KvCommand): string {
  return JSON.stringify({ client: c.client, seq: c.seq, now: c.now, cmd: c.cmd });
}

/** decodeCommand parses and validates a log entry's data; returns the command or the error text. */
export function decodeCommand(s: string): KvCommand | string {
  let x: unknown;
  try {
    x = JSON.parse(s);
  } catch {
    return 'command is not valid JSON';
  }
  return validateKvCommand(x);
}
