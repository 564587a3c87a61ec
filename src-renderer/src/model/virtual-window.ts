/**
 * The virtual list's window math: which rows of a long list a scrolled viewport shows, so
 * only those (plus a few either side) are in the DOM.
 */

/** VirtualWindow is the slice of rows to render and where to draw it. */
export interface VirtualWindow {
  /** start: the first row to render. */
  start: number;
  /** end: one past the last row to render. */
  end: number;
  /** offsetY: the first rendered row's top, px from the list's top. */
  offsetY: number;
  /** totalHeight: the whole list's height, px (what the scrollbar scrolls). */
  totalHeight: number;
}

/** visibleWindow returns the rows a viewport of `viewportH` px scrolled to `scrollTop` shows, with `overscan` rows either side. */
export function visibleWindow(
  scrollTop: number,
  viewportH: number,
  rowH: number,
  count: number,
  overscan = 4,
): VirtualWindow {
  const n = Math.max(0, Math.floor(count));
  const totalHeight = n * rowH;
  if (n === 0 || rowH <= 0) return { start: 0, end: 0, offsetY: 0, totalHeight };
  const top = Math.min(Math.max(0, scrollTop), Math.max(0, totalHeight - viewportH));
  const first = Math.floor(top / rowH);
  const shown = Math.ceil(Math.max(0, viewportH) / rowH) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(n, first + shown + overscan);
  return { start, end, offsetY: start * rowH, totalHeight };
}

/** atBottom says whether a list scrolled to `scrollTop` shows its last row (within one row), so it follows new rows. */
export function atBottom(scrollTop: number, viewportH: number, totalHeight: number, rowH: number): boolean {
  return scrollTop + viewportH >= totalHeight - rowH;
}

/** fitWords shortens text to at most `max` characters at a word boundary, with an ellipsis. */
export function fitWords(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…';
  const cut = text.slice(0, max - 1);
  const sp = cut.lastIndexOf(' ');
  // A single very long word is cut inside it; otherwise whole words only.
  return `${(sp > max / 2 ? cut.slice(0, sp) : cut).replace(/[\s,;:(]+$/, '')}…`;
}

/** RowLayout is how the timeline draws its rows at a width: lines a row may take, row heights (px), characters. */
export interface RowLayout {
  /** lines: the most lines a row takes (2 where a line is short). */
  lines: 1 | 2;
  /** rowH: the height of a row of `lines` lines. */
  rowH: number;
  /** oneH: the height of a row whose sentence fits on one line. */
  oneH: number;
  /** perLine: the characters one line holds. */
  perLine: number;
  /** chars: the characters a row shows (its sentence is cut at a word past that). */
  chars: number;
}

/**
 * ROW_LEAD_PX: what a timeline row gives before its sentence — its left border (3 px) and
 * padding (4 px), the time column (64 px) and the gap after it (8 px), as TimelinePanel.vue's
 * `.ev` and `.ev .t` draw them. It must be exact: with more, a sentence a character or two
 * longer than the guessed line got a two-line row though it fits on one, and left a blank
 * half-row under it (test/e2e/newcomer.test.ts "rows taller than their text" failed when
 * such a sentence was in view).
 */
export const ROW_LEAD_PX = 3 + 4 + 64 + 8;

/** WIDE_CHARS: a line this long holds nearly every sentence the timeline writes, so rows keep to one line. */
export const WIDE_CHARS = 56;

/**
 * rowLayout decides the timeline's rows for a list `widthPx` wide with characters `charPx`
 * wide (`timePx` goes to the time column). Where a line holds fewer than WIDE_CHARS, a row
 * whose sentence does not fit on one line takes two: what a sentence is about comes at its
 * end ("… refused at n2: no quorum", "… with votes from n1, n2 and itself"), which a
 * one-line cut at ~30 characters hides and a tooltip shows only row by row. A sentence that
 * fits keeps a one-line row, so short rows leave no blank half-row (tallRow says which is
 * which; RowHeights places them). A sentence longer than two lines ends in "…" and reads
 * whole in the row's tooltip and, selected, under the list.
 */
export function rowLayout(widthPx: number, charPx: number, timePx = ROW_LEAD_PX): RowLayout {
  const perLine = Math.max(12, Math.floor((widthPx - timePx) / Math.max(1, charPx)));
  if (perLine >= WIDE_CHARS) return { lines: 1, rowH: 20, oneH: 20, perLine, chars: perLine };
  // Wrapping at spaces leaves up to a word's room unused at the end of the first line.
  return { lines: 2, rowH: 27, oneH: 17, perLine, chars: 2 * perLine - 8 };
}

/** tallRow says whether a sentence takes two lines in a layout (it does not fit on one). */
export function tallRow(text: string, layout: RowLayout): boolean {
  return layout.lines === 2 && text.length > layout.perLine;
}
