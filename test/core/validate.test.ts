/**
 * The validation kit (core/validate.ts): errors name the field path and what it must be,
 * bounds hold at their edges, and nothing in the kit recurses on hostile nesting — a
 * 200 KB `[[[…]]]` or `{"a":{"a":…}}` is refused with a message, never a stack overflow.
 */
import { describe as suite, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  array,
  at,
  boundedDepth,
  checked,
  describe,
  int,
  nullable,
  num,
  oneOf,
  onlyFields,
  optional,
  parseJsonBounded,
  record,
  str,
  utf8Length,
  valueOrError,
} from '../../src-main/core/validate';

/** nestedArrays is `[[[…]]]` n deep as text (2n bytes). */
const nestedArrays = (n: number): string => '['.repeat(n) + ']'.repeat(n);
/** nestedObjects is `{"a":{"a":…1…}}` n deep as text. */
const nestedObjects = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
const err = (c: { ok: boolean; error?: string }): string => (c.ok ? '' : (c.error ?? ''));

suite('validation kit: UTF-8 lengths', () => {
  it('counts what a UTF-8 encoder writes: ASCII (controls too) one byte a character, the rest more', () => {
    // The store's byte limit and every bounded string field are charged with these counts.
    const enc = new TextEncoder();
    const cases = [
      '',
      'v'.repeat(256),
      '\u0000\u0001\t\n\u007f',
      'caf\u00e9',
      '\u00ff'.repeat(3),
      '\u0080',
      `${'a'.repeat(300)}\u20ac`,
      '\u{1f600} ok',
      '\ud800',
      'x\udc00y',
    ];
    for (const s of cases) expect(utf8Length(s), JSON.stringify(s)).toBe(enc.encode(s).length);
  });
});

suite('validation kit: paths and messages', () => {
  it('names the field path, what it must be and what it got', () => {
    const nodeId = (x: unknown, path: string): string =>
      str(x, path, { min: 2, max: 3, pattern: /^n[1-9][0-9]?$/, what: 'a node id like "n1"' });
    const groups = (x: unknown) =>
      checked(() => array(x, 'groups', { min: 1, max: 9 }, (g, p) => array(g, p, { min: 1, max: 9 }, nodeId)));
    expect(err(groups([['n1'], ['n2', 5]]))).toBe('groups[1][1] must be a node id like "n1", got 5');
    expect(err(groups([['n1'], ['x']]))).toBe('groups[1][0] must be a node id like "n1", got "x"');
    expect(err(groups([['n1'], []]))).toBe('groups[1] must be an array of 1..9 items, got an empty array');
    expect(groups([['n1'], ['n2', 'n3']])).toEqual({ ok: true, value: [['n1'], ['n2', 'n3']] });
    expect(at('', 'a')).toBe('a');
    expect(at('a', 'b')).toBe('a.b');
    expect(at('a.b', 3)).toBe('a.b[3]');
  });

  it('bounds integers, numbers, strings (in UTF-8 bytes), enums and arrays at their edges', () => {
    const c = <T>(f: () => T) => checked(f);
    expect(c(() => int(5, 'n', 1, 5))).toEqual({ ok: true, value: 5 });
    expect(err(c(() => int(6, 'n', 1, 5)))).toBe('n must be an integer in 1..5, got 6');
    expect(err(c(() => int(1.5, 'n')))).toBe('n must be a non-negative integer, got 1.5');
    expect(err(c(() => int(Number.MAX_SAFE_INTEGER + 1, 'n')))).toMatch(/^n must be a non-negative integer/);
    expect(err(c(() => int('3', 'n')))).toBe('n must be a non-negative integer, got "3"');
    expect(err(c(() => num(Number.NaN, 'x', 0, 1)))).toBe('x must be a number in [0, 1], got NaN');
    expect(err(c(() => num(Infinity, 'x', 0, Infinity)))).toMatch(/got Infinity/);
    expect(err(c(() => num(0, 'x', 0, 1, { loOpen: true })))).toBe('x must be a number in (0, 1], got 0');
    expect(c(() => num(1, 'x', 0, 1, { loOpen: true }))).toEqual({ ok: true, value: 1 });
    // 'é' is 2 bytes: 3 of them are 6 bytes, over a 5-byte bound though only 3 characters.
    expect(err(c(() => str('ééé', 's', { max: 5 })))).toBe('s must be a string of at most 5 bytes, got "ééé"');
    expect(c(() => str('éé', 's', { max: 4 }))).toEqual({ ok: true, value: 'éé' });
    expect(err(c(() => str('', 's', { min: 1, max: 4 })))).toBe('s must be a string of 1–4 bytes, got ""');
    expect(err(c(() => str('x'.repeat(100), 's', { max: 50 })))).toBe(
      's must be a string of at most 50 bytes, got a string of 100 bytes',
    );
    expect(utf8Length('aé€😀')).toBe(10);
    expect(err(c(() => oneOf('zab', 'protocol', ['raft', 'paxos'])))).toBe(
      'protocol must be one of raft, paxos, got "zab"',
    );
    expect(err(c(() => array([1, 2, 3], 'a', { max: 2 }, (x) => x)))).toBe(
      'a must be an array of 0..2 items, got an array of 3 items',
    );
    expect(c(() => optional(undefined, (v) => int(v, 'o')))).toEqual({ ok: true, value: undefined });
    expect(err(c(() => optional(-1, (v) => int(v, 'o'))))).toMatch(/^o must be/);
    expect(c(() => nullable(null, (v) => int(v, 'o')))).toEqual({ ok: true, value: null });
    expect(err(c(() => onlyFields({ a: 1, ['k'.repeat(5000)]: 2 }, ['a'], 'a request')))).toBe(
      `a request: unknown field '${'k'.repeat(40)}…'`,
    );
    expect(err(c(() => record([1], 'a request', 'a JSON object')))).toBe(
      'a request must be a JSON object, got an array of 1 item',
    );
  });

  it('converts only Invalid: a bug still throws, and valueOrError keeps the T | string shape', () => {
    expect(() =>
      checked(() => {
        throw new TypeError('bug');
      }),
    ).toThrow(TypeError);
    expect(valueOrError(() => ({ a: int(1, 'a') }))).toEqual({ a: 1 });
    expect(valueOrError(() => ({ a: int(-1, 'a') }))).toBe('a must be a non-negative integer, got -1');
  });

  it('describes any value briefly, without descending into it or echoing long text', () => {
    const deep = JSON.parse(nestedArrays(100_000)) as unknown;
    expect(describe(deep)).toBe('an array of 1 item');
    expect(describe(JSON.parse(nestedObjects(50_000)))).toBe('an object');
    expect(describe('x'.repeat(1_000_000))).toBe('a string of 1000000 characters');
    expect(describe(undefined)).toBe('nothing');
    expect(describe(null)).toBe('null');
    expect(describe(Symbol('s'))).toBe('a symbol');
    expect(describe('ok')).toBe('"ok"');
    // The overflow this guards against, so the test shows what describe avoids:
    expect(() => JSON.stringify(deep)).toThrow(RangeError);
  });
});

