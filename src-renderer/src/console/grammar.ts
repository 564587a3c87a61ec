/**
 * The console's argument grammar: the tokenizer and the readers every command's parser is
 * built from (keys, values, node ids, links, durations, percentages, whole numbers). Pure,
 * so nothing a user types reaches the lab unvalidated; every reader fails with one line
 * that says what was expected.
 */
import { MAX_KEY_BYTES, MAX_VALUE_BYTES } from '../../../src-main/core/kv/types';

/** ParseError is a malformed line; its message is the one line the console prints. */
export class ParseError extends Error {}

/** fail refuses the line with `msg`. */
export function fail(msg: string): never {
  throw new ParseError(msg);
}

/** ParseContext tells the parser which node ids exist (empty: accept any nN). */
export interface ParseContext {
  nodes: readonly string[];
}

/** Token is one word of a line; quoted says it was written in "double quotes". */
export interface Token {
  text: string;
  quoted: boolean;
}

/** Args is what follows a command's name: as typed, as words, and the usage to quote in errors. */
export interface Args {
  raw: string;
  tokens: Token[];
  words: string[];
  usage: string;
}

/** readQuoted reads a "quoted" run starting after its opening quote; returns the text and the index after it. */
function readQuoted(line: string, start: number): { text: string; end: number } {
  let text = '';
  let i = start;
  while (i < line.length) {
    const d = line[i]!;
    if (d === '\\' && i + 1 < line.length) {
      text += line[i + 1];
      i += 2;
      continue;
    }
    if (d === '"') return { text, end: i + 1 };
    text += d;
    i++;
  }
  return fail('unterminated quote');
}

/** tokenizeDetailed splits on whitespace; "double quotes" group words, with \" and \\ escapes. */
export function tokenizeDetailed(line: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < line.length) {
    if (/\s/.test(line[i]!)) {
      i++;
      continue;
    }
    let tok = '';
    let quoted = false;
    while (i < line.length && !/\s/.test(line[i]!)) {
      if (line[i] === '"') {
        quoted = true;
        const q = readQuoted(line, i + 1);
        tok += q.text;
        i = q.end;
      } else {
        tok += line[i];
        i++;
      }
    }
    // An empty quoted token ("") is a real, empty argument.
    if (tok !== '' || quoted) out.push({ text: tok, quoted });
  }
  return out;
}

/** tokenize is tokenizeDetailed without the quoting flags. */
export function tokenize(line: string): string[] {
  return tokenizeDetailed(line).map((t) => t.text);
}

function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** key reads a non-empty key (also lock names and owners), bounded like the lab's keys. */
export function key(tok: string | undefined, usage: string): string {
  if (tok === undefined || tok === '') fail(`missing key: ${usage}`);
  if (utf8Bytes(tok) > MAX_KEY_BYTES) fail(`key is longer than ${MAX_KEY_BYTES} bytes`);
  return tok;
}

/** value reads a value (may be empty), bounded like the lab's values. */
export function value(tok: string | undefined, usage: string): string {
  if (tok === undefined) fail(`missing value: ${usage}`);
  if (utf8Bytes(tok) > MAX_VALUE_BYTES) fail(`value is larger than ${MAX_VALUE_BYTES} bytes`);
  return tok;
}

/** node reads a node id of the live cluster (or anything shaped nN when none is known yet). */
export function node(tok: string | undefined, ctx: ParseContext, usage: string): string {
  if (tok === undefined || tok === '') fail(`missing node: ${usage}`);
  if (ctx.nodes.length > 0) {
    if (!ctx.nodes.includes(tok)) fail(`unknown node '${tok}' (nodes: ${ctx.nodes.join(', ')})`);
  } else if (!/^n[1-9][0-9]?$/.test(tok)) {
    fail(`'${tok}' is not a node id (n1, n2, …)`);
  }
  return tok;
}

/** exactly refuses any other number of words than n. */
export function exactly(words: readonly string[], n: number, usage: string): void {
  if (words.length > n) fail(`too many arguments: ${usage}`);
  if (words.length < n) fail(`missing arguments: ${usage}`);
}

