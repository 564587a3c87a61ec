/**
 * The history view's model, as a user reads the view: each operation a bar with its label
 * and outcome colour, a lane per client; the stretched axis keeps time order (and so
 * overlap) while spacing events evenly; the key filter; linearization points inside their
 * bars; a violation's window highlighted with its culprit and the writes each read could
 * have seen; fault bands; and the verdict chip's words.
 */
import { describe, expect, it } from 'vitest';
import { checkViolation } from '../../src-main/api/check-core';
import type { CheckVerdict, HistoryOp } from '../../src-main/api/contract';
import { checkHistory } from '../../src-main/check/check';
import { seededRng } from '../../src-main/core/types';
import type { FaultPeriod } from '../../src-renderer/src/model/faults';
import { layoutHistory, fitLabel, LANE_H } from '../../src-renderer/src/model/history-layout';
import { linearizationPoints, placePoints, violationMarks } from '../../src-renderer/src/model/history-lin';
import { assignLanes, barLabel, filterByKey, keysOf, pairBars } from '../../src-renderer/src/model/history-ops';
import { axisTicks, linearScale, stretchedScale } from '../../src-renderer/src/model/history-time';
import { LAG_SHOWN, verdictChip, verdictLines } from '../../src-renderer/src/model/history-verdict';

/** ev builds history events: [process, type, f, key, value, time]. */
function events(rows: [number, HistoryOp['type'], string, string, unknown, number][]): HistoryOp[] {
  return rows.map(([process, type, f, key, value, time], index) => ({ index, time, process, type, f, key, value }));
}

/** staleRead: put x=1, put x=2, then a read of x (by another client) that returns 1. */
const STALE = events([
  [0, 'invoke', 'write', 'x', '1', 1000],
  [0, 'ok', 'write', 'x', '1', 2000],
  [1, 'invoke', 'write', 'x', '2', 3000],
  [1, 'ok', 'write', 'x', '2', 4000],
  [2, 'invoke', 'read', 'y', null, 4500],
  [2, 'ok', 'read', 'y', null, 4600],
  [3, 'invoke', 'read', 'x', null, 5000],
  [3, 'ok', 'read', 'x', '1', 6000],
]);

