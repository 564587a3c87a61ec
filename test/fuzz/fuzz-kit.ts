/**
 * The fuzz kit: a seeded generator of hostile inputs and the property every validator of
 * an external input must keep. Deterministic: a seed gives the same cases in the same
 * order, so a failure names its seed and case number and replays exactly.
 *
 * Inputs come two ways. `randomJson` builds values of random shapes, depths and sizes from
 * a pool of awkward atoms (huge and negative numbers, -0, NaN and Infinity where a
 * transport can carry them, numeric and unicode strings, lone surrogates, prototype keys
 * like "__proto__" and "constructor"). `mutate` takes a valid sample and changes one to
 * three things in it — drops a field, swaps a value's type, nudges a number across its
 * bound, stretches a string, adds a prototype key, wraps or empties a container — which
 * reaches far deeper into a validator than pure noise, whose first field is already wrong.
 * `mutateBytes` does the same to an encoded frame: bit flips, truncation, length-word
 * lies, spliced garbage.
 *
 * The property (`expectContained`): the code under test returns (ok or an error whose text
 * is a short non-empty string), throws nothing it does not document, finishes within a
 * time bound, leaves its input as it was (inputs are deep-frozen, so a write throws), and
 * pollutes no prototype.
 *
 * FUZZ_CASES=N (environment) raises the number of cases every fuzz test runs (default
 * each test's own, a few thousand); FUZZ_SEED=S shifts every test's seed, for a long run
 * over new ground.
 */
import { expect } from 'vitest';

/** Rand is a seeded random source: floats in [0, 1) and helpers over them. */
export class Rand {
  private s: number;

  constructor(seed: number) {
    this.s = (seed ^ 0x9e3779b9) >>> 0;
  }

  /** next is a float in [0, 1) (splitmix32). */
  next(): number {
    this.s = (this.s + 0x9e3779b9) >>> 0;
    let z = this.s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  }

  /** int is an integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** chance is true with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** pick is one of xs. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** fuzzCases is how many cases a test runs: FUZZ_CASES if set, else the test's default. */
export function fuzzCases(dflt: number): number {
  const n = Number(process.env.FUZZ_CASES);
  return Number.isSafeInteger(n) && n > 0 ? n : dflt;
}

/** fuzzSeed is a test's seed, shifted by FUZZ_SEED when set. */
export function fuzzSeed(seed: number): number {
  const n = Number(process.env.FUZZ_SEED);
  return Number.isSafeInteger(n) ? (seed + n) >>> 0 : seed;
}

// ---- atoms --------------------------------------------------------------------------------

/** NUMBERS: awkward numbers that survive JSON (JSON turns -0 into 0 on stringify but parses "-0" as -0). */
export const NUMBERS: readonly number[] = [
  0,
  -0,
  1,
  -1,
  2,
  3,
  7,
  64,
  255,
  256,
  1000,
  65_535,
  65_536,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 32 - 1,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  -Number.MAX_SAFE_INTEGER,
  Number.MIN_SAFE_INTEGER - 1,
  1e21,
  1e308,
  -1e308,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  5e-324,
  0.5,
  1.5,
  -0.5,
  0.1,
  0.999999,
  1.0000001,
  123.456,
];

/** NON_JSON_NUMBERS: numbers only an in-process or structured-clone caller (IPC) can send. */
export const NON_JSON_NUMBERS: readonly number[] = [NaN, Infinity, -Infinity];

/** STRINGS: awkward strings — numeric and boolean look-alikes, ids, path tricks, unicode, prototype names. */
export const STRINGS: readonly string[] = [
  '',
  ' ',
  'n1',
  'n2',
  'n3',
  'n0',
  'n99',
  'n100',
  'g1',
  'g2',
  'g99',
  'raft',
  'paxos',
  'put',
  'get',
  'leader',
  'follower',
  '0',
  '-0',
  '1',
  '-1',
  '1e999',
  '0x10',
  'NaN',
  'Infinity',
  'null',
  'true',
  'undefined',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '../etc/passwd',
  '/tmp/x',
  '.',
  '..',
  'a/b',
  'C:\\x',
  '%00',
  '\u0000',
  '\n',
  '\r\n',
  '\t',
  '"',
  '\\',
  '\u00e9',
  '\u20ac',
  '\u{1f600}',
  '\ud800',
  '\udc00',
  'x\ud800y',
  '\u202e',
  '\ufeff',
  '\uffff',
  'a'.repeat(40),
  'a'.repeat(41),
  'b'.repeat(255),
  'c'.repeat(256),
  'd'.repeat(257),
  '\u00e9'.repeat(129),
  '\u{1f600}'.repeat(70),
];

/** KEYS: object keys worth trying: prototype names and the field names validators read. */
export const KEYS: readonly string[] = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'type',
  't',
  'id',
  'op',
  'key',
  'value',
  'name',
  'from',
  'to',
  'term',
  'index',
  'entries',
  'data',
  'groups',
  'nodes',
  'protocol',
  'unsafe',
  'shards',
  'kind',
  'node',
  'seq',
  'time',
  'steps',
  'setup',
  'a',
  '',
  '0',
  '\u{1f600}',
];

