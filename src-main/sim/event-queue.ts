/**
 * The simulator's agenda: a binary min-heap of callbacks ordered by (time, seq). Events at
 * the same virtual time run in the order they were scheduled, so a run depends only on
 * its seed — never on Map iteration order or on how the heap happens to break ties.
 *
 * The heap is kept as parallel arrays (times and sequence numbers in Float64Arrays, the
 * callbacks beside them) rather than one object per event: the comparisons read numbers
 * that sit next to each other in memory, and scheduling allocates nothing but the callback.
 */

const INITIAL_CAPACITY = 1024;

/** EventQueue runs callbacks in virtual-time order; ties go to the earlier schedule. */
export class EventQueue {
  private at = new Float64Array(INITIAL_CAPACITY);
  private seq = new Float64Array(INITIAL_CAPACITY);
  private fns: (() => void)[] = [];
  private n = 0;
  private nextSeq = 0;

  /** size is the number of pending events. */
  get size(): number {
    return this.n;
  }

  /** push schedules fn at virtual time `at`. */
  push(at: number, fn: () => void): void {
    if (this.n === this.at.length) this.grow();
    const ats = this.at;
    const seqs = this.seq;
    const fns = this.fns;
    const s = this.nextSeq++;
    // Sift up: move parents down into the hole until the new event's place is found.
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pa = ats[p]!;
      if (pa < at || (pa === at && seqs[p]! < s)) break;
      ats[i] = pa;
      seqs[i] = seqs[p]!;
      fns[i] = fns[p]!;
      i = p;
    }
    ats[i] = at;
    seqs[i] = s;
    fns[i] = fn;
  }

  /** peekTime is the time of the next event, or Infinity when none is pending. */
  peekTime(): number {
    return this.n > 0 ? this.at[0]! : Infinity;
  }

  /** take removes the next event and returns its callback (its time is what peekTime said); undefined when empty. */
  take(): (() => void) | undefined {
    if (this.n === 0) return undefined;
    const fns = this.fns;
    const top = fns[0];
    const n = --this.n;
    const ats = this.at;
    const seqs = this.seq;
    const lastAt = ats[n]!;
    const lastSeq = seqs[n]!;
    const lastFn = fns[n]!;
    fns[n] = undefined as unknown as () => void;
    if (n > 0) {
      // Sift down: move the smaller child up into the hole until the last event fits.
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        const r = c + 1;
        if (r < n && (ats[r]! < ats[c]! || (ats[r] === ats[c] && seqs[r]! < seqs[c]!))) c = r;
        const ca = ats[c]!;
        if (lastAt < ca || (lastAt === ca && lastSeq < seqs[c]!)) break;
        ats[i] = ca;
        seqs[i] = seqs[c]!;
        fns[i] = fns[c]!;
        i = c;
      }
      ats[i] = lastAt;
      seqs[i] = lastSeq;
      fns[i] = lastFn;
    }
    return top;
  }

  /** pop removes and returns the next event (undefined when empty). */
  pop(): { at: number; fn: () => void } | undefined {
    const at = this.peekTime();
    const fn = this.take();
    return fn ? { at, fn } : undefined;
  }

  /** clear drops every pending event. */
  clear(): void {
    this.n = 0;
    this.fns = [];
  }

  private grow(): void {
    const cap = this.at.length * 2;
    const at = new Float64Array(cap);
    const seq = new Float64Array(cap);
    at.set(this.at);
    seq.set(this.seq);
    this.at = at;
    this.seq = seq;
  }
}
