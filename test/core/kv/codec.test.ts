import { describe, expect, it } from 'vitest';
import { decodeCommand, encodeCommand, utf8Length, validateKvOp } from '../../../src-main/core/kv/codec';
import { parseState } from '../../../src-main/core/kv/snapshot';
import { MAX_KEY_BYTES, MAX_TTL_MS, MAX_VALUE_BYTES } from '../../../src-main/core/kv/types';
import type { KvCommand } from '../../../src-main/core/kv/types';

describe('kv codec', () => {
  it('encode/decode round-trips every op', () => {
    const cmds: KvCommand['cmd'][] = [
      { op: 'put', key: 'k', value: 'v' },
      { op: 'get', key: 'k' },
      { op: 'delete', key: 'k' },
      { op: 'cas', key: 'k', expected: null, value: 'v' },
      { op: 'cas', key: 'k', expected: 'old', value: 'v' },
      { op: 'lock', name: 'L', owner: 'me', ttlMs: 1000 },
      { op: 'renew', name: 'L', owner: 'me', token: 7, ttlMs: 1000 },
      { op: 'unlock', name: 'L', token: 7 },
      { op: 'fencedPut', key: 'r', value: 'v', token: 0 },
    ];
    for (const cmd of cmds) {
      const c: KvCommand = { client: 'c', seq: 3, now: 12.5, cmd };
      expect(decodeCommand(encodeCommand(c))).toEqual(c);
    }
  });

  it('drops unknown fields and treats a missing cas expected as null', () => {
    expect(validateKvOp({ op: 'get', key: 'k', extra: 1 })).toEqual({ op: 'get', key: 'k' });
    expect(validateKvOp({ op: 'cas', key: 'k', value: 'v' })).toEqual({
      op: 'cas',
      key: 'k',
      expected: null,
      value: 'v',
    });
  });

  it('counts keys and values in UTF-8 bytes', () => {
    expect(utf8Length('aé€😀')).toBe(1 + 2 + 3 + 4);
    const euro = '€'.repeat(MAX_KEY_BYTES / 4 + 1); // 3 bytes each: 195 bytes, fine
    expect(validateKvOp({ op: 'get', key: euro })).toEqual({ op: 'get', key: euro });
    const tooLong = '€'.repeat(86); // 258 bytes though only 86 characters
    expect(validateKvOp({ op: 'get', key: tooLong })).toBe(
      `key must be a string of 1–${MAX_KEY_BYTES} bytes, got a string of 258 bytes`,
    );
    expect(validateKvOp({ op: 'get', key: 'x'.repeat(MAX_KEY_BYTES) })).not.toBeTypeOf('string');
    expect(validateKvOp({ op: 'put', key: 'k', value: 'x'.repeat(MAX_VALUE_BYTES) })).not.toBeTypeOf('string');
    expect(validateKvOp({ op: 'put', key: 'k', value: 'x'.repeat(MAX_VALUE_BYTES + 1) })).toBe(
      `value must be a string of at most ${MAX_VALUE_BYTES} bytes, got a string of ${MAX_VALUE_BYTES + 1} bytes`,
    );
  });

  it('says clearly what is wrong with a bad op', () => {
    const cases: [unknown, string][] = [
      [null, 'command must be an object, got null'],
      ['put', 'command must be an object, got "put"'],
      [{ op: 'drop', key: 'k' }, 'op must be one of put, get, delete, cas, lock, renew, unlock, fencedPut, got "drop"'],
      [{ op: 'get' }, 'key must be a string of 1–256 bytes, got nothing'],
      [{ op: 'get', key: '' }, 'key must be a string of 1–256 bytes, got ""'],
      [{ op: 'get', key: 5 }, 'key must be a string of 1–256 bytes, got 5'],
      [{ op: 'put', key: 'k' }, 'value must be a string of at most 1048576 bytes, got nothing'],
      [{ op: 'put', key: 'k', value: 5 }, 'value must be a string of at most 1048576 bytes, got 5'],
      [
        { op: 'cas', key: 'k', expected: 5, value: 'v' },
        'expected must be a string or null of at most 1048576 bytes, got 5',
      ],
      [{ op: 'lock', name: 'L', owner: 'o', ttlMs: 0 }, `ttlMs must be an integer from 1 to ${MAX_TTL_MS}, got 0`],
      [{ op: 'lock', name: 'L', owner: 'o', ttlMs: -5 }, `ttlMs must be an integer from 1 to ${MAX_TTL_MS}, got -5`],
      [
        { op: 'lock', name: 'L', owner: 'o', ttlMs: MAX_TTL_MS + 1 },
        `ttlMs must be an integer from 1 to ${MAX_TTL_MS}, got ${MAX_TTL_MS + 1}`,
      ],
      [{ op: 'lock', name: 'L', owner: 'o', ttlMs: 1.5 }, `ttlMs must be an integer from 1 to ${MAX_TTL_MS}, got 1.5`],
      [{ op: 'lock', name: 'L', ttlMs: 10 }, 'owner must be a string of 1–256 bytes, got nothing'],
      [{ op: 'lock', owner: 'o', ttlMs: 10 }, 'name must be a string of 1–256 bytes, got nothing'],
      [{ op: 'unlock', name: 'L', token: -1 }, 'token must be a non-negative integer, got -1'],
      [{ op: 'unlock', name: 'L', token: 1.5 }, 'token must be a non-negative integer, got 1.5'],
      [{ op: 'fencedPut', key: 'r', value: 'v', token: '3' }, 'token must be a non-negative integer, got "3"'],
      [
        { op: 'renew', name: 'L', owner: 'o', token: 1, ttlMs: Infinity },
        `ttlMs must be an integer from 1 to ${MAX_TTL_MS}, got Infinity`,
      ],
    ];
    for (const [input, msg] of cases) expect(validateKvOp(input), JSON.stringify(input)).toBe(msg);
  });

  it('decodeCommand takes a command as its op check does: the same fresh op, the same refusals', () => {
    // Every op with an extra field at both levels: the decoded command is a fresh object in
    // encodeCommand's field order, with the extras dropped.
    const ops: Record<string, unknown>[] = [
      { op: 'put', key: 'k', value: '' },
      { op: 'get', key: 'é'.repeat(100) },
      { op: 'delete', key: 'k' },
      { op: 'cas', key: 'k', value: 'v' },
      { op: 'cas', key: 'k', expected: null, value: 'v' },
      { op: 'cas', key: 'k', expected: 'e', value: 'v' },
      { op: 'lock', name: 'L', owner: 'o', ttlMs: MAX_TTL_MS },
      { op: 'renew', name: 'L', owner: 'o', token: 0, ttlMs: 1 },
      { op: 'unlock', name: 'L', token: 9 },
      { op: 'fencedPut', key: 'r', value: 'v', token: 2 },
    ];
    for (const op of ops) {
      const data = JSON.stringify({ x: 1, now: 4.5, seq: 2, cmd: { ...op, extra: [1] }, client: '' });
      const c = decodeCommand(data);
      expect(c, data).toEqual({ client: '', seq: 2, now: 4.5, cmd: validateKvOp(op) });
      // Field order too: a command's JSON is what the run log and the history show.
      expect(JSON.stringify((c as KvCommand).cmd)).toBe(JSON.stringify(validateKvOp(op)));
      expect(JSON.stringify(c)).toBe(encodeCommand(c as KvCommand));
    }
    // Every bad op above is refused inside a command too, in the same words (at cmd.*).
    const bad: unknown[] = [
      { op: 'drop', key: 'k' },
      { op: 'get', key: '' },
      { op: 'get', key: '€'.repeat(86) },
      { op: 'put', key: 'k', value: 5 },
      { op: 'cas', key: 'k', expected: 5, value: 'v' },
      { op: 'cas', key: 'k', expected: 'e' },
      { op: 'lock', name: 'L', owner: 'o', ttlMs: 0 },
      { op: 'lock', name: 'L', owner: 'o', ttlMs: MAX_TTL_MS + 1 },
      { op: 'lock', name: 'L', ttlMs: 10 },
      { op: 'renew', name: 'L', owner: 'o', token: 1, ttlMs: 1.5 },
      { op: 'renew', name: 'L', owner: 'o', token: -1, ttlMs: 5 },
      { op: 'unlock', name: 'L', token: 1.5 },
      { op: 'fencedPut', key: 'r', value: 'v', token: '3' },
      { op: 'fencedPut', key: 'x'.repeat(MAX_KEY_BYTES + 1), value: 'v', token: 3 },
      [],
    ];
    for (const op of bad) {
      const want = validateKvOp(op);
      expect(want).toBeTypeOf('string');
      const data = JSON.stringify({ client: 'c', seq: 1, now: 0, cmd: op });
      expect(decodeCommand(data), data).toBe(
        (want as string).replace(/^(command|op|key|value|expected|name|owner|token|ttlMs)\b/, (w) =>
          w === 'command' ? 'cmd' : `cmd.${w}`,
        ),
      );
    }
    // And a bad envelope around a good op.
    const envelope = (o: Record<string, unknown>): unknown =>
      decodeCommand(JSON.stringify({ client: 'c', seq: 1, now: 0, cmd: { op: 'get', key: 'k' }, ...o }));
    expect(envelope({ client: 'x'.repeat(257) })).toMatch(/^client must be a string of at most 256 bytes/);
    expect(envelope({ seq: -1 })).toBe('seq must be a non-negative integer, got -1');
    expect(envelope({ now: '1' })).toBe('now must be a non-negative finite number, got "1"');
  });

  it('decodeCommand reports bad JSON and bad envelopes as text, never throwing', () => {
    expect(decodeCommand('{')).toMatch(/^command: not valid JSON \(/);
    expect(decodeCommand('{"cmd":' + '['.repeat(5000) + ']'.repeat(5000) + '}')).toBe(
      'command: JSON nested deeper than 4 levels',
    );
    expect(decodeCommand('[]')).toBe('command must be an object, got an empty array');
    expect(decodeCommand('{"client":1,"seq":1,"now":0,"cmd":{"op":"get","key":"k"}}')).toMatch(/^client must be/);
    expect(decodeCommand('{"client":"c","seq":1.5,"now":0,"cmd":{"op":"get","key":"k"}}')).toBe(
      'seq must be a non-negative integer, got 1.5',
    );
    expect(decodeCommand('{"client":"c","seq":1,"now":-1,"cmd":{"op":"get","key":"k"}}')).toBe(
      'now must be a non-negative finite number, got -1',
    );
    expect(decodeCommand('{"client":"c","seq":1,"now":0}')).toBe('cmd must be an object, got nothing');
  });
});

describe('parseState (snapshots from disk or from a leader)', () => {
  it('refuses deep nesting with a message instead of overflowing the stack', () => {
    const nested = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(parseState(`{"v":${nested}}`)).toBe('JSON nested deeper than 8 levels');
    expect(parseState('{"v":[[1]]}')).toBe('unknown version an array of 1 item');
    expect(parseState('{oops')).toMatch(/^not valid JSON/);
  });
});
