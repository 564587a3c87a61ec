/**
 * Storage contract shared by the node process (SQLite) and the simulator (memory).
 * One suite of tests (test/node/storage.test.ts) runs against every implementation.
 */
import type { Entry, HardState, Persisted, Snapshot } from './types';

/** StorageWrite is the durable part of one Ready: written in one transaction. */
export interface StorageWrite {
  hardState: HardState | null;
  /** entries to append; entries[0].index <= lastIndex+1 truncates the log from there first. */
  entries: Entry[];
  /** snapshot received from a leader: replaces everything up to snapshot.index (and the whole log if it conflicts). */
  snapshot: Snapshot | null;
}

/** LastVote is the term and vote a store last wrote (term -1 before its first write in a run: that one always syncs). */
export interface LastVote {
  term: number;
  vote: string | null;
}

/**
 * mustSync tells whether a write must be durable before anything that depends on it is
 * sent: it carries entries, a snapshot, or a term or vote other than `last` (as etcd's
 * MustSync; a write that only moves the commit index need not be). The node's SQLite store
 * and the simulator's disk both decide by this one rule.
 */
export function mustSync(w: StorageWrite, last: LastVote): boolean {
  const h = w.hardState;
  return w.entries.length > 0 || w.snapshot !== null || (h !== null && (h.term !== last.term || h.vote !== last.vote));
}

/** noteWritten records in `last` the term and vote a written `w` carries (in place: this runs per Ready). */
export function noteWritten(w: StorageWrite, last: LastVote): void {
  if (!w.hardState) return;
  last.term = w.hardState.term;
  last.vote = w.hardState.vote;
}

/** Storage is a node's durable state. Every method is synchronous and durable on return. */
export interface Storage {
  /** load returns what is on disk; a fresh store returns term 0, no vote, commit 0, no snapshot, no entries. */
  load(): Persisted;
  /** save writes one Ready's durable part atomically. */
  save(w: StorageWrite): void;
  /** compact records a locally taken snapshot and drops the entries it covers. */
  compact(snap: Snapshot): void;
  /** close releases the store (the memory store keeps its data; a crash is modelled by not saving). */
  close(): void;
}

/** emptyPersisted is the state of a node that has never run. */
export function emptyPersisted(): Persisted {
  return { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] };
}

/** applyWrite is the reference semantics of Storage.save, on plain data (used by MemoryStorage). */
export function applyWrite(p: Persisted, w: StorageWrite): Persisted {
  let { hardState, snapshot, entries } = p;
  if (w.snapshot) {
    const s = w.snapshot;
    // Keep the suffix only if it agrees with the snapshot's last entry (Raft §7).
    const at = entries.find((e) => e.index === s.index);
    entries = at && at.term === s.term ? entries.filter((e) => e.index > s.index) : [];
    snapshot = s;
  }
  if (w.entries.length > 0) {
    const first = w.entries[0]!.index;
    entries = entries.filter((e) => e.index < first).concat(w.entries);
  }
  if (w.hardState) hardState = { ...w.hardState };
  return { hardState, snapshot, entries };
}

/** MemoryStorage keeps what was saved; what was never saved is lost in a simulated crash. */
export class MemoryStorage implements Storage {
  private state: Persisted = emptyPersisted();

  load(): Persisted {
    return structuredClone(this.state);
  }

  save(w: StorageWrite): void {
    // The three fields only: a host may hand over a whole Ready as the write (HostLoop does).
    this.state = applyWrite(
      this.state,
      structuredClone({ hardState: w.hardState, entries: w.entries, snapshot: w.snapshot }),
    );
  }

  compact(snap: Snapshot): void {
    const cur = this.state.snapshot;
    if (cur && cur.index >= snap.index) return;
    this.state = {
      hardState: this.state.hardState,
      snapshot: structuredClone(snap),
      entries: this.state.entries.filter((e) => e.index > snap.index),
    };
  }

  close(): void {}
}
