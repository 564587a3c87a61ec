/**
 * Which group `join gN` may start in a running sharded cluster, and the words it refuses
 * with: only the next group (the nodes are numbered after the cluster's last one), within
 * the limits a new sharded cluster has (7 groups, 24 processes), never on an id whose
 * SQLite file the cluster already holds.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Cluster } from '../../src-main/lab/cluster';
import { ShardRefusal, type ShardLab } from '../../src-main/lab/shard-lab';
import { shardLayout } from '../../src-main/lab/shard-layout';
import { newGroupIds } from '../../src-main/lab/shard-spawn';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** fake is a running cluster of `groups` groups of `per` nodes and its shard lab, as far as newGroupIds reads them. */
function fake(groups: number, per: number): { c: Cluster; lab: ShardLab } {
  const layout = shardLayout({ groups, scheme: { kind: 'range', shards: 12 } }, per);
  const ids = [...layout.controller, ...layout.groups.flatMap((g) => g.nodes)];
  const runDir = mkdtempSync(join(tmpdir(), 'ql-spawn-'));
  dirs.push(runDir);
  const c = { runDir, supervisor: { nodes: new Map(ids.map((id) => [id, {}])) } } as unknown as Cluster;
  return { c, lab: { layout } as unknown as ShardLab };
}

function refusal(fn: () => unknown): [number, string] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ShardRefusal) return [e.status, e.message];
    throw e;
  }
  throw new Error('not refused');
}

describe('starting a new group for join', () => {
  it('numbers the next group’s nodes after the last node', () => {
    const { c, lab } = fake(3, 3);
    expect(newGroupIds(c, lab, 'g4')).toEqual(['n13', 'n14', 'n15']);
  });

  it('refuses an id that is not the next group, past 7 groups or 24 processes, and a used file', () => {
    const { c, lab } = fake(3, 3);
    expect(refusal(() => newGroupIds(c, lab, 'g6'))).toEqual([
      404,
      'no group g6: this cluster runs g1, g2, g3; join g4 starts a new group',
    ]);
    const seven = fake(7, 1);
    expect(refusal(() => newGroupIds(seven.c, seven.lab, 'g8'))).toEqual([
      409,
      'a sharded cluster runs at most 7 groups (it runs g1, g2, g3, g4, g5, g6, g7)',
    ]);
    const big = fake(5, 4);
    expect(refusal(() => newGroupIds(big.c, big.lab, 'g6'))).toEqual([
      409,
      "g6's 4 nodes would make 28 processes; a sharded cluster has at most 24",
    ]);
    writeFileSync(join(c.runDir, 'n14.sqlite'), '');
    expect(refusal(() => newGroupIds(c, lab, 'g4'))).toEqual([
      409,
      'g4 would run n14, but this cluster has (or had) a node n14',
    ]);
  });
});
