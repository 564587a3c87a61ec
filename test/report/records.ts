/** Run-log records for the report's tests, shaped as the recorder writes them. */
import type { RunLogRecord } from '../../src-main/api/contract';

let seq = 0;

/** rec makes one record at time tMs (ms) of `kind` with `fields`. */
export function rec(tMs: number, kind: string, fields: Record<string, unknown> = {}): RunLogRecord {
  return { t: Math.round(tMs * 1e6), seq: ++seq, kind, ...fields };
}

/** MessageSpec is one message of a test run. */
export interface MessageSpec {
  id: number;
  from: string;
  to: string;
  sendMs: number;
  /** endMs: delivery (or drop) time; absent = still in flight. */
  endMs?: number;
  type?: string;
  msgKind?: string;
  label?: string;
  granted?: boolean;
  drop?: string;
  dup?: boolean;
}

/** message returns a message's records: send, then (duplicate,) deliver or drop. */
export function message(m: MessageSpec): RunLogRecord[] {
  const base = { id: m.id, from: m.from, to: m.to, type: m.type ?? 'append', msgKind: m.msgKind ?? 'append', term: 3 };
  const out = [
    rec(m.sendMs, 'send', {
      ...base,
      ...(m.label !== undefined ? { label: m.label } : {}),
      ...(m.granted !== undefined ? { granted: m.granted } : {}),
    }),
  ];
  if (m.endMs === undefined) return out;
  if (m.dup) out.push(rec(m.sendMs, 'duplicate', base));
  if (m.drop !== undefined) out.push(rec(m.endMs, 'drop', { ...base, reason: m.drop }));
  else {
    out.push(rec(m.endMs, 'deliver', base));
    if (m.dup) out.push(rec(m.endMs + 1, 'deliver', base));
  }
  return out;
}

/** byTime sorts records into the order the recorder would have written them. */
export function byTime(rs: RunLogRecord[]): RunLogRecord[] {
  return rs.sort((a, b) => a.t - b.t || a.seq - b.seq).map((r, i) => ({ ...r, seq: i + 1 }));
}
