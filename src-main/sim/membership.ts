/**
 * Membership changes in the simulator, for the fault mix: one change at a time, chosen
 * against the configuration the current leader has — promote a learner if there is one,
 * else add a spare (switching it on, on an empty disk) while the cluster is at its first
 * size (it never shrinks below it), else grow or remove a voter (often the leader itself). The core decides
 * whether it may (one unapplied change at a time; Raft's leader must have committed in
 * its term first), exactly as it does for the lab. After the heal, only the members of
 * the final configuration are held to convergence and the end-state checks.
 */
import type { ConfChange, ConfState, NodeId } from '../core/types';
import type { Cluster } from './cluster';
import type { SimNode } from './sim-node';

/** currentLeader is the up node claiming leadership in the highest term, or null. */
export function currentLeader(c: Cluster): SimNode | null {
  let best: SimNode | null = null;
  for (const n of c.nodes) {
    const s = n.state === 'up' ? n.status() : null;
    if (s?.role !== 'leader') continue;
    if (!best || s.term > best.status()!.term) best = n;
  }
  return best;
}

/** pickChange chooses the next single-server change for configuration `conf` (`pick` in [0, 1)). */
export function pickChange(c: Cluster, conf: ConfState, leader: NodeId, pick: number): ConfChange | null {
  const learner = conf.learners[0];
  if (learner !== undefined) return { type: 'promote', node: learner };
  const outsider = c.ids.find((id) => !conf.voters.includes(id) && !conf.learners.includes(id));
  // The cluster never shrinks below its first size: the disk faults damage at most a
  // minority of that many stores, and a majority of damaged stores is a loss no protocol
  // survives (two voters with one damaged could never elect a leader again).
  if (conf.voters.length <= c.first.length || (outsider !== undefined && pick < 0.25))
    return outsider === undefined ? null : { type: 'addLearner', node: outsider };
  return { type: 'remove', node: pick < 0.6 ? leader : conf.voters[Math.floor(pick * conf.voters.length)]! };
}

/**
 * changeMembership proposes one change to the current leader (nothing when there is none,
 * or the core refuses), switching a spare on first when it is the one added. It logs what
 * it did.
 */
export function changeMembership(c: Cluster, pick: number): void {
  const lead = currentLeader(c);
  if (!lead?.core) {
    c.log.write(c.now, 'member', { result: 'no-leader' });
    return;
  }
  const conf = lead.status()!.conf;
  const cc = pickChange(c, conf, lead.id, pick);
  if (cc === null) return;
  if (cc.type === 'addLearner' && c.node(cc.node).state === 'down') c.restart(cc.node);
  const r = lead.core.proposeConfChange(cc);
  lead.drain();
  c.observe(lead);
  c.log.write(c.now, 'member', {
    leader: lead.id,
    change: cc.type,
    node: cc.node,
    result: r.ok ? `index ${r.index}` : r.reason,
  });
}

/** memberNodes lists the nodes of the stable leader's configuration (every node when there is none to ask). */
export function memberNodes(c: Cluster): SimNode[] {
  const lead = c.stableLeader();
  const conf = lead === null ? null : c.node(lead).status()?.conf;
  if (!conf) return c.nodes.filter((n) => c.first.includes(n.id));
  const ids = new Set([...conf.voters, ...conf.learners]);
  return c.nodes.filter((n) => ids.has(n.id));
}
