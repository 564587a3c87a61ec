/**
 * The timeline's row geometry where the list is narrow: a sentence that fits on one line
 * gets a one-line row (no blank half-row under it), a longer one two lines, and the
 * window math (where a row starts, which row is at a scroll position, the list's height)
 * stays exact over categories merged in run order.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import type { Category } from '../../src-renderer/src/model/records';
import { RowHeights } from '../../src-renderer/src/model/row-heights';
import { RunModel } from '../../src-renderer/src/model/run-model';
import { RowStore, type Row } from '../../src-renderer/src/model/timeline-rows';
import { ROW_LEAD_PX, rowLayout, tallRow } from '../../src-renderer/src/model/virtual-window';

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

  it('scrolled to the end or down to a row, starts the view at a row’s top: the top row is never cut', () => {
    const v = store().view(['state', 'client']);
    for (const layout of [narrow, rowLayout(560, 6.6)])
      for (const vh of [133, 200, 211, 246, 300]) {
        const h = new RowHeights(v, layout);
        const at = `${layout.lines} line(s), a ${vh} px list`;
        // The end: the last row wholly in view, and the view starting where a row starts.
        const top = h.bottomTop(vh);
        expect(h.top(h.indexAt(top)), `the top row at the end, ${at}`).toBe(top);
        expect(top + vh, `the last row in view, ${at}`).toBeGreaterThanOrEqual(h.total);
        expect(top + vh - h.total, `less than a row blank under it, ${at}`).toBeLessThan(layout.rowH);
        // The list is tall enough to scroll there.
        expect(h.extent(vh)).toBe(Math.max(h.total, top + vh));
        // Down to a row below the view: that row wholly in view, the top one whole too.
        for (const i of [h.indexAt(1000) + 20, h.indexAt(2000) + 9]) {
          const s = h.scrollToShow(i, 1000, vh);
          expect(h.top(h.indexAt(s)), `the top row scrolling down to row ${i}, ${at}`).toBe(s);
          expect(h.top(i + 1)).toBeLessThanOrEqual(s + vh);
          expect(h.top(i)).toBeGreaterThanOrEqual(s);
        }
      }
    // A list shorter than its viewport: nothing to scroll.
    const few = new RowStore();
    for (let i = 0; i < 3; i++) few.add(row(i, 'state', SHORT));
    const h = new RowHeights(few.view(['state']), narrow);
    expect(h.bottomTop(200)).toBe(0);
    expect(h.extent(200)).toBe(200);
  });

  it('a scroll that stops through a row rests on the nearest row top, less than half a row away', () => {
    const v = store().view(['state', 'client']);
    for (const layout of [narrow, rowLayout(560, 6.6)]) {
      const h = new RowHeights(v, layout);
      for (let y = 0; y < h.top(h.count - 1); y += 7) {
        const a = h.alignNearest(y);
        const i = h.indexAt(a);
        expect(h.top(i), `a row starts at ${a} (from ${y})`).toBe(a);
        const half = (h.top(h.indexAt(y) + 1) - h.top(h.indexAt(y))) / 2;
        expect(Math.abs(a - y), `moved from ${y}`).toBeLessThanOrEqual(half);
      }
      expect(h.alignNearest(h.top(5))).toBe(h.top(5));
      expect(h.alignNearest(h.top(5) + 1)).toBe(h.top(5));
      expect(h.alignNearest(h.top(6) - 1)).toBe(h.top(6));
    }
    expect(new RowHeights(store().view([]), narrow).alignNearest(30)).toBe(30);
  });
});

describe('the tall-row counts kept across views', () => {
  const narrow = rowLayout(310, 6.6);
  /** exact: each row's top by walking the view, the answer the counts must give. */
  const exact = (v: ReturnType<RowStore['view']>): number[] => {
    const tops = [0];
    for (const r of v.slice(0, v.count)) tops.push(tops[tops.length - 1]! + (tallRow(r.text, narrow) ? 27 : 17));
    return tops;
  };
  const check = (v: ReturnType<RowStore['view']>): void => {
    const h = new RowHeights(v, narrow);
    const tops = exact(v);
    for (const i of [0, 1, Math.floor(v.count / 3), v.count - 2, v.count - 1, v.count])
      if (i >= 0 && i <= v.count) expect(h.top(i), `top of row ${i} of ${v.count}`).toBe(tops[i]);
  };

  it('stay exact while rows arrive, open rows grow, and the oldest are evicted', () => {
    // Rows of 'state' at or after `open` may still change (a merged row); client rows never do.
    let open = Infinity;
    const s = new RowStore((cat) => (cat === 'state' ? open : Infinity));
    let ord = 0;
    const rows: Row[] = [];
    const add = (cat: Category, text: string): Row => {
      const r = row(ord++, cat, text);
      s.add(r);
      rows.push(r);
      return r;
    };
    for (let step = 0; step < 30; step++) {
      // A merged row opens short and grows past one line while later views are drawn.
      const merged = add('state', SHORT);
      open = merged.ord;
      for (let i = 0; i < 900; i++) add('client', i % 5 === 0 ? LONG : SHORT);
      check(s.view(['state', 'client']));
      merged.text = LONG;
      check(s.view(['state', 'client']));
      open = Infinity;
      check(s.view(['client']));
    }
    // 27,000 client rows: the ring (20,000) has evicted the oldest, and the counts followed.
    expect(s.sizeOf('client')).toBe(20_000);
    check(s.view(['state', 'client']));
    // A burst larger than the ring between two views: counted afresh.
    for (let i = 0; i < 21_000; i++) add('client', i % 2 ? LONG : SHORT);
    check(s.view(['state', 'client']));
    // A view bounded at a pause point reads the same counts.
    check(s.view(['state', 'client'], { maxOrd: ord - 5000 }));
  });

  it('stay exact where any row may change (no settled rows), as rows are evicted between views', () => {
    const s = new RowStore();
    for (let i = 0; i < 20_500; i++) s.add(row(i, 'client', i % 4 ? SHORT : LONG));
    check(s.view(['client']));
    for (let step = 1; step <= 3; step++) {
      for (let i = 0; i < 300; i++) s.add(row(20_500 * step + i, 'client', i % 3 ? LONG : SHORT));
      check(s.view(['client']));
    }
  });
});

