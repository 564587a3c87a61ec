/**
 * The validation kit: the primitive checks every edge of the lab uses (API bodies, IPC
 * arguments, wire frames, protocol messages, run files, the node's config, the renderer's
 * saved runs), one way of reporting what is wrong, and JSON parsing that is bounded in
 * depth. Pure: no Node built-ins, so core/ and the renderer can both import it.
 *
 * One convention. A validator is written with the checks below, each of which returns the
 * typed value or throws `Invalid` whose message names the field path and what it must be:
 * `groups[1][0] must be a node id like "n1", got 5`. Throwing keeps a validator a straight
 * list of field reads — no `if (!r.ok) return r` after every field, so no forgotten one —
 * and the path is built where the field is read. The throw never leaves a module: every
 * exported validator converts it exactly once with `checked` (→ `Checked<T>`, what the
 * API, IPC and new code take) or `valueOrError` (→ `T | string`, the older signature the
 * wire and file validators' callers in node/, lab/ and sim/ still use; T is an object, so
 * the two never collide). Only `Invalid` is caught: any other throw is a bug and escapes.
 *
 * Depth. `JSON.parse` in V8 is iterative, so a 200 KB `[[[[…]]]]` parses fine — but
 * everything after it that walks the value recursively (JSON.stringify, structuredClone,
 * String() of an array, Vue's deep watchers, a recursive validator) overflows the stack,
 * and a RangeError thrown from a socket handler takes the process down. So untrusted JSON
 * is parsed with `parseJsonBounded`, which refuses a value nested deeper than a bound
 * before anyone else walks it; values that arrive already parsed (IPC, the renderer's
 * fetch) are checked with the same non-recursive `boundedDepth`; and `describe`, which
 * names a bad value in an error message, never descends into a value and never echoes
 * more than a few characters. The depth is checked on the parsed value rather than by
 * pre-scanning the text's brackets: measured on a 25 KB append frame (64 entries whose
 * data is escaped JSON), a scan added ~55% to the parse and the walk ~2%; parsing deep
 * nesting costs about 4x parsing flat JSON of the same size, so the cost of hostile input
 * stays bounded by the size limits every edge already has.
 */

/** Checked is a validator's answer: the typed value, or why the input was refused. */
export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** Rec is a plain JSON object whose fields are not yet checked. */
export type Rec = Record<string, unknown>;

/** MAX_JSON_DEPTH bounds the nesting of untrusted JSON: every real message, record or body is under 10 deep. */
export const MAX_JSON_DEPTH = 64;

/** MAX_WALK_NODES bounds how many objects and arrays one boundedDepth walk visits (shared references can fan out). */
export const MAX_WALK_NODES = 1_000_000;

/** DESCRIBE_CHARS bounds how much of an untrusted string an error message quotes. */
const DESCRIBE_CHARS = 40;

/** Invalid is what every check throws: its message is the whole error, path first. */
export class Invalid extends Error {
  override readonly name = 'Invalid';
}

/** fail throws Invalid with `message`. */
export function fail(message: string): never {
  throw new Invalid(message);
}

/** must throws `${path} must be ${what}, got ${describe(x)}`: the shape of every field error. */
export function must(path: string, what: string, x: unknown): never {
  throw new Invalid(`${path} must be ${what}, got ${describe(x)}`);
}

/** checked runs a validator written with these checks and turns an Invalid into `{ok: false, error}`. */
export function checked<T>(validate: () => T): Checked<T> {
  try {
    return { ok: true, value: validate() };
  } catch (e) {
    if (e instanceof Invalid) return { ok: false, error: e.message };
    throw e;
  }
}

/** valueOrError is `checked` for callers that take `T | string` (T an object, so a string is always the error). */
export function valueOrError<T extends object>(validate: () => T): T | string {
  const c = checked(validate);
  return c.ok ? c.value : c.error;
}

