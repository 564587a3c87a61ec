/**
 * The Recorder's run log and Jepsen history, the consistency check written with an
 * export, and a saved run read back (and a damaged one refused).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { HistoryOp } from '../../src-main/api/contract';
import { READ_TRIES, checkConsistency } from '../../src-main/lab/check';
import { BodyStore, MAX_BODIES, MAX_BODY_BYTES, Recorder } from '../../src-main/lab/recorder';
import { RunFileError, readRun } from '../../src-main/lab/run-files';

const dir = mkdtempSync(join(tmpdir(), 'ql-rec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('recorder', () => {
  it('keeps seq order across message and other records, streams JSONL, and retires info processes', async () => {
    const rec = new Recorder({ logFile: join(dir, 'run.jsonl'), historyFile: join(dir, 'history.jsonl') });
    rec.record('cluster-created', { nodes: 3 });
    rec.message('send', 1, 'n1', 'n2', 'app', 'append', 1);
    rec.record('partition', { groups: [['n1'], ['n2']] });
    rec.message('drop', 1, 'n1', 'n2', 'app', 'append', 1, { reason: 'cut' });
    expect(rec.log().map((r) => r.kind)).toEqual(['cluster-created', 'send', 'partition', 'drop']);
    expect(rec.log(2).map((r) => r.seq)).toEqual([3, 4]);
    const ts = rec.log().map((r) => r.t);
    expect([...ts].sort((a, b) => a - b)).toEqual(ts);
    const a = rec.invoke('write', 'k', '1');
    rec.complete(a, 'ok', 'write', 'k', '1');
    const b = rec.invoke('write', 'k', '2');
    rec.complete(b, 'info', 'write', 'k', '2');
    const c = rec.invoke('read', 'k', null);
    rec.complete(c, 'ok', 'read', 'k', '1');
    const h = rec.history();
    expect(h.map((x) => [x.index, x.process, x.type])).toEqual([
      [0, 0, 'invoke'],
      [1, 0, 'ok'],
      [2, 0, 'invoke'],
      [3, 0, 'info'],
      [4, 1, 'invoke'], // process 0 may still act: a new process number
      [5, 1, 'ok'],
    ]);
    await rec.close();
    const lines = readFileSync(join(dir, 'run.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBe(rec.lastSeq);
    expect(JSON.parse(lines[3]!)).toMatchObject({ kind: 'drop', reason: 'cut', seq: 4 });
    writeFileSync(
      join(dir, 'settings.json'),
      JSON.stringify({ nodes: 3, protocol: 'raft', heartbeatMs: 100, electionMs: 1000, seed: 1 }),
    );
    const saved = await readRun(dir);
    expect(saved.log.length).toBe(lines.length);
    expect(saved.history.length).toBe(6);
    writeFileSync(join(dir, 'history.jsonl'), '{"index":0}\n');
    await expect(readRun(dir)).rejects.toThrow(RunFileError);
    await expect(readRun(dir)).rejects.toThrow(/history\.jsonl:1: time must be a time in ns, got nothing/);
  });

  it('writes every record and history event to the files whole, in order, whatever its characters and batch size', async () => {
    const log = join(dir, 'big-run.jsonl');
    const hist = join(dir, 'big-history.jsonl');
    const rec = new Recorder({ logFile: log, historyFile: hist });
    // Values of one, two, three and four UTF-8 bytes a character, short and long: a batch
    // grows past any first guess at its size, and the next starts from the last one's.
    const values = ['plain', 'café…', '日本語'.repeat(200), '🙂 x'.repeat(1500), 'q"\\\n\t'.repeat(50), ''];
    for (let batch = 0; batch < 3; batch++) {
      for (let i = 0; i < 40 * (batch + 1); i++) {
        const v = `${values[i % values.length]!}${i}`;
        const h = rec.invoke('write', `k${i}`, v);
        rec.message('send', i, 'n1', 'n2', 'app', 'append', 1, { label: `append ${v.slice(0, 20)}` });
        rec.complete(h, 'ok', 'write', `k${i}`, v, { preview: v.slice(0, 63) });
      }
      rec.flush();
    }
    await rec.sync();
    const lines = (file: string): unknown[] =>
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as unknown);
    expect(lines(log)).toEqual(rec.log());
    expect(lines(hist)).toEqual(rec.history());
    expect(rec.history().length).toBe(2 * 40 * (1 + 2 + 3));
    await rec.close();
  });

  it('writes the run log and the history byte for byte as saved runs have them (keys in order, one line each)', async () => {
    // What replay, export, the space-time diagram and the checker read from a saved run: a
    // change to the encoding (key order, spacing, escapes, a field renamed) fails here even
    // when every line still parses to the same object. Only the clock's values are replaced.
    const sub = join(dir, 'bytes');
    mkdirSync(sub, { recursive: true });
    const rec = new Recorder({ logFile: join(sub, 'run.jsonl'), historyFile: join(sub, 'history.jsonl') });
    rec.record('cluster-created', { nodes: 3, protocol: 'raft' });
    rec.message('send', 1, 'n1', 'n2', 'append', 'append', 2, { label: 'Append t2 [1] → "ok"', granted: true });
    rec.message('deliver', 1, 'n1', 'n2', 'append', 'append', 2);
    rec.message('drop', 2, 'n2', 'n1', 'appendResp', 'append', 2, { reason: 'cut' });
    rec.record('commit', { node: 'n1', commitIndex: 7 });
    const h = rec.invoke('write', 'k\t1', 'v\u2028é', { node: 'n1' });
    rec.complete(h, 'ok', 'write', 'k\t1', 'v\u2028é', { preview: 'v…', node: 'n1', latencyMs: 1.25 });
    await rec.close();
    const text = (f: string): string =>
      readFileSync(join(sub, f), 'utf8')
        .replace(/"t":\d+,/g, '"t":T,')
        .replace(/"time":\d+,/g, '"time":T,');
    expect(text('run.jsonl')).toBe(
      [
        '{"nodes":3,"protocol":"raft","t":T,"seq":1,"kind":"cluster-created"}',
        '{"t":T,"seq":2,"kind":"send","id":1,"from":"n1","to":"n2","type":"append","msgKind":"append","term":2,"label":"Append t2 [1] → \\"ok\\"","granted":true}',
        '{"t":T,"seq":3,"kind":"deliver","id":1,"from":"n1","to":"n2","type":"append","msgKind":"append","term":2}',
        '{"t":T,"seq":4,"kind":"drop","id":2,"from":"n2","to":"n1","type":"appendResp","msgKind":"append","term":2,"reason":"cut"}',
        '{"node":"n1","commitIndex":7,"t":T,"seq":5,"kind":"commit"}',
        '{"process":0,"f":"write","key":"k\\t1","node":"n1","t":T,"seq":6,"kind":"client-invoke"}',
        '{"process":0,"f":"write","key":"k\\t1","type":"ok","preview":"v…","node":"n1","latencyMs":1.25,"t":T,"seq":7,"kind":"client-complete"}',
        '',
      ].join('\n'),
    );
    expect(text('history.jsonl')).toBe(
      [
        '{"index":0,"time":T,"process":0,"type":"invoke","f":"write","key":"k\\t1","value":"v\u2028é"}',
        '{"index":1,"time":T,"process":0,"type":"ok","f":"write","key":"k\\t1","value":"v\u2028é"}',
        '',
      ].join('\n'),
    );
    // The clock: integer ns since the run began, never going back.
    const ts = readFileSync(join(sub, 'run.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { t: number }).t);
    expect(ts.every((t, i) => Number.isInteger(t) && t >= 0 && (i === 0 || t >= ts[i - 1]!))).toBe(true);
  });

  it('writes client records with their fields first, then t, seq and kind; a caller’s fields object is not kept', () => {
    const rec = new Recorder();
    const h = rec.invoke('write', 'k', 'v', { node: 'n1' });
    rec.complete(h, 'ok', 'write', 'k', 'v', { node: 'n1', latencyMs: 1.5 });
    const fields = { nodes: 3 };
    rec.record('cluster-created', fields);
    const [inv, done, made] = rec.log();
    expect(Object.keys(inv!)).toEqual(['process', 'f', 'key', 'node', 't', 'seq', 'kind']);
    expect(inv).toMatchObject({ process: 0, f: 'write', key: 'k', node: 'n1', seq: 1, kind: 'client-invoke' });
    expect(Object.keys(done!)).toEqual(['process', 'f', 'key', 'type', 'node', 'latencyMs', 't', 'seq', 'kind']);
    expect(done).toMatchObject({ type: 'ok', latencyMs: 1.5, seq: 2, kind: 'client-complete' });
    expect(made).toMatchObject({ nodes: 3, seq: 3, kind: 'cluster-created' });
    expect(fields).toEqual({ nodes: 3 });
  });

  it('the consistency check passes a possible final value and catches a lost acknowledged write', async () => {
    let i = 0;
    const op = (process: number, type: HistoryOp['type'], f: string, key: string, value: unknown): HistoryOp => ({
      index: i,
      time: ++i * 1000,
      process,
      type,
      f,
      key,
      value,
    });
    const history = [
      op(0, 'invoke', 'write', 'a', '1'),
      op(0, 'ok', 'write', 'a', '1'),
      op(0, 'invoke', 'write', 'a', '2'),
      op(1, 'invoke', 'write', 'a', '3'), // concurrent with 2: either may be last
      op(0, 'ok', 'write', 'a', '2'),
      op(1, 'ok', 'write', 'a', '3'),
      op(2, 'invoke', 'write', 'b', 'x'),
      op(2, 'ok', 'write', 'b', 'x'),
      op(2, 'invoke', 'write', 'c', 'y'),
      op(2, 'fail', 'write', 'c', 'y'), // never acknowledged: not checked
    ];
    const store: Record<string, string | null> = { a: '2', b: 'x' };
    const read = async (key: string) => ({ outcome: 'ok' as const, result: { ok: true, value: store[key] ?? null } });
    const good = await checkConsistency(history, read);
    expect(good).toMatchObject({ ok: true, keysChecked: 2 });
    store.b = null; // the acknowledged write to b vanished
    const bad = await checkConsistency(history, read);
    expect(bad.ok).toBe(false);
    expect(bad.violations).toEqual([{ key: 'b', read: null, expectedOneOf: ['x'] }]);
    store.b = 'x';
    store.a = '1'; // overwritten by two later acknowledged writes: cannot be last
    expect((await checkConsistency(history, read)).ok).toBe(false);
  });

  it('asks again for a key whose read was not answered ok (a read changes nothing); unreadable only when every try failed', async () => {
    const history: HistoryOp[] = [
      { index: 0, time: 1000, process: 0, type: 'invoke', f: 'write', key: 'a', value: '1' },
      { index: 1, time: 2000, process: 0, type: 'ok', f: 'write', key: 'a', value: '1' },
    ];
    const tries: string[] = [];
    let failFirst = 2;
    const read = async (key: string) => {
      tries.push(key);
      if (failFirst-- > 0) return { outcome: 'unknown' as const, result: null };
      return { outcome: 'ok' as const, result: { ok: true, value: '1' } };
    };
    const good = await checkConsistency(history, read);
    expect(good).toMatchObject({ ok: true, unreadable: [] });
    expect(good.summary).toMatch(/^ok: 1 key with acknowledged writes/);
    expect(tries).toEqual(['a', 'a', 'a']);
    tries.length = 0;
    const never = async (key: string) => {
      tries.push(key);
      return { outcome: 'unknown' as const, result: null };
    };
    const r = await checkConsistency(history, never);
    expect(r).toMatchObject({ ok: false, unreadable: ['a'] });
    expect(r.summary).toMatch(/^0 keys lost or changed an acknowledged write; 1 key could not be read$/);
    expect(tries).toHaveLength(READ_TRIES);
  });
});

describe('recorder history bound', () => {
  it('keeps the newest ops in order past its limit, dropping the oldest in O(1) (no Array.shift)', () => {
    const limit = 1000;
    const rec = new Recorder({ historyLimit: limit });
    const shift = vi.spyOn(Array.prototype, 'shift');
    const splice = vi.spyOn(Array.prototype, 'splice');
    try {
      // Each operation is an invoke and a completion: push the history 4,000 ops past its limit.
      for (let i = 0; i < (limit + 4000) / 2; i++) {
        const h = rec.invoke('write', `k${i % 100}`, String(i));
        rec.complete(h, 'ok', 'write', `k${i % 100}`, String(i));
      }
      // Array.shift() on the full 500,000-op history moved every entry for each new one:
      // a long load run fell from ~3,600 to ~500 puts/s once the history was full.
      expect(shift).not.toHaveBeenCalled();
      expect(splice).not.toHaveBeenCalled();
    } finally {
      shift.mockRestore();
      splice.mockRestore();
    }
    const h = rec.history();
    expect(h.length).toBe(limit);
    expect(rec.historyTruncated).toBe(4000);
    expect(h[0]!.index).toBe(4000);
    expect(h[h.length - 1]!.index).toBe(limit + 4000 - 1);
    expect(h.every((x, i) => i === 0 || x.index === h[i - 1]!.index + 1)).toBe(true);
  });
});

describe('message body store', () => {
  const frame = (n: number): Uint8Array => new Uint8Array(n).fill(7);

  it('keeps the newest bodies within its count, evicting the oldest, and says why an old one is gone', () => {
    const s = new BodyStore(100, 1 << 20, 1 << 16);
    for (let id = 1; id <= 1000; id++) s.keep(id, frame(10));
    expect(s.size).toBe(100);
    expect(s.bytes).toBe(1000);
    expect(s.get(1000)).toEqual({ kept: true, bytes: frame(10) });
    expect(s.get(901).kept).toBe(true);
    const gone = s.get(900);
    expect(gone.kept).toBe(false);
    if (!gone.kept) expect(gone.why).toContain('no longer kept: the lab keeps the newest 100 message bodies');
    const never = s.get(5000);
    if (!never.kept) expect(never.why).toContain('kept no body under this id');
  });

  it('keeps the bodies within its byte budget, and remembers one too large to keep by its size', () => {
    const s = new BodyStore(1000, 10_000, 4000);
    for (let id = 1; id <= 20; id++) s.keep(id, frame(1000));
    expect(s.bytes).toBeLessThanOrEqual(10_000);
    expect(s.size).toBe(10);
    s.keep(21, frame(50_000));
    expect(s.bytes).toBeLessThanOrEqual(10_000);
    const big = s.get(21);
    expect(big.kept).toBe(false);
    if (!big.kept) expect(big.why).toContain('50000 bytes; bodies over 4000 bytes are not kept');
    expect(s.get(20).kept).toBe(true);
  });

  it('returns every kept body byte for byte while its arena wraps around many times', () => {
    const s = new BodyStore(50, 10_000, 4000);
    const body = (id: number, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, k) => (id * 31 + k) & 255);
    const sizes = new Map<number, number>();
    let x = 12345;
    for (let id = 1; id <= 5000; id++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const n = 1 + (x % 5000); // some over the 4000-byte limit
      sizes.set(id, n);
      s.keep(id, body(id, n));
      expect(s.bytes).toBeLessThanOrEqual(10_000);
      expect(s.size).toBeLessThanOrEqual(50);
      if (id % 97 !== 0) continue;
      let kept = 0;
      for (let k = Math.max(1, id - 60); k <= id; k++) {
        const got = s.get(k);
        if (!got.kept) continue;
        kept++;
        expect(got.bytes, `body ${k} after ${id}`).toEqual(body(k, sizes.get(k)!));
      }
      expect(kept).toBeGreaterThan(0);
    }
    // The newest body that fits is always kept.
    const last = [...sizes.entries()].reverse().find(([, n]) => n <= 4000)!;
    expect(s.get(last[0]).kept).toBe(true);
  });

  it('is what the recorder keeps for each message (bounded by MAX_BODIES and MAX_BODY_BYTES)', () => {
    const rec = new Recorder();
    for (let id = 1; id <= MAX_BODIES + 50; id++) rec.keepBody(id, frame(100));
    expect(rec.bodies.size).toBe(MAX_BODIES);
    expect(rec.bodies.bytes).toBeLessThanOrEqual(MAX_BODY_BYTES);
    expect(rec.bodies.get(50).kept).toBe(false);
    expect(rec.bodies.get(MAX_BODIES + 50).kept).toBe(true);
  });
});