/** GenOptions tune randomJson: how deep, how wide, and whether non-JSON values may appear. */
export interface GenOptions {
  maxDepth?: number;
  maxWidth?: number;
  /** nonJson: NaN, Infinity, undefined, -0 kept (an IPC or in-process caller; default false). */
  nonJson?: boolean;
  /** keys: extra keys to draw object keys from (the fields of the input under test). */
  keys?: readonly string[];
  /** strings: extra strings (the enum values of the input under test). */
  strings?: readonly string[];
}

/** randomString is an awkward string: from the pool, random characters of any plane, or long. */
export function randomString(r: Rand, o: GenOptions = {}): string {
  const k = r.int(10);
  if (k < 4) return r.pick(STRINGS);
  if (k < 6 && o.strings && o.strings.length > 0) return r.pick(o.strings);
  if (k === 6) return r.pick(STRINGS).repeat(1 + r.int(r.chance(0.1) ? 5000 : 50));
  let s = '';
  const n = r.int(r.chance(0.1) ? 2000 : 20);
  for (let i = 0; i < n; i++) {
    const c = r.int(8);
    if (c < 4) s += String.fromCharCode(0x20 + r.int(95));
    else if (c === 4) s += String.fromCharCode(r.int(0x20));
    else if (c === 5) s += String.fromCharCode(0x80 + r.int(0x780));
    else if (c === 6) s += String.fromCharCode(0xd800 + r.int(0x800));
    else s += String.fromCodePoint(0x10000 + r.int(0xfffff));
  }
  return s;
}

/** randomNumber is an awkward number (NaN and the infinities only with nonJson). */
export function randomNumber(r: Rand, o: GenOptions = {}): number {
  const k = r.int(10);
  if (k < 6) return r.pick(NUMBERS);
  if (k === 6 && o.nonJson) return r.pick(NON_JSON_NUMBERS);
  if (k === 7) return r.int(100);
  if (k === 8) return (r.next() - 0.5) * 10 ** r.int(20);
  return r.int(2 ** 31) * (r.chance(0.5) ? -1 : 1);
}

/** randomKey is an object key: a field name, a prototype name or random. */
export function randomKey(r: Rand, o: GenOptions = {}): string {
  if (o.keys && o.keys.length > 0 && r.chance(0.5)) return r.pick(o.keys);
  return r.chance(0.8) ? r.pick(KEYS) : randomString(r, o);
}

/**
 * setOwn sets a key as an own data property, "__proto__" included (JSON.parse makes such
 * a key an own property; a plain assignment would set the prototype instead).
 */
export function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** randomJson is a random value of random shape (see GenOptions). */
export function randomJson(r: Rand, o: GenOptions = {}, depth = 0): unknown {
  const maxDepth = o.maxDepth ?? 5;
  const width = o.maxWidth ?? 6;
  const k = r.int(depth >= maxDepth ? 6 : 10);
  switch (k) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
    case 3:
      return randomNumber(r, o);
    case 4:
    case 5:
      return o.nonJson && r.chance(0.05) ? undefined : randomString(r, o);
    case 6:
    case 7: {
      const n = r.int(width + 1);
      return Array.from({ length: n }, () => randomJson(r, o, depth + 1));
    }
    default: {
      const out: Record<string, unknown> = {};
      const n = r.int(width + 1);
      for (let i = 0; i < n; i++) setOwn(out, randomKey(r, o), randomJson(r, o, depth + 1));
      return out;
    }
  }
}

