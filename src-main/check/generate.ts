/**
 * generateHistory makes a linearizable key-value history by construction, for tests and
 * benchmarks: clients invoke operations, each takes effect on a real sequential store at
 * one moment between its invoke and its completion, and the completion reports what the
 * store answered. Some completions are lost (`info`): the operation may have taken effect
 * or never will. Randomness comes from the `random` function given (a seeded source).
 */
import type { HistoryEvent } from './types';

/** GenerateOptions shape the workload. */
export interface GenerateOptions {
  ops: number;
  clients: number;
  keys: number;
  /** values: how many distinct values writes draw from (0: every write writes a fresh value). */
  values: number;
  /** infoRate: the share of operations whose completion is lost. */
  infoRate?: number;
}

type Phase = 'idle' | 'invoked' | 'applied';

interface Client {
  process: number;
  phase: Phase;
  f: string;
  key: string;
  value: unknown;
  result: unknown;
  type: 'ok' | 'fail';
  lost: boolean;
}

/** generateHistory returns the events of one generated history (see the file comment). */
export function generateHistory(random: () => number, o: GenerateOptions): HistoryEvent[] {
  const store = new Map<string, string>();
  const events: HistoryEvent[] = [];
  let nextProcess = 0;
  let fresh = 0;
  let started = 0;
  const clients: Client[] = Array.from({ length: o.clients }, () => idle(nextProcess++));
  const pick = (n: number): number => Math.floor(random() * n);
  const value = (): string => (o.values > 0 ? String(pick(o.values)) : `v${fresh++}`);
  const emit = (c: Client, type: HistoryEvent['type'], v: unknown): void => {
    events.push({
      index: events.length,
      time: events.length * 1000,
      process: c.process,
      type,
      f: c.f,
      key: c.key,
      value: v,
    });
  };
  while (started < o.ops || clients.some((c) => c.phase !== 'idle')) {
    const c = clients[pick(clients.length)] as Client;
    if (c.phase === 'idle') {
      if (started >= o.ops) continue;
      started++;
      invoke(c, pick, value, o);
      c.lost = random() < (o.infoRate ?? 0);
      emit(c, 'invoke', c.value);
      c.phase = 'invoked';
    } else if (c.phase === 'invoked') {
      // A lost operation may never take effect: half of them don't.
      if (!(c.lost && random() < 0.5)) apply(c, store);
      else c.type = 'fail';
      c.phase = 'applied';
    } else {
      if (c.lost) {
        emit(c, 'info', c.value);
        clients[clients.indexOf(c)] = idle(nextProcess++); // Jepsen retires an indeterminate process
        continue;
      }
      emit(c, c.type, c.result);
      c.phase = 'idle';
    }
  }
  return events;
}

function idle(process: number): Client {
  return { process, phase: 'idle', f: '', key: '', value: null, result: null, type: 'ok', lost: false };
}

function invoke(c: Client, pick: (n: number) => number, value: () => string, o: GenerateOptions): void {
  c.key = `k${pick(o.keys)}`;
  const r = pick(100);
  if (r < 40) {
    c.f = 'read';
    c.value = null;
  } else if (r < 75) {
    c.f = 'write';
    c.value = value();
  } else if (r < 90) {
    c.f = 'cas';
    c.value = [pick(3) === 0 ? null : value(), value()];
  } else {
    c.f = 'delete';
    c.value = null;
  }
}

function apply(c: Client, store: Map<string, string>): void {
  const cur = store.get(c.key) ?? null;
  c.type = 'ok';
  c.result = c.value;
  switch (c.f) {
    case 'read':
      c.result = cur;
      return;
    case 'write':
      store.set(c.key, c.value as string);
      return;
    case 'delete':
      store.delete(c.key);
      return;
    case 'cas': {
      const [from, to] = c.value as [string | null, string];
      if (cur !== from) c.type = 'fail';
      else store.set(c.key, to);
      return;
    }
  }
}
