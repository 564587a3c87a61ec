/**
 * The three disk faults the lab and the simulator can inflict on a stopped node's store,
 * described once. Each is a fault the store can *detect* on its next start (a failed
 * checksum, an unreadable file): a disk that silently loses what it acknowledged cannot
 * be survived by any protocol, so the lab does not pretend to inflict one.
 *
 * damageImage applies a fault to a StoreImage (store-image.ts): the simulator's store is an
 * image; the node process's SQLite storage reads its file into one, damages it and writes
 * the damaged records back (node/sqlite-storage.ts damageStoreFile), so both break a store
 * the same way and the same scan judges the result.
 */
import { assertNever } from '../types';
import type { StoreImage } from './store-image';

/** DamageKind names a disk fault. */
export type DamageKind = 'hardstate' | 'log-tail' | 'file';

/** DAMAGE_KINDS lists every disk fault. */
export const DAMAGE_KINDS: readonly DamageKind[] = ['hardstate', 'log-tail', 'file'];

/** LOG_TAIL_ENTRIES is how many entries at the end of the log a 'log-tail' fault garbles. */
export const LOG_TAIL_ENTRIES = 8;

/** DAMAGE_ABOUT says what each fault does, for help texts and the run log. */
export const DAMAGE_ABOUT: Readonly<Record<DamageKind, string>> = {
  hardstate: 'the term/vote record fails its checksum: the node forgets its term and whom it voted for',
  'log-tail': `the last ${LOG_TAIL_ENTRIES} log entries fail their checksum: the node drops them (it knows its log reached further)`,
  file: 'the file cannot be read: the node moves it aside and starts empty, knowing nothing of what it held',
};

/** Damaged is a damaged image and what was damaged, in words. */
export interface Damaged {
  image: StoreImage;
  /** what: e.g. "garbled log entries 93..100"; null when there was nothing of that kind to damage. */
  what: string | null;
}

/** damageImage inflicts `kind` on an image (which it does not modify). */
export function damageImage(img: StoreImage, kind: DamageKind): Damaged {
  switch (kind) {
    case 'hardstate':
      if (!img.hard) return { image: img, what: null };
      return { image: { ...img, hard: { ...img.hard, intact: false } }, what: 'garbled the term/vote record' };
    case 'log-tail': {
      const base = img.snapshot?.index ?? 0;
      const after = img.log.filter((r) => r.entry.index > base);
      const hit = after.slice(-LOG_TAIL_ENTRIES);
      const first = hit[0];
      const last = hit[hit.length - 1];
      if (!first || !last) return { image: img, what: null };
      const garbled = new Set(hit);
      const log = img.log.map((r) => (garbled.has(r) ? { ...r, intact: false } : r));
      return { image: { ...img, log }, what: `garbled log entries ${first.entry.index}..${last.entry.index}` };
    }
    case 'file':
      return { image: { ...img, unreadable: 'the file cannot be read' }, what: 'made the file unreadable' };
    default:
      return assertNever(kind, 'damage kind');
  }
}
