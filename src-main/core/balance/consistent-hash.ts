/**
 * Consistent hashing with virtual nodes (Karger et al.; as in Dynamo/Cassandra): each node
 * owns `virtualNodes` points on a 32-bit ring, a key goes to the first point clockwise of
 * its hash. When a node leaves, only its keys move (to their next point), about 1/N of
 * them; every other key keeps its node — which is what key affinity means.
 */
import { fnv1a32, mix32 } from '../kv/hash';
import type { NodeId } from '../types';
import type { BackendState, Balancer } from './types';

/** DEFAULT_VIRTUAL_NODES is the points per node when none is configured (enough for ~±10% balance). */
export const DEFAULT_VIRTUAL_NODES = 160;
const MAX_VIRTUAL_NODES = 4096;

/** hashKey places a string on the ring: FNV-1a over its UTF-8 bytes, then murmur3's finalizer (FNV alone clusters similar keys). */
export function hashKey(s: string): number {
  return mix32(fnv1a32(s));
}

/** HashRing is an immutable ring over a set of nodes. */
export class HashRing {
  private readonly points: Uint32Array;
  private readonly owners: NodeId[];

  constructor(nodes: readonly NodeId[], virtualNodes = DEFAULT_VIRTUAL_NODES) {
    const v = Math.min(MAX_VIRTUAL_NODES, Math.max(1, Math.floor(virtualNodes) || 1));
    const all: [number, NodeId][] = [];
    for (const id of nodes) for (let i = 0; i < v; i++) all.push([hashKey(`${id}#${i}`), id]);
    // Sort by point, then by id, so a (rare) collision resolves the same way everywhere.
    all.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    this.points = Uint32Array.from(all.map((p) => p[0]));
    this.owners = all.map((p) => p[1]);
  }

  /** lookup returns the owner of `key`: the first point clockwise whose node `accept`s (skipping down nodes), or null. */
  lookup(key: string, accept: (id: NodeId) => boolean = () => true): NodeId | null {
    const n = this.points.length;
    if (n === 0) return null;
    const h = hashKey(key);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.points[mid] as number) < h) lo = mid + 1;
      else hi = mid;
    }
    const tried = new Set<NodeId>();
    for (let i = 0; i < n; i++) {
      const owner = this.owners[(lo + i) % n] as NodeId;
      if (tried.has(owner)) continue;
      if (accept(owner)) return owner;
      tried.add(owner);
    }
    return null;
  }
}

/** ConsistentHash routes each key to its ring owner; a down owner's keys go to the next up node clockwise. */
export class ConsistentHash implements Balancer {
  readonly algorithm = 'consistent-hash';
  private ring: HashRing | null = null;
  private ringOf = '';

  constructor(private readonly virtualNodes = DEFAULT_VIRTUAL_NODES) {}

  pick(backends: readonly BackendState[], key: string): NodeId | null {
    // The ring holds every configured node, up or not, so a node going down moves only its own keys.
    const ids = backends.map((b) => b.id);
    const sig = ids.join('\u0000');
    if (!this.ring || sig !== this.ringOf) {
      this.ring = new HashRing(ids, this.virtualNodes);
      this.ringOf = sig;
    }
    const up = new Set(backends.filter((b) => b.up).map((b) => b.id));
    return this.ring.lookup(key, (id) => up.has(id));
  }
}

/** KeyMovement says what happens to a sample of keys when one node leaves a ring. */
export interface KeyMovement {
  total: number;
  /** moved: keys whose node changed. */
  moved: number;
  fraction: number;
  /** movedFromOthers: moved keys that were NOT on the leaving node (0 for a correct ring). */
  movedFromOthers: number;
  /** before: how many keys each node held before the change. */
  before: Record<NodeId, number>;
}

/** keyMovement tells how many keys of `keys` change node when `leaving` is removed from `nodes`. */
export function keyMovement(
  nodes: readonly NodeId[],
  leaving: NodeId,
  keys: readonly string[],
  virtualNodes = DEFAULT_VIRTUAL_NODES,
): KeyMovement {
  const a = new HashRing(nodes, virtualNodes);
  const b = new HashRing(
    nodes.filter((n) => n !== leaving),
    virtualNodes,
  );
  let moved = 0;
  let movedFromOthers = 0;
  const before: Record<NodeId, number> = {};
  for (const n of nodes) before[n] = 0;
  for (const k of keys) {
    const x = a.lookup(k);
    const y = b.lookup(k);
    if (x !== null) before[x] = (before[x] ?? 0) + 1;
    if (x !== y) {
      moved++;
      if (x !== leaving) movedFromOthers++;
    }
  }
  return { total: keys.length, moved, fraction: keys.length ? moved / keys.length : 0, movedFromOthers, before };
}
