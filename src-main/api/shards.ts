/**
 * The sharding part of the LabApi contract: what GET /api/shards answers and the
 * validators of POST /api/shards/move, /join and /leave. Pure (the renderer loads it).
 */
import { checked, int, oneOf, onlyFields, record, type Checked } from '../core/validate';
import { groupId, MAX_SHARDS, MAX_VNODES } from '../core/shard/config';
import type { NodeId } from '../core/types';

/** ShardKeyScheme is how keys map to shards: equal hash ranges, or a consistent-hash ring with virtual nodes. */
export type ShardKeyScheme = { kind: 'range'; shards: number } | { kind: 'ring'; shards: number; vnodes: number };

/** ShardSettings are a sharded cluster's creation settings (ClusterSettings.shards). */
export interface ShardSettings {
  /** groups: replica groups (g1 … gG); each has ClusterSettings.nodes members, and so has the controller. */
  groups: number;
  /** spare: more groups started but not joined (g<G+1> …): `join` brings one into the configuration. */
  spare?: number;
  scheme: ShardKeyScheme;
}

/**
 * ShardMoving is a shard on its way from group `from` to group `to`: `parts` of `pages`
 * pages of its data are in the destination's log so far (both absent before the first
 * arrives); `stalled` says why the last attempt to carry the next one did not get through
 * (absent while it goes well).
 */
export interface ShardMoving {
  from: string;
  to: string;
  parts?: number;
  pages?: number;
  stalled?: string;
}

/** ShardsView is GET /api/shards: the configuration in force and, per shard, the group serving it. */
export interface ShardsView {
  /** config: the number of the controller's newest configuration. */
  config: number;
  scheme: ShardKeyScheme;
  /** controller: the nodes of the shard controller's own group. */
  controller: NodeId[];
  /** shards: every shard and its group ('' before any group joined); `moving` while its data is on its way. */
  shards: { shard: number; group: string; moving?: ShardMoving }[];
  /** groups: every replica group the lab runs; `joined` = in the configuration; `config` = the one it has taken (null: unknown now). */
  groups: { id: string; nodes: NodeId[]; joined: boolean; leader: NodeId | null; config: number | null }[];
}

/** ShardMove is POST /api/shards/move's body. */
export interface ShardMove {
  shard: number;
  group: string;
}

/** validateShardMove checks {shard, group}: a shard number and a group id like "g2". */
export function validateShardMove(x: unknown): Checked<ShardMove> {
  return checked(() => {
    const o = record(x, 'body', 'an object {shard, group}');
    onlyFields(o, ['shard', 'group'], 'a shard move');
    return { shard: int(o.shard, 'shard', 0, MAX_SHARDS - 1), group: groupId(o.group, 'group') };
  });
}

/** validateShardGroup checks {group}: a group id like "g2". */
export function validateShardGroup(x: unknown): Checked<string> {
  return checked(() => {
    const o = record(x, 'body', 'an object {group}');
    onlyFields(o, ['group'], 'a group request');
    return groupId(o.group, 'group');
  });
}

/** DEFAULT_SHARDS is the shard count when none is given (12 divides evenly over 1, 2, 3, 4 and 6 groups). */
export const DEFAULT_SHARDS = 12;
/** DEFAULT_VNODES is a ring's virtual nodes per shard when none is given. */
export const DEFAULT_VNODES = 64;
/** MAX_SHARD_GROUPS_AT_CREATION bounds `groups` in a new cluster's settings. */
export const MAX_SHARD_GROUPS_AT_CREATION = 7;

/**
 * shardSettingsAt checks a new cluster's `shards` setting: {groups, spare?, scheme?: "range" |
 * "ring", shards?, vnodes?} (or the complete ShardSettings a kept cluster saved).
 */
export function shardSettingsAt(x: unknown, path: string): ShardSettings {
  const o = record(x, path, 'an object {groups, spare?, scheme?, shards?, vnodes?}');
  onlyFields(o, ['groups', 'spare', 'scheme', 'shards', 'vnodes'], path);
  const groups = int(o.groups, `${path}.groups`, 1, MAX_SHARD_GROUPS_AT_CREATION);
  const spare = o.spare === undefined ? 0 : int(o.spare, `${path}.spare`, 0, MAX_SHARD_GROUPS_AT_CREATION - groups);
  const sp = spare > 0 ? { spare } : {};
  const saved = typeof o.scheme === 'object' && o.scheme !== null ? record(o.scheme, `${path}.scheme`) : null;
  const src = saved ?? o;
  const kind = saved ? saved.kind : (o.scheme ?? 'range');
  const k = oneOf(kind, `${path}.scheme`, ['range', 'ring'] as const);
  const shards = src.shards === undefined ? DEFAULT_SHARDS : int(src.shards, `${path}.shards`, 1, MAX_SHARDS);
  if (k === 'range') return { groups, ...sp, scheme: { kind: k, shards } };
  const vnodes = src.vnodes === undefined ? DEFAULT_VNODES : int(src.vnodes, `${path}.vnodes`, 1, MAX_VNODES);
  return { groups, ...sp, scheme: { kind: k, shards, vnodes } };
}

/**
 * shardGroupOf maps each node of a sharded cluster to its group ('controller', 'g1', …),
 * as the lab numbers them: the controller's `nodes` first, then g1's, g2's, … (empty for
 * a cluster that is not sharded). The topology links only nodes of one group.
 */
export function shardGroupOf(s: { nodes: number; shards?: ShardSettings }): Map<NodeId, string> {
  const out = new Map<NodeId, string>();
  if (!s.shards) return out;
  let n = 0;
  for (let g = 0; g <= s.shards.groups + (s.shards.spare ?? 0); g++)
    for (let i = 0; i < s.nodes; i++) out.set(`n${++n}`, g === 0 ? 'controller' : `g${g}`);
  return out;
}
