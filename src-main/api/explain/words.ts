/**
 * Small readers and writers Explain shares: typed reads of untyped run-log fields (a
 * replayed run comes from a file), times, node lists, citations, the protocol's words.
 */
import { PAXOS_WORDS, RAFT_WORDS, type NoteWords } from '../../core/notes';
import type { NodeId } from '../../core/types';
import type { ProtocolName, RunLogRecord } from '../contract';
import type { WhyCite } from './types';

/** wordsOf is the protocol's vocabulary: terms and votes (Raft), ballots and promises (Multi-Paxos). */
export function wordsOf(p: ProtocolName): NoteWords {
  return p === 'paxos' ? PAXOS_WORDS : RAFT_WORDS;
}

/** str reads a string field of a record (null when absent or not a string). */
export function str(r: RunLogRecord, field: string): string | null {
  const v = r[field];
  return typeof v === 'string' ? v : null;
}

/** num reads a finite number field of a record (null when absent or not a number). */
export function num(r: RunLogRecord, field: string): number | null {
  const v = r[field];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** strs reads an array-of-strings field (empty when absent). */
export function strs(r: RunLogRecord, field: string): string[] {
  const v = r[field];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** obj reads an object field (null when absent). */
export function obj(r: RunLogRecord, field: string): Record<string, unknown> | null {
  const v = r[field];
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** secs writes a run-log time (ns since the run began) as seconds: "12.345 s". */
export function secs(t: number): string {
  return `${(t / 1e9).toFixed(3)} s`;
}

/** list writes node ids as "n1, n2" ("none" when empty). */
export function list(xs: readonly NodeId[]): string {
  return xs.length === 0 ? 'none' : xs.join(', ');
}

/** cite turns a record into a citation with `text` after its time and seq. */
export function cite(r: RunLogRecord, text: string): WhyCite {
  return { seq: r.seq, t: r.t, kind: r.kind, text: `${secs(r.t)} #${r.seq} ${text}` };
}

/** messageText writes a message record: "vote n3→n2 t5 delivered at 12.299 s (#4567)" (without time and seq: "… delivered"). */
export function messageText(m: RunLogRecord, ref: (n: number) => string, when = true): string {
  const term = num(m, 'term');
  const what = `${str(m, 'type') ?? '?'} ${str(m, 'from') ?? '?'}→${str(m, 'to') ?? '?'}${term === null ? '' : ` ${ref(term)}`}`;
  const how = m.kind === 'drop' ? `dropped (${str(m, 'reason') ?? '?'})` : m.kind === 'deliver' ? 'delivered' : m.kind;
  return when ? `${what} ${how} at ${secs(m.t)} (#${m.seq})` : `${what} ${how}`;
}

/** isMessageRecord tells the router's records (send/deliver/drop/duplicate) from the rest. */
export function isMessageRecord(r: RunLogRecord): boolean {
  return r.kind === 'send' || r.kind === 'deliver' || r.kind === 'drop' || r.kind === 'duplicate';
}
