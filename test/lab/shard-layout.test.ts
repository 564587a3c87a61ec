import { describe, expect, it } from 'vitest';
import { shardGroupOf } from '../../src-main/api/shards';
import { layoutSlots, shardLayout, shardedSizeError } from '../../src-main/lab/shard-layout';

describe('the process layout of a sharded cluster', () => {
  it('numbers the controller first, then each group; every node hears only its own group', () => {
    const slots = layoutSlots(shardLayout({ groups: 2, scheme: { kind: 'range', shards: 4 } }, 3));
    expect(
      slots.map((s) => [s.id, s.peers.join(','), s.machine.kind === 'shard-group' ? s.machine.group : 'ctl']),
    ).toEqual([
      ['n1', 'n1,n2,n3', 'ctl'],
      ['n2', 'n1,n2,n3', 'ctl'],
      ['n3', 'n1,n2,n3', 'ctl'],
      ['n4', 'n4,n5,n6', 'g1'],
      ['n5', 'n4,n5,n6', 'g1'],
      ['n6', 'n4,n5,n6', 'g1'],
      ['n7', 'n7,n8,n9', 'g2'],
      ['n8', 'n7,n8,n9', 'g2'],
      ['n9', 'n7,n8,n9', 'g2'],
    ]);
  });

  it('the renderer’s shardGroupOf names the same groups as the lab’s layout', () => {
    for (let groups = 1; groups <= 4; groups++)
      for (let nodes = 1; nodes <= 4; nodes++) {
        const shards = { groups, scheme: { kind: 'range' as const, shards: 8 } };
        const of = shardGroupOf({ nodes, shards });
        for (const s of layoutSlots(shardLayout(shards, nodes)))
          expect(of.get(s.id)).toBe(s.machine.kind === 'shard-group' ? s.machine.group : 'controller');
      }
    expect(shardGroupOf({ nodes: 3 }).size).toBe(0);
  });

  it('refuses a layout of more than 24 processes, saying how many', () => {
    expect(shardedSizeError({ groups: 7, scheme: { kind: 'range', shards: 8 } }, 3)).toBeNull();
    expect(shardedSizeError({ groups: 5, scheme: { kind: 'range', shards: 8 } }, 5)).toBe(
      '5 groups of 5 nodes and a controller of 5 make 30 processes; at most 24',
    );
  });
});
