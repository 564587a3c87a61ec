/**
 * From history events to operations: pair each invoke with its process's completion,
 * drop failed operations (they certainly did not happen), make the rest `ok` or
 * indeterminate (an `info` completion, or none at all), and name each operation's `f` the
 * lab's way (Jepsen's and Porcupine's get/put become read/write).
 */
import type { KvOp } from '../core/kv/types';
import { assertNever } from '../core/types';
import type { HistoryEvent, Operation } from './types';

const F_ALIASES: Record<string, string> = {
  get: 'read',
  put: 'write',
  del: 'delete',
  fencedput: 'fenced-write',
  'fenced-put': 'fenced-write',
  fenced: 'fenced-write',
};

/** normalizeF lower-cases an operation name, drops a leading `:` and maps get/put to read/write. */
export function normalizeF(f: string): string {
  const s = (f.startsWith(':') ? f.slice(1) : f).toLowerCase();
  return F_ALIASES[s] ?? s;
}

/** HistoryError is a history the checker cannot read (a malformed pairing or value); its message says where. */
export class HistoryError extends Error {
  override name = 'HistoryError';
}

/** PairedHistory: the operations (by invoke order) and how many failed ones were left out. */
export interface PairedHistory {
  ops: Operation[];
  failed: number;
}

/** pairHistory turns events (in the order they happened) into operations; throws HistoryError. */
export function pairHistory(events: readonly HistoryEvent[]): PairedHistory {
  // Each invoke takes the next slot (invoke order is the operations' order) and its
  // completion fills it; a failed operation's slot stays empty. A process has at most one
  // slot open at a time.
  const slots: (Operation | null)[] = [];
  const invokes: HistoryEvent[] = [];
  const callAt: number[] = [];
  const open = new Map<number, number>();
  let failed = 0;
  for (let pos = 0; pos < events.length; pos++) {
    const ev = events[pos]!;
    if (ev.type === 'invoke') {
      if (open.has(ev.process)) {
        throw new HistoryError(
          `event ${pos + 1}: process ${ev.process} invoked again before its last operation completed`,
        );
      }
      open.set(ev.process, slots.length);
      slots.push(null);
      invokes.push(ev);
      callAt.push(pos);
      continue;
    }
    const slot = open.get(ev.process);
    if (slot === undefined)
      throw new HistoryError(`event ${pos + 1}: process ${ev.process} completed an operation it never invoked`);
    open.delete(ev.process);
    if (ev.type === 'fail') {
      failed++;
      continue;
    }
    slots[slot] = operation(invokes[slot]!, callAt[slot]!, ev.type === 'ok' ? ev : null, pos);
  }
  for (const slot of open.values()) slots[slot] = operation(invokes[slot]!, callAt[slot]!, null, Infinity);
  const ops: Operation[] = [];
  for (const op of slots) if (op !== null) ops.push(op);
  return { ops, failed };
}

function operation(inv: HistoryEvent, call: number, ok: HistoryEvent | null, ret: number): Operation {
  return {
    index: inv.index,
    process: inv.process,
    f: normalizeF(inv.f),
    key: inv.key,
    call,
    ret: ok ? ret : Infinity,
    time: inv.time,
    endTime: ok ? ok.time : null,
    status: ok ? 'ok' : 'info',
    input: inv.value,
    output: ok ? ok.value : undefined,
  };
}

/** historyShape maps a KV op to Jepsen's f and value. */
export function historyShape(op: KvOp): { f: string; key: string; value: unknown } {
  switch (op.op) {
    case 'put':
      return { f: 'write', key: op.key, value: op.value };
    case 'get':
      return { f: 'read', key: op.key, value: null };
    case 'delete':
      return { f: 'delete', key: op.key, value: null };
    case 'cas':
      return { f: 'cas', key: op.key, value: [op.expected, op.value] };
    case 'lock':
      return { f: 'lock', key: op.name, value: { owner: op.owner, ttlMs: op.ttlMs } };
    case 'renew':
      return { f: 'renew', key: op.name, value: { owner: op.owner, token: op.token, ttlMs: op.ttlMs } };
    case 'unlock':
      return { f: 'unlock', key: op.name, value: { token: op.token } };
    case 'fencedPut':
      return { f: 'fenced-write', key: op.key, value: { value: op.value, token: op.token } };
    default:
      return assertNever(op, 'kv op');
  }
}
