/**
 * The simulator's agenda: a binary min-heap of callbacks ordered by (time, seq). Events at
 * the same virtual time run in the order they were scheduled, so a run depends only on
 * its seed — never on Map iteration order or on how the heap happens to break ties.
 */

interface Item {
  at: number;
  seq: number;
  fn: () => void;
}

/** EventQueue runs callbacks in virtual-time order; ties go to the earlier schedule. */
export class EventQueue {
  private heap: Item[] = [];
  private nextSeq = 0;

  /** size is the number of pending events. */
  get size(): number {
    return this.heap.length;
  }

  /** push schedules fn at virtual time `at`. */
  push(at: number, fn: () => void): void {
    const item: Item = { at, seq: this.nextSeq++, fn };
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p]!;
      if (!less(item, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = item;
  }

  /** peekTime is the time of the next event, or Infinity when none is pending. */
  peekTime(): number {
    const top = this.heap[0];
    return top ? top.at : Infinity;
  }

  /** pop removes and returns the next event (undefined when empty). */
  pop(): { at: number; fn: () => void } | undefined {
    const h = this.heap;
    const top = h[0];
    if (!top) return undefined;
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      const n = h.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (r < n && less(h[r]!, h[l]!)) c = r;
        if (!less(h[c]!, last)) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }

  /** clear drops every pending event. */
  clear(): void {
    this.heap = [];
  }
}

function less(a: Item, b: Item): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
