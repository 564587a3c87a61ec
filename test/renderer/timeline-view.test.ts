/**
 * The timeline as a reader meets it: rows of several categories merged in run order with
 * random access (what the virtual list reads), the virtual list's window math, word-boundary
 * fitting, and the timeline store (one view update per frame, backlog merge, filters, pause).
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { RowStore, type Row } from '../../src-renderer/src/model/timeline-rows';
import type { Category } from '../../src-renderer/src/model/records';
import { atBottom, fitWords, visibleWindow } from '../../src-renderer/src/model/virtual-window';
import { onMessageRecord, useTimelineStore } from '../../src-renderer/src/stores/timeline';

const row = (ord: number, cat: Category, nodes: string[] = [], t = ord * 1e6): Row => ({
  ord,
  seq: ord,
  t,
  cat,
  kind: cat,
  text: `${cat} ${ord}`,
  tone: '',
  nodes,
  links: [],
});

describe('RowView: categories merged in run order', () => {
  const store = new RowStore();
  const cats: Category[] = ['state', 'client', 'fault'];
  for (let i = 0; i < 3000; i++) store.add(row(i, cats[i % 7 === 0 ? 2 : i % 2]!, i % 3 === 0 ? ['n1'] : ['n2']));

  it('reads any slice by position, as a merge of the chosen categories', () => {
    const v = store.view(['state', 'fault']);
    const expected = Array.from({ length: 3000 }, (_, i) => i).filter((i) => i % 7 === 0 || i % 2 === 0);
    expect(v.count).toBe(expected.length);
    for (const start of [0, 1, 17, 500, expected.length - 3]) {
      expect(v.slice(start, 5).map((r) => r.ord)).toEqual(expected.slice(start, start + 5));
    }
    expect(v.slice(v.count, 5)).toEqual([]);
    expect(v.indexOfOrd(expected[123]!)).toBe(123);
  });

  it('bounds the view at a run time (replay cursor) or an ord (paused view)', () => {
    const v = store.view(['state', 'client', 'fault'], { maxT: 99e6 });
    expect(v.count).toBe(100);
    expect(v.indexAtT(49.5e6)).toBe(49);
    expect(store.view(['state', 'client', 'fault'], { maxOrd: 9 }).count).toBe(10);
  });

  it('filters by node, and keeps the filter up to date as rows arrive', () => {
    const s = new RowStore();
    for (let i = 0; i < 30; i++) s.add(row(i, 'state', [i % 3 === 0 ? 'n1' : 'n2']));
    s.setNode('n1');
    expect(s.view(['state']).count).toBe(10);
    s.add(row(30, 'state', ['n1']));
    s.add(row(31, 'state', ['n2']));
    expect(s.view(['state']).count).toBe(11);
    s.setNode(null);
    expect(s.view(['state']).count).toBe(32);
  });
});

describe('virtual list window', () => {
  it('renders only the rows in view plus overscan, at their offset', () => {
    expect(visibleWindow(0, 200, 20, 100_000, 4)).toEqual({ start: 0, end: 15, offsetY: 0, totalHeight: 2_000_000 });
    expect(visibleWindow(20_000, 200, 20, 100_000, 4)).toEqual({
      start: 996,
      end: 1015,
      offsetY: 19_920,
      totalHeight: 2_000_000,
    });
    // Scrolled past the end (the list shrank): the last rows.
    expect(visibleWindow(1e9, 200, 20, 50, 0)).toMatchObject({ start: 40, end: 50 });
    expect(visibleWindow(0, 200, 20, 0)).toMatchObject({ start: 0, end: 0, totalHeight: 0 });
  });

  it('knows when the reader is at the bottom', () => {
    expect(atBottom(1800, 200, 2000, 20)).toBe(true);
    expect(atBottom(1000, 200, 2000, 20)).toBe(false);
  });

  it('fits a sentence at a word boundary', () => {
    const s = 'n3 became leader of term 4 with votes from n1, n5 and itself';
    expect(fitWords(s, 80)).toBe(s);
    expect(fitWords(s, 30)).toBe('n3 became leader of term 4…');
    expect(fitWords(s, 45)).toBe('n3 became leader of term 4 with votes from…');
    expect(fitWords('averyveryverylongword', 8)).toBe('averyve…');
  });
});

describe('useTimelineStore', () => {
  let seq = 0;
  const rec = (kind: string, fields: Record<string, unknown> = {}): RunLogRecord => ({
    t: ++seq * 1e6,
    seq,
    kind,
    ...fields,
  });
  const kinds = (): string[] => {
    const v = useTimelineStore().rows;
    return v.slice(0, v.count).map((r) => r.kind);
  };

  beforeEach(() => {
    setActivePinia(createPinia());
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('applies a burst of live records as one view update, and hands messages to the animation in that batch', () => {
    const tl = useTimelineStore();
    const got: string[] = [];
    const off = onMessageRecord((r) => got.push(r.kind));
    const v0 = tl.version;
    for (let i = 0; i < 500; i++) tl.enqueue(rec('client-complete', { type: 'ok', latencyMs: 1 }));
    tl.enqueue(rec('send', { from: 'n1', to: 'n2', msgKind: 'append' }));
    tl.enqueue(rec('crash', { node: 'n2' }));
    expect(tl.version).toBe(v0);
    expect(got).toEqual([]);
    vi.advanceTimersByTime(20);
    expect(tl.version).toBe(v0 + 1);
    expect(got).toEqual(['send']);
    expect(kinds().at(-1)).toBe('crash');
    off();
  });

  it('merges the backlog in front of live records that arrived first, once each', () => {
    const tl = useTimelineStore();
    const a = rec('role', { node: 'n1', role: 'leader', term: 1 });
    const b = rec('crash', { node: 'n2' });
    const c = rec('restart', { node: 'n2' });
    tl.push(c);
    tl.ingestBacklog([a, b, c]);
    expect(kinds()).toEqual(['role', 'crash', 'restart']);
    tl.push(b);
    expect(kinds()).toEqual(['role', 'crash', 'restart']);
  });

  it('filters by category and node; pausing the view freezes its rows while records keep arriving', () => {
    const tl = useTimelineStore();
    tl.push(rec('role', { node: 'n1', role: 'leader', term: 1 }));
    tl.push(rec('send', { from: 'n1', to: 'n2', msgKind: 'heartbeat', type: 'app', term: 1, id: 1 }));
    tl.push(rec('crash', { node: 'n2' }));
    // Messages are hidden by default; oldest first.
    expect(kinds()).toEqual(['role', 'crash']);
    tl.toggleCategory('message');
    expect(kinds()).toEqual(['role', 'send', 'crash']);
    tl.node = 'n1';
    expect(kinds()).toEqual(['role', 'send']);
    tl.node = null;
    tl.setPaused(true);
    tl.push(rec('restart', { node: 'n2' }));
    expect(kinds()).toEqual(['role', 'send', 'crash']);
    tl.setPaused(false);
    expect(kinds()).toEqual(['role', 'send', 'crash', 'restart']);
  });
});
