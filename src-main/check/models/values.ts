/**
 * What the register and key-value models share: how a history's values are compared and
 * shown, and how a failing window over a single value is explained in one sentence.
 */
import type { Prepared } from '../types';

/** MAX_SHOWN bounds how much of a value an explanation quotes. */
const MAX_SHOWN = 40;

/** canon turns a history value into the string the models compare (null = absent); numbers and strings compare by text. */
export function canon(v: unknown, emptyIsAbsent = false): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return emptyIsAbsent && v === '' ? null : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** show quotes a value for people: `nothing` for absent, quotes only when the text would be unclear. */
export function show(v: string | null): string {
  if (v === null) return 'nothing';
  const cut = v.length > MAX_SHOWN ? v.slice(0, MAX_SHOWN) + '…' : v;
  return /^[\w.:-]+$/.test(v) ? cut : JSON.stringify(cut);
}

/** keyName names a partition's key for people (a single register has none). */
export function keyName(key: string): string {
  return key === '' ? 'the register' : key;
}

/** withKey puts a key after a verb (`read x`), or nothing for the single register (`read`). */
export function withKey(verb: string, key: string): string {
  return key === '' ? verb : `${verb} ${key}`;
}

/** assign says a write: `write x=2`, or `write 2` for the single register. */
export function assign(verb: string, key: string, v: string | null): string {
  return key === '' ? `${verb} ${show(v)}` : `${verb} ${key}=${show(v)}`;
}

/** ValueOp is what explainValue needs of a register/kv operation. */
export interface ValueOp {
  kind: 'read' | 'write' | 'cas' | 'other';
  /** observed: what a read returned, or what a cas expected. */
  observed?: string | null;
}

function before(a: Prepared<unknown>, b: Prepared<unknown>): boolean {
  return a.op.ret < b.op.call;
}

/**
 * explainValue explains why `culprit` (a read or a cas that observed `v`) cannot be placed:
 * no writer of v had begun; or a newer write had completed; or an earlier read had already
 * seen a newer value; otherwise that no order of the window lets the key hold v then.
 */
export function explainValue(
  window: Prepared<unknown>[],
  culprit: Prepared<unknown>,
  v: string | null,
  verb: string,
  initialHas: (v: string | null) => boolean,
  describe: (p: Prepared<unknown>) => string,
): string {
  const key = keyName(culprit.op.key);
  const writersOfV = window.filter((p) => p !== culprit && p.writes === v && p.op.call < culprit.op.ret);
  const fromInitial = initialHas(v);
  if (writersOfV.length === 0 && !fromInitial) {
    return v === null
      ? `${verb} although ${key} had certainly been written and never deleted before`
      : `${verb}, but no write of ${show(v)} to ${key} had begun by then`;
  }
  // A newer write that completed before the culprit began, after every write of v had finished.
  const newer = window.find(
    (w) =>
      w !== culprit &&
      w.writes !== undefined &&
      w.writes !== v &&
      w.op.status === 'ok' &&
      before(w, culprit) &&
      writersOfV.every((x) => before(x, w)),
  );
  if (newer) return `${verb} after ${describe(newer)} had completed`;
  // An earlier read that already saw a value written after every write of v.
  const seenNewer = window.find(
    (r) =>
      r !== culprit &&
      r.writes === undefined &&
      r.reads.length === 1 &&
      r.reads[0] !== v &&
      before(r, culprit) &&
      window.some(
        (w) => w.writes === r.reads[0] && !initialHas(r.reads[0] ?? null) && writersOfV.every((x) => before(x, w)),
      ),
  );
  if (seenNewer) return `${verb} after ${describe(seenNewer)} had already completed`;
  return `${verb}, but no order of these ${window.length} operations lets ${key} hold ${show(v)} then`;
}
