/**
 * The timeline's row geometry where the list is narrow: a sentence that fits on one line
 * gets a one-line row (no blank half-row under it), a longer one two lines, and the
 * window math (where a row starts, which row is at a scroll position, the list's height)
 * stays exact over categories merged in run order.
 */
import { describe, expect, it } from 'vitest';
import type { Category } from '../../src-renderer/src/model/records';
import { RowHeights } from '../../src-renderer/src/model/row-heights';
import { RowStore, type Row } from '../../src-renderer/src/model/timeline-rows';
import { rowLayout, tallRow } from '../../src-renderer/src/model/virtual-window';

const LONG = 'n3 became leader of term 4 with votes from n1, n5 and itself';
const SHORT = 'n1 knows of no leader';

const row = (ord: number, cat: Category, text: string): Row => ({
  ord,
  seq: ord,
  t: ord * 1e6,
  cat,
  kind: cat,
  text,
  tone: '',
  nodes: [],
  links: [],
});

/** store: 500 rows in two categories, every third sentence long. */
function store(): RowStore {
  const s = new RowStore();
  for (let i = 0; i < 500; i++) s.add(row(i, i % 2 ? 'state' : 'client', i % 3 === 0 ? LONG : SHORT));
  return s;
}

describe('timeline rows as tall as their sentence', () => {
  // 1024×700: the timeline's list is about 310 px wide, 6.6 px a character.
  const narrow = rowLayout(310, 6.6);

  it('gives a short sentence a one-line row and a long one two lines where the list is narrow', () => {
    expect(narrow.lines).toBe(2);
    expect(SHORT.length).toBeLessThanOrEqual(narrow.perLine);
    expect(tallRow(SHORT, narrow)).toBe(false);
    expect(tallRow(LONG, narrow)).toBe(true);
    expect(narrow.oneH).toBeLessThan(narrow.rowH);
    const wide = rowLayout(560, 6.6);
    expect(tallRow(LONG, wide)).toBe(false);
    expect(wide.oneH).toBe(wide.rowH);
  });

  it('places every row right under the one before it, over categories merged in run order', () => {
    const v = store().view(['state', 'client']);
    const h = new RowHeights(v, narrow);
    const rows = v.slice(0, v.count);
    let y = 0;
    rows.forEach((r, i) => {
      expect(h.top(i)).toBe(y);
      expect(h.height(r)).toBe(r.text === LONG ? narrow.rowH : narrow.oneH);
      expect(h.indexAt(y)).toBe(i);
      expect(h.indexAt(y + h.height(r) - 1)).toBe(i);
      y += h.height(r);
    });
    expect(h.total).toBe(y);
    // Fewer pixels than one height for all: the short rows leave no blank half-row.
    expect(h.total).toBeLessThan(v.count * narrow.rowH);
    // One category alone: its own rows only, still exact.
    const state = store().view(['state']);
    const hs = new RowHeights(state, narrow);
    expect(hs.total).toBe(
      state.slice(0, state.count).reduce((n, r) => n + (r.text === LONG ? narrow.rowH : narrow.oneH), 0),
    );
  });

  it('renders the rows a viewport shows, and scrolls a row wholly into view only when it is not', () => {
    const v = store().view(['state', 'client']);
    const h = new RowHeights(v, narrow);
    const w = h.window(1000, 200, 0);
    expect(h.top(w.start)).toBeLessThanOrEqual(1000);
    expect(h.top(w.end)).toBeGreaterThanOrEqual(1200);
    expect(w.top).toBe(h.top(w.start));
    // Scrolled past the end (the list shrank): the last rows.
    expect(h.window(1e9, 200, 0).end).toBe(v.count);
    expect(new RowHeights(store().view([]), narrow).window(0, 200)).toEqual({ start: 0, end: 0, top: 0 });
    const i = h.indexAt(1000) + 20;
    expect(h.scrollToShow(i, 1000, 200)).toBe(h.top(i + 1) - 200);
    expect(h.scrollToShow(2, 1000, 200)).toBe(h.top(2));
    expect(h.scrollToShow(h.indexAt(1100), 1000, 200)).toBe(1000);
  });
});
