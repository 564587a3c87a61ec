/**
 * ImageStorage is a Storage kept in memory as a StoreImage, with the same load-time scan
 * and recovery mark as the node process's SQLite storage: the store a simulated node (or a
 * core test) runs on when its disk may be damaged. A save writes intact records; damage()
 * breaks records the way the lab breaks a file; load() scans, repairs and reports, exactly
 * as SqliteStorage does when its process starts.
 */
import type { Storage, StorageWrite } from '../storage';
import type { Entry, Persisted, Snapshot } from '../types';
import { damageImage, type DamageKind } from './damage';
import { emptyImage, repairImage, scanStore, type ScanOptions, type StoreImage } from './store-image';

/** RecoveringStorage is a Storage that can tell it was damaged and remembers it until the node has recovered. */
export interface RecoveringStorage extends Storage {
  /** damaged is why the store cannot be vouched for (null = healthy); set until markRecovered(). */
  readonly damaged: string | null;
  /** recoveryFloor: the highest index the damaged store showed signs of holding (0 = unknown). */
  readonly recoveryFloor: number;
  /** voteLost: the term/vote record was lost. */
  readonly voteLost: boolean;
  /** markRecovered records that the node caught up from its peers: it may vote again. */
  markRecovered(): void;
}

const copyEntry = (e: Entry): Entry => ({ index: e.index, term: e.term, type: e.type, data: e.data });

/**
 * copyPlain is an independent copy of plain data (objects, arrays, strings, numbers, null),
 * what structuredClone gives for it, without its serialization: a store hands out and keeps
 * only copies, so no core shares an object with it.
 */
function copyPlain<T>(x: T): T {
  if (x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) return x.map(copyPlain) as T;
  const out: Record<string, unknown> = { ...(x as Record<string, unknown>) };
  for (const k in out) {
    const v = out[k];
    if (v !== null && typeof v === 'object') out[k] = copyPlain(v);
  }
  return out as T;
}

/** ImageStorage is an in-memory RecoveringStorage (see the file comment). */
export class ImageStorage implements RecoveringStorage {
  private img: StoreImage = emptyImage();

  constructor(private readonly o: ScanOptions) {}

  get damaged(): string | null {
    return this.img.mark.reason;
  }

  get recoveryFloor(): number {
    return this.img.mark.floor;
  }

  get voteLost(): boolean {
    return this.img.mark.voteLost;
  }

  /** image is a copy of what the store holds (for tests and the simulator's checks). */
  get image(): StoreImage {
    return structuredClone(this.img);
  }

  /** load scans the store, repairs what is damaged (marking it recovering) and returns what can be used. */
  load(): Persisted {
    const scan = scanStore(this.img, this.o);
    if (scan.problems.length > 0) this.img = repairImage(this.img, scan);
    const p = scan.persisted;
    return {
      hardState: copyPlain(p.hardState),
      snapshot: copyPlain(p.snapshot),
      entries: p.entries.map(copyEntry),
    };
  }

  save(w: StorageWrite): void {
    const img = this.img;
    if (w.snapshot) {
      const s = w.snapshot;
      // Keep the suffix only if it agrees with the snapshot's last entry (Raft §7).
      const at = img.log.find((r) => r.entry.index === s.index);
      img.log = at && at.entry.term === s.term ? img.log.filter((r) => r.entry.index > s.index) : [];
      img.snapshot = { index: s.index, snapshot: copyPlain(s), intact: true };
    }
    if (w.entries.length > 0) {
      this.truncateFrom(w.entries[0]!.index);
      for (const e of w.entries) img.log.push({ entry: copyEntry(e), intact: true });
    }
    const hs = w.hardState;
    if (!hs) return;
    // An intact record is rewritten in place, as the file's one row is (this runs on nearly
    // every write): no other image holds it — damage and repair build new images, and this
    // store keeps only the newest; `image` and load() hand out copies.
    const h = img.hard;
    if (h !== null && h.intact) {
      h.term = hs.term;
      h.vote = hs.vote;
      h.commit = hs.commit;
    } else img.hard = { term: hs.term, vote: hs.vote, commit: hs.commit, intact: true };
  }

  compact(snap: Snapshot): void {
    const cur = this.img.snapshot;
    if (cur && cur.index >= snap.index) return;
    this.img.snapshot = { index: snap.index, snapshot: copyPlain(snap), intact: true };
    this.img.log = this.img.log.filter((r) => r.entry.index > snap.index);
  }

  close(): void {}

  markRecovered(): void {
    this.img.mark = { reason: null, floor: 0, voteLost: false };
  }

  /** damage inflicts a disk fault (damage.ts) on the stopped node's store; returns what it damaged, or null if nothing. */
  damage(kind: DamageKind): string | null {
    const d = damageImage(this.img, kind);
    this.img = d.image;
    return d.what;
  }

  /** truncateFrom drops every row with index >= first (in place when the log is contiguous, as it is). */
  private truncateFrom(first: number): void {
    const log = this.img.log;
    const head = log[0];
    if (!head) return;
    const pos = first - head.entry.index;
    // An append right after the last row (the usual save) drops nothing: no copy.
    if (pos === log.length && log[pos - 1]!.entry.index === first - 1) return;
    if (pos >= 0 && pos < log.length && log[pos]!.entry.index === first) log.length = pos;
    else if (pos < 0) log.length = 0;
    else this.img.log = log.filter((r) => r.entry.index < first);
  }
}