/** at is the path of `key` inside `path`: `a.b`, `a[3]`, or just `b` at the top. */
export function at(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

// ---- describing untrusted values -------------------------------------------------------

/**
 * describe names a value briefly for an error message. It never descends into an object
 * or array (so it cannot recurse on hostile nesting) and quotes at most a few characters.
 */
export function describe(x: unknown): string {
  switch (typeof x) {
    case 'undefined':
      return 'nothing';
    case 'string':
      return x.length <= DESCRIBE_CHARS ? JSON.stringify(x) : `a string of ${x.length} characters`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(x);
    case 'symbol':
      return 'a symbol';
    case 'function':
      return 'a function';
    default:
      if (x === null) return 'null';
      if (Array.isArray(x))
        return x.length === 0 ? 'an empty array' : `an array of ${x.length} item${x.length === 1 ? '' : 's'}`;
      return 'an object';
  }
}

// ---- primitive checks ------------------------------------------------------------------

/** isRecord: a plain JSON object (not null, not an array). */
export function isRecord(x: unknown): x is Rec {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** record checks x is a plain object; `path` names it in the error ("a kv request", "append.snapshot"). */
export function record(x: unknown, path: string, what = 'an object'): Rec {
  if (!isRecord(x)) must(path, what, x);
  return x;
}

/** onlyFields refuses a field of `o` not in `allowed`, naming it (shortened) and where. */
export function onlyFields(o: Rec, allowed: readonly string[], what: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k))
      fail(`${what}: unknown field '${k.length <= DESCRIBE_CHARS ? k : `${k.slice(0, DESCRIBE_CHARS)}…`}'`);
  }
}

/** int checks x is a safe integer in [lo, hi]. */
export function int(x: unknown, path: string, lo = 0, hi = Number.MAX_SAFE_INTEGER, what?: string): number {
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < lo || x > hi) {
    must(path, what ?? intRange(lo, hi), x);
  }
  return x;
}

function intRange(lo: number, hi: number): string {
  if (lo === 0 && hi === Number.MAX_SAFE_INTEGER) return 'a non-negative integer';
  if (hi === Number.MAX_SAFE_INTEGER) return `an integer >= ${lo}`;
  return `an integer in ${lo}..${hi}`;
}

/** NumOptions refine num: loOpen excludes lo itself ((0, hi]); what replaces the default wording. */
export interface NumOptions {
  loOpen?: boolean;
  what?: string;
}

/** num checks x is a finite number in [lo, hi] (or (lo, hi] with loOpen). */
export function num(x: unknown, path: string, lo: number, hi: number, o: NumOptions = {}): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || (o.loOpen ? x <= lo : x < lo) || x > hi) {
    must(path, o.what ?? `a number in ${o.loOpen ? '(' : '['}${lo}, ${hi}]`, x);
  }
  return x;
}

/** bool checks x is true or false. */
export function bool(x: unknown, path: string, what = 'a boolean'): boolean {
  if (typeof x !== 'boolean') must(path, what, x);
  return x;
}

/** StrOptions bound a string: UTF-8 bytes in [min, max] (default: any), and optionally a pattern (then `what` says what it means). */
export interface StrOptions {
  min?: number;
  max?: number;
  pattern?: RegExp;
  what?: string;
}

/** str checks x is a string of min..max UTF-8 bytes that matches the pattern, if any. */
export function str(x: unknown, path: string, o: StrOptions = {}): string {
  const min = o.min ?? 0;
  const max = o.max ?? Infinity;
  // The wording is built only on a failure: this runs for every string field of every input.
  if (typeof x !== 'string') must(path, o.what ?? strWhat(min, max), x);
  // A UTF-16 unit is 1..3 UTF-8 bytes, so the count is needed only when the length leaves doubt.
  if (x.length < min || x.length * 3 > max) {
    const n = utf8Length(x);
    // A short string is quoted (describe does); a long one is named by its size.
    if (n < min || n > max) {
      const what = o.what ?? strWhat(min, max);
      fail(`${path} must be ${what}, got ${x.length <= DESCRIBE_CHARS ? describe(x) : `a string of ${n} bytes`}`);
    }
  }
  if (o.pattern && !o.pattern.test(x)) must(path, o.what ?? strWhat(min, max), x);
  return x;
}

function strWhat(min: number, max: number): string {
  if (max === Infinity) return min > 0 ? `a string of at least ${min} bytes` : 'a string';
  return min > 0 ? `a string of ${min}–${max} bytes` : `a string of at most ${max} bytes`;
}

/** oneOf checks x is one of `values` (an enum). */
export function oneOf<T extends string>(x: unknown, path: string, values: readonly T[], what?: string): T {
  if (typeof x !== 'string' || !(values as readonly string[]).includes(x)) {
    must(path, what ?? `one of ${values.join(', ')}`, x);
  }
  return x as T;
}

/** optional returns undefined for an absent field, else the field checked. */
export function optional<T>(x: unknown, check: (v: unknown) => T): T | undefined {
  return x === undefined ? undefined : check(x);
}

