/**
 * RowHeights places the timeline's rows when they differ in height (a sentence that fits
 * on one line gets a one-line row, a longer one two lines: see rowLayout). It counts the
 * tall rows per category once per view, so where any row starts, which row is at a
 * scroll position and how tall the whole list is are exact without walking the rows.
 */
import type { Row, RowView, TallCounts } from './timeline-rows';
import { tallRow, type RowLayout } from './virtual-window';

/** RowSpan is a slice of rows to render: positions start…end-1, the first drawn at `top` px. */
export interface RowSpan {
  start: number;
  end: number;
  top: number;
}

/** RowHeights is the geometry of one RowView at one layout. */
export class RowHeights {
  /** total: the whole list's height, px (what the scrollbar scrolls). */
  readonly total: number;
  /** counts: per category, the tall rows among its first j rows (null when every row has one height). */
  private readonly counts: TallCounts | null;

  constructor(
    private readonly view: RowView,
    readonly layout: RowLayout,
  ) {
    this.counts = layout.rowH === layout.oneH ? null : view.tallCounts(layout.perLine, (r) => tallRow(r.text, layout));
    this.total = this.top(view.count);
  }

  /** count: the rows placed. */
  get count(): number {
    return this.view.count;
  }

  /** height is one row's height, px. */
  height(row: Row): number {
    return tallRow(row.text, this.layout) ? this.layout.rowH : this.layout.oneH;
  }

  /** top returns row i's top, px from the list's top (i = count: the list's end). */
  top(i: number): number {
    const n = Math.max(0, Math.min(Math.floor(i), this.view.count));
    const tall = this.counts ? this.view.countBefore(n, this.counts) : 0;
    return n * this.layout.oneH + tall * (this.layout.rowH - this.layout.oneH);
  }

  /** indexAt returns the row at `y` px from the list's top (the first or last row beyond either end; 0 when empty). */
  indexAt(y: number): number {
    let lo = 0;
    let hi = this.view.count - 1;
    if (hi < 0) return 0;
    // The last row whose top is at or above y.
    while (lo < hi) {
      const mid = Math.floor((lo + hi + 1) / 2);
      if (this.top(mid) <= y) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** window returns the rows a viewport of `viewportH` px scrolled to `scrollTop` shows, with `overscan` rows either side. */
  window(scrollTop: number, viewportH: number, overscan = 4): RowSpan {
    const n = this.view.count;
    if (n === 0) return { start: 0, end: 0, top: 0 };
    const top = Math.min(Math.max(0, scrollTop), Math.max(0, this.total - viewportH));
    const start = Math.max(0, this.indexAt(top) - overscan);
    const end = Math.min(n, this.indexAt(top + Math.max(0, viewportH)) + 1 + overscan);
    return { start, end, top: this.top(start) };
  }

  /**
   * alignDown returns the first row top at or below `y`: a list scrolled there shows its top
   * row whole. `y` itself when no row starts there or below but the last, whose top would
   * leave the list showing less than that row (a viewport shorter than one row).
   */
  private alignDown(y: number): number {
    if (this.view.count === 0 || y <= 0) return Math.max(0, y);
    const i = this.indexAt(y);
    const top = this.top(i);
    if (top >= y) return top;
    return i + 1 < this.view.count ? this.top(i + 1) : y;
  }

  /**
   * alignNearest returns the row top nearest `y` (within the list's end): a list scrolled
   * there shows its top row whole, having moved less than half a row.
   */
  alignNearest(y: number): number {
    if (this.view.count === 0 || y <= 0) return Math.max(0, y);
    const i = this.indexAt(y);
    const top = this.top(i);
    const next = this.top(i + 1);
    return y - top <= next - y || i + 1 >= this.view.count ? top : next;
  }

  /**
   * bottomTop returns the scrollTop that shows the last row with the top row whole: the
   * list's end would put the view's top edge through a row (the rows seldom add up to the
   * viewport's height), so the view starts at the next row's top and leaves less than a
   * row blank under the last one. The list is `extent` tall to allow for that.
   */
  bottomTop(viewportH: number): number {
    return this.alignDown(Math.max(0, this.total - viewportH));
  }

  /** extent returns the height to scroll over: the rows, and the blank under them that bottomTop needs. */
  extent(viewportH: number): number {
    return Math.max(this.total, this.bottomTop(viewportH) + Math.max(0, viewportH));
  }

  /**
   * scrollToShow returns the scrollTop that brings row `i` wholly into view (unchanged if it
   * is in view already); scrolling down to it, the view's top row is whole too.
   */
  scrollToShow(i: number, scrollTop: number, viewportH: number): number {
    const top = this.top(i);
    const bottom = this.top(i + 1);
    if (top < scrollTop) return top;
    if (bottom > scrollTop + viewportH) return Math.min(top, this.alignDown(bottom - viewportH));
    return scrollTop;
  }
}