/** nested is `[[[…x…]]]` (or objects) n deep, built without recursion. */
export function nested(n: number, x: unknown = 1, asObjects = false): unknown {
  let v = x;
  for (let i = 0; i < n; i++) v = asObjects ? { a: v } : [v];
  return v;
}

// ---- mutation -----------------------------------------------------------------------------

/** clone deep-copies a JSON-like value, keeping "__proto__" keys as own properties and -0, NaN, undefined. */
export function clone<T>(x: T): T {
  if (Array.isArray(x)) return x.map((v) => clone(v) as unknown) as T;
  if (typeof x === 'object' && x !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x)) setOwn(out, k, clone((x as Record<string, unknown>)[k]));
    return out as T;
  }
  return x;
}

/** Slot is one place in a value: a container and a key in it (or the root). */
type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number } | null;

/** slots lists every place in x (the root is null), walking at most `limit` of them. */
function slots(x: unknown, limit = 2000): Slot[] {
  const out: Slot[] = [null];
  const stack: unknown[] = [x];
  while (stack.length > 0 && out.length < limit) {
    const v = stack.pop();
    if (Array.isArray(v)) {
      v.forEach((c, i) => {
        out.push({ parent: v, key: i });
        stack.push(c);
      });
    } else if (typeof v === 'object' && v !== null) {
      for (const k of Object.keys(v)) {
        out.push({ parent: v as Record<string, unknown>, key: k });
        stack.push((v as Record<string, unknown>)[k]);
      }
    }
  }
  return out;
}

/** tweak changes one value into a near or confusing neighbour of it. */
function tweak(r: Rand, v: unknown, o: GenOptions): unknown {
  if (typeof v === 'number') {
    return r.pick<() => unknown>([
      () => v + 1,
      () => v - 1,
      () => -v,
      () => v + 0.5,
      () => v * 2 ** 53,
      () => String(v),
      () => (o.nonJson ? r.pick(NON_JSON_NUMBERS) : -0),
      () => Number.MAX_SAFE_INTEGER + 1,
      () => randomNumber(r, o),
    ])();
  }
  if (typeof v === 'string') {
    return r.pick<() => unknown>([
      () => '',
      // Grown, but kept under ~2 MB: a size limit is tested by a bound, not by a slow case.
      () => (v.length > 1_000_000 ? v : v + v),
      () => (v.length > 10_000 ? v : v.repeat(200)),
      () => v.slice(0, Math.max(0, v.length - 1)),
      () => v.toUpperCase(),
      () => ` ${v}`,
      () => `${v}\u0000`,
      () => `${v}\ud800`,
      () => (Number.isFinite(Number(v)) && v !== '' ? Number(v) : v),
      () => [v],
      () => ({ [v]: v }),
      () => randomString(r, o),
    ])();
  }
  if (typeof v === 'boolean') return r.pick<unknown>([!v, String(v), v ? 1 : 0, null]);
  if (Array.isArray(v)) {
    return r.pick<() => unknown>([
      () => [],
      () => [...v, ...v],
      () => v.slice(1),
      () => v.slice().reverse(),
      () => Array.from({ length: 300 }, () => v[0]),
      () => ({ ...v }),
      () => v[0],
    ])();
  }
  if (typeof v === 'object' && v !== null) {
    return r.pick<() => unknown>([() => ({}), () => [v], () => Object.keys(v), () => Object.values(v)[0]])();
  }
  return randomJson(r, o);
}

/** mutateOnce changes one place of a (cloned) value; returns the new root. */
function mutateOnce(r: Rand, root: unknown, o: GenOptions): unknown {
  const all = slots(root);
  const s = r.pick(all);
  const get = (): unknown => (s === null ? root : (s.parent as Record<string | number, unknown>)[s.key]);
  const set = (v: unknown): unknown => {
    if (s === null) return v;
    if (Array.isArray(s.parent)) s.parent[s.key as number] = v;
    else setOwn(s.parent, s.key as string, v);
    return root;
  };
  const k = r.int(10);
  if (k < 4) return set(tweak(r, get(), o));
  if (k < 6) return set(randomJson(r, { ...o, maxDepth: 2 }));
  if (k === 6 && s !== null) {
    // Drop the field (or the array item).
    if (Array.isArray(s.parent)) s.parent.splice(s.key as number, 1);
    else delete s.parent[s.key as string];
    return root;
  }
  if (k === 7) {
    // Add a field to some object: a prototype key, a known field or random.
    const objs = all
      .map((x) => (x === null ? root : (x.parent as Record<string | number, unknown>)[x.key]))
      .filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v));
    if (objs.length > 0) {
      setOwn(r.pick(objs), randomKey(r, o), r.chance(0.5) ? randomJson(r, { ...o, maxDepth: 1 }) : { polluted: 1 });
      return root;
    }
  }
  if (k === 8) return set(r.chance(0.5) ? null : undefined);
  // Copy another place's value here (confuses same-shaped fields).
  const other = r.pick(all);
  const ov = other === null ? root : (other.parent as Record<string | number, unknown>)[other.key];
  return set(clone(ov));
}