suite('validation kit: depth', () => {
  it('parseJsonBounded refuses 200 KB of nesting, and parses anything within the bound', () => {
    expect(err(parseJsonBounded(nestedArrays(100_000)))).toBe(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(err(parseJsonBounded(nestedObjects(40_000)))).toBe(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    expect(parseJsonBounded(nestedArrays(MAX_JSON_DEPTH))).toMatchObject({ ok: true });
    expect(err(parseJsonBounded(nestedArrays(MAX_JSON_DEPTH + 1)))).toMatch(/nested deeper/);
    expect(err(parseJsonBounded(nestedArrays(5), { maxDepth: 4 }))).toBe('JSON nested deeper than 4 levels');
    expect(parseJsonBounded('{"a":[1,{"b":2}]}', { maxDepth: 3 })).toEqual({ ok: true, value: { a: [1, { b: 2 }] } });
    expect(err(parseJsonBounded('{oops'))).toMatch(/^not valid JSON \(/);
    expect(err(parseJsonBounded('"' + 'é'.repeat(10) + '"', { maxBytes: 20 }))).toBe('JSON text over 20 bytes');
    expect(parseJsonBounded('"' + 'é'.repeat(9) + '"', { maxBytes: 20 })).toEqual({ ok: true, value: 'é'.repeat(9) });
  });

  it('counts only real nesting: brackets inside strings (escaped quotes and backslashes too) do not count', () => {
    const inString = JSON.stringify({ s: nestedArrays(1000), t: 'a\\"[[[[' + '\\\\', u: '[' });
    expect(parseJsonBounded(inString, { maxDepth: 1 })).toMatchObject({ ok: true });
    expect(err(parseJsonBounded('["\\\\",[[1]]]', { maxDepth: 2 }))).toBe('JSON nested deeper than 2 levels');
    expect(parseJsonBounded('["\\\\",[[1]]]', { maxDepth: 3 })).toEqual({ ok: true, value: ['\\', [[1]]] });
    expect(err(parseJsonBounded('["abc'))).toMatch(/not valid JSON/);
  });

  it('boundedDepth walks a parsed value without recursing, and gives up on cycles and fan-out', () => {
    expect(boundedDepth(JSON.parse(nestedArrays(100_000)), MAX_JSON_DEPTH)).toBe(false);
    expect(boundedDepth(JSON.parse(nestedObjects(50_000)), MAX_JSON_DEPTH)).toBe(false);
    expect(boundedDepth(JSON.parse(nestedArrays(3)), 3)).toBe(true);
    expect(boundedDepth(JSON.parse(nestedArrays(4)), 3)).toBe(false);
    expect(boundedDepth({ a: 1, b: [{ c: 'x' }] }, 3)).toBe(true);
    expect(boundedDepth('scalar', 0)).toBe(true);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(boundedDepth(cycle, 1000)).toBe(false);
    // 30 levels of two references to the same child: 2^30 paths, refused by the node budget.
    let fan: unknown = 1;
    for (let i = 0; i < 30; i++) fan = [fan, fan];
    expect(boundedDepth(fan, 64, 10_000)).toBe(false);
  });
});
