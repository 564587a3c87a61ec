/**
 * GET /api/cluster for a sharded cluster. A sharded cluster is several consensus groups
 * (the shard controller's and each replica group), each electing its own leader in its
 * own terms among its own members, so one leader and one membership counted over every
 * node say nothing true: the leader the whole view would name is whichever group's leader
 * claims the highest term, and the membership whichever group that leader belongs to.
 * withShardGroups makes the view say it per group (`shardGroups`) and pins the view's
 * `leader` and `config` to the controller's group, as the API documents. An unsharded
 * cluster's view is left as it is.
 */
import type { ClusterConfig, ClusterGroup, ClusterView } from '../api/contract';
import { clusterLeader } from '../api/leader';
import { shardGroupOf } from '../api/shards';
import type { NodeId, NodeStatus } from '../core/types';
import { believedLeaderOf } from './shard-read';
import type { Supervisor } from './supervisor';

/** withShardGroups adds `shardGroups` to a sharded cluster's view and makes `leader` and `config` the controller group's. */
export function withShardGroups(sup: Supervisor, view: ClusterView): ClusterView {
  const of = shardGroupOf(view.settings);
  if (of.size === 0) return view;
  const order: string[] = [];
  for (const g of of.values()) if (!order.includes(g)) order.push(g);
  const groups = order.flatMap((id): ClusterGroup[] => {
    const nodes = view.nodes.filter((n) => of.get(n.id) === id);
    // A spare group not started (or not yet in the supervisor) has nothing to say.
    if (nodes.length === 0) return [];
    const ids = nodes.map((n) => n.id);
    const config = groupConfig(view, sup, ids);
    // The partition seen from inside the group: the same zones, holding only its members.
    const zones = view.groups.map((z) => z.filter((x) => ids.includes(x))).filter((z) => z.length > 0);
    const leader = clusterLeader({ nodes, groups: zones, config });
    const term = leader === null ? null : (nodes.find((n) => n.id === leader)?.term ?? null);
    return [{ id, nodes: ids, leader, term, config }];
  });
  const ctl = groups.find((g) => g.id === 'controller');
  return {
    ...view,
    leader: ctl?.leader ?? null,
    ...(ctl ? { config: ctl.config } : {}),
    shardGroups: groups,
  };
}

/** groupConfig is a group's membership as its leader's status says it (else its most advanced running node's); its nodes before any status. */
function groupConfig(view: ClusterView, sup: Supervisor, ids: readonly NodeId[]): ClusterConfig {
  const lead = believedLeaderOf(sup, ids);
  let ref: NodeStatus | null = lead ? (sup.nodes.get(lead)?.status ?? null) : null;
  if (!ref)
    for (const id of ids) {
      const h = sup.nodes.get(id);
      const s = h?.status;
      if (!h || h.state === 'down' || !s) continue;
      if (!ref || s.term > ref.term || (s.term === ref.term && s.lastIndex > ref.lastIndex)) ref = s;
    }
  return {
    voters: ref ? [...ref.conf.voters] : [...ids],
    learners: ref ? [...ref.conf.learners] : [],
    // A sharded cluster changes no group's membership (it grows by groups): nothing is in flight.
    pending: null,
    method: view.protocol === 'raft' ? 'single-server' : 'log-window',
  };
}
