/**
 * The live checker's own behaviour: it lags until checked, compacts settled history (a
 * long run keeps only a small window), carries lost operations across compactions, keeps
 * a violation once found, and refuses events that do not pair up.
 */
import { describe, expect, it } from 'vitest';
import { HistoryError } from '../../src-main/check/history';
import { LiveChecker } from '../../src-main/check/live';
import { hist, seq, type Ev } from './helpers';

function feed(lc: LiveChecker, evs: Ev[]): void {
  for (const e of hist(evs)) lc.ingest(e);
}

describe('LiveChecker', () => {
  it('lags until checked, then catches up', () => {
    const lc = new LiveChecker();
    feed(lc, [...seq(0, 'write', 'x', '1'), ...seq(1, 'read', 'x', null, '1'), ...seq(1, 'write', 'y', '2')]);
    expect(lc.verdict()).toMatchObject({ linearizable: true, ops: 3, keys: 2, lagOps: 3 });
    expect(lc.check()).toMatchObject({ linearizable: true, ops: 3, keys: 2, lagOps: 0, violation: null });
  });

  it('a key never quiescent past maxWindowOps makes the verdict unknown; the other keys go on', () => {
    const lc = new LiveChecker({ maxWindowOps: 10 });
    const evs: Ev[] = [[9, 'invoke', 'read', 'x', null]]; // in flight for good: x never compacts
    for (let i = 0; i < 20; i++) evs.push(...seq(1, 'write', 'x', String(i)));
    evs.push(...seq(2, 'write', 'y', '1'));
    feed(lc, evs);
    expect(lc.verdict()).toMatchObject({ linearizable: true, keys: 2, lagOps: 21 });
    // (The read in flight constrains nothing until it returns: the window holds the 20 writes.)
    expect(lc.check()).toMatchObject({ linearizable: null, keys: 2, lagOps: 0, held: 20 });
    feed(lc, [...seq(2, 'write', 'y', '2'), ...seq(3, 'read', 'y', null, '2')]);
    expect(lc.verdict()).toMatchObject({ linearizable: null, lagOps: 2 });
    expect(lc.check()).toMatchObject({ linearizable: null, ops: 23, lagOps: 0, held: 20 });
  });

  it('compacts settled history: a long run holds a small window', () => {
    const lc = new LiveChecker();
    const evs: Ev[] = [];
    for (let i = 0; i < 1000; i++)
      evs.push(...seq(i % 4, 'write', 'x', String(i)), ...seq((i + 1) % 4, 'read', 'x', null, String(i)));
    const events = hist(evs);
    events.forEach((e, i) => {
      lc.ingest(e);
      if (i % 50 === 49) lc.check();
    });
    const v = lc.check();
    expect(v.linearizable).toBe(true);
    expect(v.ops).toBe(2000);
    expect(v.held).toBe(0);
  });

  it('compacts past the oldest operation in flight, and a lost write stays possible afterwards', () => {
    const lc = new LiveChecker();
    const evs: Ev[] = [
      [9, 'invoke', 'write', 'x', 'late'],
      [9, 'info', 'write', 'x', null],
    ];
    for (let i = 0; i < 200; i++) evs.push(...seq(1, 'write', 'x', String(i)), ...seq(2, 'read', 'x', null, String(i)));
    evs.push([3, 'invoke', 'read', 'x', null]); // in flight through the next writes
    for (let i = 200; i < 300; i++) evs.push(...seq(1, 'write', 'x', String(i)));
    const events = hist(evs);
    events.forEach((e, i) => {
      lc.ingest(e);
      if (i % 20 === 19) lc.check();
    });
    expect(lc.check().held).toBeLessThan(110); // the lost write, the read in flight and what came after it
    feed(lc, [[3, 'ok', 'read', 'x', '150']]); // too old: 150 was overwritten before this read began
    expect(lc.check().linearizable).toBe(false);
  });

  it('the lost write may still land after compaction', () => {
    const lc = new LiveChecker();
    const evs: Ev[] = [
      [9, 'invoke', 'write', 'x', 'late'],
      [9, 'info', 'write', 'x', null],
    ];
    for (let i = 0; i < 100; i++) evs.push(...seq(1, 'write', 'x', String(i)));
    hist(evs).forEach((e, i) => {
      lc.ingest(e);
      if (i % 10 === 9) lc.check();
    });
    expect(lc.check().held).toBe(1);
    feed(lc, [...seq(2, 'read', 'x', null, 'late')]);
    expect(lc.check().linearizable).toBe(true);
    // …but only once.
    feed(lc, [...seq(1, 'write', 'x', 'z'), ...seq(2, 'read', 'x', null, 'late')]);
    const v = lc.check();
    expect(v.linearizable).toBe(false);
    expect(v.violation?.explanation).toBe('read x returned late after write x=z had completed');
  });

  it('a violation is kept, and its witness is plain data', () => {
    const lc = new LiveChecker();
    feed(lc, [...seq(0, 'write', 'x', '1'), ...seq(0, 'write', 'x', '2'), ...seq(1, 'read', 'x', null, '1')]);
    const v = lc.check();
    expect(v.linearizable).toBe(false);
    expect(v.violation?.explanation).toBe('read x returned 1 after write x=2 had completed');
    feed(lc, [...seq(1, 'read', 'x', null, '2')]);
    expect(lc.check().violation).toEqual(v.violation);
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });

  it('refuses events that do not pair up', () => {
    const lc = new LiveChecker();
    expect(() => lc.ingest({ index: 0, time: 0, process: 1, type: 'ok', f: 'read', key: 'x', value: null })).toThrow(
      HistoryError,
    );
    lc.ingest({ index: 1, time: 0, process: 1, type: 'invoke', f: 'read', key: 'x', value: null });
    expect(() =>
      lc.ingest({ index: 2, time: 0, process: 1, type: 'invoke', f: 'read', key: 'x', value: null }),
    ).toThrow(/invoked again/);
  });
});
