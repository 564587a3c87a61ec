/**
 * Command-line parsing shared by every `quorum-lab` subcommand and the bench: node:util's
 * parseArgs (strict: unknown options and missing values are errors) plus typed readers for
 * numbers with ranges, so each command states its options once and says what is wrong in
 * one line.
 */
import { parseArgs } from 'node:util';

/** UsageError is a bad command line; its message is shown to the user with the usage text. */
export class UsageError extends Error {}

/** OptionSpec declares one option as parseArgs takes it. */
export type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: false };

/** ParsedCli is what parseCli returns: option values by name (strings or true) and positionals. */
export interface ParsedCli {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/**
 * parseCli parses argv against `options` (names without the leading `--`). It throws a
 * UsageError for an unknown option, a missing value or an unexpected positional argument.
 */
export function parseCli(argv: string[], options: Record<string, OptionSpec>, allowPositionals = false): ParsedCli {
  // parseArgs reads `--rate -1` as a missing value followed by an option; a negative number
  // is meant as the value, so it is joined (`--rate=-1`) and the range check can speak.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    // parseArgs reads a group of short options (`-abc`) in time quadratic in its length
    // (32k characters took 1.2 s); no group of this CLI's options is anywhere near this long.
    if (a.length > MAX_SHORT_GROUP_CHARS && /^-[^-\d]/.test(a)) throw new UsageError(`unknown option '${clip(a)}'`);
    const next = argv[i + 1];
    const spec = a.startsWith('--') ? options[a.slice(2)] : undefined;
    if (spec?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      args.push(`${a}=${next}`);
      i++;
    } else args.push(a);
  }
  try {
    const r = parseArgs({ args, options, strict: true, allowPositionals });
    return { values: r.values as ParsedCli['values'], positionals: r.positionals };
  } catch (e) {
    throw new UsageError(explain(e as Error & { code?: string }));
  }
}

/** MAX_SHORT_GROUP_CHARS bounds an argument that reads as a group of short options (`-abc`). */
const MAX_SHORT_GROUP_CHARS = 64;

/** MAX_ECHO_CHARS bounds how much of a command-line word an error quotes (a word may be any length). */
const MAX_ECHO_CHARS = 80;

/** clip cuts text an error quotes to MAX_ECHO_CHARS characters, marking the cut (every command's usage errors use it). */
export function clip(s: string): string;
export function clip(s: string | undefined): string | undefined;
export function clip(s: string | undefined): string | undefined {
  return s === undefined || s.length <= MAX_ECHO_CHARS ? s : `${s.slice(0, MAX_ECHO_CHARS)}…`;
}

/** explain turns parseArgs' errors into one plain line. */
function explain(e: Error & { code?: string }): string {
  const opt = clip(/'(-{1,2}[^' ]+)/.exec(e.message)?.[1]);
  switch (e.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option '${opt ?? e.message}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing|ambiguous/.test(e.message)
        ? `${opt ?? 'an option'} needs a value`
        : `${opt ?? 'an option'} takes no value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${clip(/'([^']*)'/.exec(e.message)?.[1]) ?? ''}'`;
    default:
      return clip(e.message)!;
  }
}

/** stringOpt returns a string option's value, or `def` when it was not given. */
export function stringOpt<D extends string | null | undefined>(p: ParsedCli, name: string, def: D): string | D {
  const v = p.values[name];
  if (v === undefined) return def;
  if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} needs a value`);
  return v;
}

/** flagOpt tells whether a boolean option was given. */
export function flagOpt(p: ParsedCli, name: string): boolean {
  return p.values[name] === true;
}

/** intOpt returns an integer option in [lo, hi], or `def` when it was not given. */
export function intOpt(p: ParsedCli, name: string, lo: number, hi: number, def: number): number;
export function intOpt(p: ParsedCli, name: string, lo: number, hi: number, def?: undefined): number | undefined;
export function intOpt(p: ParsedCli, name: string, lo: number, hi: number, def?: number): number | undefined {
  const v = stringOpt(p, name, undefined);
  if (v === undefined) return def;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number, got '${clip(v)}'`);
  const n = Number(v);
  if (n < lo || n > hi) throw new UsageError(`--${name} must be ${lo}..${hi}, got ${n}`);
  return n;
}

/** numOpt returns a finite number option in [lo, hi], or `def` when it was not given. */
export function numOpt(p: ParsedCli, name: string, lo: number, hi: number, def: number): number {
  const v = stringOpt(p, name, undefined);
  if (v === undefined) return def;
  const n = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} needs a number, got '${clip(v)}'`);
  if (n < lo || n > hi) throw new UsageError(`--${name} must be ${lo}..${hi}, got ${n}`);
  return n;
}

/** oneOfOpt returns an option restricted to `allowed`, or `def` when it was not given. */
export function oneOfOpt<T extends string>(p: ParsedCli, name: string, allowed: readonly T[], def: T): T {
  const v = stringOpt(p, name, undefined);
  if (v === undefined) return def;
  if (!(allowed as readonly string[]).includes(v))
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got '${clip(v)}'`);
  return v as T;
}