describe('a run model tells the counts which rows may still grow', () => {
  it('re-measures a commit row as late nodes join it', () => {
    const narrow = rowLayout(310, 6.6);
    const m = new RunModel();
    const rec = (t: number, node: string, commit: number): RunLogRecord => ({
      t: t * 1e9,
      seq: m.lastSeq + 1,
      kind: 'commit',
      node,
      commit,
    });
    for (let i = 1; i <= 50; i++) m.ingest(rec(i, 'n1', i));
    const before = new RowHeights(m.rows.view(['commit']), narrow);
    expect(before.total).toBe(50 * narrow.oneH);
    // The newest commit row takes the followers catching up: it no longer fits on one line.
    for (const n of ['n2', 'n3', 'n4', 'n5']) m.ingest(rec(50.1, n, 50));
    const v = m.rows.view(['commit']);
    expect(v.at(49)!.text).toBe('entry 50 committed (n1 first, then n2, n3, n4, n5)');
    expect(new RowHeights(v, narrow).total).toBe(49 * narrow.oneH + narrow.rowH);
  });
});

describe('the row layout guesses no wider a lead than the rows draw', () => {
  it('ROW_LEAD_PX is the border, padding, time column and gap of TimelinePanel.vue', () => {
    const vue = readFileSync(join(__dirname, '../../src-renderer/src/components/timeline/TimelinePanel.vue'), 'utf8');
    const block = (sel: string): string => {
      const at = vue.indexOf(`\n${sel} {`);
      expect(at, sel).toBeGreaterThan(0);
      return vue.slice(at, vue.indexOf('}', at));
    };
    const px = (css: string, prop: string): number => Number(new RegExp(`\\n\\s*${prop}:\\s*(\\d+)px`).exec(css)?.[1]);
    const ev = block('.ev');
    const lead = px(ev, 'border-left') + px(ev, 'padding-left') + px(block('.ev .t'), 'width') + px(ev, 'gap');
    expect(lead).toBe(ROW_LEAD_PX);
    // So a sentence the line holds gets a one-line row: at 310 px of list and 6.6 px a character.
    const narrow = rowLayout(310, 6.6);
    expect(narrow.perLine).toBe(Math.floor((310 - lead) / 6.6));
    expect(tallRow('x'.repeat(narrow.perLine), narrow)).toBe(false);
  });
});
