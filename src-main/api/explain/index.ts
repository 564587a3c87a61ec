/**
 * Explain: answers to "why" from a node's real state and the run log, for Raft and
 * Multi-Paxos. Pure functions over data (types.ts), so the lab answers live questions
 * (GET /api/nodes/:id/why) and the renderer answers the same questions over a replayed run.
 *
 *  - explainEntry (entry.ts): why is entry N (not) committed on a node;
 *  - explainRole (role.ts): why is a node in its role, when and why it last started an
 *    election or stepped down, why it last refused or granted a vote.
 */
import type { NodeId } from '../../core/types';
import type { RunLogRecord } from '../contract';
import { explainEntry } from './entry';
import { explainRole } from './role';
import type { MessageFinder, MessageQuery, WhyInput, WhyResult } from './types';
import { isMessageRecord, num, str } from './words';

export { explainEntry } from './entry';
export { explainRole } from './role';
export { linkProblem, reachOf, reachProblem } from './reach';
export type * from './types';

/** WHY_KINDS are the non-message run-log kinds Explain reads. */
export const WHY_KINDS: ReadonlySet<string> = new Set([
  'role',
  'role-reason',
  'vote-answer',
  'commit',
  'term',
  'leader',
  'crash',
  'restart',
  'pause',
  'resume',
  'node-died',
  'node-exit',
  'node-ready',
  'partition',
  'heal',
  'link-rule',
]);

/** explain answers the entry question when `entry` is given, else the role question. */
export function explain(input: WhyInput, node: NodeId, entry?: number | null): WhyResult {
  return entry === undefined || entry === null ? explainRole(input, node) : explainEntry(input, node, entry);
}

/** matches tells whether a message record answers a query. */
export function matchesQuery(r: RunLogRecord, q: MessageQuery): boolean {
  if (!isMessageRecord(r) || r.seq >= q.before || str(r, 'to') !== q.to) return false;
  if (q.from !== undefined && str(r, 'from') !== q.from) return false;
  if (q.type !== undefined && str(r, 'type') !== q.type) return false;
  if (q.term !== undefined && num(r, 'term') !== q.term) return false;
  return q.kind === undefined || r.kind === q.kind;
}

/** messageFinder answers message queries from records held in an array in seq order (a replayed run, a test). */
export function messageFinder(records: readonly RunLogRecord[]): MessageFinder {
  return (q) => {
    for (let i = records.length - 1; i >= 0; i--) {
      const r = records[i]!;
      if (matchesQuery(r, q)) return r;
    }
    return null;
  };
}

/** whyRecords keeps the records Explain reads (everything but messages, of the kinds it knows). */
export function whyRecords(records: readonly RunLogRecord[]): RunLogRecord[] {
  return records.filter((r) => WHY_KINDS.has(r.kind));
}
