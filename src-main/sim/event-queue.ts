/**
 * The simulator's agenda: a binary min-heap of events ordered by (time, seq). Events at the
 * same virtual time run in the order they were scheduled, so a run depends only on its
 * seed — never on Map iteration order or on how the heap happens to break ties.
 *
 * The heap holds only numbers, in typed arrays: each event's time, sequence number and
 * slot. The slot indexes the event's payload — a callback and up to three arguments and a
 * number (pushCall) — which stays where it was written while the heap reorders. So a sift
 * moves three numbers per level and never writes an object reference (no GC write
 * barrier), and the hot paths — a message's delivery, a node's timer — schedule a shared
 * function and its data instead of allocating a closure each.
 */

const INITIAL_CAPACITY = 1024;

/** EventFn is what an event runs: fn(a, b, c, k) with the arguments it was scheduled with. */
export type EventFn<A = unknown, B = unknown, C = unknown> = (a: A, b: B, c: C, k: number) => void;

/** EventQueue runs callbacks in virtual-time order; ties go to the earlier schedule. */
export class EventQueue {
  // The heap: position → time, sequence number, payload slot.
  private at = new Float64Array(INITIAL_CAPACITY);
  private seq = new Float64Array(INITIAL_CAPACITY);
  private slot = new Int32Array(INITIAL_CAPACITY);
  // Payloads by slot; `free` holds the slots not in use (a stack, so slots are reused warm).
  private fns: (EventFn | undefined)[] = new Array(INITIAL_CAPACITY).fill(undefined);
  private as: unknown[] = new Array(INITIAL_CAPACITY).fill(undefined);
  private bs: unknown[] = new Array(INITIAL_CAPACITY).fill(undefined);
  private cs: unknown[] = new Array(INITIAL_CAPACITY).fill(undefined);
  private ks = new Float64Array(INITIAL_CAPACITY);
  private free = freeStack(INITIAL_CAPACITY, 0);
  private nFree = INITIAL_CAPACITY;
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
    const sl = this.free[--this.nFree]!;
    this.fns[sl] = fn as EventFn;
    this.as[sl] = a;
    this.bs[sl] = b;
    this.cs[sl] = c;
    this.ks[sl] = k;
    this.placeUp(this.n++, at, this.nextSeq++, sl);
  }

  /** placeUp puts an event into the hole at i, first moving parents that come after it down into the hole (sift up). */
  private placeUp(i: number, at: number, seq: number, slot: number): void {
    const ats = this.at;
    const seqs = this.seq;
    const slots = this.slot;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pa = ats[p]!;
      if (pa < at || (pa === at && seqs[p]! < seq)) break;
      ats[i] = pa;
      seqs[i] = seqs[p]!;
      slots[i] = slots[p]!;
      i = p;
    }
    ats[i] = at;
    seqs[i] = seq;
    slots[i] = slot;
  }

  /** peekTime is the time of the next event, or Infinity when none is pending. */
  peekTime(): number {
    return this.n > 0 ? this.at[0]! : Infinity;
  }

  /** runNext removes the next event and runs it (its time is what peekTime said); false when empty. */
  runNext(): boolean {
    if (this.n === 0) return false;
    const sl = this.slot[0]!;
    const fn = this.fns[sl]!;
    const a = this.as[sl];
    const b = this.bs[sl];
    const c = this.cs[sl];
    const k = this.ks[sl]!;
    this.release(sl);
    this.removeTop();
    fn(a, b, c, k);
    return true;
  }

  /** take removes the next event and returns it as a callback (its time is what peekTime said); undefined when empty. */
  take(): (() => void) | undefined {
    if (this.n === 0) return undefined;
    const sl = this.slot[0]!;
    const fn = this.fns[sl]!;
    const a = this.as[sl];
    const b = this.bs[sl];
    const c = this.cs[sl];
    const k = this.ks[sl]!;
    this.release(sl);
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
    const cap = this.at.length;
    this.n = 0;
    this.fns.fill(undefined);
    this.as.fill(undefined);
    this.bs.fill(undefined);
    this.cs.fill(undefined);
    this.free = freeStack(cap, 0);
    this.nFree = cap;
  }

  /** release frees a payload slot, letting go of what it held so it can be collected. */
  private release(sl: number): void {
    this.fns[sl] = undefined;
    this.as[sl] = undefined;
    this.bs[sl] = undefined;
    this.cs[sl] = undefined;
    this.free[this.nFree++] = sl;
  }

  /**
   * removeTop drops the root and puts the last event in its place, bottom-up (Floyd): the
   * hole left by the root moves down along the smaller children to a leaf — one comparison
   * per level — and the last event, which belongs near the bottom almost always, sifts up
   * from there. The order is the same (time, seq) total order as a textbook sift-down, so
   * the same events run in the same order.
   */
  private removeTop(): void {
    const n = --this.n;
    if (n === 0) return;
    const ats = this.at;
    const seqs = this.seq;
    const slots = this.slot;
    const lastAt = ats[n]!;
    const lastSeq = seqs[n]!;
    const lastSlot = slots[n]!;
    // Down: move the smaller child up into the hole until the hole is a leaf.
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (ats[r]! < ats[c]! || (ats[r] === ats[c] && seqs[r]! < seqs[c]!))) c = r;
      ats[i] = ats[c]!;
      seqs[i] = seqs[c]!;
      slots[i] = slots[c]!;
      i = c;
    }
    // Up: the last event climbs from the leaf while its parent comes after it.
    this.placeUp(i, lastAt, lastSeq, lastSlot);
  }

  /** grow doubles every array; the new payload slots join the free stack. */
  private grow(): void {
    const old = this.at.length;
    const cap = old * 2;
    this.at = grown(Float64Array, this.at, cap);
    this.seq = grown(Float64Array, this.seq, cap);
    this.slot = grown(Int32Array, this.slot, cap);
    this.ks = grown(Float64Array, this.ks, cap);
    for (const arr of [this.fns, this.as, this.bs, this.cs]) for (let i = old; i < cap; i++) arr.push(undefined);
    // Every slot is in use when the heap is full, so the stack holds just the new ones.
    this.free = freeStack(cap, old);
    this.nFree = cap - old;
  }
}

/** freeStack is a stack of the slots from..cap-1, the lowest on top. */
function freeStack(cap: number, from: number): Int32Array {
  const s = new Int32Array(cap);
  for (let i = 0; i < cap - from; i++) s[i] = cap - 1 - i;
  return s;
}

function grown<T extends Float64Array | Int32Array>(Kind: new (n: number) => T, a: T, cap: number): T {
  const b = new Kind(cap);
  b.set(a);
  return b;
}
