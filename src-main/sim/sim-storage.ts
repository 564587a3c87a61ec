/**
 * SimStorage: the simulator's durable store. It has exactly the semantics of
 * core/storage.ts (MemoryStorage / applyWrite — a test checks the two agree on random
 * writes) but appends and truncates in place, where applyWrite copies the whole log on
 * every save; over a long run that copy, not the protocol, dominated the simulator.
 * It keeps its own copies of everything saved, so a core can never alter its "disk"
 * by mutating an object it still holds.
 *
 * It is also the simulated file: damage() breaks it the way a disk can (a term/vote record
 * that fails its checksum, a log tail that does, the whole file lost and moved aside), and
 * open() — what a restart reads — applies the storage layer's scan rules (disk-scan.ts),
 * repairs what they reject and remembers, like the real file, that the node is recovering.
 */
import type { Storage, StorageWrite } from '../core/storage';
import type { Entry, HardState, Persisted, Rng, Snapshot } from '../core/types';
import { scanStore, type ScanResult, type ScanRules } from './disk-scan';

/** DamageKind names the disk faults: the term/vote record, the log's tail, the whole file. */
export type DamageKind = 'hardstate' | 'log-tail' | 'file';

/** DAMAGE_KINDS lists them. */
export const DAMAGE_KINDS: readonly DamageKind[] = ['hardstate', 'log-tail', 'file'];

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
  /** hardBad / badFrom: damage the next open() will find (a record or rows failing their checksum). */
  private hardBad = false;
  private badFrom: number | null = null;
  private movedAside = false;
  /** recovering / recoverFloor: the file's note that the node must catch up before it votes. */
  private recovering: string | null = null;
  private recoverFloor = 0;

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

  /**
   * damage breaks the file as a disk fault would (only while its node is down); returns
   * what it did, for the run log. A log-tail damage hits 1..`maxRows` of the newest rows.
   */
  damage(kind: DamageKind, rng: Rng, maxRows = 8): Record<string, unknown> {
    switch (kind) {
      case 'hardstate':
        this.hardBad = true;
        return { term: this.hardState.term, vote: this.hardState.vote };
      case 'log-tail': {
        const n = this.entries.length;
        if (n === 0) return { rows: 0 };
        const rows = rng.int(1, Math.min(n, maxRows));
        const from = this.entries[n - rows]!.index;
        this.badFrom = this.badFrom === null ? from : Math.min(this.badFrom, from);
        return { rows, from };
      }
      case 'file':
        // Moved aside: the node starts on an empty file and knows only that it lost one.
        this.hardState = { term: 0, vote: null, commit: 0 };
        this.snapshot = null;
        this.entries = [];
        this.hardBad = false;
        this.badFrom = null;
        this.movedAside = true;
        return {};
    }
  }

  /**
   * open is what a booting node reads: the file checked by the scan rules, repaired to
   * what they keep, with the reason the node must recover (if any) recorded in it.
   */
  open(rules: ScanRules): ScanResult {
    const r = scanStore(
      {
        hardState: this.hardState,
        hardBad: this.hardBad,
        snapshot: this.snapshot,
        entries: this.entries,
        badFrom: this.badFrom,
        movedAside: this.movedAside,
        recovering: this.recovering,
        recoverFloor: this.recoverFloor,
      },
      rules,
    );
    if (r.problems.length > 0) {
      this.hardState = { ...r.persisted.hardState };
      this.entries = r.persisted.entries.map(copyEntry);
      this.hardBad = false;
      this.badFrom = null;
      this.movedAside = false;
      this.recovering = r.damaged;
      this.recoverFloor = r.floor;
    }
    return { ...r, persisted: this.load() };
  }

  /** markRecovered records that the node caught up from its peers; it may vote again. */
  markRecovered(): void {
    this.recovering = null;
    this.recoverFloor = 0;
  }

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
