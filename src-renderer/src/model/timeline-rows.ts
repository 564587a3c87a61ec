/**
 * The timeline's rows, stored per category in bounded rings (O(1) per row), and read
 * through a RowView: the chosen categories merged in run order, with random access by
 * position, so a virtual list can draw rows 5,000–5,030 of 80,000 without walking the
 * others. A flood of one category (client operations, commits, messages) only ever evicts
 * rows of its own category: a crash row stays for the whole run.
 */
import type { Category } from './records';
import { CATEGORIES, formatT } from './records';
import type { LinkRef, Tone } from './describe';
import { Ring } from './ring';

/** Row is one timeline line. Merged rows (commits, followers, term moves) are updated in place. */
export interface Row {
  /** ord: the row's position in the run, unique and increasing (the model's own count). */
  ord: number;
  seq: number;
  t: number;
  cat: Category;
  kind: string;
  text: string;
  tone: Tone;
  nodes: string[];
  links: LinkRef[];
  /** steps: the sentences of the records folded into this row (adding a node), shown when it is selected. */
  steps?: string[];
  /** note: what a word of the text means (Described's note), in the row's tooltip and, selected, its details. */
  note?: string;
}

/** rowTitle is a row's tooltip: its time and whole sentence, what a word of it means, and the records it stands for. */
export function rowTitle(row: Row): string {
  const note = row.note === undefined ? '' : `\n${row.note}`;
  return `${formatT(row.t)} · ${row.text}${note}${row.steps ? `\n${row.steps.join('\n')}` : ''}`;
}

/**
 * TIME_HEAD is the time column's heading, which reads across both columns as "seconds since
 * the cluster started": a row's time is its run-log record's `t`, which counts from the
 * moment this cluster (the run) was created — not from the page opening, nor wall-clock time.
 */
export const TIME_HEAD = { unit: 'seconds', since: 'since the cluster started' } as const;

/** timeHeadTitle is the heading's tooltip: what the times count from, with that moment on the reader's clock when known. */
export function timeHeadTitle(runStartedAtMs: number | null, replay: boolean): string {
  const what = replay ? 'the saved run’s cluster' : 'this cluster';
  const when =
    runStartedAtMs !== null && runStartedAtMs > 0
      ? ` (${new Date(runStartedAtMs).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' })} on your clock)`
      : '';
  return `Each row's time is in seconds (to the millisecond) since ${what} started${when}: 12.345 is 12 s and 345 ms after it was created. A new cluster starts again from 0.`;
}

/** ROW_CAPS bounds each category's rows. */
export const ROW_CAPS: Readonly<Record<Category, number>> = {
  state: 50_000,
  commit: 20_000,
  lifecycle: 20_000,
  fault: 20_000,
  client: 20_000,
  message: 10_000,
  other: 10_000,
};

const byOrd = (r: Row): number => r.ord;
const byT = (r: Row): number => r.t;

function rings(): Record<Category, Ring<Row>> {
  return Object.fromEntries(CATEGORIES.map((c) => [c, new Ring<Row>(ROW_CAPS[c])])) as Record<Category, Ring<Row>>;
}

/** RowBound limits a view to rows at or before a run time (the replay cursor) or an ord (a paused view). */
export interface RowBound {
  maxT?: number;
  maxOrd?: number;
}

/** RowView is the merged, bounded sequence of rows of some categories. */
export class RowView {
  /** count: how many rows the view holds. */
  readonly count: number;
  private readonly limits: number[];

  constructor(
    private readonly parts: readonly Ring<Row>[],
    bound: RowBound = {},
    /** settled: per part, the smallest ord of a row whose text may still change (see RowStore). */
    private readonly settled: (part: number) => number = () => 0,
  ) {
    this.limits = parts.map((p) => {
      let n = p.size;
      if (bound.maxOrd !== undefined) n = Math.min(n, p.lowerBound(byOrd, bound.maxOrd + 1));
      if (bound.maxT !== undefined) n = Math.min(n, upperBoundT(p, bound.maxT));
      return n;
    });
    this.count = this.limits.reduce((a, b) => a + b, 0);
  }

