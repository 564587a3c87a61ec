/**
 * Canonical JSON: object keys sorted at every level, arrays kept in order. Two values
 * that mean the same thing serialize the same, whatever order their keys were built in.
 */

/** canonicalJson serializes a JSON value with sorted object keys. */
export function canonicalJson(x: unknown): string {
  return JSON.stringify(sortKeys(x));
}

function sortKeys(x: unknown): unknown {
  if (x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) return x.map(sortKeys);
  const o = x as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o).sort()) if (o[k] !== undefined) out[k] = sortKeys(o[k]);
  return out;
}

/**
 * stateFingerprint is a state machine snapshot in canonical form without its applied
 * index: equal for replicas in the same state. Used when digest() disagrees, to tell a
 * real divergence from a digest that depends on key order.
 */
export function stateFingerprint(snapshotJson: string): string {
  const s = JSON.parse(snapshotJson) as unknown;
  if (s && typeof s === 'object' && !Array.isArray(s)) delete (s as Record<string, unknown>)['appliedIndex'];
  return canonicalJson(s);
}
