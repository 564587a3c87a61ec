/**
 * SimStorage: the simulator's durable store. It has exactly the semantics of
 * core/storage.ts (MemoryStorage / applyWrite — a test checks the two agree on random
 * writes) but appends and truncates in place, where applyWrite copies the whole log on
 * every save; over a long run that copy, not the protocol, dominated the simulator.
 * It keeps its own copies of everything saved, so a core can never alter its "disk"
 * by mutating an object it still holds.
 */
import type { Storage, StorageWrite } from '../core/storage';
import type { Entry, HardState, Persisted, Snapshot } from '../core/types';

function copyEntry(e: Entry): Entry {
  return { index: e.index, term: e.term, type: e.type, data: e.data };
}

function copySnapshot(s: Snapshot): Snapshot {
  return {
    index: s.index,
    term: s.term,
    conf: {
      voters: s.conf.voters.slice(),
      learners: s.conf.learners.slice(),
      votersOutgoing: s.conf.votersOutgoing.slice(),
    },
    data: s.data,
  };
}

/** SimStorage keeps what was saved; what was never saved is lost in a simulated crash. */
export class SimStorage implements Storage {
  private hardState: HardState = { term: 0, vote: null, commit: 0 };
  private snapshot: Snapshot | null = null;
  /** entries are contiguous by index when the cores behave; kept in order as written. */
  private entries: Entry[] = [];
  /** saves counts save() calls (each one a Ready made durable). */
  saves = 0;

  load(): Persisted {
    return {
      hardState: { ...this.hardState },
      snapshot: this.snapshot ? copySnapshot(this.snapshot) : null,
      entries: this.entries.map(copyEntry),
    };
  }

  save(w: StorageWrite): void {
    this.saves++;
    if (w.snapshot) {
      const s = w.snapshot;
      // Keep the suffix only if it agrees with the snapshot's last entry (Raft §7).
      const at = this.find(s.index);
      if (at >= 0 && this.entries[at]!.term === s.term) this.entries.splice(0, at + 1);
      else this.entries = [];
      this.snapshot = copySnapshot(s);
    }
    if (w.entries.length > 0) {
      const first = w.entries[0]!.index;
      this.truncateFrom(first);
      for (const e of w.entries) this.entries.push(copyEntry(e));
    }
    if (w.hardState) this.hardState = { ...w.hardState };
  }

  compact(snap: Snapshot): void {
    if (this.snapshot && this.snapshot.index >= snap.index) return;
    this.snapshot = copySnapshot(snap);
    let drop = 0;
    while (drop < this.entries.length && this.entries[drop]!.index <= snap.index) drop++;
    if (drop > 0) this.entries.splice(0, drop);
  }

  close(): void {}

  /** logLength is the number of entries held (not covered by the snapshot). */
  get logLength(): number {
    return this.entries.length;
  }

  /** find returns the array position of index, or -1 (O(1) when the log is contiguous). */
  private find(index: number): number {
    const es = this.entries;
    const first = es[0];
    if (!first) return -1;
    const guess = index - first.index;
    if (guess >= 0 && guess < es.length && es[guess]!.index === index) return guess;
    return es.findIndex((e) => e.index === index);
  }

  /** truncateFrom drops every entry with index >= first (applyWrite's filter, in place). */
  private truncateFrom(first: number): void {
    const es = this.entries;
    const last = es[es.length - 1];
    if (!last || last.index < first) return;
    const pos = this.find(first);
    if (pos >= 0 && this.isContiguous()) {
      es.length = pos;
      return;
    }
    this.entries = es.filter((e) => e.index < first);
  }

  private isContiguous(): boolean {
    const es = this.entries;
    return es.length === 0 || es[es.length - 1]!.index - es[0]!.index === es.length - 1;
  }
}
