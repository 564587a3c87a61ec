/**
 * What a group does with its shards when it takes a configuration, as the run log (and so
 * the timeline) tells it: the shards it freezes for their new group, those it pulls and
 * from whom, and those it starts empty because nobody held them.
 */
import { describe, expect, it } from 'vitest';
import type { ShardConfig } from '../../src-main/core/shard/config';
import { handover } from '../../src-main/lab/shard-read';

const cfg = (num: number, shards: string[]): ShardConfig => ({
  num,
  scheme: { kind: 'range', shards: shards.length },
  shards,
  groups: { g1: ['n2'], g2: ['n3'], g3: ['n4'] },
});

describe('handover', () => {
  it('names the shards frozen, pulled and started empty', () => {
    const prev = cfg(4, ['g1', 'g1', 'g2', '']);
    const next = cfg(5, ['g2', 'g1', 'g1', 'g1']);
    expect(handover(prev, next, 'g1')).toEqual({ freezes: [[0, 'g2']], pulls: [[2, 'g2']], fresh: [3] });
    expect(handover(prev, next, 'g2')).toEqual({ freezes: [[2, 'g1']], pulls: [[0, 'g1']], fresh: [] });
    expect(handover(prev, next, 'g3')).toEqual({ freezes: [], pulls: [], fresh: [] });
  });

  it('the first configuration hands every shard out fresh; an unknown previous one says nothing', () => {
    expect(handover(null, cfg(1, ['g1', 'g2']), 'g1')).toEqual({ freezes: [], pulls: [], fresh: [0] });
    expect(handover(null, cfg(6, ['g1', 'g2']), 'g1')).toEqual({});
  });
});
