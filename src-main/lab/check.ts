/**
 * checkConsistency is the cheap check written with an exported run: every key with an
 * acknowledged write must now read (linearizably, through the gateway) as one of the
 * writes that could have been last — an acknowledged write not followed by another
 * acknowledged write that began after it ended, or any write whose outcome is unknown.
 * An acknowledged write that vanished (the "lost write") fails it.
 */
import type { HistoryOp } from '../api/contract';
import type { ClientOutcome } from '../node/contract';
import type { KvResult } from '../core/kv/types';

/** MAX_CHECK_KEYS bounds how many keys one check reads. */
export const MAX_CHECK_KEYS = 500;

/** CheckResult is check.json. */
export interface CheckResult {
  ok: boolean;
  summary: string;
  keysChecked: number;
  keysSkipped: number;
  violations: { key: string; read: string | null; expectedOneOf: (string | null)[] }[];
  unreadable: string[];
}

interface Write {
  value: string | null;
  invoke: number;
  complete: number;
  acked: boolean;
}

/** finalCandidates returns, per key, the values that could legally be last (keys with ≥1 acknowledged write). */
export function finalCandidates(history: HistoryOp[]): Map<string, { values: (string | null)[]; lastAck: number }> {
  const open = new Map<number, HistoryOp>();
  const writes = new Map<string, Write[]>();
  for (const op of history) {
    if (op.type === 'invoke') {
      open.set(op.process, op);
      continue;
    }
    const inv = open.get(op.process);
    open.delete(op.process);
    if (!inv || op.type === 'fail') continue;
    let value: string | null;
    if (inv.f === 'write' && typeof inv.value === 'string') value = inv.value;
    else if (inv.f === 'delete') value = null;
    else if (inv.f === 'cas' && Array.isArray(inv.value) && typeof inv.value[1] === 'string') value = inv.value[1];
    else continue;
    const w: Write = {
      value,
      invoke: inv.time,
      complete: op.type === 'ok' ? op.time : Infinity,
      acked: op.type === 'ok',
    };
    const list = writes.get(inv.key) ?? [];
    list.push(w);
    writes.set(inv.key, list);
  }
  // Invocations that never completed may still apply.
  for (const inv of open.values()) {
    if (inv.f !== 'write' && inv.f !== 'delete' && inv.f !== 'cas') continue;
    const value =
      inv.f === 'write' ? (inv.value as string) : inv.f === 'delete' ? null : ((inv.value as unknown[])[1] as string);
    const list = writes.get(inv.key) ?? [];
    list.push({ value, invoke: inv.time, complete: Infinity, acked: false });
    writes.set(inv.key, list);
  }
  const out = new Map<string, { values: (string | null)[]; lastAck: number }>();
  for (const [key, ws] of writes) {
    const acked = ws.filter((w) => w.acked);
    if (acked.length === 0) continue;
    const values = ws.filter((w) => !acked.some((a) => a.invoke > w.complete)).map((w) => w.value);
    out.set(key, { values: [...new Set(values)], lastAck: Math.max(...acked.map((a) => a.complete)) });
  }
  return out;
}

/** checkConsistency reads every candidate key (newest acknowledged first, up to MAX_CHECK_KEYS). */
export async function checkConsistency(
  history: HistoryOp[],
  read: (key: string) => Promise<{ outcome: ClientOutcome; result: KvResult | null }>,
): Promise<CheckResult> {
  const cands = [...finalCandidates(history)].sort((a, b) => b[1].lastAck - a[1].lastAck);
  const keys = cands.slice(0, MAX_CHECK_KEYS);
  const violations: CheckResult['violations'] = [];
  const unreadable: string[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      const item = keys[next++];
      if (!item) return;
      const [key, { values }] = item;
      const r = await read(key);
      if (r.outcome !== 'ok') {
        unreadable.push(key);
        continue;
      }
      const v = r.result?.value ?? null;
      if (!values.includes(v)) violations.push({ key, read: v, expectedOneOf: values });
    }
  };
  await Promise.all(Array.from({ length: 16 }, () => worker()));
  const ok = violations.length === 0 && unreadable.length === 0;
  const summary = ok
    ? `ok: ${keys.length} keys with acknowledged writes read back as a value that could be last`
    : `${violations.length} keys lost or changed an acknowledged write; ${unreadable.length} keys could not be read`;
  return { ok, summary, keysChecked: keys.length, keysSkipped: cands.length - keys.length, violations, unreadable };
}