describe('bars and lanes', () => {
  it('pairs each invoke with its completion: outcome, span, label', () => {
    const bars = pairBars(
      events([
        [0, 'invoke', 'write', 'x', '3', 10],
        [1, 'invoke', 'read', 'x', null, 12],
        [0, 'ok', 'write', 'x', '3', 20],
        [1, 'ok', 'read', 'x', '3', 25],
        [2, 'invoke', 'cas', 'x', ['3', '4'], 30],
        [2, 'fail', 'cas', 'x', ['3', '4'], 40],
        [3, 'invoke', 'delete', 'y', null, 50],
        [3, 'info', 'delete', 'y', null, 60],
        [4, 'invoke', 'lock', 'L', { owner: 'alice', ttlMs: 5000 }, 70],
        [4, 'ok', 'lock', 'L', { owner: 'alice', ttlMs: 5000, token: 12 }, 80],
        [5, 'invoke', 'write', 'z', 'v', 90],
      ]),
    );
    expect(bars.map((b) => [b.label, b.outcome, b.start, b.end])).toEqual([
      ['put x=3', 'ok', 10, 20],
      ['get x→3', 'ok', 12, 25],
      ['cas x 3→4', 'fail', 30, 40],
      ['del y', 'unknown', 50, null], // may take effect at any time after its call: the bar runs to the end
      ['lock L alice → t12', 'ok', 70, 80],
      ['put z=v', 'running', 90, null],
    ]);
    expect(bars.find((b) => b.outcome === 'unknown')?.answeredAt).toBe(60);
  });

  it('labels every operation the console can send, values cut to fit', () => {
    expect(barLabel('read', 'x', null, null, 'ok')).toBe('get x→nil');
    expect(barLabel('read', 'x', null, undefined, 'unknown')).toBe('get x→?');
    expect(barLabel('cas', 'k', [null, 'v'], undefined, 'ok')).toBe('cas k nil→v');
    expect(barLabel('renew', 'L', { owner: 'bob', token: 7, ttlMs: 1 }, undefined, 'ok')).toBe('renew L bob t7');
    expect(barLabel('unlock', 'L', { token: 7 }, undefined, 'ok')).toBe('unlock L t7');
    expect(barLabel('fenced-write', 'f', { value: 'v1', token: 3 }, undefined, 'ok')).toBe('fenced f=v1 t3');
    expect(barLabel('write', 'big', 'x'.repeat(256), undefined, 'ok')).toBe(`put big=${'x'.repeat(11)}…`);
    expect(fitLabel('put x=3', 200)).toBe('put x=3');
    expect(fitLabel('put load-1=xxxxxxxxxx…', 60)).toBe('put loa…');
    expect(fitLabel('put x=3', 12)).toBe('');
  });

  it('gives each client process a lane, in process order', () => {
    const bars = pairBars(STALE);
    const lanes = assignLanes(bars);
    expect(lanes.processes).toEqual([0, 1, 2, 3]);
    const layout = layoutHistory({
      bars,
      from: 0,
      to: 7000,
      width: 700,
      mode: 'linear',
      faults: [],
      violation: null,
      points: new Map(),
      cursorT: null,
      selected: null,
    });
    expect(layout.boxes.map((b) => b.lane)).toEqual([0, 1, 2, 3]);
    expect(layout.boxes.map((b) => b.y)).toEqual([0, 1, 2, 3].map((l) => l * LANE_H + 4));
    expect(layout.height).toBe(4 * LANE_H);
    // Only the lanes in view get bars.
    const some = layoutHistory({
      bars,
      from: 0,
      to: 7000,
      width: 700,
      mode: 'linear',
      faults: [],
      violation: null,
      points: new Map(),
      cursorT: null,
      selected: null,
      visible: { start: 1, end: 3 },
    });
    expect(some.boxes.map((b) => b.lane)).toEqual([1, 2]);
  });

  it('filters by key, and offers the keys most used first', () => {
    const bars = pairBars(STALE);
    expect(filterByKey(bars, 'x').map((b) => b.key)).toEqual(['x', 'x', 'x']);
    expect(filterByKey(bars, null)).toHaveLength(4);
    expect(keysOf(bars)).toEqual(['x', 'y']);
  });
});

describe('the time axis', () => {
  const rng = seededRng(5);
  const ops = Array.from({ length: 200 }, () => {
    const start = Math.floor(rng.next() * 1e9);
    return { start, end: start + 1 + Math.floor(rng.next() * 5e7) };
  });
  const times = ops.flatMap((o) => [o.start, o.end]);

  it('stretched: monotone, evenly spaced events, and overlap (and precedence) kept for every pair', () => {
    const s = stretchedScale(times, 0, 1.1e9, 1000);
    const sorted = [...new Set(times)].sort((a, b) => a - b);
    const xs = sorted.map((t) => s.x(t));
    for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeGreaterThan(xs[i - 1]!);
    const gaps = xs.slice(1).map((x, i) => x - xs[i]!);
    expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThan(1e-6);
    for (const a of ops.slice(0, 60))
      for (const b of ops.slice(0, 60)) {
        expect(s.x(a.end) < s.x(b.start)).toBe(a.end < b.start);
        const overlap = a.start < b.end && b.start < a.end;
        expect(s.x(a.start) < s.x(b.end) && s.x(b.start) < s.x(a.end)).toBe(overlap);
      }
    // In between events (a fault's start, the cursor) falls in between, and x → t → x comes back.
    const mid = (sorted[10]! + sorted[11]!) / 2;
    expect(s.x(mid)).toBeGreaterThan(s.x(sorted[10]!));
    expect(s.x(mid)).toBeLessThan(s.x(sorted[11]!));
    expect(s.x(s.t(333))).toBeCloseTo(333, 6);
    expect(s.x(-5)).toBe(0);
    expect(s.x(2e9)).toBe(1000);
  });

  it('stretched spreads a burst that linear squeezes into a pixel', () => {
    const burst = [1e9, 1e9 + 10, 1e9 + 20, 1e9 + 30];
    const lin = linearScale(0, 2e9, 1000);
    const str = stretchedScale(burst, 0, 2e9, 1000);
    expect(lin.x(burst[3]!) - lin.x(burst[0]!)).toBeLessThan(0.001);
    expect(str.x(burst[3]!) - str.x(burst[0]!)).toBeGreaterThan(500);
  });

  it('labels a linear axis at round times, a stretched one at the times that fall under each tick', () => {
    const lin = axisTicks(linearScale(5.03e9, 6.1e9, 1000));
    expect(lin.map((t) => t.label)).toEqual(['5.2 s', '5.4 s', '5.6 s', '5.8 s', '6.0 s']);
    const str = axisTicks(stretchedScale([1e9, 1.001e9, 3e9], 0, 4e9, 900), 3);
    expect(str.map((t) => t.label)).toEqual(['0.000 s', '1.000 s', '2.334 s', '4.000 s']);
  });
});

