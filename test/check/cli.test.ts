/**
 * `quorum-lab check` end to end: the real command on real files (exit codes, the last line,
 * the JSON shape), and every kind of bad input ending in exit 2 with a one-line error.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkMain, parseCheckArgs } from '../../src-main/check-cli';
import { MAX_LINE_CHARS } from '../../src-main/check/parse/formats';

const ROOT = join(import.meta.dirname, '..', '..');
const FIX = join(import.meta.dirname, 'fixtures');
const dir = mkdtempSync(join(tmpdir(), 'quorum-check-'));

function cli(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'quorum-lab.mjs'), 'check', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const lastLine = (s: string): string => s.trimEnd().split('\n').pop() ?? '';

describe('quorum-lab check (a real process)', () => {
  it('a linearizable Jepsen log: exit 0, last line "linearizable"', () => {
    const r = cli(join(FIX, 'jepsen-etcd', 'etcd_002.log'));
    expect(r.code).toBe(0);
    expect(lastLine(r.out)).toBe('linearizable');
  });

  it('a violation: exit 1, the witness above "not linearizable"', () => {
    const r = cli(join(FIX, 'porcupine-kv', 'c01-bad.txt'));
    expect(r.code).toBe(1);
    expect(lastLine(r.out)).toBe('not linearizable');
    expect(r.out).toMatch(/key "7" \(kv model\): .*cannot be placed/);
    expect(r.out).toMatch(/← cannot be placed/);
  });

  it('garbage: exit 2, one line on stderr', () => {
    const f = join(dir, 'garbage.bin');
    writeFileSync(f, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)));
    const r = cli(f);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^quorum-lab check: .*garbage\.bin: not a history/);
  });
});

describe('checkMain', () => {
  let out: string[];
  let err: string[];
  beforeEach(() => {
    out = [];
    err = [];
    vi.spyOn(console, 'log').mockImplementation((s: string) => void out.push(s));
    vi.spyOn(console, 'error').mockImplementation((s: string) => void err.push(s));
  });
  afterEach(() => vi.restoreAllMocks());

  it('--json prints one JSON document with the verdict and the witness', async () => {
    expect(await checkMain([join(FIX, 'jepsen-etcd', 'etcd_000.log'), '--json'])).toBe(1);
    expect(out).toHaveLength(1);
    const j = JSON.parse(out[0] as string) as Record<string, unknown> & {
      violation: { window: unknown[]; explanation: string };
    };
    expect(j).toMatchObject({
      format: 'jepsen-log',
      model: 'register',
      linearizable: false,
      verdict: 'not linearizable',
      keys: 1,
    });
    expect(typeof j.elapsedMs).toBe('number');
    expect(j.violation.explanation).toBe('read returned 2 after write 1 had completed');
    expect(j.violation.window.length).toBeGreaterThan(1);
  });

  it('the lab’s history.jsonl, with the kv model inferred', async () => {
    const f = join(dir, 'history.jsonl');
    const ops = [
      { index: 0, time: 10, process: 0, type: 'invoke', f: 'write', key: 'a', value: '1' },
      { index: 1, time: 20, process: 0, type: 'ok', f: 'write', key: 'a', value: '1' },
      { index: 2, time: 30, process: 0, type: 'invoke', f: 'read', key: 'a', value: null },
      { index: 3, time: 40, process: 0, type: 'ok', f: 'read', key: 'a', value: '1' },
    ];
    writeFileSync(f, ops.map((o) => JSON.stringify(o)).join('\n') + '\n');
    expect(await checkMain([f])).toBe(0);
    expect(out.join('\n')).toMatch(/2 operations on 1 key, kv model/);
    expect(lastLine(out.join('\n'))).toBe('linearizable');
    expect(await checkMain([f, '--model', 'register'])).toBe(0);
  });

  it('a timeout too short for a hard history: unknown, exit 2', async () => {
    // c50-ok needs ~10^6 search steps: a millisecond is not enough.
    expect(await checkMain([join(FIX, 'porcupine-kv', 'c50-ok.txt'), '--timeout', '0.001'])).toBe(2);
    expect(lastLine(out.join('\n'))).toBe('unknown (timed out after 0.001 s)');
  });

  it('bad input is exit 2 with one line', async () => {
    const huge = join(dir, 'huge.jsonl');
    writeFileSync(huge, '{"index":' + ' '.repeat(MAX_LINE_CHARS + 10) + '0}\n');
    const bad = join(dir, 'bad.jsonl');
    writeFileSync(
      bad,
      '{"index":0,"time":0,"process":0,"type":"invoke","f":"write","key":"a","value":"1"}\n{"index":1,"time":1,"process":5,"type":"ok","f":"write","key":"a","value":"1"}\n',
    );
    const cas = join(dir, 'cas.jsonl');
    writeFileSync(cas, '{"index":0,"time":0,"process":0,"type":"invoke","f":"cas","key":"a","value":"1"}\n');
    const cases: [string[], RegExp][] = [
      [[huge], /line 1: longer than/],
      [[bad], /line 2|event 2: process 5 completed an operation it never invoked/],
      [[cas], /operation 0 \(cas a\): a cas value must be \[from, to\]/],
      [[join(dir, 'missing.log')], /cannot read .*ENOENT/],
      [[dir], /is not a file/],
      [[join(FIX, 'porcupine-kv', 'c01-ok.txt'), '--model', 'register'], /one register, but this history has \d+ keys/],
    ];
    for (const [args, msg] of cases) {
      err = [];
      expect(await checkMain(args), args.join(' ')).toBe(2);
      expect(err).toHaveLength(1);
      expect(err[0]?.split('\n')).toHaveLength(1);
      expect(err[0]).toMatch(msg);
    }
  });

  it('usage errors', () => {
    expect(parseCheckArgs([])).toBe('FILE is missing');
    expect(parseCheckArgs(['a', '--model', 'queue'])).toMatch(/--model must be one of register, kv/);
    expect(parseCheckArgs(['a', '--timeout', '-1'])).toMatch(/--timeout must be/);
    expect(parseCheckArgs(['a', '--bogus'])).toMatch(/bogus/);
    expect(parseCheckArgs(['a', '--json', '--timeout', '5'])).toEqual({
      file: 'a',
      model: null,
      json: true,
      timeoutS: 5,
    });
  });
});
