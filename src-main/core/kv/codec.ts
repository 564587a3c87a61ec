/**
 * The wire form of state-machine commands and their validation. Everything that arrives
 * from outside (an API call, a console line, a log entry written by another node) passes
 * through validateKvOp / decodeCommand before the state machine trusts it.
 */
import { assertNever } from '../types';
import { at, int, isRecord, num, oneOf, parseJsonBounded, record, str, utf8Length, valueOrError } from '../validate';
import { MAX_KEY_BYTES, MAX_TTL_MS, MAX_VALUE_BYTES } from './types';
import type { KvCommand, KvOp } from './types';

/** MAX_CLIENT_BYTES bounds a session's client id. */
export const MAX_CLIENT_BYTES = 256;

/** KV_OP_NAMES lists every op the state machine applies. */
export const KV_OP_NAMES = ['put', 'get', 'delete', 'cas', 'lock', 'renew', 'unlock', 'fencedPut'] as const;

/** utf8Length is the kit's (core/validate.ts); re-exported for the codec's callers. */
export { utf8Length };

/** MAX_COMMAND_DEPTH bounds a log entry's command JSON: {cmd: {...}} is 2 deep. */
const MAX_COMMAND_DEPTH = 4;

/** name: a key, lock name or owner — a string of 1..MAX_KEY_BYTES UTF-8 bytes. */
function name(x: unknown, path: string): string {
  return str(x, path, { min: 1, max: MAX_KEY_BYTES });
}

function value(x: unknown, path: string): string {
  return str(x, path, { max: MAX_VALUE_BYTES });
}

function ttl(x: unknown, path: string): number {
  return int(x, path, 1, MAX_TTL_MS, `an integer from 1 to ${MAX_TTL_MS}`);
}

/** kvOp checks a KvOp at `path` ('' at the top) and returns a fresh one (unknown fields dropped). */
export function kvOp(x: unknown, path: string): KvOp {
  const o = record(x, path || 'command');
  // at(path, …) inline rather than a helper closure: this runs once per decoded command.
  const op = oneOf(o.op, at(path, 'op'), KV_OP_NAMES);
  switch (op) {
    case 'get':
    case 'delete':
      return { op, key: name(o.key, at(path, 'key')) };
    case 'put':
      return { op, key: name(o.key, at(path, 'key')), value: value(o.value, at(path, 'value')) };
    case 'cas': {
      const key = name(o.key, at(path, 'key'));
      // expected: absent is the same as null ("the key must not exist").
      const expected =
        o.expected === undefined || o.expected === null
          ? null
          : str(o.expected, at(path, 'expected'), {
              max: MAX_VALUE_BYTES,
              what: `a string or null of at most ${MAX_VALUE_BYTES} bytes`,
            });
      return { op, key, expected, value: value(o.value, at(path, 'value')) };
    }
    case 'lock':
      return {
        op,
        name: name(o.name, at(path, 'name')),
        owner: name(o.owner, at(path, 'owner')),
        ttlMs: ttl(o.ttlMs, at(path, 'ttlMs')),
      };
    case 'renew':
      return {
        op,
        name: name(o.name, at(path, 'name')),
        owner: name(o.owner, at(path, 'owner')),
        token: int(o.token, at(path, 'token')),
        ttlMs: ttl(o.ttlMs, at(path, 'ttlMs')),
      };
    case 'unlock':
      return { op, name: name(o.name, at(path, 'name')), token: int(o.token, at(path, 'token')) };
    case 'fencedPut':
      return {
        op,
        key: name(o.key, at(path, 'key')),
        value: value(o.value, at(path, 'value')),
        token: int(o.token, at(path, 'token')),
      };
    default:
      return assertNever(op, 'op');
  }
}

/** validateKvOp checks an untrusted value is a well-formed KvOp; returns a fresh KvOp (unknown fields dropped) or what is wrong. */
export function validateKvOp(x: unknown): KvOp | string {
  return valueOrError(() => kvOp(x, ''));
}

function kvCommand(x: unknown): KvCommand {
  const o = record(x, 'command');
  return {
    client: str(o.client, 'client', { max: MAX_CLIENT_BYTES }),
    seq: int(o.seq, 'seq'),
    now: num(o.now, 'now', 0, Number.MAX_VALUE, { what: 'a non-negative finite number' }),
    cmd: kvOp(o.cmd, 'cmd'),
  };
}

