/**
 * Who leads the cluster, decided once from a cluster view's nodes and partition groups.
 * The lab puts the answer in every ClusterView (GET /api/cluster, 'cluster' events) and
 * the renderer's replay model uses the same function for a saved run, so the header, the
 * graph and the locks panel never disagree about it.
 */
import type { ClusterNode, ClusterView } from './contract';
import type { NodeId } from '../core/types';
import { votersOf } from './quorum';

/**
 * clusterLeader names the node that leads the cluster now, or null when none can.
 *
 * Each node reports whether it believes it leads, and during a partition two nodes may
 * both believe so, in different terms: an old leader cut off in a minority has not heard
 * of the newer term yet. So the cluster's leader is the node that
 *  1. claims leadership in the highest term any running (up or paused) node claims it
 *     in — an older claimant was superseded by the election that made the newer one,
 *     whether it knows yet or not;
 *  2. is up — a paused leader answers nobody, and the older claimants it superseded are
 *     no fallback;
 *  3. shares its partition group with a majority of all the cluster's voters that are up,
 *     itself included — without a quorum it can neither commit a write nor confirm a read.
 * Two claimants in the same highest term cannot both be legitimate: that gives null too.
 * What followers believe (ClusterNode.leader) is not counted: each node reports on its
 * own schedule, so a follower's belief lags its leader's claim, and a replayed run's log
 * does not carry every belief.
 */
export function clusterLeader(view: Pick<ClusterView, 'nodes' | 'groups' | 'config'>): NodeId | null {
  let top: ClusterNode | null = null;
  let tied = false;
  for (const n of view.nodes) {
    if (n.role !== 'leader' || n.status === 'down') continue;
    if (!top || n.term > top.term) {
      top = n;
      tied = false;
    } else if (n.term === top.term) {
      tied = true;
    }
  }
  if (!top || tied || top.status !== 'up') return null;
  // A node no group names has no partition recorded against it: it reaches everyone.
  const group = view.groups.find((g) => g.includes(top.id)) ?? view.nodes.map((n) => n.id);
  // Only voters count toward the majority: a learner replicates but has no vote (votersOf).
  const voters = votersOf(view);
  const upInGroup = view.nodes.filter((n) => n.status === 'up' && group.includes(n.id) && voters.includes(n.id)).length;
  return upInGroup > voters.length / 2 ? top.id : null;
}

/** leaderNode returns the row of the node a view names as its leader (null when none, or no view). */
export function leaderNode(view: Pick<ClusterView, 'nodes' | 'leader'> | null | undefined): ClusterNode | null {
  const id = view?.leader;
  return id ? (view.nodes.find((n) => n.id === id) ?? null) : null;
}
