/**
 * The register model: one value, initially absent (a read returns nil/null), with read,
 * write and cas. A cas `[from to]` that completed `ok` swapped from → to; a failed cas
 * certainly did not happen and never reaches the model. An indeterminate cas may have
 * swapped (if the value was `from` at that moment) or not; an indeterminate read tells
 * nothing and is dropped.
 */
import type { Model, Operation, Prepared } from '../types';
import { assign, canon, explainValue, keyName, show, withKey } from './values';

/** RegisterOp is a register operation in the model's form. */
export type RegisterOp =
  | { k: 'read'; v: string | null }
  | { k: 'write'; v: string | null }
  | { k: 'cas'; from: string | null; to: string | null };

/** RegisterState is the register's value (null = absent). */
export type RegisterState = string | null;

/** casPair reads a cas value `[from, to]`; a string is an input error. */
export function casPair(v: unknown, emptyIsAbsent = false): { from: string | null; to: string | null } | string {
  if (!Array.isArray(v) || v.length !== 2) return 'a cas value must be [from, to]';
  return { from: canon(v[0], emptyIsAbsent), to: canon(v[1], emptyIsAbsent) };
}

function prepare(op: Operation): Prepared<RegisterOp> | null | string {
  const base = { op, pinned: false };
  switch (op.f) {
    case 'read':
      if (op.status === 'info') return null;
      return { ...base, data: { k: 'read', v: canon(op.output) }, writes: undefined, reads: [canon(op.output)] };
    case 'write': {
      const v = canon(op.input);
      return { ...base, data: { k: 'write', v }, writes: v, reads: [] };
    }
    case 'cas': {
      const c = casPair(op.input);
      if (typeof c === 'string') return c;
      return { ...base, data: { k: 'cas', ...c }, writes: c.to, reads: [c.from] };
    }
    default:
      return `the register model has no operation '${op.f}' (it knows read, write and cas)`;
  }
}

/** describeRegisterOp says a register operation in words: `write x=2`, `read x → 1`, `cas x 1→2`. */
export function describeRegisterOp(p: Prepared<RegisterOp>): string {
  const d = p.data;
  switch (d.k) {
    case 'read':
      return `${withKey('read', p.op.key)} → ${show(d.v)}`;
    case 'write':
      return assign('write', p.op.key, d.v);
    case 'cas':
      return `${withKey('cas', p.op.key)} ${show(d.from)}→${show(d.to)}`;
  }
}

/** explainRegister explains a failing window whose culprit is a read or a cas. */
export function explainRegister(
  window: Prepared<RegisterOp>[],
  culprit: Prepared<RegisterOp>,
  initial: RegisterState[],
): string | null {
  const d = culprit.data;
  const v = d.k === 'read' ? d.v : d.k === 'cas' ? d.from : undefined;
  if (v === undefined) return null;
  const verb =
    d.k === 'read'
      ? `${withKey('read', culprit.op.key)} returned ${show(v)}`
      : `${describeRegisterOp(culprit)} succeeded`;
  return explainValue(
    window as Prepared<unknown>[],
    culprit as Prepared<unknown>,
    v,
    verb,
    (x) => initial.includes(x),
    (p) => describeRegisterOp(p as Prepared<RegisterOp>),
  );
}

/** registerModel is the single-register model (Knossos's cas-register). */
export const registerModel: Model<RegisterState, RegisterOp> = {
  name: 'register',
  prepare,
  init: () => null,
  step(s, d) {
    switch (d.k) {
      case 'read':
        return s === d.v ? s : undefined;
      case 'write':
        return d.v;
      case 'cas':
        return s === d.from ? d.to : undefined;
    }
  },
  // A value is its own key (no copy); absent is the NUL that no escaped value can be.
  key: (s) => (s === null ? '\u0000' : s.charCodeAt(0) === 0 ? '\u0000=' + s : s),
  readValue: (s) => s,
  describeState: (s, key) => `${keyName(key)} = ${show(s)}`,
  describe: describeRegisterOp,
  explain: explainRegister,
};
