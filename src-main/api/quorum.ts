/**
 * What a cluster view says about quorums, in the words a learner reads: how many nodes
 * each partition zone holds and how many of them are up, whether the zone can commit
 * (a majority of ALL the cluster's nodes, up and reachable together), the header's chip,
 * the partition's one-line description, and the text that explains a request that failed
 * because no zone can reach a quorum. Pure: the lab (error texts) and the renderer (zone
 * labels, chip) both use it, so they never disagree.
 *
 * "Up" means running and not paused, as in clusterLeader (./leader.ts): a paused node
 * answers nobody, so it helps no quorum.
 */
import type { ClusterView } from './contract';
import type { NodeId } from '../core/types';

/** ZoneQuorum is one partition zone: its members, how many are up, and whether they reach a majority of the cluster. */
export interface ZoneQuorum {
  members: NodeId[];
  /** up: members running and not paused. */
  up: number;
  /** total: every node of the cluster (a majority is counted against all of them, down ones included). */
  total: number;
  /** needed: the majority of total. */
  needed: number;
  hasQuorum: boolean;
}

/** QuorumView is the part of a ClusterView quorums are computed from. */
export type QuorumView = Pick<ClusterView, 'nodes' | 'groups' | 'config'>;

/**
 * votersOf lists the nodes whose votes count: the voters of the configuration in force
 * (learners replicate but never count), or every node when the view carries no
 * configuration (a saved run from before membership changes).
 */
export function votersOf(view: Pick<ClusterView, 'nodes' | 'config'>): NodeId[] {
  const ids = view.nodes.map((n) => n.id);
  const voters = view.config?.voters;
  return voters ? voters.filter((id) => ids.includes(id)) : ids;
}

/** majorityOf is the smallest number of nodes that is more than half of `total`. */
export function majorityOf(total: number): number {
  return Math.floor(total / 2) + 1;
}

/** zonesOf returns the view's groups with every node in exactly one (nodes no group names form one more zone, as the router treats them). */
export function zonesOf(view: QuorumView): NodeId[][] {
  const ids = view.nodes.map((n) => n.id);
  const seen = new Set<NodeId>();
  const zones = view.groups
    .map((g) => g.filter((id) => ids.includes(id) && !seen.has(id) && (seen.add(id), true)))
    .filter((g) => g.length > 0);
  const stray = ids.filter((id) => !seen.has(id));
  if (stray.length > 0) zones.push(stray);
  return zones;
}

/** zoneQuorums describes every zone of the view (in zonesOf order). */
export function zoneQuorums(view: QuorumView): ZoneQuorum[] {
  const voters = new Set(votersOf(view));
  const total = voters.size;
  const needed = majorityOf(total);
  const upIds = new Set(view.nodes.filter((n) => n.status === 'up' && voters.has(n.id)).map((n) => n.id));
  return zonesOf(view).map((members) => {
    const up = members.filter((id) => upIds.has(id)).length;
    return { members, up, total, needed, hasQuorum: up >= needed };
  });
}

/** zoneLabel is a zone's label on the graph: "3/5 · has quorum" or "2/5 · no quorum". */
export function zoneLabel(z: ZoneQuorum): string {
  return `${z.up}/${z.total} · ${z.hasQuorum ? 'has quorum' : 'no quorum'}`;
}

/** ClusterQuorum is the header's chip: the best zone's up nodes out of all, and whether any zone has a majority. */
export interface ClusterQuorum {
  best: number;
  total: number;
  needed: number;
  ok: boolean;
}

/** clusterQuorum summarizes the view for the header chip. */
export function clusterQuorum(view: QuorumView): ClusterQuorum {
  const zones = zoneQuorums(view);
  const total = votersOf(view).length;
  const best = zones.reduce((m, z) => Math.max(m, z.up), 0);
  const needed = majorityOf(total);
  return { best, total, needed, ok: total > 0 && best >= needed };
}

