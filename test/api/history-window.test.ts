/**
 * A window of the client history (GET /api/history?key=&from=&to=&limit=, and the history
 * view in replay): exactly the operations whose span meets the range — checked against a
 * brute force over random histories, for the lab's recorder and for a saved run's array —
 * with both events of each, oldest first, at most `limit`; and the query's validation.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryOp, HistoryQuery } from '../../src-main/api/contract';
import {
  arraySource,
  historyWindow,
  validateHistoryQuery,
  windowHints,
  windowPairs,
} from '../../src-main/api/history-window';
import { seededRng } from '../../src-main/core/types';
import { Recorder } from '../../src-main/lab/recorder';

/** randomHistory: `clients` processes, each op 1..max ns long, some never answered (their invoke only). */
function randomHistory(seed: number, n: number): HistoryOp[] {
  const rng = seededRng(seed);
  const out: HistoryOp[] = [];
  const busy = new Map<number, { end: number; inv: HistoryOp; answered: boolean }>();
  const lost = new Set<number>();
  let t = 0;
  for (let i = 0; i < n; i++) {
    t += Math.floor(rng.next() * 50);
    for (const [p, b] of [...busy]) {
      if (b.end > t) continue;
      busy.delete(p);
      if (b.answered) out.push({ ...b.inv, index: out.length, time: b.end, type: rng.next() < 0.8 ? 'ok' : 'info' });
    }
    const p = Math.floor(rng.next() * 8);
    // A process whose last request was never answered stays busy for good (as a lost request would).
    if (busy.has(p) || lost.has(p)) continue;
    const answered = rng.next() > 0.03;
    if (!answered) lost.add(p);
    const inv: HistoryOp = {
      index: out.length,
      time: t,
      process: p,
      type: 'invoke',
      f: 'write',
      key: `k${Math.floor(rng.next() * 3)}`,
      value: answered ? String(i) : 'lost',
    };
    out.push(inv);
    busy.set(p, { end: t + 1 + Math.floor(rng.next() * (rng.next() < 0.05 ? 5000 : 300)), inv, answered });
  }
  return out;
}

/** brute: every operation whose span meets [from, to], by pairing the whole history. */
function brute(h: HistoryOp[], q: HistoryQuery): number[] {
  const open = new Map<number, HistoryOp>();
  const spans: { inv: HistoryOp; end: number }[] = [];
  for (const e of h) {
    if (e.type === 'invoke') open.set(e.process, e);
    else {
      const inv = open.get(e.process)!;
      open.delete(e.process);
      spans.push({ inv, end: e.time });
    }
  }
  for (const inv of open.values()) spans.push({ inv, end: Infinity });
  return spans
    .filter((s) => (q.key === undefined || s.inv.key === q.key) && s.inv.time <= (q.to ?? Infinity))
    .filter((s) => s.end >= (q.from ?? -Infinity))
    .map((s) => s.inv.index)
    .sort((a, b) => a - b)
    .slice(0, q.limit ?? 2000);
}