/** validateKvCommand checks an untrusted value is a well-formed KvCommand; returns a fresh one or what is wrong. */
export function validateKvCommand(x: unknown): KvCommand | string {
  // Every replica decodes every log entry, and nearly all are well formed: a plain check
  // first, which builds no error path and throws nothing; only a doubt takes the path that
  // names what is wrong (kvCommand, which returns the same command when all is well).
  return fastCommand(x) ?? valueOrError(() => kvCommand(x));
}

// ---- the fast path: the same checks as kvCommand/kvOp, as predicates ------------------------

/** strOk: what str(x, …, {min, max}) accepts. */
function strOk(x: unknown, min: number, max: number): x is string {
  if (typeof x !== 'string') return false;
  if (x.length >= min && x.length * 3 <= max) return true;
  const n = utf8Length(x);
  return n >= min && n <= max;
}

/** intOk: what int(x, …, lo, hi) accepts. */
function intOk(x: unknown, lo = 0, hi = Number.MAX_SAFE_INTEGER): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= lo && x <= hi;
}

/** fastCommand is kvCommand for a well-formed command; null when anything is in doubt (the slow path then says what). */
function fastCommand(x: unknown): KvCommand | null {
  if (!isRecord(x)) return null;
  const { client, seq, now } = x;
  if (!strOk(client, 0, MAX_CLIENT_BYTES) || !intOk(seq)) return null;
  if (typeof now !== 'number' || !Number.isFinite(now) || now < 0) return null;
  const cmd = fastOp(x.cmd);
  return cmd === null ? null : { client, seq, now, cmd };
}

/** fastOp is kvOp for a well-formed op (the same fresh object, fields in the same order); null when in doubt. */
function fastOp(x: unknown): KvOp | null {
  if (!isRecord(x)) return null;
  const o = x;
  switch (o.op) {
    case 'get':
    case 'delete':
      return strOk(o.key, 1, MAX_KEY_BYTES) ? { op: o.op, key: o.key } : null;
    case 'put':
      return strOk(o.key, 1, MAX_KEY_BYTES) && strOk(o.value, 0, MAX_VALUE_BYTES)
        ? { op: 'put', key: o.key, value: o.value }
        : null;
    case 'cas': {
      const e = o.expected;
      const expected = e === undefined || e === null ? null : strOk(e, 0, MAX_VALUE_BYTES) ? e : undefined;
      if (expected === undefined || !strOk(o.key, 1, MAX_KEY_BYTES) || !strOk(o.value, 0, MAX_VALUE_BYTES)) return null;
      return { op: 'cas', key: o.key, expected, value: o.value };
    }
    case 'lock':
      return strOk(o.name, 1, MAX_KEY_BYTES) && strOk(o.owner, 1, MAX_KEY_BYTES) && intOk(o.ttlMs, 1, MAX_TTL_MS)
        ? { op: 'lock', name: o.name, owner: o.owner, ttlMs: o.ttlMs }
        : null;
    case 'renew':
      return strOk(o.name, 1, MAX_KEY_BYTES) &&
        strOk(o.owner, 1, MAX_KEY_BYTES) &&
        intOk(o.token) &&
        intOk(o.ttlMs, 1, MAX_TTL_MS)
        ? { op: 'renew', name: o.name, owner: o.owner, token: o.token, ttlMs: o.ttlMs }
        : null;
    case 'unlock':
      return strOk(o.name, 1, MAX_KEY_BYTES) && intOk(o.token) ? { op: 'unlock', name: o.name, token: o.token } : null;
    case 'fencedPut':
      return strOk(o.key, 1, MAX_KEY_BYTES) && strOk(o.value, 0, MAX_VALUE_BYTES) && intOk(o.token)
        ? { op: 'fencedPut', key: o.key, value: o.value, token: o.token }
        : null;
    default:
      return null;
  }
}

/** encodeCommand is the log-entry data of a command (JSON). */
export function encodeCommand(c: KvCommand): string {
  return JSON.stringify({ client: c.client, seq: c.seq, now: c.now, cmd: c.cmd });
}

/**
 * CommandDecoder turns a log entry's data into its command or the error text, as
 * decodeCommand does; `index` (the entry's log index) is only a hint a cache may use.
 */
export type CommandDecoder = (data: string, index?: number) => KvCommand | string;

/** decodeCommand parses and validates a log entry's data; returns the command or the error text. */
export function decodeCommand(s: string): KvCommand | string {
  const parsed = parseJsonBounded(s, { maxDepth: MAX_COMMAND_DEPTH });
  if (!parsed.ok) return `command: ${parsed.error}`;
  return validateKvCommand(parsed.value);
}
