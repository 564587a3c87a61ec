/**
 * The glue between LabService and a sharded cluster: the node slots to start, and the
 * ShardLab started once the nodes are ready. Kept apart so the service grows by a few lines.
 */
import { randomBytes } from 'node:crypto';
import type { ClusterSettings } from '../api/contract';
import type { Cluster } from './cluster';
import { ShardLab } from './shard-lab';
import { layoutSlots, shardLayout, shardedSizeError, type NodeSlot } from './shard-layout';

/** shardSlotsFor is the node slots of a sharded cluster's settings (undefined: one group); throws with a message when too big. */
export function shardSlotsFor(s: ClusterSettings, remote: boolean): NodeSlot[] | undefined {
  if (!s.shards) return undefined;
  const tooBig = shardedSizeError(s.shards, s.nodes);
  if (tooBig) throw new Error(tooBig);
  if (remote) throw new Error('a sharded cluster runs only local nodes (no --remote-slots)');
  return layoutSlots(shardLayout(s.shards, s.nodes));
}

/** startShardLab joins every group and starts the coordinator; resolves once the groups serve (or after waitMs). */
export async function startShardLab(c: Cluster, waitMs: number): Promise<ShardLab | null> {
  const s = c.settings;
  if (!s.shards) return null;
  const lab = new ShardLab(c, shardLayout(s.shards, s.nodes), `sh${randomBytes(3).toString('hex')}`);
  await lab.start(waitMs);
  return lab;
}