/** mutate returns a changed deep copy of `sample` (1..3 changes); the sample is left as it was. */
export function mutate<T>(r: Rand, sample: T, o: GenOptions = {}): unknown {
  let v: unknown = clone(sample);
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) v = mutateOnce(r, v, o);
  return v;
}

/** mutateText changes JSON text (or any text): cut, splice, duplicate, flip a character. */
export function mutateText(r: Rand, text: string): string {
  const n = 1 + r.int(3);
  let t = text;
  for (let i = 0; i < n; i++) {
    const at = r.int(t.length + 1);
    switch (r.int(7)) {
      case 0:
        t = t.slice(0, at);
        break;
      case 1:
        t = t.slice(0, at) + t.slice(at + 1 + r.int(8));
        break;
      case 2:
        t =
          t.slice(0, at) +
          r.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '-0', '1e999', 'null', '\u0000']) +
          t.slice(at);
        break;
      case 3:
        t = t.slice(0, at) + t.slice(r.int(t.length + 1));
        break;
      case 4:
        t = t.slice(0, at) + String.fromCharCode(t.charCodeAt(at) ^ (1 << r.int(7))) + t.slice(at + 1);
        break;
      case 5:
        t = t.slice(0, at) + randomString(r) + t.slice(at);
        break;
      default:
        t = t.slice(0, at) + JSON.stringify(randomJson(r, { maxDepth: 2 })) + t.slice(at);
    }
  }
  return t;
}

/** mutateBytes changes a buffer: bit flips, truncation, a lying length word, spliced bytes, repetition. */
export function mutateBytes(r: Rand, buf: Buffer): Buffer {
  let b = Buffer.from(buf);
  const n = 1 + r.int(3);
  for (let i = 0; i < n; i++) {
    const at = r.int(b.length + 1);
    switch (r.int(7)) {
      case 0:
      case 1:
        if (b.length > 0) {
          const j = r.int(b.length);
          b[j] = b[j]! ^ (1 << r.int(8));
        }
        break;
      case 2:
        b = b.subarray(0, at);
        break;
      case 3:
        if (b.length >= 4) b.writeUInt32BE(r.pick([0, 1, 3, b.length - 4, b.length, 0xffffffff, r.int(2 ** 32)]), 0);
        break;
      case 4:
        b = Buffer.concat([
          b.subarray(0, at),
          Buffer.from(Array.from({ length: r.int(32) }, () => r.int(256))),
          b.subarray(at),
        ]);
        break;
      case 5:
        if (b.length > 0) b[r.int(b.length)] = r.pick([0, 0xff, 0x7f, 0x80, 0xc0, 0xed, 0xf4, 0xb1, 0x7b]);
        break;
      default:
        b = Buffer.concat([b, b.subarray(0, at)]);
    }
  }
  return b;
}

// ---- the property -------------------------------------------------------------------------

/** deepFreeze freezes a value and everything in it, so a validator that writes to its input throws. */
export function deepFreeze<T>(x: T): T {
  const stack: unknown[] = [x];
  const seen = new Set<unknown>();
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    Object.freeze(v);
    for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
  return x;
}

/** show names a case briefly for a failure message (a long value is cut). */
export function show(x: unknown): string {
  let s: string;
  try {
    s = typeof x === 'string' ? JSON.stringify(x) : Buffer.isBuffer(x) ? `<${x.toString('hex')}>` : JSON.stringify(x);
  } catch {
    s = String(x);
  }
  if (s === undefined) s = String(x);
  return s.length > 400 ? `${s.slice(0, 400)}… (${s.length} chars)` : s;
}

/** MAX_ERROR_CHARS bounds an error message: a message that echoes its input is itself a hazard. */
export const MAX_ERROR_CHARS = 1000;