describe('linearization points', () => {
  it('lie inside their bars, in an order that a single copy of x would answer alike', () => {
    const h = events([
      [0, 'invoke', 'write', 'x', '1', 0],
      [1, 'invoke', 'read', 'x', null, 10],
      [0, 'ok', 'write', 'x', '1', 40],
      [2, 'invoke', 'write', 'x', '2', 45],
      [1, 'ok', 'read', 'x', '1', 50],
      [2, 'ok', 'write', 'x', '2', 60],
      [3, 'invoke', 'read', 'x', null, 70],
      [3, 'ok', 'read', 'x', '2', 80],
    ]);
    const bars = pairBars(h);
    const pts = linearizationPoints(bars).get('kv:x')!;
    expect(pts.map((p) => p.index)).toEqual([0, 1, 3, 6]); // write 1, read 1, write 2, read 2
    for (const p of pts) {
      const b = bars.find((x) => x.index === p.index)!;
      expect(p.t).toBeGreaterThanOrEqual(b.start);
      expect(p.t).toBeLessThanOrEqual(b.end!);
    }
    for (let i = 1; i < pts.length; i++) expect(pts[i]!.t).toBeGreaterThanOrEqual(pts[i - 1]!.t);
  });

  it('a window starting mid-run: a read of a value written before it is explained from that value', () => {
    const bars = pairBars(
      events([
        [0, 'invoke', 'read', 'x', null, 100],
        [0, 'ok', 'read', 'x', 'old', 110],
        [1, 'invoke', 'write', 'x', 'new', 120],
        [1, 'ok', 'write', 'x', 'new', 130],
      ]),
    );
    expect(
      linearizationPoints(bars)
        .get('kv:x')!
        .map((p) => p.index),
    ).toEqual([0, 2]);
  });

  it('placePoints takes the earliest moment that keeps the order', () => {
    expect(
      placePoints([
        { index: 1, start: 10, end: 50 },
        { index: 2, start: 5, end: 40 },
        { index: 3, start: 30, end: null },
      ]).map((p) => p.t),
    ).toEqual([10, 10, 30]);
  });
});

