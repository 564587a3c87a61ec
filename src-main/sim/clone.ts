/**
 * cloneData copies a plain JSON-like value (what protocol messages are made of). A message
 * crossing the simulated wire must not share objects with its sender, or a core that
 * mutates what it received would corrupt its peer — something a real socket would never
 * allow. Hand-written because structuredClone is several times slower on small objects.
 */
export function cloneData<T>(x: T): T {
  if (x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) {
    const n = x.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = cloneData(x[i]);
    return out as T;
  }
  // Spread copies the flat part in one step (V8 clones the object's shape); only nested
  // objects and arrays need the recursive copy. Key order is kept, so logs stay byte-identical.
  const out: Record<string, unknown> = { ...(x as Record<string, unknown>) };
  for (const k in out) {
    const v = out[k];
    if (v !== null && typeof v === 'object') out[k] = cloneData(v);
  }
  return out as T;
}

/**
 * deepFreeze freezes a plain JSON-like value and everything in it, so any later write to
 * it throws (module code is strict). An object already frozen is taken as frozen through.
 */
export function deepFreeze<T>(x: T): T {
  if (x === null || typeof x !== 'object' || Object.isFrozen(x)) return x;
  Object.freeze(x);
  if (Array.isArray(x)) for (const v of x) deepFreeze(v);
  else for (const k in x) deepFreeze((x as Record<string, unknown>)[k]);
  return x;
}
