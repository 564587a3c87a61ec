/**
 * A small JSON Schema interpreter: enough of draft 2020-12 to enforce the scenario schema
 * (schema.ts) — type (one or a list), const, enum, properties / required /
 * additionalProperties (false or a schema) / propertyNames, items / minItems / maxItems,
 * minLength / maxLength / pattern, minimum / maximum, $ref into $defs, and oneOf. A
 * oneOf whose branches are objects told apart by one const field (`do`, `is`, `check`,
 * `op`) is read as a tagged union: the tag picks the branch, so the error speaks of that
 * branch ("steps[3].node must be …") rather than of every branch that did not match.
 *
 * Errors are the validation kit's (core/validate.ts): they throw Invalid with the field's
 * path first. A keyword that does not apply to a value's type is ignored, as the spec says.
 * Pure: no Node built-ins.
 */
import { at, describe, fail, isRecord, must, type Rec } from '../core/validate';

/** JsonSchema is a schema object (untyped: the interpreter reads the keywords it knows). */
export type JsonSchema = Record<string, unknown>;

/** conform checks x against schema (whose $refs resolve in root), throwing Invalid at the first problem. */
export function conform(x: unknown, schema: JsonSchema, root: JsonSchema, path = ''): void {
  const s = resolve(schema, root);
  if (Array.isArray(s.oneOf)) {
    conformOneOf(x, s.oneOf as JsonSchema[], root, path, s);
    return;
  }
  if ('const' in s && x !== s.const) must(name(path), JSON.stringify(s.const), x);
  if (Array.isArray(s.enum) && !s.enum.includes(x)) {
    must(name(path), `one of ${(s.enum as unknown[]).map((v) => String(v)).join(', ')}`, x);
  }
  if (s.type !== undefined) checkType(x, s.type as string | string[], path);
  if (typeof x === 'string') checkString(x, s, path);
  else if (typeof x === 'number') checkNumber(x, s, path);
  else if (Array.isArray(x)) checkArray(x, s, root, path);
  else if (isRecord(x)) checkObject(x, s, root, path);
}

function name(path: string): string {
  return path === '' ? 'the scenario' : path;
}

function resolve(s: JsonSchema, root: JsonSchema): JsonSchema {
  let cur = s;
  for (let hops = 0; typeof cur.$ref === 'string'; hops++) {
    const m = /^#\/\$defs\/([A-Za-z0-9_-]+)$/.exec(cur.$ref);
    const defs = root.$defs as Record<string, JsonSchema> | undefined;
    const next = m && defs ? defs[m[1]!] : undefined;
    if (!next || hops > 16) throw new Error(`schema: cannot resolve ${cur.$ref}`);
    cur = next;
  }
  return cur;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'an object',
  array: 'an array',
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'true or false',
  null: 'null',
};

function hasType(x: unknown, t: string): boolean {
  switch (t) {
    case 'object':
      return isRecord(x);
    case 'array':
      return Array.isArray(x);
    case 'string':
      return typeof x === 'string';
    case 'integer':
      return typeof x === 'number' && Number.isSafeInteger(x);
    case 'number':
      return typeof x === 'number' && Number.isFinite(x);
    case 'boolean':
      return typeof x === 'boolean';
    case 'null':
      return x === null;
    default:
      throw new Error(`schema: unknown type ${t}`);
  }
}

function checkType(x: unknown, type: string | string[], path: string): void {
  const types = Array.isArray(type) ? type : [type];
  if (types.some((t) => hasType(x, t))) return;
  must(name(path), types.map((t) => TYPE_WORDS[t] ?? t).join(' or '), x);
}

function checkString(x: string, s: JsonSchema, path: string): void {
  const n = [...x].length;
  const min = typeof s.minLength === 'number' ? s.minLength : 0;
  const max = typeof s.maxLength === 'number' ? s.maxLength : Infinity;
  if (n < min || n > max) {
    const what = min > 0 ? (max === Infinity ? `at least ${min}` : `${min}–${max}`) : `at most ${max}`;
    fail(`${name(path)} must be a string of ${what} characters, got ${n === 0 ? 'an empty string' : `${n}`}`);
  }
  if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(x)) {
    must(name(path), typeof s.description === 'string' ? s.description : `text matching ${s.pattern}`, x);
  }
}

