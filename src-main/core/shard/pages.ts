/**
 * A shard's data moves in pages: a frozen shard's export (its KV snapshot, a JSON text that
 * may be many MiB) is cut into pieces small enough for one KV value each, so that every
 * piece can be read from the source group and proposed to the destination group as an
 * ordinary command. The cut is a function of the text alone (PART_CHARS UTF-16 units a
 * page, never splitting a surrogate pair), so every replica of the source cuts it alike and
 * a page read again from a new leader is the same page. Every page carries the page count
 * and a digest of the whole text, so the destination can tell that its parts belong
 * together before it installs them. Pure.
 */
import { fnv1a32 } from '../kv/hash';
import { int, parseJsonBounded, record, str, valueOrError } from '../validate';

/** PART_CHARS is a page's length in UTF-16 units: at most 384 KiB of UTF-8, well inside one 1 MiB value once escaped into a command. */
export const PART_CHARS = 128 * 1024;
/** MAX_PAGES bounds the pages of one shard (a node's store is bounded at 256 MiB). */
export const MAX_PAGES = 8192;
/** MAX_PAGE_BYTES bounds one page's data in UTF-8 bytes (3 bytes a unit at most). */
export const MAX_PAGE_BYTES = PART_CHARS * 3;

/** ExportPage is one page of a frozen shard's export: page `page` of `pages`, `hash` the whole text's digest. */
export interface ExportPage {
  page: number;
  pages: number;
  hash: number;
  data: string;
}

/** pageStarts cuts `text` into pages of at most `partChars` units; returns each page's start and the end. */
export function pageStarts(text: string, partChars = PART_CHARS): number[] {
  const starts = [0];
  let at = 0;
  while (at < text.length) {
    let end = Math.min(text.length, at + partChars);
    // A surrogate pair stays in one page: half a character is not valid UTF-8 on its own.
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff && end - 1 > at) end--;
    starts.push(end);
    at = end;
  }
  if (starts.length === 1) starts.push(0);
  return starts;
}

/** exportPage is page `page` of `text` as cut by `starts` (pageStarts), or null past the last page. */
export function exportPage(text: string, starts: readonly number[], page: number): ExportPage | null {
  const pages = starts.length - 1;
  if (page < 0 || page >= pages) return null;
  return { page, pages, hash: textDigest(text), data: text.slice(starts[page] ?? 0, starts[page + 1] ?? 0) };
}

/** textDigest is the digest a page carries of the whole export (FNV-1a over its UTF-8 bytes, and its length). */
export function textDigest(text: string): number {
  return (fnv1a32(text) ^ text.length) >>> 0;
}

/** decodeExportPage checks a page as the source group answered it (it crossed a socket); returns it or what is wrong. */
export function decodeExportPage(text: string): ExportPage | string {
  return valueOrError((): ExportPage => {
    const p = parseJsonBounded(text, { maxDepth: 2, maxBytes: MAX_PAGE_BYTES * 2 + 256 });
    const o = record(p.ok ? p.value : null, 'export page', p.ok ? 'an object' : `JSON (${p.error})`);
    const pages = int(o.pages, 'pages', 1, MAX_PAGES);
    return {
      page: int(o.page, 'page', 0, pages - 1),
      pages,
      hash: int(o.hash, 'hash', 0, 0xffff_ffff),
      data: str(o.data, 'data', { max: MAX_PAGE_BYTES }),
    };
  });
}

/** Parts is what a destination holds of a shard while it arrives: the pages so far, in order. */
export interface Parts {
  pages: number;
  hash: number;
  got: string[];
}

/** PartVerdict is what taking one part did: kept it, kept it and completed the text, ignored a repeat, or refused it (why). */
export type PartVerdict =
  | { kind: 'kept'; parts: Parts }
  | { kind: 'complete'; text: string }
  | { kind: 'repeat' }
  | { kind: 'refused'; why: string; parts: Parts | null };

/**
 * takePart adds page `p` to `parts` (null: none yet). Pages arrive in order; a page
 * already held is a repeat (the lab resends after a crash), changing nothing; a page from
 * another export (its digest or count differs) throws the parts away, since a text cut
 * two ways cannot be glued together, and the lab starts again from page 0.
 */
export function takePart(parts: Parts | null, p: ExportPage): PartVerdict {
  const same = parts !== null && parts.hash === p.hash && parts.pages === p.pages;
  if (p.page === 0 && !same) return next({ pages: p.pages, hash: p.hash, got: [] }, p);
  if (!same) return { kind: 'refused', why: `part ${p.page} of another export: start again from part 0`, parts: null };
  if (p.page < parts.got.length) return { kind: 'repeat' };
  if (p.page > parts.got.length)
    return { kind: 'refused', why: `expected part ${parts.got.length}, got ${p.page}`, parts };
  return next(parts, p);
}

function next(parts: Parts, p: ExportPage): PartVerdict {
  const got = [...parts.got, p.data];
  if (got.length < parts.pages) return { kind: 'kept', parts: { ...parts, got } };
  const text = got.join('');
  if (textDigest(text) !== parts.hash)
    return { kind: 'refused', why: 'the parts do not match their digest: start again from part 0', parts: null };
  return { kind: 'complete', text };
}
