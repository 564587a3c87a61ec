/**
 * The acceptor's log: for each slot, the value it accepted and the ballot it accepted it
 * under (Entry.term). Multi-Paxos acceptors may accept slot 7 before slot 6, but the shared
 * Storage keeps a contiguous log and truncates from the first written index, so an
 * unaccepted slot below the last one is held as an empty entry (term 0, noop) and every
 * write re-sends the suffix from the lowest changed slot. With a stable leader that suffix
 * is just the new slots.
 */
import type { Entry, Snapshot } from '../types';

/** emptySlot is the placeholder of a slot with nothing accepted (ballot 0). */
export function emptySlot(index: number): Entry {
  return { index, term: 0, type: 'noop', data: '' };
}

/** sameValue tells whether two entries carry the same command (ballots may differ). */
export function sameValue(a: Entry, b: Entry): boolean {
  return a.type === b.type && a.data === b.data;
}

/** PaxosLog holds the accepted values after the snapshot, in memory, indexed by slot. */
export class PaxosLog {
  snapshot: Snapshot | null;
  /** offset is the slot of entries[0] (snapshot.index + 1, or 1). */
  private offset: number;
  private slots: Entry[];
  /** dirtyFrom is the lowest slot changed since the last takeDirty(); Infinity when clean. */
  private dirtyFrom = Infinity;

  constructor(snapshot: Snapshot | null, entries: Entry[]) {
    this.snapshot = snapshot;
    this.offset = snapshot ? snapshot.index + 1 : 1;
    // Storage hands back a contiguous run starting right after the snapshot; anything
    // else is ignored rather than trusted (it would shift every slot).
    this.slots = [];
    for (const e of entries) {
      if (e.index !== this.offset + this.slots.length) break;
      this.slots.push({ ...e });
    }
  }

  /** firstIndex is the first slot still held. */
  firstIndex(): number {
    return this.offset;
  }

  /** lastIndex is the highest slot held (snapshot index if none). */
  lastIndex(): number {
    return this.offset + this.slots.length - 1;
  }

  /** get returns the entry at `index` (possibly an empty slot), or undefined if not held. */
  get(index: number): Entry | undefined {
    return this.slots[index - this.offset];
  }

  /** termAt is the ballot of slot `index` (snapshot's term at the snapshot index, 0 if unknown). */
  termAt(index: number): number {
    if (this.snapshot && index === this.snapshot.index) return this.snapshot.term;
    return this.get(index)?.term ?? 0;
  }

  /** set stores an accepted value, padding the gap below it with empty slots. */
  set(e: Entry): void {
    if (e.index < this.offset) return;
    // The padding is new too: it must reach Storage with the slot above it (contiguous log).
    const from = Math.min(e.index, this.lastIndex() + 1);
    while (this.lastIndex() < e.index - 1) this.slots.push(emptySlot(this.lastIndex() + 1));
    this.slots[e.index - this.offset] = { ...e };
    if (from < this.dirtyFrom) this.dirtyFrom = from;
  }

  /** takeDirty returns the suffix that must be written (from the lowest changed slot) and marks it clean. */
  takeDirty(): Entry[] {
    if (this.dirtyFrom === Infinity) return [];
    const from = Math.max(this.dirtyFrom, this.offset);
    this.dirtyFrom = Infinity;
    return this.slots.slice(from - this.offset).map((e) => ({ ...e }));
  }

  /** hasDirty tells whether takeDirty would return anything. */
  hasDirty(): boolean {
    return this.dirtyFrom !== Infinity && this.dirtyFrom <= this.lastIndex();
  }

  /** slice returns the held entries in [lo, hi). */
  slice(lo: number, hi: number): Entry[] {
    const a = Math.max(lo, this.offset) - this.offset;
    const b = Math.min(hi, this.lastIndex() + 1) - this.offset;
    return a < b ? this.slots.slice(a, b).map((e) => ({ ...e })) : [];
  }

  /** compact drops the slots covered by a locally taken snapshot. */
  compact(snap: Snapshot): void {
    if (this.snapshot && this.snapshot.index >= snap.index) return;
    const drop = Math.min(snap.index - this.offset + 1, this.slots.length);
    if (drop > 0) this.slots.splice(0, drop);
    else if (snap.index > this.lastIndex()) this.slots = [];
    this.offset = snap.index + 1;
    this.snapshot = snap;
  }

  /**
   * install replaces everything up to a received snapshot. Accepted values above it are
   * kept, and marked dirty: Storage drops the log when the snapshot's last entry does not
   * match, so they are written again in the same transaction (an acceptor must never
   * forget what it accepted).
   */
  install(snap: Snapshot): void {
    this.compact(snap);
    if (this.slots.length > 0) this.dirtyFrom = this.offset;
  }
}