  /** before counts the view's rows with ord < x. */
  private before(x: number): number {
    let n = 0;
    for (let i = 0; i < this.parts.length; i++) n += Math.min(this.limits[i]!, this.parts[i]!.lowerBound(byOrd, x));
    return n;
  }

  /** ordBounds returns the smallest and largest ord in the view. */
  private ordBounds(): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    this.parts.forEach((p, i) => {
      if (this.limits[i] === 0) return;
      lo = Math.min(lo, p.at(0)!.ord);
      hi = Math.max(hi, p.at(this.limits[i]! - 1)!.ord);
    });
    return [lo, hi];
  }

  /** partsBefore returns, per category, how many of its rows come before position `start`. */
  private partsBefore(start: number): number[] {
    if (start >= this.count) return [...this.limits];
    // The row at `start` has the largest ord x with before(x) <= start: find it by bisection.
    let [lo, hi] = this.ordBounds();
    while (lo < hi) {
      const mid = Math.floor((lo + hi + 1) / 2);
      if (this.before(mid) <= start) lo = mid;
      else hi = mid - 1;
    }
    return this.parts.map((p, i) => Math.min(this.limits[i]!, p.lowerBound(byOrd, lo)));
  }

  /**
   * tallCounts marks the rows `tall` accepts (a pure function of a row's text and `key`):
   * per category, how many of its first j rows it accepts, so countBefore can say how many
   * come before any position without merging the categories. Counts are kept per ring and
   * key across views (tallIndex), so a new view recounts only the rows added since, and
   * those whose text may still change.
   */
  tallCounts(key: number, tall: (row: Row) => boolean): TallCounts {
    return this.parts.map((p, i) => tallIndex(p, key, tall, this.settled(i)));
  }

  /** countBefore says how many of the rows before position `start` tallCounts marked. */
  countBefore(start: number, counts: TallCounts): number {
    if (start <= 0) return 0;
    const pos = this.partsBefore(Math.min(start, this.count));
    return pos.reduce((n, k, i) => n + (counts[i]?.(k) ?? 0), 0);
  }

  /** slice returns up to n rows from position `start` (0 = oldest), in run order. */
  slice(start: number, n: number): Row[] {
    if (start < 0) start = 0;
    if (start >= this.count || n <= 0) return [];
    const pos = this.partsBefore(start);
    const out: Row[] = [];
    while (out.length < n) {
      let best = -1;
      let bestOrd = Infinity;
      for (let i = 0; i < this.parts.length; i++) {
        if (pos[i]! >= this.limits[i]!) continue;
        const o = this.parts[i]!.at(pos[i]!)!.ord;
        if (o < bestOrd) {
          bestOrd = o;
          best = i;
        }
      }
      if (best < 0) break;
      out.push(this.parts[best]!.at(pos[best]!)!);
      pos[best]!++;
    }
    return out;
  }

  /** at returns the row at a position. */
  at(i: number): Row | undefined {
    return this.slice(i, 1)[0];
  }

  /** indexOfOrd returns the position of the row with ord `ord`, or of the first row after it. */
  indexOfOrd(ord: number): number {
    return this.before(ord);
  }

  /** indexAtT returns the position of the last row at or before run time t (-1 if none). */
  indexAtT(t: number): number {
    let n = 0;
    for (let i = 0; i < this.parts.length; i++) n += Math.min(this.limits[i]!, upperBoundT(this.parts[i]!, t));
    return n - 1;
  }
}

/** TallCounts: per part of a view, the marked rows among its first j rows. */
export type TallCounts = readonly ((j: number) => number)[];

/** TallCache is a ring's marked-row counts for one key: cum[a] = marked rows among absolute rows base…base+a-1. */
interface TallCache {
  key: number;
  /** base: the absolute position (ring.evicted + i) of the row cum[0] starts at. */
  base: number;
  cum: number[];
  /** frozen: how many rows from base are final (their text no longer changes), so their counts are too. */
  frozen: number;
}