describe('a violation, highlighted', () => {
  const r = checkHistory(STALE, { model: 'kv' });
  const v = checkViolation(r.violation!, 'key');
  const marks = violationMarks(v);

  it('the window, the culprit, what each read could have seen, and the sentence', () => {
    expect(r.linearizable).toBe(false);
    expect(marks.explanation).toBe('read x returned 1 after write x=2 had completed');
    expect(marks.culprit).toBe(6);
    expect([...marks.window].sort()).toEqual([0, 2, 6]);
    expect(marks.from).toBe(1000);
    expect(marks.to).toBe(6000);
    expect(marks.reads).toEqual([
      { index: 6, description: 'read x → 1', seen: [{ index: 0, description: 'write x=1' }], initial: false },
    ]);
    expect(v.time).toBe(6000);
  });

  it('laid out: a band over the window across every lane, the culprit and the seen write marked', () => {
    const faults: FaultPeriod[] = [
      { lane: 'n2 down', kind: 'down', start: 2500, end: 3500, label: 'crashed', nodes: ['n2'] },
      { lane: 'partition', kind: 'partition', start: 9000, end: null, label: 'n1 | n2 n3', nodes: [] },
    ];
    const layout = layoutHistory({
      bars: pairBars(STALE),
      from: 0,
      to: 7000,
      width: 700,
      mode: 'linear',
      faults,
      violation: marks,
      points: new Map([['violation:x', marks.order]]),
      cursorT: 4000,
      selected: 6,
    });
    expect(layout.highlight).toEqual({ x: 100, w: 500 });
    const role = Object.fromEntries(layout.boxes.map((b) => [b.index, b.role]));
    expect(role).toEqual({ 0: 'seen', 2: 'window', 4: '', 6: 'culprit' });
    expect(layout.boxes.find((b) => b.index === 6)?.selected).toBe(true);
    // Only the fault in the window's time is drawn, across the view.
    expect(layout.bands).toEqual([{ x: 250, w: 100, label: 'n2 down: crashed', kind: 'down' }]);
    expect(layout.cursorX).toBe(400);
    // The longest legal order found leaves the culprit out.
    expect(layout.lines[0]!.points.map((p) => p.index)).toEqual([0, 2]);
  });
});

describe('the verdict in words', () => {
  const green: CheckVerdict = { linearizable: true, ops: 12345, keys: 8, lagOps: 0, violation: null, reason: null };

  it('green with the count, amber while far behind, red with the key and the time', () => {
    expect(verdictChip(green)).toMatchObject({ text: 'Linearizable ✓ · checked live: 12,345 ops', tone: 'ok' });
    expect(verdictChip({ ...green, lagOps: 5 }).text).toBe('Linearizable ✓ · checked live: 12,340 ops');
    // It names what checked it and over what, and where the full check is.
    expect(verdictChip(green).title).toMatch(
      /^Checked live by the lab's linearizability checker .* over this run's whole client history so far — 12,345 completed operations on 8 keys, each key on its own\. Linearizable: .* Click for the full check: the history view/,
    );
    expect(verdictChip(green, true)).toMatchObject({ text: 'Linearizable ✓ · checked: 12,345 ops' });
    expect(verdictChip(green, true).title).toMatch(
      /^Checked in this page .* over the saved run's whole client history/,
    );
    // Nothing to judge yet: no tick, no count of zero.
    expect(verdictChip({ ...green, ops: 0, keys: 0 })).toMatchObject({ text: 'No operations yet', tone: 'idle' });
    expect(verdictChip({ ...green, ops: 3, lagOps: 3 }).text).toBe('checking… · 3 behind');
    expect(verdictChip({ ...green, lagOps: LAG_SHOWN + 140 })).toMatchObject({
      text: 'checking… · 640 behind',
      tone: 'warn',
    });
    const r = checkHistory(STALE, { model: 'kv' });
    const v = { ...checkViolation(r.violation!, 'key'), time: 12.34e9 };
    const red = verdictChip({ ...green, linearizable: false, violation: v });
    expect(red).toMatchObject({ text: 'Not linearizable: key x at 12.3 s', tone: 'bad' });
    expect(red.title).toContain('read x returned 1 after write x=2 had completed');
    expect(verdictChip({ ...green, linearizable: null, reason: 'undecided: too much' })).toMatchObject({
      text: 'Consistency unknown',
      title: 'undecided: too much',
    });
    expect(verdictLines(green)).toEqual(['linearizable: 12,345 operations on 8 keys checked']);
    expect(verdictLines({ ...green, ops: 1, keys: 1 })).toEqual(['linearizable: 1 operation on 1 key checked']);
    const lines = verdictLines({ ...green, linearizable: false, violation: v });
    expect(lines[0]).toBe('not linearizable: key x at 12.3 s — read x returned 1 after write x=2 had completed');
    expect(lines.join('\n')).toContain('op 6  read x → 1  at 0.0 s  ← cannot be placed  (could have seen: op 0)');
  });
});
