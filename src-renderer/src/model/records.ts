/**
 * Reading run-log records. The recorder (src-main/lab) writes one JSON object per event;
 * these helpers classify them for the timeline's filters, the charts and the replay, and
 * read their fields defensively, because a saved run is a file from disk.
 */
import type { MessageKind } from '../../../src-main/core/types';
import type { RunLogRecord } from '../../../src-main/api/contract';
// The defensive field readers are the report's, which reads the same records from saved runs.
import { num, str } from '../../../src-main/report/fields';

export { num, str };

/** Category groups record kinds for the timeline's filter. */
export type Category = 'message' | 'state' | 'commit' | 'lifecycle' | 'fault' | 'client' | 'other';

/** CATEGORIES lists the filter's categories in display order. */
export const CATEGORIES: readonly Category[] = ['state', 'commit', 'lifecycle', 'fault', 'client', 'message', 'other'];

const MESSAGE_KINDS = new Set(['send', 'deliver', 'drop', 'duplicate']);
const STATE_KINDS = new Set(['role', 'term', 'leader', 'snapshot', 'vote-answer']);
const LIFECYCLE_KINDS = new Set([
  'crash',
  'restart',
  'pause',
  'resume',
  'node-ready',
  'node-exit',
  'node-died',
  'storage-damaged',
  'cluster-created',
  'cluster-stopped',
  'router-connect',
  'router-disconnect',
  'peer-closed',
  'peer-closed-dropped',
]);
const FAULT_KINDS = new Set(['partition', 'heal', 'link-rule', 'time-scale', 'balance', 'damage', 'unsafe']);
const CLIENT_KINDS = new Set(['client-invoke', 'client-complete', 'load-start', 'load-done']);

/** categoryOf puts a record kind in its filter category. */
export function categoryOf(kind: string): Category {
  if (MESSAGE_KINDS.has(kind)) return 'message';
  if (kind === 'commit') return 'commit';
  if (STATE_KINDS.has(kind)) return 'state';
  if (LIFECYCLE_KINDS.has(kind)) return 'lifecycle';
  if (FAULT_KINDS.has(kind)) return 'fault';
  if (CLIENT_KINDS.has(kind) || kind.startsWith('client')) return 'client';
  return 'other';
}

/** nodesOf returns the node ids a record is about (for the node filter). */
export function nodesOf(r: RunLogRecord): string[] {
  const out: string[] = [];
  for (const f of ['node', 'from', 'to', 'leader']) {
    const v = str(r, f);
    if (v !== null && /^n\d+$/.test(v) && !out.includes(v)) out.push(v);
  }
  return out;
}

/** isMessageRecord: a send/deliver/drop/duplicate record with both ends named. */
export function isMessageRecord(r: RunLogRecord): boolean {
  return MESSAGE_KINDS.has(r.kind) && str(r, 'from') !== null && str(r, 'to') !== null;
}

const MSG_KINDS: readonly MessageKind[] = ['vote', 'append', 'heartbeat', 'snapshot', 'client', 'other'];

/** msgKindOf reads a message record's kind for the animation colour. */
export function msgKindOf(r: RunLogRecord): MessageKind {
  const k = str(r, 'msgKind');
  return (MSG_KINDS as readonly string[]).includes(k ?? '') ? (k as MessageKind) : 'other';
}

/** formatT renders a run time in ns as seconds with milliseconds (12.345 s). */
export function formatT(tNs: number): string {
  return `${(tNs / 1e9).toFixed(3)} s`;
}