describe('historyWindow', () => {
  const h = randomHistory(9, 3000);
  const last = h.at(-1)!.time;
  const queries: HistoryQuery[] = [
    {},
    { from: last / 2 },
    { to: last / 3 },
    { key: 'k1', from: last / 4, to: last / 2 },
  ];
  const rng = seededRng(4);
  for (let i = 0; i < 40; i++) {
    const a = Math.floor(rng.next() * last);
    const b = a + Math.floor(rng.next() * last * 0.2);
    queries.push({
      from: a,
      to: b,
      ...(i % 3 === 0 ? { key: `k${i % 3}` } : {}),
      ...(i % 5 === 0 ? { limit: 7 } : {}),
    });
  }

  it('a saved run: exactly the operations whose span meets the range, oldest first, both events of each', () => {
    const src = arraySource(h);
    const hints = windowHints(src);
    for (const q of queries) {
      const pairs = windowPairs(src, q, hints);
      expect(
        pairs.map((p) => p.invoke.index),
        JSON.stringify(q),
      ).toEqual(brute(h, q));
      for (const p of pairs) if (p.done) expect(p.done.process).toBe(p.invoke.process);
      const evs = historyWindow(src, q, hints);
      expect(evs.length).toBe(pairs.length + pairs.filter((p) => p.done).length);
      expect(evs.map((e) => e.index)).toEqual([...evs.map((e) => e.index)].sort((a, b) => a - b));
    }
  });

  it('the recorder: the same windows, while it records', () => {
    const rec = new Recorder();
    const handles = new Map<number, { process: number; index: number }>();
    const fed: HistoryOp[] = [];
    rec.onHistory((op) => fed.push(op));
    // Replay the random history's shape through the recorder's API (its own process numbers and times).
    for (const e of h) {
      if (e.type === 'invoke') handles.set(e.process, rec.invoke(e.f, e.key, e.value));
      else rec.complete(handles.get(e.process)!, e.type as 'ok' | 'info', e.f, e.key, e.value);
    }
    const all = rec.history();
    expect(fed).toEqual(all);
    const end = all.at(-1)!.time;
    for (const q of [{}, { from: end / 2 }, { key: 'k2', from: end / 3, to: (2 * end) / 3 }, { from: end, limit: 3 }])
      expect(
        rec
          .history(q)
          .filter((e) => e.type === 'invoke')
          .map((e) => e.index),
        JSON.stringify(q),
      ).toEqual(isEmpty(q) ? all.filter((e) => e.type === 'invoke').map((e) => e.index) : brute(all, q));
  });

  it('reads only back as far as the longest operation took, plus the ones still running', () => {
    const ops: HistoryOp[] = [
      { index: 0, time: 0, process: 0, type: 'invoke', f: 'write', key: 'a', value: 'never answered' },
      { index: 1, time: 10, process: 1, type: 'invoke', f: 'write', key: 'a', value: '1' },
      { index: 2, time: 20, process: 1, type: 'ok', f: 'write', key: 'a', value: '1' },
      { index: 3, time: 1000, process: 2, type: 'invoke', f: 'read', key: 'a', value: null },
      { index: 4, time: 1005, process: 2, type: 'ok', f: 'read', key: 'a', value: '1' },
    ];
    let reads = 0;
    const src = { size: ops.length, at: (i: number) => (reads++, ops[i]!) };
    const pairs = windowPairs(src, { from: 900 }, windowHints(arraySource(ops)));
    expect(pairs.map((p) => [p.invoke.index, p.done?.index ?? null])).toEqual([
      [0, null],
      [3, 4],
    ]);
    expect(reads).toBeLessThan(8);
  });
});

function isEmpty(q: HistoryQuery): boolean {
  return Object.keys(q).length === 0;
}

describe('validateHistoryQuery', () => {
  it('takes numbers or query strings, and says what is wrong', () => {
    expect(validateHistoryQuery(undefined)).toEqual({ ok: true, value: undefined });
    expect(validateHistoryQuery({})).toEqual({ ok: true, value: undefined });
    expect(validateHistoryQuery({ key: 'x', from: '5', to: '7.5', limit: '10' })).toEqual({
      ok: true,
      value: { key: 'x', from: 5, to: 7.5, limit: 10 },
    });
    const bad = (x: unknown): string => {
      const r = validateHistoryQuery(x);
      return r.ok ? 'ok' : r.error;
    };
    expect(bad({ limit: 20_001 })).toBe('limit must be an integer in 1..20000, got 20001');
    expect(bad({ from: 'soon' })).toMatch(/^from must be a time in ns since the run began/);
    expect(bad({ key: '' })).toMatch(/^key must be a string of 1–256 bytes/);
    expect(bad({ from: 9, to: 3 })).toBe('to (3) must not be before from (9)');
    expect(bad({ key: 'x', index: 1 })).toBe("history query: unknown field 'index'");
    expect(bad('x')).toMatch(/must be a JSON object/);
  });
});
