/**
 * The process layout of a sharded cluster: the shard controller's group first, then each
 * replica group, numbered n1 … nK across all of them so every existing per-node command
 * (crash n5, partition, link rules, the run log) works on any of them. Every node process
 * hears only its own group's peers; all of them share one router.
 */
import type { ShardKeyScheme, ShardSettings } from '../api/shards';
import type { NodeId } from '../core/types';
import type { NodeMachine } from '../node/contract';

/** MAX_SHARDED_NODES bounds the processes of a sharded cluster (controller + every group). */
export const MAX_SHARDED_NODES = 24;

/** ShardLayout is which node ids make up the controller and each group. */
export interface ShardLayout {
  controller: NodeId[];
  /** groups: every group the lab runs; `spare` ones are started but not joined at first. */
  groups: { id: string; nodes: NodeId[]; spare: boolean }[];
  scheme: ShardKeyScheme;
}

/** NodeSlot is one node of the layout: its peers (its own group) and the state machine it runs. */
export interface NodeSlot {
  id: NodeId;
  peers: NodeId[];
  machine: NodeMachine;
}

/** shardLayout numbers the nodes: the controller's `perGroup` first, then g1's, g2's, … */
export function shardLayout(s: ShardSettings, perGroup: number): ShardLayout {
  let n = 0;
  const ids = (): NodeId[] => Array.from({ length: perGroup }, () => `n${++n}`);
  const controller = ids();
  const all = s.groups + (s.spare ?? 0);
  const groups = Array.from({ length: all }, (_, i) => ({ id: `g${i + 1}`, nodes: ids(), spare: i >= s.groups }));
  return { controller, groups, scheme: { ...s.scheme } };
}

/** layoutSlots lists every node of the layout with its peers and machine, controller first. */
export function layoutSlots(l: ShardLayout): NodeSlot[] {
  const out: NodeSlot[] = l.controller.map((id) => ({
    id,
    peers: [...l.controller],
    machine: { kind: 'shard-controller', scheme: { ...l.scheme } },
  }));
  for (const g of l.groups)
    for (const id of g.nodes) out.push({ id, peers: [...g.nodes], machine: { kind: 'shard-group', group: g.id } });
  return out;
}

/** shardedSizeError says why a layout is too big (null when it fits). */
export function shardedSizeError(s: ShardSettings, perGroup: number): string | null {
  const groups = s.groups + (s.spare ?? 0);
  const total = (groups + 1) * perGroup;
  return total > MAX_SHARDED_NODES
    ? `${groups} groups of ${perGroup} nodes and a controller of ${perGroup} make ${total} processes; at most ${MAX_SHARDED_NODES}`
    : null;
}
