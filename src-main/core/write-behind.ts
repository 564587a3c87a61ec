/**
 * WriteBehind is the store of the unsafe fsync:false mode (core/unsafe.ts): save() returns
 * at once, so a node acknowledges a write (its vote, its append answer, a client's ok)
 * before the write is on disk; the writes reach the real store only when the host's
 * `schedule` runs the flush it is handed (the node process: UNSYNCED_FLUSH_MS later, into a
 * SQLite file that never fsyncs; the simulator: as much virtual time later). A kill in
 * between loses every write since the last flush — acknowledged entries, votes, terms.
 * Writes reach the store in the order they were made, each Ready whole, so what survives
 * is always an older, consistent state. Pure: the node process and the simulator share it.
 */
import type { Storage, StorageWrite } from './storage';
import type { Snapshot } from './types';

type Pending = { k: 'save'; w: StorageWrite } | { k: 'compact'; snap: Snapshot };

/** WriteBehind delays a Storage's writes until the host flushes them (see the file comment). */
export class WriteBehind implements Pick<Storage, 'save' | 'compact'> {
  private pending: Pending[] = [];
  private armed = false;

  /** schedule is asked, once per batch, to call the flush it is given later. */
  constructor(
    private readonly inner: Pick<Storage, 'save' | 'compact'>,
    private readonly schedule: (flush: () => void) => void,
  ) {}

  /** save queues one Ready's write (copied: the core keeps its own objects). */
  save(w: StorageWrite): void {
    const copy: StorageWrite = {
      hardState: w.hardState ? { ...w.hardState } : null,
      entries: w.entries.map((e) => ({ ...e })),
      snapshot: w.snapshot,
    };
    this.pending.push({ k: 'save', w: copy });
    this.arm();
  }

  /** compact queues a local snapshot behind the writes before it. */
  compact(snap: Snapshot): void {
    this.pending.push({ k: 'compact', snap });
    this.arm();
  }

  /** unflushed counts the writes not yet in the store (what a kill now would lose). */
  get unflushed(): number {
    return this.pending.length;
  }

  /** flush writes everything queued to the store, oldest first. */
  flush(): void {
    const ops = this.pending;
    this.pending = [];
    for (const op of ops) {
      if (op.k === 'save') this.inner.save(op.w);
      else this.inner.compact(op.snap);
    }
  }

  private arm(): void {
    if (this.armed) return;
    this.armed = true;
    this.schedule(() => {
      this.armed = false;
      this.flush();
    });
  }
}
