/**
 * The unsafe modes a scenario may ask for (setup.unsafe, contrast[].unsafe), as the lab's
 * POST /api/cluster takes them: one safety rule broken on purpose. Checked here field by
 * field, with the lab's own names and values; which of them the running lab (or the
 * simulator) can actually apply is asked at run time (ScenarioTarget.supportsUnsafe), so
 * a scenario whose contrast needs a mode the lab does not have yet runs its safe half and
 * says so.
 */
import { at, bool, oneOf, onlyFields, record, type Rec } from '../core/validate';

/** UNSAFE_MODES lists every unsafe mode and the values it takes (the first of a list is the safe one). */
export const UNSAFE_MODES = {
  reads: ['read-index', 'lease', 'local'],
  commitRule: ['paper', 'count-old-terms'],
  fsync: 'boolean',
  sessions: 'boolean',
  fencing: 'boolean',
  prevote: 'boolean',
  checkQuorum: 'boolean',
  adoptHighestAccepted: 'boolean',
} as const;

/** UnsafeName names one unsafe mode. */
export type UnsafeName = keyof typeof UNSAFE_MODES;

/** UnsafeModes are a cluster's unsafe settings (absent = safe). */
export type UnsafeModes = Partial<Record<UnsafeName, string | boolean>>;

const NAMES = Object.keys(UNSAFE_MODES) as UnsafeName[];

/** checkUnsafe checks an unsafe-modes object at `path` (throws the kit's Invalid). */
export function checkUnsafe(x: unknown, path: string): UnsafeModes {
  const o: Rec = record(x, path);
  onlyFields(o, NAMES, path);
  const out: UnsafeModes = {};
  for (const k of NAMES) {
    const v = o[k];
    if (v === undefined) continue;
    const allowed = UNSAFE_MODES[k];
    out[k] = allowed === 'boolean' ? bool(v, at(path, k)) : oneOf(v, at(path, k), allowed);
  }
  return out;
}

/** isSafeValue tells whether a mode's value is its safe default (true for booleans, the first of a list). */
export function isSafeValue(name: UnsafeName, v: string | boolean): boolean {
  const allowed = UNSAFE_MODES[name];
  return allowed === 'boolean' ? v === true : v === allowed[0];
}

/** unsafeLabel describes the modes in force, e.g. "reads: lease, prevote: off" ('' when all are safe). */
export function unsafeLabel(u: UnsafeModes): string {
  const parts: string[] = [];
  for (const k of NAMES) {
    const v = u[k];
    if (v === undefined || isSafeValue(k, v)) continue;
    parts.push(typeof v === 'boolean' ? `${k}: ${v ? 'on' : 'off'}` : `${k}: ${v}`);
  }
  return parts.join(', ');
}