/** chipText is the header chip: "quorum 3/5 ✓" or "quorum 2/5 ✗". */
export function chipText(q: ClusterQuorum): string {
  return `quorum ${q.best}/${q.total} ${q.ok ? '✓' : '✗'}`;
}

/** braces writes a group as {n1,n2}. */
function braces(g: readonly NodeId[]): string {
  return `{${g.join(',')}}`;
}

/** partitionText describes a partition as the wall's label: "partition: {n1,n2} | {n3,n4,n5}" (null when healed). */
export function partitionText(view: QuorumView): string | null {
  const zones = zonesOf(view);
  return zones.length > 1 ? `partition: ${zones.map(braces).join(' | ')}` : null;
}

/** downText lists the nodes that are not up: "n3, n4 down; n5 paused" ('' when all are up). */
function downText(view: QuorumView): string {
  const of = (s: 'down' | 'paused'): NodeId[] => view.nodes.filter((n) => n.status === s).map((n) => n.id);
  const parts: string[] = [];
  const down = of('down');
  const paused = of('paused');
  if (down.length > 0) parts.push(`${down.join(', ')} down`);
  if (paused.length > 0) parts.push(`${paused.join(', ')} paused`);
  return parts.join('; ');
}

/**
 * quorumProblem explains why no request can be served now, or null when some zone has a
 * quorum and a leader (then a failure has another cause). Examples:
 * "no quorum: 2 of 5 nodes reachable, 3 needed (n3, n4, n5 down)";
 * "no quorum: at most 2 of 5 nodes reach each other, 3 needed (partition: {n1,n2} | {n3} | {n4,n5})";
 * "no leader yet: n1, n2, n3 (3 of 5, 3 needed) are electing one".
 */
export function quorumProblem(view: QuorumView & Pick<ClusterView, 'leader'>): string | null {
  const q = clusterQuorum(view);
  const zones = zoneQuorums(view);
  const why = [zones.length > 1 ? partitionText(view) : null, downText(view) || null].filter((s) => s !== null);
  const detail = why.length > 0 ? ` (${why.join('; ')})` : '';
  if (!q.ok) {
    const reach =
      zones.length > 1
        ? `at most ${q.best} of ${q.total} nodes reach each other`
        : `${q.best} of ${q.total} nodes reachable`;
    return `no quorum: ${reach}, ${q.needed} needed${detail}`;
  }
  if (view.leader !== null) return null;
  const zone = zones.find((z) => z.hasQuorum)!;
  const upIds = new Set(view.nodes.filter((n) => n.status === 'up').map((n) => n.id));
  const voters = zone.members.filter((id) => upIds.has(id));
  return `no leader yet: ${voters.join(', ')} (${zone.up} of ${zone.total}, ${zone.needed} needed) are electing one`;
}

/** VoteTally is a candidate's election as the view shows it: votes granted to it in its term, and how many it needs. */
export interface VoteTally {
  candidate: NodeId;
  term: number;
  granted: NodeId[];
  needed: number;
}

/**
 * voteTally counts the votes a candidate holds: the nodes whose last report says they
 * voted for it in its term (itself included). Reports arrive on each node's own schedule,
 * so this may run a little ahead of what the candidate has heard back. Null for a node
 * that is not a candidate. A Multi-Paxos node casts no vote: its promise is its promised
 * ballot, and a ballot belongs to one proposer only, so the nodes that promised the
 * candidate's ballot are those whose ballot is the candidate's.
 */
export function voteTally(
  view: Pick<ClusterView, 'nodes' | 'config'> & { protocol?: ClusterView['protocol'] },
  id: NodeId,
): VoteTally | null {
  const c = view.nodes.find((n) => n.id === id);
  if (!c || c.status !== 'up' || c.role !== 'candidate') return null;
  const voters = votersOf(view);
  const paxos = view.protocol === 'paxos';
  const granted = view.nodes
    .filter((n) => voters.includes(n.id) && n.status !== 'down' && n.term === c.term && (paxos || n.vote === id))
    .map((n) => n.id);
  return { candidate: id, term: c.term, granted, needed: majorityOf(voters.length) };
}
