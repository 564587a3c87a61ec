/**
 * The key-value model, for one key (the checker partitions a history per key): read (get),
 * write (put), delete, cas, append, and the lab's fenced write. A missing key reads as null
 * — or, with `emptyIsAbsent` (Porcupine's kv histories), as the empty string.
 *
 * The fenced write follows the lab's state machine (core/kv/state-machine.ts, fencedPut):
 * the key remembers the highest token of any accepted fenced write, and a fenced write is
 * accepted only if its token is at least that high; an accepted one also sets the key's
 * value (a plain read sees it). A refused one (`stale-token`) completes `fail` and never
 * reaches the model; an indeterminate one was either accepted (only if its token was high
 * enough at that moment) or refused, which changes nothing.
 */
import type { Model, Operation, Prepared } from '../types';
import { casPair } from './register';
import { assign, canon, explainValue, keyName, show, withKey } from './values';

/** KvOp is a key-value operation in the model's form. */
export type KvOp =
  | { k: 'read'; v: string | null }
  | { k: 'write'; v: string | null }
  | { k: 'cas'; from: string | null; to: string | null }
  | { k: 'append'; v: string }
  | { k: 'fenced'; v: string | null; token: number };

/** KvState is one key's value (null = absent) and the highest fencing token accepted for it. */
export interface KvState {
  v: string | null;
  fence: number | null;
}

/** KvModelOptions: `emptyIsAbsent` makes '' and absent one value (Porcupine's kv model). */
export interface KvModelOptions {
  emptyIsAbsent?: boolean;
}

/** fencedValue reads a fenced write's `{value, token}`; a string is an input error. */
export function fencedValue(v: unknown): { value: unknown; token: number } | string {
  if (typeof v !== 'object' || v === null) return 'a fenced-write value must be {value, token}';
  const o = v as { value?: unknown; token?: unknown };
  if (typeof o.token !== 'number' || !Number.isSafeInteger(o.token) || o.token < 0) {
    return 'a fenced-write token must be a non-negative integer';
  }
  return { value: o.value, token: o.token };
}

function prepareWith(op: Operation, empty: boolean): Prepared<KvOp> | null | string {
  // Literal objects of one shape, not spreads of a shared base: this runs once per operation checked.
  switch (op.f) {
    case 'read': {
      if (op.status === 'info') return null;
      const v = canon(op.output, empty);
      return { op, pinned: false, data: { k: 'read', v }, writes: undefined, reads: [v] };
    }
    case 'write': {
      const v = canon(op.input, empty);
      return { op, pinned: false, data: { k: 'write', v }, writes: v, reads: [] };
    }
    case 'delete':
      return { op, pinned: false, data: { k: 'write', v: null }, writes: null, reads: [] };
    case 'cas': {
      const c = casPair(op.input, empty);
      if (typeof c === 'string') return c;
      return { op, pinned: false, data: { k: 'cas', ...c }, writes: c.to, reads: [c.from] };
    }
    case 'append': {
      const v = canon(op.input) ?? '';
      // The value after an append depends on every earlier write: never removed from a witness.
      return { op, pinned: true, data: { k: 'append', v }, writes: undefined, reads: [] };
    }
    case 'fenced-write': {
      const fv = fencedValue(op.input);
      if (typeof fv === 'string') return fv;
      const v = canon(fv.value, empty);
      return { op, pinned: false, data: { k: 'fenced', v, token: fv.token }, writes: v, reads: [] };
    }
    default:
      return `the kv model has no operation '${op.f}' (it knows read/get, write/put, delete, cas, append, fenced-write)`;
  }
}

function stepKv(s: KvState, d: KvOp, indeterminate: boolean): KvState | undefined {
  switch (d.k) {
    case 'read':
      return s.v === d.v ? s : undefined;
    case 'write':
      return s.v === d.v ? s : { v: d.v, fence: s.fence };
    case 'cas':
      return s.v === d.from ? { v: d.to, fence: s.fence } : undefined;
    case 'append':
      return { v: (s.v ?? '') + d.v, fence: s.fence };
    case 'fenced':
      if (s.fence === null || d.token >= s.fence) return { v: d.v, fence: d.token };
      // Refused: an acknowledged write cannot be; an indeterminate one may have been refused (no effect).
      return indeterminate ? s : undefined;
  }
}

/** describeKvOp says a key-value operation in words. */
export function describeKvOp(p: Prepared<KvOp>): string {
  const key = keyName(p.op.key);
  const d = p.data;
  switch (d.k) {
    case 'read':
      return `${withKey('read', p.op.key)} → ${show(d.v)}`;
    case 'write':
      return p.op.f === 'delete' ? withKey('delete', p.op.key) : assign('write', p.op.key, d.v);
    case 'cas':
      return `${withKey('cas', p.op.key)} ${show(d.from)}→${show(d.to)}`;
    case 'append':
      return `append ${show(d.v)} to ${key}`;
    case 'fenced':
      return `${assign('fenced-write', p.op.key, d.v)} with token ${d.token}`;
  }
}

function explainKv(window: Prepared<KvOp>[], culprit: Prepared<KvOp>, initial: KvState[]): string | null {
  const d = culprit.data;
  if (d.k === 'fenced') {
    const higher = window.find(
      (w) => w.data.k === 'fenced' && w.data.token > d.token && w.op.status === 'ok' && w.op.ret < culprit.op.call,
    );
    if (higher) return `${describeKvOp(culprit)} was accepted after ${describeKvOp(higher)} had been accepted`;
    return null;
  }
  if (window.some((w) => w.pinned)) return null;
  const v = d.k === 'read' ? d.v : d.k === 'cas' ? d.from : undefined;
  if (v === undefined) return null;
  const verb =
    d.k === 'read' ? `${withKey('read', culprit.op.key)} returned ${show(v)}` : `${describeKvOp(culprit)} succeeded`;
  return explainValue(
    window as Prepared<unknown>[],
    culprit as Prepared<unknown>,
    v,
    verb,
    (x) => initial.some((s) => s.v === x),
    (p) => describeKvOp(p as Prepared<KvOp>),
  );
}

/**
 * kvKey is a state's memo key. The common case (no fence) is the value itself, so a long
 * value (appends) is hashed once and not copied; the rare forms start with a NUL, which a
 * plain value that starts with one is escaped into as well.
 */
function kvKey(s: KvState): string {
  if (s.fence === null && s.v !== null && s.v.charCodeAt(0) !== 0) return s.v;
  return '\u0000' + (s.fence ?? '') + (s.v === null ? '' : '=' + s.v);
}

/** kvModel returns the per-key key-value model (see the file comment). */
export function kvModel(opts: KvModelOptions = {}): Model<KvState, KvOp> {
  const empty = opts.emptyIsAbsent === true;
  return {
    name: 'kv',
    prepare: (op) => prepareWith(op, empty),
    init: () => ({ v: null, fence: null }),
    step: stepKv,
    key: kvKey,
    readValue: (s) => s.v,
    describeState: (s, key) =>
      `${keyName(key)} = ${show(s.v)}` + (s.fence === null ? '' : ` (fenced at token ${s.fence})`),
    describe: describeKvOp,
    explain: explainKv,
  };
}
