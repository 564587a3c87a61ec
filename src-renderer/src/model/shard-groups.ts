/**
 * What the header and the graph say per group of a sharded cluster. Each group (the shard
 * controller's and every replica group) is a Raft or Paxos group of its own: it elects its
 * own leader in its own terms and needs a majority of its own members, so one leader and
 * one quorum counted over every node of the cluster say nothing true. This file applies
 * the lab's own rules (clusterLeader, clusterQuorum) to each group's nodes alone. Pure.
 */
import type { ClusterView } from '../../../src-main/api/contract';
import { clusterLeader } from '../../../src-main/api/leader';
import { clusterQuorum, type ClusterQuorum } from '../../../src-main/api/quorum';
import { shardGroupOf } from '../../../src-main/api/shards';
import type { NodeId } from '../../../src-main/core/types';
import { RAFT_WORDS, termOf, type Words } from './protocol-words';

/** GroupHealth is one group of a sharded cluster: its nodes, its leader and its quorum. */
export interface GroupHealth {
  /** id: 'controller', 'g1', 'g2', … (as shardGroupOf names them). */
  id: string;
  /** label: the short name the header uses ('ctl' for the controller). */
  label: string;
  nodes: NodeId[];
  leader: NodeId | null;
  /** term: the leader's term (null without a leader). */
  term: number | null;
  quorum: ClusterQuorum;
}

/** groupLabel is a group's short name: 'ctl' for the controller, else its id. */
export function groupLabel(id: string): string {
  return id === 'controller' ? 'ctl' : id;
}

/** groupHealth lists the groups of a sharded cluster in order (controller first); null when the cluster is not sharded. */
export function groupHealth(view: Pick<ClusterView, 'nodes' | 'groups' | 'settings'>): GroupHealth[] | null {
  const of = shardGroupOf(view.settings);
  if (of.size === 0) return null;
  const order: string[] = [];
  for (const g of of.values()) if (!order.includes(g)) order.push(g);
  return order.flatMap((id) => {
    const nodes = view.nodes.filter((n) => of.get(n.id) === id);
    // A spare group's processes may not be in the view (or a group lost every node): nothing to say about it.
    if (nodes.length === 0) return [];
    const ids = nodes.map((n) => n.id);
    // The partition seen from inside the group: the same zones, holding only its members.
    // No configuration: a group's voters are its members (the view's config is one group's).
    const sub = { nodes, groups: view.groups.map((z) => z.filter((x) => ids.includes(x))).filter((z) => z.length > 0) };
    const leader = clusterLeader(sub);
    const term = leader === null ? null : (nodes.find((n) => n.id === leader)?.term ?? null);
    return [{ id, label: groupLabel(id), nodes: ids, leader, term, quorum: clusterQuorum(sub) }];
  });
}

/** leadersText is the header's leader chip for a sharded cluster: "leaders ctl n2 · g1 n5 · g2 none · g3 n11". */
export function leadersText(gs: readonly GroupHealth[]): string {
  return `leaders ${gs.map((g) => `${g.label} ${g.leader ?? 'none'}`).join(' · ')}`;
}

/** quorumsText is the header's quorum chip for a sharded cluster: "quorum ctl 3/3 ✓ · g1 1/3 ✗ · …". */
export function quorumsText(gs: readonly GroupHealth[]): string {
  return `quorum ${gs.map((g) => `${g.label} ${g.quorum.best}/${g.quorum.total} ${g.quorum.ok ? '✓' : '✗'}`).join(' · ')}`;
}

/** groupsTitle is the chips' hover text: one line per group with its leader's term (a Paxos cluster's: ballot) and its quorum in words. */
export function groupsTitle(gs: readonly GroupHealth[], w: Words = RAFT_WORDS): string {
  return gs
    .map((g) => {
      const name = g.id === 'controller' ? 'controller' : `group ${g.id}`;
      const lead = g.leader
        ? `leader ${g.leader} (${g.term === null ? `${w.term} ?` : termOf(w, g.term)})`
        : 'no leader';
      const q = g.quorum;
      const quorum = q.ok
        ? `${q.best} of ${q.total} up together (majority ${q.needed})`
        : `no majority: at most ${q.best} of ${q.total} up together, ${q.needed} needed`;
      return `${name} (${g.nodes.join(' ')}): ${lead}; ${quorum}`;
    })
    .join('\n');
}

/** groupLeaderIds is the set of nodes leading their own group in a sharded cluster (null: not sharded). */
export function groupLeaderIds(view: Pick<ClusterView, 'nodes' | 'groups' | 'settings'>): Set<NodeId> | null {
  const gs = groupHealth(view);
  return gs ? new Set(gs.flatMap((g) => (g.leader ? [g.leader] : []))) : null;
}

/** groupOfNode names the group a node of a sharded cluster belongs to ('controller', 'g2', …), or null. */
export function groupOfNode(view: Pick<ClusterView, 'settings'>, id: NodeId): string | null {
  return shardGroupOf(view.settings).get(id) ?? null;
}

/** groupsFootText is the foot line of a sharded cluster's graph: "4 groups, each electing its own leader". */
export function groupsFootText(gs: readonly GroupHealth[], protocol: string): string {
  return `${gs.length} groups, each its own ${protocol === 'paxos' ? 'Multi-Paxos' : 'Raft'} group with its own leader:`;
}