/** nullable returns null for null, else the value checked. */
export function nullable<T>(x: unknown, check: (v: unknown) => T): T | null {
  return x === null ? null : check(x);
}

/** ArrayOptions bound an array's length; what replaces the default wording. */
export interface ArrayOptions {
  min?: number;
  max: number;
  what?: string;
}

/** array checks x is an array of min..max items and checks each at `path[i]`. */
export function array<T>(x: unknown, path: string, o: ArrayOptions, each: (v: unknown, path: string) => T): T[] {
  const min = o.min ?? 0;
  if (!Array.isArray(x) || x.length < min || x.length > o.max) {
    must(path, o.what ?? `an array of ${min}..${o.max} items`, x);
  }
  const out: T[] = [];
  for (let i = 0; i < x.length; i++) out.push(each(x[i], at(path, i)));
  return out;
}

/**
 * ASCII_ONLY matches a string of ASCII characters only, whose UTF-8 length is its length.
 * The regular expression engine scans a 256-character value about four times faster than
 * the loop in utf8Length, and node CPU per put pays for it several times per KV apply.
 */
// eslint-disable-next-line no-control-regex -- the class is every ASCII code, controls included
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/** utf8Length counts the UTF-8 bytes of `s` without allocating (a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
export function utf8Length(s: string): number {
  if (ASCII_ONLY.test(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 4;
        i++;
      } else n += 3;
    } else n += 3;
  }
  return n;
}

// ---- depth ------------------------------------------------------------------------------

/**
 * boundedDepth tells whether a value nests at most `maxDepth` objects/arrays deep (a
 * scalar is 0, `[]` is 1, `[[1]]` is 2), walking with an explicit stack, never recursing.
 * It also gives up (false) after `maxNodes` containers, so a cycle or a fan-out of shared
 * references (possible in a structured-clone IPC value) cannot make it run for ever.
 */
export function boundedDepth(x: unknown, maxDepth: number, maxNodes = MAX_WALK_NODES): boolean {
  if (typeof x !== 'object' || x === null) return true;
  const stack: object[] = [x];
  const depths: number[] = [1];
  let visited = 0;
  while (stack.length > 0) {
    const v = stack.pop()!;
    const d = depths.pop()!;
    if (d > maxDepth || ++visited > maxNodes) return false;
    if (Array.isArray(v)) {
      for (const c of v as unknown[]) {
        if (typeof c === 'object' && c !== null) {
          stack.push(c);
          depths.push(d + 1);
        }
      }
      continue;
    }
    for (const k in v) {
      const c = (v as Rec)[k];
      if (typeof c === 'object' && c !== null) {
        stack.push(c);
        depths.push(d + 1);
      }
    }
  }
  return true;
}

/** depthWithin checks x nests at most maxDepth deep (see boundedDepth). */
export function depthWithin<T>(x: T, path: string, maxDepth = MAX_JSON_DEPTH): T {
  if (!boundedDepth(x, maxDepth)) fail(`${path} is nested deeper than ${maxDepth} levels (or is too large to walk)`);
  return x;
}

/** JsonLimits bound untrusted JSON text: nesting depth (default MAX_JSON_DEPTH) and UTF-8 size. */
export interface JsonLimits {
  maxDepth?: number;
  maxBytes?: number;
}

/**
 * parseJsonBounded parses untrusted JSON text, refusing text over maxBytes, and a value
 * nested deeper than maxDepth before anything else can walk it; errors are short and
 * never echo the text. (JSON.parse itself is iterative in V8, so parsing is safe; the
 * depth is checked on the parsed value, which costs one visit per object or array —
 * measured cheaper than scanning the text's brackets first, see the file comment.)
 */
export function parseJsonBounded(text: string, limits: JsonLimits = {}): Checked<unknown> {
  const maxDepth = limits.maxDepth ?? MAX_JSON_DEPTH;
  const maxBytes = limits.maxBytes;
  if (maxBytes !== undefined && text.length * 3 > maxBytes) {
    const n = text.length > maxBytes ? text.length : utf8Length(text);
    if (n > maxBytes) return { ok: false, error: `JSON text over ${maxBytes} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `not valid JSON (${String((e as Error).message).slice(0, 120)})` };
  }
  // A parsed tree has no shared references, so the walk needs no node budget.
  if (!boundedDepth(value, maxDepth, Infinity)) {
    return { ok: false, error: `JSON nested deeper than ${maxDepth} levels` };
  }
  return { ok: true, value };
}
