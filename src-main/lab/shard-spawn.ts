/**
 * Starting a new replica group in a running sharded cluster, so that `join g4` works for
 * a group the lab does not run yet: new node processes on new, empty SQLite files, as many
 * as every other group has, running the same protocol with the same settings, numbered
 * after the cluster's last node (the controller's nodes first, then g1's, g2's, … — the
 * numbering the run log, the graph and a reopened cluster all rely on). The group is then
 * one of the cluster's groups like a spare one started with --spare-groups: its settings
 * count it (`spare`), settings.json says so (a reopened cluster starts it again), and the
 * shard lab routes to it. The caller joins it to the configuration once it has a leader.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_SHARD_GROUPS_AT_CREATION } from '../api/shards';
import type { NodeId } from '../core/types';
import type { NodeConfig } from '../node/contract';
import type { Cluster } from './cluster';
import { RUN_FILES } from './run-files';
import { believedLeaderOf } from './shard-read';
import { ShardRefusal, type ShardLab } from './shard-lab';
import { MAX_SHARDED_NODES } from './shard-layout';

/** SpawnOptions bound how long the new processes may take to start and to elect a leader. */
export interface SpawnOptions {
  readyMs: number;
  leaderMs: number;
  /** changed: the cluster's view changed (new nodes to draw). */
  changed(): void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** newGroupIds says which node ids group `id` would have, or throws ShardRefusal saying why it cannot be started. */
export function newGroupIds(c: Cluster, lab: ShardLab, id: string): NodeId[] {
  const groups = lab.layout.groups;
  const next = `g${groups.length + 1}`;
  const runs = groups.map((g) => g.id).join(', ');
  if (id !== next)
    throw new ShardRefusal(404, `no group ${id}: this cluster runs ${runs}; join ${next} starts a new group`);
  if (groups.length >= MAX_SHARD_GROUPS_AT_CREATION)
    throw new ShardRefusal(
      409,
      `a sharded cluster runs at most ${MAX_SHARD_GROUPS_AT_CREATION} groups (it runs ${runs})`,
    );
  const per = lab.layout.controller.length;
  const total = c.supervisor.nodes.size + per;
  if (total > MAX_SHARDED_NODES)
    throw new ShardRefusal(
      409,
      `${id}'s ${per} nodes would make ${total} processes; a sharded cluster has at most ${MAX_SHARDED_NODES}`,
    );
  const first = (groups.length + 1) * per + 1;
  const ids = Array.from({ length: per }, (_, i) => `n${first + i}`);
  for (const n of ids) {
    if (c.supervisor.nodes.has(n) || existsSync(join(c.runDir, `${n}.sqlite`)))
      throw new ShardRefusal(409, `${id} would run ${n}, but this cluster has (or had) a node ${n}`);
  }
  return ids;
}

/** startGroup starts group `id`'s processes, adds it to the shard lab and the settings, and waits until it has a leader. */
export async function startGroup(c: Cluster, lab: ShardLab, id: string, o: SpawnOptions): Promise<NodeId[]> {
  const ids = newGroupIds(c, lab, id);
  const sup = c.supervisor;
  const template = sup.nodes.get(lab.layout.groups[0]?.nodes[0] ?? '')?.cfg;
  if (!template) throw new ShardRefusal(500, 'no node of the cluster to copy the settings from');
  for (const n of ids) {
    const cfg: NodeConfig = {
      ...template,
      id: n,
      peers: [...ids],
      dataFile: join(c.runDir, `${n}.sqlite`),
      machine: { kind: 'shard-group', group: id },
    };
    delete cfg.joining;
    c.router.addNode(n);
    sup.add(cfg);
    c.gateway.addNode(n);
  }
  lab.addGroup(id, ids);
  const shards = c.settings.shards;
  if (shards) shards.spare = (shards.spare ?? 0) + 1;
  await writeFile(join(c.runDir, RUN_FILES.settings), JSON.stringify(c.settings, null, 2) + '\n');
  c.recorder.record('shard-group-started', { group: id, nodes: ids });
  for (const n of ids) sup.start(n);
  o.changed();
  await Promise.all(ids.map((n) => sup.waitReady(n, o.readyMs))).catch((e: Error) => {
    throw new ShardRefusal(500, `${id} did not start: ${e.message}`);
  });
  const end = performance.now() + o.leaderMs;
  while (believedLeaderOf(sup, ids) === null) {
    if (performance.now() > end)
      throw new ShardRefusal(
        504,
        `${id} (${ids.join(', ')}) started but elected no leader within ${Math.round(o.leaderMs / 1000)} s; join ${id} again once it has one`,
      );
    await sleep(20);
  }
  return ids;
}
