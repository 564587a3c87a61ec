/**
 * The simulator's agenda: a binary min-heap of callbacks ordered by (time, seq). Events at
 * the same virtual time run in the order they were scheduled, so a run depends only on
 * its seed — never on Map iteration order or on how the heap happens to break ties.
 *
 * The heap is kept as parallel arrays (times and sequence numbers in Float64Arrays, the
 * callbacks and their arguments beside them) rather than one object per event: the
 * comparisons read numbers that sit next to each other in memory. An event is a callback
 * with up to three arguments and a number (pushCall), so the hot paths — a message's delivery, a node's
 * timer — schedule a shared function and its data instead of allocating a closure each.
 */

const INITIAL_CAPACITY = 1024;

/** EventFn is what an event runs: fn(a, b, c, k) with the arguments it was scheduled with. */
export type EventFn<A = unknown, B = unknown, C = unknown> = (a: A, b: B, c: C, k: number) => void;

/** EventQueue runs callbacks in virtual-time order; ties go to the earlier schedule. */
export class EventQueue {
  private at = new Float64Array(INITIAL_CAPACITY);
  private seq = new Float64Array(INITIAL_CAPACITY);
  private fns: EventFn[] = [];
  private as: unknown[] = [];
  private bs: unknown[] = [];
  private cs: unknown[] = [];
  private ks = new Float64Array(INITIAL_CAPACITY);
  private n = 0;
  private nextSeq = 0;

  /** size is the number of pending events. */
  get size(): number {
    return this.n;
  }

  /** push schedules fn at virtual time `at`. */
  push(at: number, fn: () => void): void {
    this.pushCall(at, fn, undefined, undefined, undefined, 0);
  }

  /** pushCall schedules fn(a, b, c, k) at virtual time `at` (no closure needed to carry the arguments). */
  pushCall<A, B, C>(at: number, fn: EventFn<A, B, C>, a: A, b: B, c: C, k: number): void {
    if (this.n === this.at.length) this.grow();
    const ats = this.at;
    const seqs = this.seq;
    const fns = this.fns;
    const as = this.as;
    const bs = this.bs;
    const cs = this.cs;
    const ks = this.ks;
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
      as[i] = as[p];
      bs[i] = bs[p];
      cs[i] = cs[p];
      ks[i] = ks[p]!;
      i = p;
    }
    ats[i] = at;
    seqs[i] = s;
    fns[i] = fn as EventFn;
    as[i] = a;
    bs[i] = b;
    cs[i] = c;
    ks[i] = k;
  }

  /** peekTime is the time of the next event, or Infinity when none is pending. */
  peekTime(): number {
    return this.n > 0 ? this.at[0]! : Infinity;
  }

  /** runNext removes the next event and runs it (its time is what peekTime said); false when empty. */
  runNext(): boolean {
    if (this.n === 0) return false;
    const fn = this.fns[0]!;
    const a = this.as[0];
    const b = this.bs[0];
    const c = this.cs[0];
    const k = this.ks[0]!;
    this.removeTop();
    fn(a, b, c, k);
    return true;
  }

  /** take removes the next event and returns it as a callback (its time is what peekTime said); undefined when empty. */
  take(): (() => void) | undefined {
    if (this.n === 0) return undefined;
    const fn = this.fns[0]!;
    const a = this.as[0];
    const b = this.bs[0];
    const c = this.cs[0];
    const k = this.ks[0]!;
    this.removeTop();
    return () => fn(a, b, c, k);
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
    this.as = [];
    this.bs = [];
    this.cs = [];
  }

  /** removeTop drops the root and sifts the last event down into its place. */
  private removeTop(): void {
    const fns = this.fns;
    const as = this.as;
    const bs = this.bs;
    const cs = this.cs;
    const ks = this.ks;
    const n = --this.n;
    const ats = this.at;
    const seqs = this.seq;
    const lastAt = ats[n]!;
    const lastSeq = seqs[n]!;
    const lastFn = fns[n]!;
    const lastA = as[n];
    const lastB = bs[n];
    const lastC = cs[n];
    const lastK = ks[n]!;
    // Let go of what the slot held, so delivered messages can be collected.
    fns[n] = undefined as unknown as EventFn;
    as[n] = undefined;
    bs[n] = undefined;
    cs[n] = undefined;
    if (n === 0) return;
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
      as[i] = as[c];
      bs[i] = bs[c];
      cs[i] = cs[c];
      ks[i] = ks[c]!;
      i = c;
    }
    ats[i] = lastAt;
    seqs[i] = lastSeq;
    fns[i] = lastFn;
    as[i] = lastA;
    bs[i] = lastB;
    cs[i] = lastC;
    ks[i] = lastK;
  }

  private grow(): void {
    const cap = this.at.length * 2;
    const at = new Float64Array(cap);
    const seq = new Float64Array(cap);
    const ks = new Float64Array(cap);
    at.set(this.at);
    seq.set(this.seq);
    ks.set(this.ks);
    this.at = at;
    this.seq = seq;
    this.ks = ks;
  }
}
