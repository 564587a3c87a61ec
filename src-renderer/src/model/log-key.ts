/**
 * The inspector's log boxes are coloured by the term (ballot) of their entry; logKey is the
 * key under them — one swatch per term shown, labelled with the term — so a reader can tell
 * which entries a leader of which term wrote without hovering each box. Pure.
 */
import type { Words } from './protocol-words';

/** termColor is the colour of a log box of term (ballot) `term`: neighbouring terms far apart on the wheel. */
export function termColor(term: number): string {
  return `hsl(${(term * 67) % 360} 65% 45%)`;
}

/** KeyItem is one swatch of the key: a term, its label ("3", "2.n1") and its colour. */
export interface KeyItem {
  term: number;
  label: string;
  color: string;
  /** count: how many of the boxes shown are of this term. */
  count: number;
}

/** logKey lists the terms of `entries` in the order they first appear, each with its colour and label. */
export function logKey(entries: readonly { term: number }[], w: Words): KeyItem[] {
  const out = new Map<number, KeyItem>();
  for (const e of entries) {
    const k = out.get(e.term);
    if (k) k.count++;
    else out.set(e.term, { term: e.term, label: w.num(e.term), color: termColor(e.term), count: 1 });
  }
  return [...out.values()];
}
