/**
 * Small readers for the sharded lab: which node of a group leads, a group's shard status
 * as its state machine answered it (validated: it crossed a socket), and what a group
 * does with its shards when it takes a configuration (for the run log).
 */
import type { GroupShardStatus } from '../core/shard/group';
import type { ShardConfig } from '../core/shard/config';
import { groupId } from '../core/shard/config';
import { MAX_PAGES } from '../core/shard/pages';
import { array, checked, int, oneOf, optional, parseJsonBounded, record } from '../core/validate';
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

/** groupStatus reads STATUS_KEY's answer; null if it is not a group status. */
export function groupStatus(text: string | null): GroupShardStatus | null {
  if (text === null) return null;
  const p = parseJsonBounded(text, { maxDepth: 6 });
  if (!p.ok) return null;
  const c = checked((): GroupShardStatus => {
    const o = record(p.value, 'status');
    return {
      group: groupId(o.group, 'group'),
      config: int(o.config, 'config'),
      shards: array(o.shards, 'shards', { max: 1000 }, (x, path) => {
        const s = record(x, path);
        const from = optional(s.from, (v) => groupId(v, `${path}.from`));
        return {
          shard: int(s.shard, `${path}.shard`, 0, 999),
          status: oneOf(s.status, `${path}.status`, ['serving', 'pulling', 'frozen'] as const),
          config: int(s.config, `${path}.config`),
          ...(from ? { from } : {}),
          keys: int(s.keys, `${path}.keys`),
          ...(s.parts !== undefined ? { parts: int(s.parts, `${path}.parts`, 0, MAX_PAGES) } : {}),
          ...(s.pages !== undefined ? { pages: int(s.pages, `${path}.pages`, 1, MAX_PAGES) } : {}),
        };
      }),
    };
  });
  return c.ok ? c.value : null;
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
