/**
 * `npm run bench`'s read rows and --protocol: the options are read as the usage says, every
 * get's answer is checked against the value written (a wrong or missing value is an error,
 * never a fast get), the table names the lab's protocol, and a short real run of the read
 * rows against the lab answers every get right.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkAnswer,
  etcdRangeAnswer,
  labGetAnswer,
  READ_KEYS,
  readKeyOf,
  ReadSet,
  runReads,
} from '../bench/read-load';
import { markdownTable, textTable, type RunInfo, type SideResults } from '../bench/report';
import { BENCH_ROWS, parseBenchArgs, type BenchOptions } from '../bench/run-args';
import type { ReadClient } from '../bench/target';
import { VALUE_BYTES, type ThroughputResult } from '../bench/workload';

const ROOT = path.resolve(__dirname, '..');

function parsed(argv: string[]): BenchOptions {
  const o = parseBenchArgs(argv, ROOT);
  if (typeof o === 'string') throw new Error(o);
  return o;
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const reply = (status: number, body: unknown): { status: number; body: string } => ({
  status,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('npm run bench: --rows and --protocol', () => {
  it('runs all five rows, Raft, and writes the results of record by default', () => {
    const o = parsed([]);
    expect([...o.rows]).toEqual(['sequential', 'concurrent', 'reads-sequential', 'reads-concurrent', 'failover']);
    expect(o.protocol).toBe('raft');
    expect(o.out).toBe(path.join(ROOT, 'docs', 'BENCHMARKS.md'));
    expect(o.shards).toBe(true);
  });

  it('takes the read rows alone: no sharding rows, no results file unless asked', () => {
    const o = parsed(['--rows', 'reads-sequential,reads-concurrent']);
    expect([...o.rows]).toEqual(['reads-sequential', 'reads-concurrent']);
    expect(o.out).toBeNull();
    expect(o.shards).toBe(false);
    expect(parsed(['--rows', 'reads-concurrent', '--out', 'x.md']).out).toBe(path.resolve('x.md'));
  });

  it('puts Multi-Paxos beside etcd: not the results of record, no (Raft) sharding rows unless asked', () => {
    const o = parsed(['--protocol', 'paxos']);
    expect(o.protocol).toBe('paxos');
    expect(o.out).toBeNull();
    expect(o.shards).toBe(false);
    expect(parsed(['--protocol', 'paxos', '--shards']).shards).toBe(true);
    expect(parsed(['--protocol', 'raft']).out).toBe(path.join(ROOT, 'docs', 'BENCHMARKS.md'));
  });

  it('refuses a protocol or a row it does not know, naming what it takes', () => {
    expect(parseBenchArgs(['--protocol', 'zab'], ROOT)).toMatch(/--protocol must be one of raft, paxos, got 'zab'/);
    const bad = parseBenchArgs(['--rows', 'sequential,reads'], ROOT);
    expect(bad).toMatch(/got 'reads'/);
    for (const r of BENCH_ROWS) expect(bad).toContain(r);
  });
});

describe('the read rows: every answer checked', () => {
  it('a get is right only with the value written for its key', () => {
    expect(checkAnswer('v1', 'v1')).toBe(true);
    expect(checkAnswer('v1', 'v2')).toBe('wrong answer: another value');
    expect(checkAnswer('v1', null)).toBe('wrong answer: key not found');
    expect(checkAnswer(undefined, 'v1')).toBe('not a key the bench wrote');
  });

  it('the read set is the same on both sides: seeded values of the put rows size, one per key', () => {
    const a = new ReadSet();
    const b = new ReadSet();
    expect(a.entries()).toEqual(b.entries());
    expect(a.keys.size).toBe(READ_KEYS);
    expect(a.entries().map(([k]) => k)).toEqual(Array.from({ length: READ_KEYS }, (_, i) => readKeyOf(i)));
    const values = a.entries().map(([, v]) => v);
    for (const v of values) expect(Buffer.byteLength(v)).toBe(VALUE_BYTES);
    expect(new Set(values).size).toBe(READ_KEYS);
    const [k0, v0] = a.entries()[0]!;
    const [, v1] = a.entries()[1]!;
    expect(a.check(k0, v0)).toBe(true);
    // Another key's value is wrong: a system answering from the wrong key cannot pass.
    expect(a.check(k0, v1)).toBe('wrong answer: another value');
  });

  it("reads the lab's answer: the value, or why there is none", () => {
    expect(labGetAnswer(reply(200, { outcome: 'ok', value: 'abc', node: 'n1', latencyMs: 1 }))).toEqual({
      value: 'abc',
    });
    expect(labGetAnswer(reply(200, { outcome: 'ok', value: null, node: 'n1', latencyMs: 1 }))).toEqual({
      value: null,
    });
    expect(labGetAnswer(reply(200, { outcome: 'unknown', value: null, error: 'timeout' }))).toBe('unknown: timeout');
    expect(labGetAnswer(reply(200, { outcome: 'ok', value: 42 }))).toBe('malformed answer');
    expect(labGetAnswer(reply(200, 'not json'))).toBe('malformed answer');
    expect(labGetAnswer(reply(503, { error: 'no leader' }))).toBe('HTTP 503: no leader');
    expect(labGetAnswer({ status: 0, body: '', error: 'socket hang up' })).toBe('no answer: socket hang up');
  });

  it("reads etcd's range answer: base64 value, no kvs for no key, another key refused", () => {
    const header = { revision: '12', raft_term: '2' };
    const kv = (k: string, v?: string): Record<string, string> => ({
      key: b64(k),
      ...(v === undefined ? {} : { value: b64(v) }),
      mod_revision: '5',
    });
    expect(etcdRangeAnswer(reply(200, { header, kvs: [kv('k1', 'hello')], count: '1' }), 'k1')).toEqual({
      value: 'hello',
    });
    expect(etcdRangeAnswer(reply(200, { header }), 'k1')).toEqual({ value: null });
    // etcd's gateway leaves an empty value out.
    expect(etcdRangeAnswer(reply(200, { header, kvs: [kv('k1')], count: '1' }), 'k1')).toEqual({ value: '' });
    expect(etcdRangeAnswer(reply(200, { header, kvs: [kv('k2', 'x')], count: '1' }), 'k1')).toBe(
      'wrong answer: another key',
    );
    expect(etcdRangeAnswer(reply(200, { kvs: [kv('k1', 'x')] }), 'k1')).toBe('malformed answer');
    expect(etcdRangeAnswer(reply(200, { header, kvs: [kv('k1', 'x'), kv('k1', 'y')] }), 'k1')).toBe('malformed answer');
    expect(etcdRangeAnswer(reply(503, { error: 'etcdserver: request timed out', code: 14 }), 'k1')).toBe(
      'HTTP 503: etcdserver: request timed out',
    );
  });

  it('a row counts wrong answers as errors, never as gets', async () => {
    const set = new ReadSet(8);
    const [bad] = set.entries()[3]!;
    // A system that answers one key with another key's value, and one key not at all.
    const [missing] = set.entries()[5]!;
    const store = new Map(set.entries());
    store.set(bad, set.entries()[4]![1]);
    store.delete(missing);
    const reader = (check: (key: string, value: string | null) => true | string): ReadClient => ({
      // A millisecond per get, as over a socket (an instant answer would spin the loop).
      get: (key) => new Promise((res) => setTimeout(() => res(check(key, store.get(key) ?? null)), 1)),
      close: () => {},
    });
    const r = await runReads({ reader }, set, 2, 1, 3);
    expect(r.ok).toBeGreaterThan(0);
    expect(r.errors).toBeGreaterThan(0);
    expect(Object.keys(r.errorKinds).sort()).toEqual(['wrong answer: another value', 'wrong answer: key not found']);
    // Two keys in eight are wrong: about a quarter of the gets (the errors' back-off makes them rarer).
    expect(r.errorKinds['wrong answer: another value']!.n).toBeLessThan(r.ok);
  });
});

describe('the results table', () => {
  const row = (perSec: number, p50: number, cpu: number): ThroughputResult => ({
    clients: 1,
    seconds: 10,
    ok: perSec * 10,
    errors: 0,
    errorKinds: {},
    putsPerSec: perSec,
    p50Ms: p50,
    p99Ms: p50 * 3,
    benchCpuPct: 10,
    serverUsPerOp: cpu,
  });
  const side = (version: string, reads: ThroughputResult, idleMs: number): SideResults => ({
    version,
    sequential: null,
    concurrent: null,
    readsSequential: reads,
    readsConcurrent: null,
    failover: null,
    idle: { msPerSec: idleMs, byProcess: { host: idleMs } },
  });
  const info: RunInfo = {
    date: '2026-12-03T10:00:00Z',
    machine: 'test',
    command: 'npm run bench',
    settings: '',
    protocol: 'paxos',
    lab: side('quorum-lab x', row(500, 2, 300), 40),
    etcd: side('etcd 3.4', row(1000, 1, 150), 20),
    load: [1, 1],
    notes: [],
  };

  it('names the protocol, shows the gets with their ratios, leaves out the rows not run', () => {
    const md = markdownTable(info, 64);
    expect(md).toContain('| row | lab (Multi-Paxos) | etcd (Raft) |');
    expect(md).toContain('| 1 client: gets/s | 500 | 1,000 | 0.50 |');
    expect(md).toContain('| 1 client: get p50 ms | 2.00 | 1.00 | 0.50 |');
    expect(md).toContain('| 1 client: server CPU µs per get | 300 | 150 | 0.50 |');
    expect(md).toContain('| idle: server CPU ms per s | 40 | 20 | 0.50 |');
    expect(md).not.toContain('puts/s');
    expect(md).not.toContain('failover');
    expect(textTable({ ...info, protocol: 'raft' }, 64)).toMatch(/^row +lab \(Raft\) +etcd \(Raft\) +ratio/);
  });
});

describe('npm run bench: a short real run of the read rows', () => {
  it('the lab answers every get with the value written', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        path.join(ROOT, 'bench', 'run.ts'),
        '--only',
        'lab',
        '--rows',
        'reads-sequential,reads-concurrent',
        '--seconds',
        '1',
        '--warmup',
        '0',
        '--clients',
        '8',
        '--out',
        'none',
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 50_000, killSignal: 'SIGTERM' },
    );
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => / gets\/s, p50 /.test(l));
    expect(lines).toHaveLength(2);
    for (const l of lines) {
      expect(l).toMatch(/^ {2}[1-9]\d* gets\/s/);
      expect(l).toContain(' 0 errors');
    }
    expect(r.stdout).toMatch(/^row +lab \(Raft\)/m);
    expect(r.stdout).toMatch(/^8 clients: gets\/s +[\d,]+ +— +—$/m);
  }, 60_000);
});
