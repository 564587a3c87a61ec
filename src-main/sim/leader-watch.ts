/**
 * Two availability invariants that CheckQuorum and PreVote exist for, checked on a running
 * simulated Cluster (its statuses and its network's links), each recorded through the
 * Cluster's InvariantChecker like any safety violation:
 *
 * - 'stale-leader' (CheckQuorum): a node that has been cut off from a majority for longer
 *   than `boundMs` must no longer claim to lead; clients talking to it would wait for ever.
 * - 'disruption' (PreVote, and CheckQuorum's lease on votes): a leader that stays up and
 *   connected to a majority must not be deposed — by a node rejoining with a term it
 *   inflated while it was cut off, say.
 *
 * The watch samples every node once per tick; it reads only NodeStatus and the links, so
 * it holds Raft and Multi-Paxos to the same rule.
 */
import type { NodeId } from '../core/types';
import type { Cluster } from './cluster';

/** LeaderWatchOptions: what to watch, and the stale-leader bound (default: three election timeouts). */
export interface LeaderWatchOptions {
  staleLeader?: boolean;
  disruption?: boolean;
  boundMs?: number;
}

/** reachesMajority tells whether `id` is up and linked both ways to enough up nodes to form a majority with itself. */
export function reachesMajority(c: Cluster, id: NodeId): boolean {
  if (c.node(id).state !== 'up') return false;
  let n = 1;
  for (const other of c.ids) {
    if (other === id || c.node(other).state !== 'up') continue;
    if (c.net.linkUp(id, other) && c.net.linkUp(other, id)) n++;
  }
  return n >= Math.floor(c.ids.length / 2) + 1;
}

/** watchLeaders starts the watch on `c` (it runs for the rest of the cluster's life). */
export function watchLeaders(c: Cluster, o: LeaderWatchOptions = {}): void {
  const bound = o.boundMs ?? 3 * c.electionMs;
  /** cutOffSince: when each node last stopped reaching a majority (absent: it reaches one). */
  const cutOffSince = new Map<NodeId, number>();
  /** healthy: the leader that was up and connected to a majority at the last sample, with its term. */
  let healthy: { id: NodeId; term: number } | null = null;
  const reported = new Set<string>();
  const report = (invariant: string, node: NodeId, why: string): void => {
    const key = `${invariant}:${node}:${why}`;
    if (reported.has(key)) return;
    reported.add(key);
    c.checker.report(invariant, node, why);
  };
  const sample = (): void => {
    for (const id of c.ids) {
      if (reachesMajority(c, id)) cutOffSince.delete(id);
      else if (!cutOffSince.has(id)) cutOffSince.set(id, c.now);
      const s = c.node(id).state === 'up' ? c.status(id) : null;
      const since = cutOffSince.get(id);
      if (o.staleLeader !== false && s?.role === 'leader' && since !== undefined && c.now - since > bound) {
        report(
          'stale-leader',
          id,
          `${id} still claims to lead term ${s.term}, cut off from a majority since ${since} ms`,
        );
      }
    }
    if (o.disruption !== false) healthy = checkDisruption(c, healthy, report);
    c.after(c.tickMs, sample);
  };
  c.after(0, sample);
}

/** checkDisruption reports a healthy leader that lost its leadership; returns the healthy leader now. */
function checkDisruption(
  c: Cluster,
  prev: { id: NodeId; term: number } | null,
  report: (invariant: string, node: NodeId, why: string) => void,
): { id: NodeId; term: number } | null {
  if (prev && reachesMajority(c, prev.id)) {
    const s = c.status(prev.id);
    if (s && (s.role !== 'leader' || s.term !== prev.term)) {
      report('disruption', prev.id, `${prev.id} led term ${prev.term} with a majority around it and was deposed`);
    }
  }
  const lead = c.stableLeader();
  if (lead === null || !reachesMajority(c, lead)) return null;
  return { id: lead, term: c.status(lead)!.term };
}
