/**
 * The console's answers say what was found and what it means: a refused cas names the
 * value it found, a refused lock its holder, token and time left, a stale fencing token
 * the newer one, an unknown outcome why no answer came and that the write may or may not
 * have applied; a load run says what its fail and unknown counts mean; an export prints
 * the consistency verdict.
 */
import { describe, expect, it } from 'vitest';
import type { KvResponse } from '../../src-main/api/contract';
import { absentText, exportText, failText, loadText, shown, unknownText } from '../../src-renderer/src/console/answers';

const res = (over: Partial<KvResponse>): KvResponse => ({
  outcome: 'fail',
  value: null,
  node: 'n2',
  latencyMs: 3,
  ...over,
});

describe('absentText', () => {
  it('says what an empty get means and what the read is worth under each read mode', () => {
    expect(absentText('a', 'n2')).toBe(
      '(nil) — a has no value (never written, or deleted); a linearizable read: n2 confirmed it still leads first',
    );
    expect(absentText('a', 'n2', 'lease')).toBe(
      '(nil) — a has no value (never written, or deleted); n2 read it under its leader lease (reads=lease)',
    );
    // Read locally, an empty answer may be a node behind, not a missing key: it says so.
    expect(absentText('a', 'n3', 'local')).toBe(
      '(nil) — a has no value (never written, or deleted) on n3, whose own copy may be stale (reads=local)',
    );
  });
});

describe('failText', () => {
  it('a refused cas says what it found and what was expected', () => {
    const cas = { op: 'cas' as const, key: 'a', expected: '1', value: '3' };
    expect(failText(cas, res({ error: 'cas-mismatch', value: '2' }))).toBe(
      'not swapped: a is 2, expected 1 (nothing was written)',
    );
    expect(failText(cas, res({ error: 'cas-mismatch', value: null }))).toBe(
      'not swapped: a is absent (nil), expected 1 (nothing was written)',
    );
    expect(failText({ ...cas, expected: null }, res({ error: 'cas-mismatch', value: 'hello world' }))).toBe(
      'not swapped: a is "hello world", expected it absent (nothing was written)',
    );
  });

  it('a refused lock names the holder, its token and the time left', () => {
    const r = res({ error: 'lock-held', value: 'alice', token: 4507, expiresInMs: 3210 });
    expect(failText({ op: 'lock', name: 'jobs', owner: 'bob' }, r)).toBe(
      'not locked: jobs is held by alice (token 4507), 3.2 s left — wait for it to expire or be released',
    );
  });

  it('a refused renew or unlock says who holds the lock now, or that it lapsed', () => {
    expect(
      failText({ op: 'renew', name: 'jobs', owner: 'bob', token: 5 }, res({ error: 'lock-not-held', value: 'alice' })),
    ).toBe('not renewed: token 5 no longer holds jobs — alice holds it now');
    expect(failText({ op: 'unlock', name: 'jobs', token: 5 }, res({ error: 'lock-not-held' }))).toBe(
      'not unlocked: token 5 no longer holds jobs — it expired or was released; lock it again for a new token',
    );
  });

  it('a stale fencing token names the newer one', () => {
    expect(failText({ op: 'fenced', key: 'storage', token: 3 }, res({ error: 'stale-token', token: 5 }))).toBe(
      'refused: token 3 is stale — storage has already accepted token 5 from a later lock holder, so your lock expired meanwhile (nothing was written)',
    );
  });

  it('a full store says nothing was written', () => {
    expect(failText({ op: 'put', key: 'a' }, res({ error: 'store-full' }))).toMatch(
      /^failed: the store is full .* nothing was written/,
    );
  });

  it("keeps the lab's quorum explanation and the last node's answer", () => {
    const r = res({
      error: 'no quorum: 2 of 5 nodes reachable, 3 needed (n3, n4, n5 down) — last try: timeout: n4: not-leader',
    });
    expect(failText({ op: 'put', key: 'a' }, r)).toBe(
      'failed: no quorum: 2 of 5 nodes reachable, 3 needed (n3, n4, n5 down) (last answer: timeout: n4: not-leader); nothing was applied',
    );
  });
});

describe('unknownText', () => {
  it('says why no answer came and that the write may or may not have applied', () => {
    const put = { op: 'put' as const, key: 'a' };
    expect(unknownText(put, res({ outcome: 'unknown', error: 'connection closed', node: 'n3' }))).toBe(
      'unknown: n3 died before answering — the write may or may not have applied; read it back to know',
    );
    expect(unknownText(put, res({ outcome: 'unknown', error: 'leadership-lost', node: 'n1' }))).toBe(
      'unknown: n1 lost its leadership before the write committed — the write may or may not have applied; read it back to know',
    );
    expect(
      unknownText(
        put,
        res({ outcome: 'unknown', error: 'no quorum: 1 of 3 nodes reachable, 2 needed — last try: timeout' }),
      ),
    ).toBe(
      'unknown: no answer before the deadline (no quorum: 1 of 3 nodes reachable, 2 needed) — the write may or may not have applied; read it back to know',
    );
    expect(unknownText({ op: 'get', key: 'a' }, res({ outcome: 'unknown', error: 'timeout' }))).toBe(
      'unknown: no answer before the deadline — a read changes nothing; ask again',
    );
  });
});

describe('load, export and values', () => {
  it('a load run says what its fail and unknown counts mean', () => {
    const s = { count: 100, ok: 90, fail: 2, unknown: 8, seconds: 1, opsPerSec: 100, p50Ms: 1, p99Ms: 2 };
    expect(loadText('put', s)).toMatch(
      /^load put ×100: 90 ok, 2 fail, 8 unknown in 1\.00 s — 100 ops\/s, p50 1\.00 ms, p99 2\.00 ms\. 2 failed: certainly not applied; 8 unknown: no answer in time \(a node died or lost leadership\) — each may or may not have applied$/,
    );
    expect(loadText('get', { ...s, ok: 100, fail: 0, unknown: 0 })).not.toContain('unknown:');
  });

  it('an export prints the consistency verdict', () => {
    expect(
      exportText('/tmp/r', ['run.jsonl'], { ok: true, summary: 'ok: 3 keys with acknowledged writes read back' }),
    ).toBe('exported to /tmp/r (run.jsonl) — consistency: ok: 3 keys with acknowledged writes read back');
  });

  it('shows a value bare when it is one plain word, else quoted', () => {
    expect([shown('2'), shown(''), shown('a b'), shown('nil'), shown(null)]).toEqual([
      '2',
      '""',
      '"a b"',
      '"nil"',
      'absent (nil)',
    ]);
  });
});
