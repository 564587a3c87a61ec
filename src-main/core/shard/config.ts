/**
 * The sharding configuration, as the shard controller hands it out (after the MIT 6.5840
 * shard controller): a numbered configuration says which replica group serves each shard
 * and which nodes make up each group. Keys map to shards by a scheme fixed when the
 * sharded cluster is made: equal hash ranges, or consistent hashing with virtual nodes.
 * Pure: the groups' state machines and the lab's gateway compute the same shard for a key.
 */
import { fnv1a32, mix32 } from '../kv/hash';
import { array, at, fail, int, oneOf, record, str } from '../validate';

/** MAX_SHARDS bounds the shard count of a scheme. */
export const MAX_SHARDS = 64;
/** MAX_SHARD_GROUPS bounds how many replica groups a configuration names. */
export const MAX_SHARD_GROUPS = 16;
/** MAX_VNODES bounds a ring scheme's virtual nodes per shard. */
export const MAX_VNODES = 256;
/** MAX_GROUP_NODES bounds the members of one group. */
export const MAX_GROUP_NODES = 15;
/** GROUP_ID is what a group id looks like: g1 … g999. */
export const GROUP_ID = /^g[1-9][0-9]{0,2}$/;
/** NODE_ID is what a member id inside a group looks like (it names an SQLite file). */
const NODE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** ShardScheme is how keys map to shards: `range` splits the hash space into equal ranges; `ring` is consistent hashing with `vnodes` points per shard. */
export type ShardScheme = { kind: 'range'; shards: number } | { kind: 'ring'; shards: number; vnodes: number };

/** ShardConfig is one numbered configuration: `shards[i]` is the group serving shard i ('' = none yet). */
export interface ShardConfig {
  num: number;
  scheme: ShardScheme;
  shards: string[];
  /** groups: each group's member node ids. */
  groups: Record<string, string[]>;
}

/** initialConfig is configuration 0: no groups, every shard unassigned. */
export function initialConfig(scheme: ShardScheme): ShardConfig {
  return { num: 0, scheme: { ...scheme }, shards: Array.from({ length: scheme.shards }, () => ''), groups: {} };
}

/** copyConfig is a deep copy (configurations handed out must never be changed afterwards). */
export function copyConfig(c: ShardConfig): ShardConfig {
  const groups: Record<string, string[]> = {};
  for (const g of Object.keys(c.groups).sort()) groups[g] = [...(c.groups[g] ?? [])];
  return { num: c.num, scheme: { ...c.scheme }, shards: [...c.shards], groups };
}

/** keyHash is the 32-bit hash every scheme starts from (FNV-1a spread by murmur3's finalizer). */
export function keyHash(key: string): number {
  return mix32(fnv1a32(key));
}

const rings = new Map<string, { points: Uint32Array; owners: Uint16Array }>();

/** ringOf builds (and caches) the sorted ring of a ring scheme: `vnodes` points per shard. */
function ringOf(shards: number, vnodes: number): { points: Uint32Array; owners: Uint16Array } {
  const id = `${shards}/${vnodes}`;
  const hit = rings.get(id);
  if (hit) return hit;
  const all: [number, number][] = [];
  for (let s = 0; s < shards; s++) for (let v = 0; v < vnodes; v++) all.push([keyHash(`shard-${s}#${v}`), s]);
  // Ties between two points (rare) are broken by shard number so every process builds the same ring.
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const ring = { points: Uint32Array.from(all.map((p) => p[0])), owners: Uint16Array.from(all.map((p) => p[1])) };
  rings.set(id, ring);
  return ring;
}

/** shardOf is the shard a key belongs to under `scheme`. */
export function shardOf(scheme: ShardScheme, key: string): number {
  const h = keyHash(key);
  if (scheme.kind === 'range') return Math.floor((h * scheme.shards) / 0x1_0000_0000);
  const { points, owners } = ringOf(scheme.shards, scheme.vnodes);
  // The first point clockwise from the key's hash owns it (wrapping past the top).
  let lo = 0;
  let hi = points.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((points[mid] ?? 0) < h) lo = mid + 1;
    else hi = mid;
  }
  return owners[lo === points.length ? 0 : lo] ?? 0;
}

/** groupId checks a group id at `path`. */
export function groupId(x: unknown, path: string): string {
  return str(x, path, { min: 2, max: 4, pattern: GROUP_ID, what: 'a group id like "g2"' });
}

/** shardScheme checks a ShardScheme at `path`. */
export function shardScheme(x: unknown, path: string): ShardScheme {
  const o = record(x, path);
  const kind = oneOf(o.kind, at(path, 'kind'), ['range', 'ring'] as const);
  const shards = int(o.shards, at(path, 'shards'), 1, MAX_SHARDS);
  if (kind === 'range') return { kind, shards };
  return { kind, shards, vnodes: int(o.vnodes, at(path, 'vnodes'), 1, MAX_VNODES) };
}

/** groupMap checks a {group: [node ids]} map at `path`. */
export function groupMap(x: unknown, path: string): Record<string, string[]> {
  const o = record(x, path);
  const ids = Object.keys(o);
  if (ids.length > MAX_SHARD_GROUPS) fail(`${path} must name at most ${MAX_SHARD_GROUPS} groups`);
  const out: Record<string, string[]> = {};
  for (const g of ids.sort()) {
    groupId(g, `${path} key`);
    out[g] = array(o[g], at(path, g), { min: 1, max: MAX_GROUP_NODES }, (v, p) =>
      str(v, p, { min: 1, max: 64, pattern: NODE_ID, what: 'a node id' }),
    );
  }
  return out;
}

/** shardConfig checks a ShardConfig at `path` (every shard names '' or a group of the map). */
export function shardConfig(x: unknown, path: string): ShardConfig {
  const o = record(x, path);
  const scheme = shardScheme(o.scheme, at(path, 'scheme'));
  const groups = groupMap(o.groups, at(path, 'groups'));
  const shards = array(o.shards, at(path, 'shards'), { min: scheme.shards, max: scheme.shards }, (v, p) =>
    v === '' ? '' : groupId(v, p),
  );
  shards.forEach((g, i) => {
    if (g !== '' && !groups[g]) fail(`${at(at(path, 'shards'), i)} names ${g}, which is not in groups`);
  });
  return { num: int(o.num, at(path, 'num')), scheme, shards, groups };
}
