/**
 * What the console says when a request did not simply succeed: what was found and what it
 * means for the user ("not swapped: a is 2, expected 1"; "held by alice (token 4507),
 * 3.2 s left"; "unknown: n2 died before answering — the write may or may not have
 * applied"). Pure: built from the request as typed and the lab's KvResponse.
 */
import type { KvResponse, LoadSummary } from '../../../src-main/api/contract';
import type { ReadMode } from '../../../src-main/api/unsafe';

/** RequestDesc is the request a console line sent, as far as its answer needs it. */
export type RequestDesc =
  | { op: 'put' | 'delete'; key: string }
  | { op: 'get'; key: string }
  | { op: 'cas'; key: string; expected: string | null; value: string }
  | { op: 'lock'; name: string; owner: string }
  | { op: 'renew'; name: string; owner: string; token: number }
  | { op: 'unlock'; name: string; token: number }
  | { op: 'fenced'; key: string; token: number };

/** LAST_TRY separates the lab's explanation (no quorum, no leader) from the last node's own answer. */
const LAST_TRY = ' — last try: ';

/** splitError returns the lab's explanation (or null) and the node's own answer. */
export function splitError(error: string | undefined): { why: string | null; cause: string } {
  const e = error ?? '';
  const i = e.indexOf(LAST_TRY);
  return i < 0 ? { why: null, cause: e } : { why: e.slice(0, i), cause: e.slice(i + LAST_TRY.length) };
}

/** shown writes a value the way the console reads it: bare when it is one plain word, else quoted. */
export function shown(v: string | null | undefined): string {
  if (v === null || v === undefined) return 'absent (nil)';
  return /^[^\s"]+$/.test(v) && v !== 'nil' ? v : JSON.stringify(v);
}

/**
 * absentText is a get's answer when the key has no value: "(nil)", then what it means — the
 * key was never written, or was deleted — and whether the empty answer can be trusted (read
 * linearizably, as the cluster's read mode `reads` serves it, by `node`). A newcomer reads a
 * bare "(nil)" as a read that went missing.
 */
export function absentText(key: string, node: string | null, reads: ReadMode = 'read-index'): string {
  const head = `(nil) — ${key} has no value (never written, or deleted)`;
  const who = node ?? 'the leader';
  switch (reads) {
    case 'read-index':
      return `${head}; a linearizable read: ${who} confirmed it still leads first`;
    case 'lease':
      return `${head}; ${who} read it under its leader lease (reads=lease)`;
    case 'local':
      return `${head} on ${who}, whose own copy may be stale (reads=local)`;
  }
}

/** seconds renders a duration in ms as "3.2 s". */
function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function lockHeld(req: { name: string }, r: KvResponse): string {
  const holder = r.value ?? 'another owner';
  const token = r.token !== undefined ? ` (token ${r.token})` : '';
  const left = r.expiresInMs !== undefined ? `, ${seconds(r.expiresInMs)} left` : '';
  return `not locked: ${req.name} is held by ${holder}${token}${left} — wait for it to expire or be released`;
}

function lockNotHeld(req: { op: 'renew' | 'unlock'; name: string; token: number }, r: KvResponse): string {
  const verb = req.op === 'renew' ? 'not renewed' : 'not unlocked';
  const now = r.value ? `${r.value} holds it now` : 'it expired or was released; lock it again for a new token';
  return `${verb}: token ${req.token} no longer holds ${req.name} — ${now}`;
}

/** failText explains a 'fail' answer: it certainly did not take effect, and why. */
export function failText(req: RequestDesc, r: KvResponse): string {
  const { why, cause } = splitError(r.error);
  switch (cause) {
    case 'cas-mismatch':
      if (req.op === 'cas') {
        const want = req.expected === null ? 'expected it absent' : `expected ${shown(req.expected)}`;
        return `not swapped: ${req.key} is ${shown(r.value)}, ${want} (nothing was written)`;
      }
      break;
    case 'lock-held':
      if (req.op === 'lock') return lockHeld(req, r);
      break;
    case 'lock-not-held':
      if (req.op === 'renew' || req.op === 'unlock') return lockNotHeld(req, r);
      break;
    case 'stale-token':
      if (req.op === 'fenced') {
        const newest = r.token !== undefined ? `token ${r.token}` : 'a newer token';
        return `refused: token ${req.token} is stale — ${req.key} has already accepted ${newest} from a later lock holder, so your lock expired meanwhile (nothing was written)`;
      }
      break;
    case 'store-full':
      return `failed: the store is full (each node's byte limit) — nothing was written; delete keys to make room`;
    case 'leadership-lost':
      return `failed: ${r.node ?? 'the leader'} lost its leadership before it could confirm the read — nothing changed; ask again`;
    default:
      break;
  }
  if (why !== null) return `failed: ${why} (last answer: ${cause}); nothing was applied`;
  return `failed: ${r.error ?? 'refused'}; nothing was applied`;
}

/** unknownCause says in words why no answer came. */
export function unknownCause(cause: string, node: string | null): string {
  const who = node ?? 'the node';
  if (cause === 'connection closed') return `${who} died before answering`;
  if (cause === 'timeout' || cause.startsWith('timeout')) return 'no answer before the deadline';
  if (cause === 'leadership-lost') return `${who} lost its leadership before the write committed`;
  if (cause === 'snapshot-installed') return `${who} replaced its log with a snapshot before answering`;
  if (cause === 'shutdown') return `${who} shut down before answering`;
  if (cause === 'not-applied') return `${who} committed the entry but could not apply it`;
  return cause === '' ? 'no answer' : cause;
}

/** unknownText explains an 'unknown' answer: it may or may not have taken effect. */
export function unknownText(req: RequestDesc, r: KvResponse): string {
  const { why, cause } = splitError(r.error);
  const what = unknownCause(cause, r.node);
  if (req.op === 'get') return `unknown: ${what} — a read changes nothing; ask again`;
  const effect = req.op === 'lock' || req.op === 'renew' || req.op === 'unlock' ? 'the lock change' : 'the write';
  const context = why !== null ? ` (${why})` : '';
  return `unknown: ${what}${context} — ${effect} may or may not have applied; read it back to know`;
}

/** loadText is a load run's summary line, saying what its fail and unknown counts mean. */
export function loadText(op: string, s: LoadSummary): string {
  const head =
    `load ${op} ×${s.count}: ${s.ok} ok, ${s.fail} fail, ${s.unknown} unknown in ${s.seconds.toFixed(2)} s — ` +
    `${Math.round(s.opsPerSec)} ops/s, p50 ${s.p50Ms.toFixed(2)} ms, p99 ${s.p99Ms.toFixed(2)} ms`;
  const notes: string[] = [];
  if (s.fail > 0) notes.push(`${s.fail} failed: certainly not applied`);
  if (s.unknown > 0)
    notes.push(
      `${s.unknown} unknown: no answer in time (a node died or lost leadership) — each may or may not have applied`,
    );
  return notes.length > 0 ? `${head}. ${notes.join('; ')}` : head;
}

/** exportText is an export's answer: where it went, and check.json's verdict. */
export function exportText(dir: string, files: readonly string[], check?: { ok: boolean; summary: string }): string {
  const verdict = check ? ` — consistency: ${check.summary}` : '';
  return `exported to ${dir} (${files.join(', ')})${verdict}`;
}
