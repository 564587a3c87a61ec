/**
 * Ring is a bounded FIFO with O(1) push (evicting the oldest item once full) and O(1) random
 * access by age. Every bounded buffer of the renderer's run model uses it: `Array.shift()`
 * on a big array moves every item and made each record cost O(buffer size).
 */
export class Ring<T> {
  private buf: T[] = [];
  /** start: index in buf of the oldest item once the ring is full (0 until then). */
  private start = 0;
  /** evicted counts the items pushed out of the ring since it was made. */
  evicted = 0;

  /** constructor takes the most items the ring keeps. */
  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity ${capacity}`);
  }

  /** size is how many items the ring holds now. */
  get size(): number {
    return this.buf.length;
  }

  /** push appends x and returns the item it evicted (the oldest), if the ring was full. */
  push(x: T): T | undefined {
    // Until full the buffer grows like an array (no up-front allocation of `capacity` slots).
    if (this.buf.length < this.capacity) {
      this.buf.push(x);
      return undefined;
    }
    const old = this.buf[this.start];
    this.buf[this.start] = x;
    this.start = (this.start + 1) % this.capacity;
    this.evicted++;
    return old;
  }

  /** at returns the i-th oldest item (0 = oldest), or undefined out of range. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.buf.length) return undefined;
    return this.buf[(this.start + i) % this.buf.length];
  }

  /** last returns the newest item. */
  last(): T | undefined {
    return this.at(this.buf.length - 1);
  }

  /** lowerBound returns the first index whose key is >= k (keys must not decrease with age). */
  lowerBound(key: (x: T) => number, k: number): number {
    let lo = 0;
    let hi = this.buf.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (key(this.at(mid)!) < k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** upperBound returns the first index whose key is > k (keys must not decrease with age). */
  upperBound(key: (x: T) => number, k: number): number {
    let lo = 0;
    let hi = this.buf.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (key(this.at(mid)!) <= k) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** clear empties the ring. */
  clear(): void {
    this.buf = [];
    this.start = 0;
  }

  /** toArray copies the items, oldest first. */
  toArray(): T[] {
    return [...this.buf.slice(this.start), ...this.buf.slice(0, this.start)];
  }
}
