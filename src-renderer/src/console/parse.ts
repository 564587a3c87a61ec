/**
 * Reading a console line against the command table (./commands.ts): find the entry by its
 * first word, read its arguments with the entry's grammar, and bind its run. Parsing has
 * no side effects, so nothing a user types can reach the lab unvalidated; every malformed
 * line gets a one-line error that says what was expected. Tab completion reads the same
 * table.
 */
import { COMMANDS, findCommand, type Bound, type Command } from './commands';
import { ParseError, fail, tokenizeDetailed, type ParseContext } from './grammar';

export type { Command } from './commands';
export type { ParseContext, Token } from './grammar';
export { tokenize } from './grammar';

/** ParseResult is a command or a one-line error. */
export type ParseResult = { ok: true; command: Command } | { ok: false; error: string };

/** Prepared is a parsed line ready to run; local says it may run while a saved run is replayed. */
export type Prepared = ({ ok: true; local: boolean } & Bound<Command>) | { ok: false; error: string };

/** HELP lists every command with its usage and meaning, in the order `help` prints them. */
export const HELP: readonly { name: string; usage: string; about: string }[] = COMMANDS.map((c) => ({
  name: c.name,
  usage: c.usage,
  about: c.about,
}));

/** prepare reads one console line and binds the command's run to it; it never throws. */
export function prepare(line: string, ctx: ParseContext): Prepared {
  try {
    const trimmed = line.trim();
    if (trimmed === '') fail('type a command (help lists them)');
    // [\s\S], not `.`: a pasted line may hold a line break (\n, \r, U+2028), which `.` does not match.
    const head = /^(\S+)\s*([\s\S]*)$/.exec(trimmed)!;
    const entry = findCommand(head[1]!.toLowerCase());
    if (!entry) fail(`unknown command '${head[1]}' (help lists them)`);
    const raw = head[2] ?? '';
    // Every line is tokenized, even for commands that read the raw text, so bad quoting always fails alike.
    const tokens = tokenizeDetailed(raw);
    const bound = entry.read({ raw, tokens, words: tokens.map((t) => t.text), usage: entry.usage }, ctx);
    return { ok: true, local: entry.local, command: bound.command, run: bound.run };
  } catch (e) {
    if (e instanceof ParseError) return { ok: false, error: oneLine(e.message) };
    throw e;
  }
}

/** MAX_ERROR_CHARS bounds a console error: it may quote what was typed or pasted, of any length. */
const MAX_ERROR_CHARS = 240;

/** oneLine keeps an error to one line (a quoted token may hold a line break) of at most MAX_ERROR_CHARS characters. */
function oneLine(message: string): string {
  const s = message.replace(/[\r\n\u2028\u2029]+/g, ' ');
  return s.length <= MAX_ERROR_CHARS ? s : `${s.slice(0, MAX_ERROR_CHARS - 1)}…`;
}

/** parse reads one console line; it never throws. */
export function parse(line: string, ctx: ParseContext): ParseResult {
  const p = prepare(line, ctx);
  return p.ok ? { ok: true, command: p.command } : p;
}

/** Completion is the line after Tab and the candidates that matched. */
export interface Completion {
  line: string;
  options: string[];
}

function commonPrefix(xs: readonly string[]): string {
  if (xs.length === 0) return '';
  let p = xs[0]!;
  for (const x of xs) while (!x.startsWith(p)) p = p.slice(0, -1);
  return p;
}

/** extend replaces the word being typed (`frag`, at the end of `line`) by the unique match or the matches' common prefix. */
function extend(line: string, frag: string, candidates: readonly string[], space: boolean): Completion {
  const options = candidates.filter((c) => c.startsWith(frag));
  // Nothing matches: leave what the user typed alone.
  if (options.length === 0) return { line, options };
  const add = options.length === 1 ? options[0]! + (space ? ' ' : '') : commonPrefix(options);
  return { line: line.slice(0, line.length - frag.length) + add, options };
}

/** MAX_COMPLETE_CHARS: how much of the line's end Tab completion reads (longer than any word it completes). */
const MAX_COMPLETE_CHARS = 256;

/** complete extends the word under the cursor (end of line) to a command name, or to what that command's entry completes. */
export function complete(line: string, nodes: readonly string[]): Completion {
  const firstWord = /^\s*(\S*)$/.exec(line);
  if (firstWord) {
    const frag = firstWord[1]!.toLowerCase();
    return extend(
      line,
      frag,
      HELP.map((h) => h.name),
      true,
    );
  }
  const c = findCommand(/^\s*(\S+)/.exec(line)![1]!.toLowerCase())?.complete;
  if (!c) return { line, options: [] };
  // The word regexes end in `$` without a start anchor: over a whole long line the engine
  // tries them at every position (quadratic: a 16k-character paste took 0.7 s a Tab). A
  // candidate is short, so only the line's tail can hold a fragment that completes.
  const tail = line.slice(-MAX_COMPLETE_CHARS);
  return extend(line, c.word.exec(tail)?.[1] ?? '', c.options({ nodes }), c.space);
}