function checkNumber(x: number, s: JsonSchema, path: string): void {
  const lo = typeof s.minimum === 'number' ? s.minimum : -Infinity;
  const hi = typeof s.maximum === 'number' ? s.maximum : Infinity;
  if (x >= lo && x <= hi) return;
  const kind =
    s.type === 'integer' || (Array.isArray(s.type) && s.type.includes('integer')) ? 'an integer' : 'a number';
  if (hi === Infinity) must(name(path), `${kind} >= ${lo}`, x);
  must(name(path), `${kind} in ${lo}..${hi}`, x);
}

function checkArray(x: unknown[], s: JsonSchema, root: JsonSchema, path: string): void {
  const min = typeof s.minItems === 'number' ? s.minItems : 0;
  const max = typeof s.maxItems === 'number' ? s.maxItems : Infinity;
  if (x.length < min || x.length > max) {
    const what = max === Infinity ? `at least ${min}` : min === 0 ? `at most ${max}` : `${min}..${max}`;
    must(name(path), `a list of ${what} items`, x);
  }
  if (isRecord(s.items)) {
    for (let i = 0; i < x.length; i++) conform(x[i], s.items, root, at(path, i));
  }
}

function checkObject(x: Rec, s: JsonSchema, root: JsonSchema, path: string): void {
  const props = isRecord(s.properties) ? (s.properties as Record<string, JsonSchema>) : {};
  if (Array.isArray(s.required)) {
    for (const k of s.required as string[]) if (!Object.hasOwn(x, k)) fail(`${at(path, k)} is missing`);
  }
  const names = isRecord(s.propertyNames) ? (s.propertyNames as JsonSchema) : null;
  for (const [k, v] of Object.entries(x)) {
    if (names) conform(k, names, root, `${name(path)} (field name)`);
    // Own properties only: `props[k]` for a field named "constructor", "toString" or
    // "__proto__" is Object.prototype's, which took any value and let the unknown field in.
    const p = Object.hasOwn(props, k) ? props[k] : undefined;
    if (p) conform(v, p, root, at(path, k));
    else if (s.additionalProperties === false) {
      const shown = k.length <= 40 ? k : `${k.slice(0, 40)}…`;
      const known = Object.keys(props).join(', ');
      fail(`${name(path)}: unknown field '${shown}'${known ? ` (fields: ${known})` : ''}`);
    } else if (isRecord(s.additionalProperties)) conform(v, s.additionalProperties, root, at(path, k));
  }
}

/** tagOf finds the field that tells oneOf branches apart: required in all, with a const in each. */
function tagOf(branches: JsonSchema[], root: JsonSchema): string | null {
  const first = resolve(branches[0] ?? {}, root);
  for (const k of (first.required as string[] | undefined) ?? []) {
    const all = branches.every((b) => {
      const p = (resolve(b, root).properties as Record<string, JsonSchema> | undefined)?.[k];
      return p !== undefined && 'const' in p;
    });
    if (all) return k;
  }
  return null;
}

function conformOneOf(x: unknown, branches: JsonSchema[], root: JsonSchema, path: string, s: JsonSchema): void {
  const tag = tagOf(branches, root);
  if (tag === null) {
    let first: unknown = null;
    for (const b of branches) {
      try {
        conform(x, b, root, path);
        return;
      } catch (e) {
        first ??= e;
      }
    }
    throw first instanceof Error ? first : new Error(String(first));
  }
  if (!isRecord(x)) must(name(path), typeof s.description === 'string' ? s.description : 'an object', x);
  const values = branches.map((b) => (resolve(b, root).properties as Record<string, JsonSchema>)[tag]!.const);
  const i = values.indexOf(x[tag]);
  if (i < 0) {
    if (!(tag in x)) fail(`${at(path, tag)} is missing: say which one (${values.join(', ')})`);
    fail(`${at(path, tag)} must be one of ${values.join(', ')}, got ${describe(x[tag])}`);
  }
  conform(x, branches[i]!, root, path);
}
