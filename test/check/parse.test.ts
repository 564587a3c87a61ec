/**
 * The history readers: each format is recognised and read into the same events; values
 * (nil, numbers, vectors, keywords, strings with escapes) come through; anything else is a
 * HistoryError with the line it is on, never a crash, and every reader is bounded.
 */
import { describe, expect, it } from 'vitest';
import { HistoryError, pairHistory } from '../../src-main/check/history';
import { EDN_MAX_DEPTH, readEdn } from '../../src-main/check/parse/edn';
import { detectFormat, MAX_LINE_CHARS, parseHistory } from '../../src-main/check/parse/formats';
import { hist } from './helpers';

describe('formats', () => {
  it('reads Jepsen log lines, skipping other log lines and the nemesis', () => {
    const text = [
      '2017-01-01 INFO  jepsen.core - Running test',
      'INFO  jepsen.util - 3\t:invoke\t:write\t4',
      'INFO  jepsen.util - :nemesis\t:info\t:start\tnil',
      'INFO  jepsen.util - 3\t:ok\t:write\t4',
      'INFO  jepsen.util - 1\t:invoke\t:cas\t[1 2]',
      'INFO  jepsen.util - 1\t:info\t:cas\t:timed-out',
      'INFO  jepsen.util - 0\t:invoke\t:read\tnil',
      'INFO  jepsen.util - 0\t:ok\t:read\tnil',
    ].join('\n');
    const h = parseHistory(text);
    expect(h.format).toBe('jepsen-log');
    expect(h.model).toBe('register');
    expect(h.events.map((e) => [e.process, e.type, e.f, e.value, e.index])).toEqual([
      [3, 'invoke', 'write', 4, 2],
      [3, 'ok', 'write', 4, 4],
      [1, 'invoke', 'cas', [1, 2], 5],
      [1, 'info', 'cas', ':timed-out', 6],
      [0, 'invoke', 'read', null, 7],
      [0, 'ok', 'read', null, 8],
    ]);
  });

  it('reads Jepsen EDN maps with keys (kv, Porcupine’s empty-is-absent)', () => {
    const h = parseHistory(
      '{:process 1, :type :invoke, :f :get, :key "9", :value nil}\n{:process 1, :type :ok, :f :get, :key "9", :value "x \\"y\\""}\n',
    );
    expect(h.format).toBe('jepsen-edn');
    expect(h.model).toBe('kv');
    expect(h.emptyIsAbsent).toBe(true);
    expect(h.events[1]).toMatchObject({ process: 1, type: 'ok', f: 'get', key: '9', value: 'x "y"' });
  });

  it('reads the lab’s JSONL and JSON array', () => {
    const op = { index: 0, time: 5, process: 0, type: 'invoke', f: 'write', key: 'a', value: 'v' };
    expect(parseHistory(JSON.stringify(op) + '\n').format).toBe('lab-jsonl');
    expect(parseHistory(JSON.stringify([op])).events[0]).toEqual(op);
  });

  it('says what is wrong, with the line', () => {
    const bad: [string, RegExp][] = [
      ['', /not a history/],
      ['hello world', /not a history/],
      ['{"index":0}', /line 1: time must be a number/],
      ['{"index":0,"time":0,"process":0,"type":"done","f":"w","key":"a"}', /type must be/],
      ['{"index":0,"time":0,"process":0,"type":"ok","f":"w","key":"a"}\n{oops', /line 2: not JSON/],
      ['{:process 1, :type :ok, :f :get\n', /line 1: missing '}'/],
      ['{:process 1, :type :ok, :f :get}\n{:process x, :type :ok, :f :get}', /line 2: the process must be a number/],
      ['INFO  jepsen.util - 3\t:invoke\t:write\t[1 2\n', /line 1: missing '\]'/],
      ['INFO  jepsen.util - 3 :invoke :write 4\n', /line 1: not a history line/],
      ['[1, 2]', /operation 1: not a history object/],
      [
        '{"index":0,"time":0,"process":0,"type":"ok","f":"w","key":"a"}\n' + 'x'.repeat(MAX_LINE_CHARS + 1),
        /line 2: longer than/,
      ],
    ];
    for (const [text, msg] of bad) {
      expect(() => parseHistory(text), text.slice(0, 40)).toThrow(HistoryError);
      expect(() => parseHistory(text), text.slice(0, 40)).toThrow(msg);
    }
  });

  it('never crashes on random bytes', () => {
    let x = 12345;
    for (let n = 0; n < 300; n++) {
      let s = n % 3 === 0 ? '{:' : n % 3 === 1 ? '{"' : 'INFO  jepsen.util - ';
      for (let i = 0; i < 200; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        s += String.fromCharCode(x % 128);
      }
      try {
        parseHistory(s);
      } catch (e) {
        expect(e).toBeInstanceOf(HistoryError);
      }
    }
  });

  it('detects formats from the first meaningful line', () => {
    expect(detectFormat('\n\n{"index":0}')).toBe('lab-jsonl');
    expect(detectFormat('; comment\n{:process 0}')).toBe('jepsen-edn');
    expect(detectFormat('garbage')).toBeNull();
  });
});

describe('EDN', () => {
  it('reads values', () => {
    expect(readEdn('{:a [1 -2 3.5 nil true "s\\n"], :b #{:k}, "c" (x y)}')).toEqual({
      a: [1, -2, 3.5, null, true, 's\n'],
      b: [':k'],
      c: ['x', 'y'],
    });
    expect(readEdn('12345678901234567890')).toBe('12345678901234567890');
  });

  it('bounds nesting', () => {
    expect(() => readEdn('['.repeat(EDN_MAX_DEPTH + 2) + ']'.repeat(EDN_MAX_DEPTH + 2))).toThrow(/nested too deep/);
    expect(readEdn('['.repeat(EDN_MAX_DEPTH) + ']'.repeat(EDN_MAX_DEPTH))).toBeDefined();
  });
});

describe('pairing events into operations', () => {
  it('keeps invoke order whatever order completions come in; drops failed ones; an unfinished one is indeterminate', () => {
    const { ops, failed } = pairHistory(
      hist([
        [1, 'invoke', 'write', 'x', 'a'], // 0
        [2, 'invoke', 'read', 'x', null], // 1
        [3, 'invoke', 'cas', 'x', ['a', 'b']], // 2
        [2, 'ok', 'read', 'x', 'a'], // 3
        [3, 'fail', 'cas', 'x', ['a', 'b']], // 4
        [4, 'invoke', 'get', 'y', null], // 5
        [1, 'info', 'write', 'x', 'a'], // 6
        [4, 'ok', 'get', 'y', null], // 7
        [5, 'invoke', 'put', 'y', 'c'], // 8: never completes
      ]),
    );
    expect(failed).toBe(1);
    expect(ops.map((o) => [o.process, o.f, o.call, o.ret, o.status, o.output])).toEqual([
      [1, 'write', 0, Infinity, 'info', undefined],
      [2, 'read', 1, 3, 'ok', 'a'],
      [4, 'read', 5, 7, 'ok', null],
      [5, 'write', 8, Infinity, 'info', undefined],
    ]);
    expect(ops.map((o) => [o.index, o.time, o.endTime])).toEqual([
      [0, 0, null],
      [1, 1000, 3000],
      [5, 5000, 7000],
      [8, 8000, null],
    ]);
  });
});