const tallCaches = new WeakMap<Ring<Row>, TallCache>();

/** tallIndex brings ring p's counts up to date (recounting from its first row that may change) and reads them. */
function tallIndex(p: Ring<Row>, key: number, tall: (row: Row) => boolean, settledOrd: number): (j: number) => number {
  let c = tallCaches.get(p);
  // A new key, a cleared ring, or evicted rows that were not final (their counts would be
  // recounted, and they are gone): count afresh.
  if (
    !c ||
    c.key !== key ||
    p.evicted < c.base ||
    p.evicted - c.base > c.frozen ||
    p.evicted + p.size - c.base < c.frozen
  ) {
    c = { key, base: p.evicted, cum: [0], frozen: 0 };
    tallCaches.set(p, c);
  }
  // Drop the evicted rows' counts once they are as many as the ring holds: O(1) a row, amortised.
  const gone = p.evicted - c.base;
  if (gone > p.capacity) {
    const off = c.cum[gone]!;
    c.cum = c.cum.slice(gone).map((x) => x - off);
    c.base = p.evicted;
    c.frozen = Math.max(0, c.frozen - gone);
  }
  const cache = c;
  const n = p.evicted + p.size - cache.base;
  cache.cum.length = cache.frozen + 1;
  const shift = cache.base - p.evicted;
  for (let a = cache.frozen; a < n; a++) cache.cum.push(cache.cum[a]! + (tall(p.at(a + shift)!) ? 1 : 0));
  // Rows before the oldest one that may still change never will: their counts stay.
  const settled = p.evicted + p.lowerBound(byOrd, settledOrd) - cache.base;
  cache.frozen = Math.min(n, Math.max(cache.frozen, settled));
  const from = p.evicted - cache.base;
  const zero = cache.cum[from]!;
  return (j) => cache.cum[from + j]! - zero;
}

/** upperBoundT counts a ring's rows with t <= tNs (rows are in run order, so t never decreases). */
function upperBoundT(p: Ring<Row>, tNs: number): number {
  return p.upperBound(byT, tNs);
}

/** RowStore keeps the rows of a run per category, and per category for the node filter. */
export class RowStore {
  private all = rings();

  /**
   * constructor takes `settledBefore`: per category, the smallest ord of a row whose text
   * may still change (a merged row still open); the geometry recounts only from there. The
   * default says any row may change.
   */
  constructor(private readonly settledBefore: (cat: Category) => number = () => 0) {}

  /** byNode: the rows concerning the filtered node, kept up to date while the filter is on. */
  private byNode: { node: string; rings: Record<Category, Ring<Row>> } | null = null;

  /** add stores a new row (its ord must be larger than every stored row's). */
  add(row: Row): void {
    this.all[row.cat].push(row);
    if (this.byNode && row.nodes.includes(this.byNode.node)) this.byNode.rings[row.cat].push(row);
  }

  /** setNode turns the node filter on (rebuilding its rows, O(rows)) or off (null). */
  setNode(node: string | null): void {
    if (node === null) {
      this.byNode = null;
      return;
    }
    if (this.byNode?.node === node) return;
    const r = rings();
    for (const c of CATEGORIES) {
      const src = this.all[c];
      for (let i = 0; i < src.size; i++) {
        const row = src.at(i)!;
        if (row.nodes.includes(node)) r[c].push(row);
      }
    }
    this.byNode = { node, rings: r };
  }

  /** size counts every stored row. */
  get size(): number {
    return CATEGORIES.reduce((n, c) => n + this.all[c].size, 0);
  }

  /** sizeOf counts one category's stored rows (the rings' bound is ROW_CAPS). */
  sizeOf(c: Category): number {
    return this.all[c].size;
  }

  /** view merges the chosen categories (through the node filter if on), up to a bound. */
  view(categories: readonly Category[], bound: RowBound = {}): RowView {
    const src = this.byNode?.rings ?? this.all;
    return new RowView(
      categories.map((c) => src[c]),
      bound,
      (i) => this.settledBefore(categories[i]!),
    );
  }
}