/** atMost refuses more than n words. */
export function atMost(words: readonly string[], n: number, usage: string): void {
  if (words.length > n) fail(`too many arguments: ${usage}`);
}

/** int reads a whole number in [min, max]. */
export function int(tok: string | undefined, what: string, min: number, max: number): number {
  if (tok === undefined || !/^\d+$/.test(tok)) fail(`${what} must be a whole number, got '${tok ?? ''}'`);
  const n = Number(tok);
  if (n < min || n > max) fail(`${what} must be between ${min} and ${max}`);
  return n;
}

/** token reads a fencing token (a whole number). */
export function token(tok: string | undefined): number {
  return int(tok, 'token', 0, Number.MAX_SAFE_INTEGER);
}

/** parseDuration reads 200, 200ms, 0.2s or 1m as milliseconds. */
export function parseDuration(tok: string, what: string, max: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(tok);
  if (!m) fail(`${what} must be a duration like 200ms or 1.5s, got '${tok}'`);
  const unit = m[2] ?? 'ms';
  const ms = Number(m[1]) * (unit === 's' ? 1000 : unit === 'm' ? 60_000 : 1);
  if (ms > max) fail(`${what} must be at most ${max} ms`);
  return Math.round(ms * 1000) / 1000;
}

/** percent reads 10% or 0.5% as a probability in 0..1. */
export function percent(tok: string | undefined, what: string): number {
  const m = tok === undefined ? null : /^(\d+(?:\.\d+)?)%$/.exec(tok);
  if (!m) fail(`${what} must be a percentage like 10%, got '${tok ?? ''}'`);
  const p = Number(m[1]);
  if (p > 100) fail(`${what} must be at most 100%`);
  return p / 100;
}

/** LinkSpec is a directed link (both: the rule applies both ways) and the words after it. */
export interface LinkSpec {
  from: string;
  to: string;
  both: boolean;
  rest: string[];
}

/** link reads "n1->n2", "n1<->n2", "n1<-n2" (spaces around the arrow allowed) and what follows. */
export function link(raw: string, ctx: ParseContext, usage: string): LinkSpec {
  // The tail is [\s\S]*, not .*: with `.`, a line break after a long word made the engine
  // retry the word at every length (quadratic: 64k characters froze the window for 9 s).
  const m = /^(\S+?)\s*(<->|->|<-)\s*(\S+)([\s\S]*)$/.exec(raw.trim());
  if (!m) fail(`expected a link like n1->n2 or n1<->n2: ${usage}`);
  const a = node(m[1], ctx, usage);
  const b = node(m[3], ctx, usage);
  if (a === b) fail(`a link joins two different nodes: ${usage}`);
  const arrow = m[2];
  const tail = tokenize(m[4] ?? '');
  if (arrow === '<-') return { from: b, to: a, both: false, rest: tail };
  return { from: a, to: b, both: arrow === '<->', rest: tail };
}

/** arrowOf writes a link's direction back the way the console reads it. */
export function arrowOf(l: { from: string; to: string; both: boolean }): string {
  return `${l.from}${l.both ? '<->' : '->'}${l.to}`;
}

/** partitionGroups reads "n1,n2 | n3,n4,n5"; nodes left out form one more group, as the router treats them. */
export function partitionGroups(raw: string, ctx: ParseContext, usage: string): string[][] {
  if (raw.trim() === '') fail(`missing groups: ${usage}`);
  const parts = raw.split('|');
  if (parts.length < 2) fail(`a partition needs at least two groups separated by |: ${usage}`);
  const seen = new Set<string>();
  const groups = parts.map((p) => {
    const ids = p
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (ids.length === 0) fail(`empty group in partition: ${usage}`);
    return ids.map((id) => {
      const n = node(id, ctx, usage);
      if (seen.has(n)) fail(`node ${n} is in two groups`);
      seen.add(n);
      return n;
    });
  });
  const rest = ctx.nodes.filter((n) => !seen.has(n));
  if (rest.length > 0) groups.push([...rest]);
  return groups;
}
