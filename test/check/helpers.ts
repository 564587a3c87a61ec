/**
 * Helpers for the checker's tests: a terse history builder and an independent brute-force
 * linearizability oracle (every order of the operations, tried directly on a Map).
 */
import { pairHistory } from '../../src-main/check/history';
import type { HistoryEvent, Operation } from '../../src-main/check/types';

/** Ev is [process, type, f, key, value]. */
export type Ev = [number, HistoryEvent['type'], string, string, unknown];

/** hist numbers the events in order (index = position, time = position × 1000). */
export function hist(evs: Ev[]): HistoryEvent[] {
  return evs.map(([process, type, f, key, value], i) => ({ index: i, time: i * 1000, process, type, f, key, value }));
}

/** op builds an invoke and its completion back to back (a call that overlaps nothing). */
export function seq(
  p: number,
  f: string,
  key: string,
  value: unknown,
  result: unknown = value,
  type: HistoryEvent['type'] = 'ok',
): Ev[] {
  return [
    [p, 'invoke', f, key, value],
    [p, type, f, key, result],
  ];
}

function applyOp(store: Map<string, string>, o: Operation): boolean {
  const cur = store.get(o.key) ?? null;
  const known = o.status === 'ok';
  switch (o.f) {
    case 'read':
      return !known || cur === o.output;
    case 'write':
      store.set(o.key, o.input as string);
      return true;
    case 'delete':
      store.delete(o.key);
      return true;
    case 'cas': {
      const [from, to] = o.input as [string | null, string];
      if (cur !== from) return !known; // an indeterminate cas that found another value did nothing
      store.set(o.key, to);
      return true;
    }
    default:
      throw new Error(`oracle: no ${o.f}`);
  }
}

/** bruteForce says whether a small kv history is linearizable by trying every order (info ops may be left out). */
export function bruteForce(events: HistoryEvent[]): boolean {
  const ops = pairHistory(events).ops;
  const n = ops.length;
  if (n > 10) throw new Error('oracle: too many operations');
  const used = new Array<boolean>(n).fill(false);
  const rec = (store: Map<string, string>, done: number): boolean => {
    const mustRemain = ops.some((o, i) => !used[i] && o.status === 'ok');
    if (!mustRemain) return true;
    for (let i = 0; i < n; i++) {
      if (used[i]) continue;
      const o = ops[i] as Operation;
      // o may go next only if no unused operation returned before o was called.
      if (ops.some((q, j) => !used[j] && j !== i && q.ret < o.call)) continue;
      const next = new Map(store);
      if (!applyOp(next, o)) continue;
      used[i] = true;
      const ok = rec(next, done + 1);
      used[i] = false;
      if (ok) return true;
    }
    return false;
  };
  return rec(new Map(), 0);
}
