/**
 * Conditions over a TargetView (waits, user steps, `holds` checks) and node references
 * (`leader`, `follower`, `g2:leader`, `@label`) resolved against the cluster at the moment a step runs.
 * Pure.
 */
import type { NodeId } from '../core/types';
import type { TargetView } from './target';
import type { Condition, NodeRef } from './types';

/** Labels are the nodes steps remembered with `as`. */
export type Labels = Map<string, NodeId>;

/** RefError says a reference cannot be resolved now (no leader, an unknown label). */
export class RefError extends Error {}

/** resolveNode turns a reference into a node id against the view; throws RefError. */
export function resolveNode(ref: NodeRef, v: TargetView, labels: Labels): NodeId {
  if (ref === 'leader') {
    if (!v.leader) throw new RefError('there is no leader now');
    return v.leader;
  }
  if (ref === 'follower') {
    // Not one a step already remembered: successive `follower`s name different nodes.
    const taken = new Set(labels.values());
    const free = v.nodes.filter((n) => n.status === 'up' && n.id !== v.leader && !taken.has(n.id));
    const f = free.find((n) => n.role === 'follower') ?? free[0];
    if (!f) throw new RefError('no running node other than the leader (and those already named)');
    return f.id;
  }
  if (ref.endsWith(':leader')) {
    const g = ref.slice(0, -':leader'.length);
    const group = v.shards?.groups.find((x) => x.id === g);
    if (!group) throw new RefError(`${g} is not a replica group of this cluster`);
    if (!group.leader) throw new RefError(`${g} has no leader now`);
    return group.leader;
  }
  if (ref.startsWith('@')) {
    const id = labels.get(ref.slice(1));
    if (!id) throw new RefError(`${ref} names no node`);
    return id;
  }
  if (!v.nodes.some((n) => n.id === ref)) throw new RefError(`unknown node ${ref}`);
  return ref;
}

/** isolated tells whether a node can neither send to nor hear from any other node. */
export function isolated(v: TargetView, id: NodeId): boolean {
  const cuts = new Set(v.cuts);
  return v.nodes.every((n) => n.id === id || (cuts.has(`${id}>${n.id}`) && cuts.has(`${n.id}>${id}`)));
}

/** holds evaluates a condition; a reference that cannot be resolved makes it false. */
export function holds(c: Condition, v: TargetView, labels: Labels): boolean {
  try {
    return evaluate(c, v, labels);
  } catch (e) {
    if (e instanceof RefError) return false;
    throw e;
  }
}

function evaluate(c: Condition, v: TargetView, labels: Labels): boolean {
  switch (c.is) {
    case 'leader':
      return c.node === undefined ? v.leader !== null : v.leader === resolveNode(c.node, v, labels);
    case 'no-leader':
      return v.leader === null;
    case 'commit': {
      if (c.node !== undefined) {
        const id = resolveNode(c.node, v, labels);
        return (v.nodes.find((n) => n.id === id)?.commitIndex ?? -1) >= c.atLeast;
      }
      const up = v.nodes.filter((n) => n.status === 'up');
      return up.length > 0 && up.every((n) => n.commitIndex >= c.atLeast);
    }
    case 'status': {
      const id = resolveNode(c.node, v, labels);
      return v.nodes.find((n) => n.id === id)?.status === c.status;
    }
    case 'isolated':
      return isolated(v, resolveNode(c.node, v, labels));
    case 'partitioned':
      return v.cuts.length > 0;
    case 'healed':
      return v.cuts.length === 0;
    case 'converged': {
      const first = v.nodes[0];
      return first !== undefined && v.nodes.every((n) => n.status === 'up' && n.commitIndex === first.commitIndex);
    }
    case 'term':
      return v.nodes.some((n) => n.term >= c.atLeast);
    case 'role': {
      const id = resolveNode(c.node, v, labels);
      return v.nodes.find((n) => n.id === id)?.role === c.role;
    }
    case 'voter':
      return v.voters.includes(resolveNode(c.node, v, labels));
    case 'shard':
      return shardAt(v, c.shard, c.group);
    case 'settled':
      return settled(v);
  }
}

/** shardAt: the configuration gives `shard` to `group`, which has taken it, and no move of it is in flight. */
function shardAt(v: TargetView, shard: number, group: string): boolean {
  const sv = v.shards;
  const s = sv?.shards[shard];
  const g = sv?.groups.find((x) => x.id === group);
  return !!sv && !!s && !!g && s.group === group && !s.moving && g.config !== null && g.config >= sv.config;
}

/** settled: every joined group has taken the newest configuration and no shard is moving. */
function settled(v: TargetView): boolean {
  const sv = v.shards;
  if (!sv || sv.config === 0) return false;
  return sv.groups.every((g) => !g.joined || g.config === sv.config) && sv.shards.every((s) => !s.moving);
}

/** describeCondition says a condition in words (narration, check names). */
export function describeCondition(c: Condition): string {
  switch (c.is) {
    case 'leader':
      return c.node === undefined ? 'a leader exists' : `${c.node} is leader`;
    case 'no-leader':
      return 'no leader';
    case 'commit':
      return `commit index >= ${c.atLeast} on ${c.node ?? 'every running node'}`;
    case 'status':
      return `${c.node} is ${c.status}`;
    case 'isolated':
      return `${c.node} is cut off from every other node`;
    case 'partitioned':
      return 'the network is partitioned';
    case 'healed':
      return 'the network is whole';
    case 'converged':
      return 'every node runs, all at the same commit index';
    case 'term':
      return `term >= ${c.atLeast}`;
    case 'role':
      return `${c.node} is ${c.role}`;
    case 'voter':
      return `${c.node} is a voter`;
    case 'shard':
      return `shard ${c.shard} is served by ${c.group}`;
    case 'settled':
      return 'every group at the newest shard configuration, no shard moving';
  }
}

/** readsCommits tells whether a condition compares commit indices (a wait on it needs a current view: WaitOptions.commits). */
export function readsCommits(c: Condition): boolean {
  return c.is === 'converged';
}
