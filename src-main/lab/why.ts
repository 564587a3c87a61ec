/**
 * The live side of Explain: gather what the explainer (api/explain) reads from a running
 * cluster — each node's state and log around the asked index, asked now over IPC (a node
 * that is down, paused or slow to answer is described by its last report instead), the
 * run log's records of the kinds Explain reads, and a lookup of message records.
 */
import type { ClusterView, RunLogRecord } from '../api/contract';
import { explain, matchesQuery, WHY_KINDS } from '../api/explain';
import type { NodeFacts, WhyInput, WhyResult } from '../api/explain/types';
import type { NodeId } from '../core/types';
import type { Cluster } from './cluster';
import type { NodeHandle } from './supervisor';

/** WHY_ASK_MS bounds how long a node may take to answer an Explain question's inspect. */
export const WHY_ASK_MS = 1500;
/** WHY_LOG_LIMIT bounds the run-log records one answer reads: the newest of the rare kinds (roles, votes, faults). */
export const WHY_LOG_LIMIT = 20_000;
/** COMMIT_LIMIT bounds the commit records read for the entry question: the first ones that cover the entry. */
const COMMIT_LIMIT = 64;
/** LEADER_WINDOW: entries read from a leader from the asked index on (to find its first entry of its own term). */
const LEADER_WINDOW = 16;

/** factsOf asks one node for its state (and entries from `entry` on), falling back on its last report. */
async function factsOf(c: Cluster, h: NodeHandle, ask: boolean, entry: number | undefined): Promise<NodeFacts> {
  const stale: NodeFacts = { id: h.id, run: h.state, status: h.status, fresh: false, entries: null };
  if (!ask || h.state !== 'up') return stale;
  const n = entry === undefined ? 0 : h.status?.role === 'leader' ? LEADER_WINDOW : 1;
  try {
    const ins = await c.supervisor.inspect(h.id, n, WHY_ASK_MS, entry);
    return {
      id: h.id,
      run: h.state,
      status: ins.status,
      fresh: true,
      entries: entry === undefined ? null : ins.entries,
    };
  } catch {
    return stale;
  }
}

/** whyAnswer answers one question about node `id` (the entry question when `entry` is given). */
export async function whyAnswer(c: Cluster, view: ClusterView, id: NodeId, entry?: number): Promise<WhyResult> {
  const handles = [...c.supervisor.nodes.values()];
  // The role question needs only the node itself; the entry question every node's log.
  const facts = await Promise.all(handles.map((h) => factsOf(c, h, entry !== undefined || h.id === id, entry)));
  // Commit records are the common kind (one per status report under load): the entry
  // question reads the first ones that cover its entry, so a busy run cannot push out the
  // rare records the role question needs, nor the commit that settled an old entry.
  const rare = c.recorder.select((r) => r.kind !== 'commit' && WHY_KINDS.has(r.kind), WHY_LOG_LIMIT);
  const covers = (r: RunLogRecord): boolean =>
    r.kind === 'commit' && typeof r.commitIndex === 'number' && r.commitIndex >= (entry ?? Infinity);
  const commits = entry === undefined ? [] : c.recorder.select(covers, COMMIT_LIMIT, true);
  const input: WhyInput = {
    view,
    facts,
    log: [...rare, ...commits].sort((a, b) => a.seq - b.seq),
    findMessage: (q) => c.recorder.findMessage((r) => matchesQuery(r, q), q.before),
  };
  return explain(input, id, entry);
}