/** PROTO_BASELINE: Object.prototype's own keys before any fuzzing, to catch pollution. */
const PROTO_BASELINE = Object.getOwnPropertyNames(Object.prototype).sort().join(',');

/** expectUnpolluted fails if any input managed to add a property to Object.prototype or Array.prototype. */
export function expectUnpolluted(where: string): void {
  expect(Object.getOwnPropertyNames(Object.prototype).sort().join(','), `${where}: Object.prototype polluted`).toBe(
    PROTO_BASELINE,
  );
  expect(({} as Record<string, unknown>).polluted, `${where}: Object.prototype polluted`).toBeUndefined();
}

/** Outcome is what one call gave: ok with a value, or refused with an error text. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

/** clearErrorProblem says what is wrong with an error — not a string, empty, or of unbounded size — or null. */
export function clearErrorProblem(error: unknown): string | null {
  if (typeof error !== 'string') return `the error is not a string but ${show(error)}`;
  if (error.length === 0) return 'the error is empty';
  if (error.length > MAX_ERROR_CHARS) return `the error has ${error.length} characters: ${error.slice(0, 200)}…`;
  return null;
}

/** ContainOptions: documented errors a call may throw (their class), and a time bound per call. */
export interface ContainOptions {
  /** throws: error classes the code documents throwing for a refused input (e.g. HistoryError). */
  throws?: readonly (abstract new (...a: never[]) => Error)[];
  /** maxMs: the longest one call may take (default 1,000 ms: a hang, not a slow case on a loaded machine). */
  maxMs?: number;
}

/**
 * contained runs `call()` (on a deep-frozen input) and checks the property: it returns
 * (the Outcome `call` builds) or throws only a documented error class, the error is clear,
 * and the call ends within the time bound. `where` and `input` name the case in a failure
 * (shown only then). Returns the outcome, so a test can check more (a round trip, a field).
 */
export function contained(call: () => Outcome, where: string, input: unknown, o: ContainOptions = {}): Outcome {
  const t0 = performance.now();
  let out: Outcome;
  try {
    out = call();
  } catch (e) {
    const documented = (o.throws ?? []).some((c) => e instanceof c);
    if (!documented) {
      const what = e instanceof Error ? `${e.name}: ${e.message.slice(0, 300)}\n${e.stack?.slice(0, 1500)}` : show(e);
      expect.fail(`${where}: threw ${what}\ninput: ${show(input)}`);
    }
    out = { ok: false, error: (e as Error).message };
  }
  const ms = performance.now() - t0;
  if (ms > (o.maxMs ?? 1000)) expect.fail(`${where}: took ${ms.toFixed(0)} ms\ninput: ${show(input)}`);
  if (!out.ok) {
    const problem = clearErrorProblem(out.error);
    if (problem) expect.fail(`${where}: ${problem}\ninput: ${show(input)}`);
  }
  return out;
}

/** fromChecked turns a `Checked<T>` into an Outcome. */
export function fromChecked(c: { ok: true; value: unknown } | { ok: false; error: string }): Outcome {
  return c;
}

/** fromValueOrError turns a `T | string` answer (T an object) into an Outcome. */
export function fromValueOrError(x: unknown): Outcome {
  return typeof x === 'string' ? { ok: false, error: x } : { ok: true, value: x };
}

/**
 * FuzzInput names one case: where it came from (`seed 7 case 12 mutant`), and the value.
 * `cases` yields `n` of them, a share `mutantShare` mutated from the samples, the rest
 * random of the options' shape, deep-frozen.
 */
export interface FuzzInput {
  where: string;
  value: unknown;
}

/** cases yields n inputs for one target: mutations of the samples and random values, deep-frozen. */
export function* cases(
  seed: number,
  n: number,
  samples: readonly unknown[],
  o: GenOptions & { mutantShare?: number } = {},
): Generator<FuzzInput> {
  const r = new Rand(fuzzSeed(seed));
  const share = samples.length === 0 ? 0 : (o.mutantShare ?? 0.75);
  for (let i = 0; i < n; i++) {
    const mutant = r.chance(share);
    const value = mutant ? mutate(r, r.pick(samples), o) : randomJson(r, o);
    yield { where: `seed ${fuzzSeed(seed)} case ${i} (${mutant ? 'mutant' : 'random'})`, value: deepFreeze(value) };
  }
}
