/**
 * Small readers for the sharded lab: which node of a group leads, and what a group does
 * with its shards when it takes a configuration (for the run log). A group's shard status
 * is read by core/shard/status.ts.
 */
import type { ShardConfig } from '../core/shard/config';
import type { NodeId, NodeStatus } from '../core/types';
import type { Supervisor } from './supervisor';

/** believedLeaderOf is the leader with the highest term among `nodes` that run and claim to lead. */
export function believedLeaderOf(sup: Supervisor, nodes: readonly NodeId[]): NodeId | null {
  let best: NodeStatus | null = null;
  for (const id of nodes) {
    const h = sup.nodes.get(id);
    const s = h?.status;
    if (!h || h.state !== 'up' || !s || s.role !== 'leader') continue;
    if (!best || s.term > best.term) best = s;
  }
  return best?.id ?? null;
}

/**
 * handover says what `group` does with its shards when it takes `next` after `prev` (null:
 * unknown here): the shards it freezes and who gains them, the shards it pulls and from
 * whom, and those it starts empty (nobody held them).
 */
export function handover(
  prev: ShardConfig | null,
  next: ShardConfig,
  group: string,
): { freezes?: [number, string][]; pulls?: [number, string][]; fresh?: number[] } {
  if (!prev && next.num > 1) return {};
  const freezes: [number, string][] = [];
  const pulls: [number, string][] = [];
  const fresh: number[] = [];
  next.shards.forEach((now, s) => {
    const was = prev?.shards[s] ?? '';
    if (was === group && now !== group) freezes.push([s, now]);
    else if (was !== group && now === group) {
      if (was === '') fresh.push(s);
      else pulls.push([s, was]);
    }
  });
  return { freezes, pulls, fresh };
}
