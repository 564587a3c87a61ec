/** Argument readers that many console commands share (one node, one key, none, a link and n words). */
import { exactly, key, link, node, type Args, type ParseContext } from './grammar';

/** nodeArg reads exactly one node id. */
export function nodeArg(a: Args, ctx: ParseContext): { node: string } {
  exactly(a.words, 1, a.usage);
  return { node: node(a.words[0], ctx, a.usage) };
}

/** keyArg reads exactly one key. */
export function keyArg(a: Args): { key: string } {
  exactly(a.words, 1, a.usage);
  return { key: key(a.words[0], a.usage) };
}

/** noArgs refuses any argument. */
export function noArgs(a: Args): Record<never, never> {
  exactly(a.words, 0, a.usage);
  return {};
}

/** linkWords reads a link and exactly n more words. */
export function linkWords(a: Args, ctx: ParseContext, n: number) {
  const l = link(a.raw, ctx, a.usage);
  exactly(l.rest, n, a.usage);
  return l;
}
