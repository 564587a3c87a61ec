/**
 * The check written with an exported run (check.json): the linearizability checker over the
 * whole client history (src-main/check), and beside it a read-back check that the history
 * alone cannot give — it reads every key now, after the last operation.
 *
 * checkConsistency is that read-back check: every key with an
 * acknowledged write must now read (linearizably, through the gateway) as one of the
 * writes that could have been last — an acknowledged write not followed by another
 * acknowledged write that began after it ended, or any write whose outcome is unknown.
 * An acknowledged write that vanished (the "lost write") fails it.
 */
import type { HistoryOp } from '../api/contract';
import { checkHistory } from '../check/check';
import { HistoryError } from '../check/history';
import type { CheckResult as LinResult } from '../check/types';
import type { ClientOutcome } from '../node/contract';
import type { KvResult } from '../core/kv/types';

/** MAX_CHECK_KEYS bounds how many keys one check reads. */
export const MAX_CHECK_KEYS = 500;
/**
 * READ_TRIES: how often the read-back asks for a key whose read was not answered ok. A read
 * changes nothing, so asking again is safe; on a busy machine, or while a leader changes or
 * a new node catches up, one read can time out, and a key is "could not be read" only when
 * every try failed.
 */
export const READ_TRIES = 3;

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

/** writtenValue is what an invoked write leaves in its key if it applies (undefined: not a write). */
function writtenValue(inv: HistoryOp): string | null | undefined {
  const v = inv.value;
  if (inv.f === 'write' && typeof v === 'string') return v;
  if (inv.f === 'delete') return null;
  if (inv.f === 'cas' && Array.isArray(v) && typeof v[1] === 'string') return v[1];
  // An accepted fenced write sets the key's value like a put (a refused one completes fail).
  if (inv.f === 'fenced-write' && typeof v === 'object' && v !== null) {
    const value = (v as { value?: unknown }).value;
    if (typeof value === 'string') return value;
  }
  return undefined;
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
    const value = writtenValue(inv);
    if (value === undefined) continue;
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
    const value = writtenValue(inv);
    if (value === undefined) continue;
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
      let r = await read(key);
      for (let tries = 1; r.outcome !== 'ok' && tries < READ_TRIES; tries++) r = await read(key);
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
    ? `ok: ${keysText(keys.length)} with acknowledged writes read back as a value that could be last`
    : `${keysText(violations.length)} lost or changed an acknowledged write; ${keysText(unreadable.length)} could not be read`;
  return { ok, summary, keysChecked: keys.length, keysSkipped: cands.length - keys.length, violations, unreadable };
}

/** keysText writes a count of keys: "1 key", "3 keys". */
function keysText(n: number): string {
  return n === 1 ? '1 key' : `${n} keys`;
}

/** EXPORT_CHECK_MS bounds the linearizability search of an export (the verdict is then unknown); it runs on the host's event loop, so it is kept short. */
export const EXPORT_CHECK_MS = 3_000;

/** LinearizabilitySection is check.json's verdict of the linearizability checker. */
export type LinearizabilitySection =
  (Omit<LinResult, 'perKey'> & { summary: string }) | { linearizable: null; summary: string; error: string };

/** ExportCheck is check.json: the read-back check's fields, and the linearizability checker's section. */
export interface ExportCheck extends CheckResult {
  linearizability: LinearizabilitySection;
}

/** linearizability runs the checker over a history within EXPORT_CHECK_MS. */
export function linearizability(history: HistoryOp[], timeoutMs = EXPORT_CHECK_MS): LinearizabilitySection {
  const clock = (): number => performance.now();
  try {
    const r = checkHistory(history, { model: 'kv', budget: { clock, deadlineMs: clock() + timeoutMs } });
    const { perKey: _perKey, ...rest } = r;
    const summary =
      r.linearizable === true
        ? `linearizable: ${r.ops} operations on ${r.keys} keys`
        : r.linearizable === false
          ? `not linearizable: ${r.violation?.explanation ?? 'a key cannot be ordered'}`
          : `unknown: ${r.unknownKeys.length} keys undecided within ${timeoutMs / 1000} s`;
    return { ...rest, summary };
  } catch (e) {
    if (!(e instanceof HistoryError)) throw e;
    return { linearizable: null, summary: `unknown: the history cannot be checked (${e.message})`, error: e.message };
  }
}

/**
 * exportCheck is check.json: the read-back check and the linearizability verdict. `ok` is
 * false when either finds a problem (an unknown verdict alone does not clear or fail it).
 */
export async function exportCheck(
  history: HistoryOp[],
  read: (key: string) => Promise<{ outcome: ClientOutcome; result: KvResult | null }>,
): Promise<ExportCheck> {
  const back = await checkConsistency(history, read);
  const lin = linearizability(history);
  const ok = back.ok && lin.linearizable !== false;
  return { ...back, ok, summary: `${back.summary}; ${lin.summary}`, linearizability: lin };
}
