/**
 * The wire form of state-machine commands and their validation. Everything that arrives
 * from outside (an API call, a console line, a log entry written by another node) passes
 * through validateKvOp / decodeCommand before the state machine trusts it.
 */
import { assertNever } from '../types';
import { at, int, num, oneOf, parseJsonBounded, record, str, utf8Length, valueOrError } from '../validate';
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

const NAME_BYTES = { min: 1, max: MAX_KEY_BYTES } as const;
const VALUE_BYTES = { max: MAX_VALUE_BYTES } as const;
const EXPECTED_BYTES = { max: MAX_VALUE_BYTES, what: `a string or null of at most ${MAX_VALUE_BYTES} bytes` } as const;
const CLIENT_BYTES = { max: MAX_CLIENT_BYTES } as const;
const NOW_WORDS = { what: 'a non-negative finite number' } as const;

/** name: a key, lock name or owner — a string of 1..MAX_KEY_BYTES UTF-8 bytes. */
function name(x: unknown, path: string): string {
  return str(x, path, NAME_BYTES);
}

function value(x: unknown, path: string): string {
  return str(x, path, VALUE_BYTES);
}

/** OpPaths are the field paths of an op at one place (`cmd.key`, …): built once per place, not per command. */
interface OpPaths {
  self: string;
  op: string;
  key: string;
  value: string;
  expected: string;
  name: string;
  owner: string;
  token: string;
  ttlMs: string;
}

/** opPathsAt holds the few places an op is read at (the top, a log entry's `cmd`, a request frame's `req.op`). */
const opPathsAt = new Map<string, OpPaths>();

/** opPaths are the field paths under `path`. Every decoded log entry checks its op: building no path string there keeps the well-formed case cheap. */
function opPaths(path: string): OpPaths {
  let p = opPathsAt.get(path);
  if (!p) {
    const f = (k: string): string => at(path, k);
    p = {
      self: path || 'command',
      op: f('op'),
      key: f('key'),
      value: f('value'),
      expected: f('expected'),
      name: f('name'),
      owner: f('owner'),
      token: f('token'),
      ttlMs: f('ttlMs'),
    };
    // The callers pass constants; a bound keeps a caller that did not from growing the table.
    if (opPathsAt.size < 16) opPathsAt.set(path, p);
  }
  return p;
}

function ttl(x: unknown, path: string): number {
  return int(x, path, 1, MAX_TTL_MS, `an integer from 1 to ${MAX_TTL_MS}`);
}

/** kvOp checks a KvOp at `path` ('' at the top) and returns a fresh one (unknown fields dropped). */
export function kvOp(x: unknown, path: string): KvOp {
  const p = opPaths(path);
  const o = record(x, p.self);
  const op = oneOf(o.op, p.op, KV_OP_NAMES);
  switch (op) {
    case 'get':
    case 'delete':
      return { op, key: name(o.key, p.key) };
    case 'put':
      return { op, key: name(o.key, p.key), value: value(o.value, p.value) };
    case 'cas': {
      const key = name(o.key, p.key);
      // expected: absent is the same as null ("the key must not exist").
      const expected =
        o.expected === undefined || o.expected === null ? null : str(o.expected, p.expected, EXPECTED_BYTES);
      return { op, key, expected, value: value(o.value, p.value) };
    }
    case 'lock':
      return { op, name: name(o.name, p.name), owner: name(o.owner, p.owner), ttlMs: ttl(o.ttlMs, p.ttlMs) };
    case 'renew':
      return {
        op,
        name: name(o.name, p.name),
        owner: name(o.owner, p.owner),
        token: int(o.token, p.token),
        ttlMs: ttl(o.ttlMs, p.ttlMs),
      };
    case 'unlock':
      return { op, name: name(o.name, p.name), token: int(o.token, p.token) };
    case 'fencedPut':
      return { op, key: name(o.key, p.key), value: value(o.value, p.value), token: int(o.token, p.token) };
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
    client: str(o.client, 'client', CLIENT_BYTES),
    seq: int(o.seq, 'seq'),
    now: num(o.now, 'now', 0, Number.MAX_VALUE, NOW_WORDS),
    cmd: kvOp(o.cmd, 'cmd'),
  };
}

/** validateKvCommand checks an untrusted value is a well-formed KvCommand; returns a fresh one or what is wrong. */
export function validateKvCommand(x: unknown): KvCommand | string {
  return valueOrError(() => kvCommand(x));
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
