/**
 * The timeline tells a shard's move in words, from the records the lab writes (their
 * shapes as lab/shard-lab.ts and lab/shard-pull.ts record them): the change asked of the
 * controller, each group taking the configuration (the source freezes the shard, the
 * destination pulls it), the pages arriving, the install and the garbage collection, and a
 * group started while the cluster runs — whose commits are then its own group's.
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { RunModel } from '../../src-renderer/src/model/run-model';
import { CATEGORIES } from '../../src-renderer/src/model/records';
import { movingText, shardMapLines } from '../../src-renderer/src/model/shards';

let seq = 0;
const rec = (tS: number, kind: string, f: Record<string, unknown> = {}): RunLogRecord => ({
  t: Math.round(tS * 1e9),
  seq: ++seq,
  kind,
  ...f,
});

function texts(m: RunModel): string[] {
  const v = m.rows.view(CATEGORIES);
  return v.slice(0, v.count).map((r) => r.text);
}

describe('timeline rows of a shard move', () => {
  it('says each step of a move in plain words, none as a raw record', () => {
    const m = new RunModel();
    const records = [
      rec(1, 'shard-change', { op: 'move', shard: 7, group: 'g2', config: 5 }),
      rec(1.1, 'shard-group-config', { group: 'g1', config: 5, freezes: [[7, 'g2']], pulls: [], fresh: [] }),
      rec(1.2, 'shard-group-config', { group: 'g2', config: 5, freezes: [], pulls: [[7, 'g1']], fresh: [] }),
      rec(1.3, 'shard-part', {
        group: 'g2',
        shard: 7,
        config: 5,
        from: 'g1',
        to: 'g2',
        part: 0,
        pages: 2,
        bytes: 131072,
      }),
      rec(1.4, 'shard-part', {
        group: 'g2',
        shard: 7,
        config: 5,
        from: 'g1',
        to: 'g2',
        part: 1,
        pages: 2,
        bytes: 2048,
      }),
      rec(1.5, 'shard-installed', { shard: 7, config: 5, from: 'g1', to: 'g2', pages: 2 }),
      rec(1.6, 'shard-collected', { shard: 7, config: 5, group: 'g1' }),
      rec(2, 'shard-group-config', { group: 'g3', config: 1, freezes: [], pulls: [], fresh: [0, 1, 2] }),
    ];
    for (const r of records) m.ingest(r);
    expect(texts(m)).toEqual([
      'asked the controller to move shard 7 to g2 → configuration 5',
      'g1 took configuration 5: froze shard 7 (stops serving it; g2 takes it)',
      'g2 took configuration 5: pulls shard 7 from g1',
      "shard 7: page 1 of 2 (128 KiB) carried from g1 into g2's log",
      "shard 7: page 2 of 2 (2 KiB) carried from g1 into g2's log",
      'shard 7 installed in g2 (data and client sessions): g2 serves it now',
      'g1 dropped its frozen copy of shard 7 (garbage collected)',
      'g3 took configuration 1: serves shards 0 1 2 from empty',
    ]);
  });

  it('a group started while the cluster runs gets a row, and its commits are its own group’s', () => {
    const m = new RunModel();
    m.ingest(rec(0, 'cluster-created', { nodeCount: 1, shards: { groups: 2, scheme: { kind: 'range', shards: 4 } } }));
    m.ingest(rec(1, 'shard-group-started', { group: 'g3', nodes: ['n4'] }));
    m.ingest(rec(1.5, 'shard-change', { op: 'join', groups: { g3: ['n4'] }, config: 4 }));
    m.ingest(rec(2, 'commit', { node: 'n4', commitIndex: 2 }));
    const all = texts(m);
    expect(all).toContain('group g3 started: new nodes n4 on empty files');
    expect(all).toContain('g3 asked to join the shard configuration → configuration 4');
    expect(all).toContain('g3: entries 1–2 committed (n4)');
  });
});

describe('the shard map in words', () => {
  it('says how many pages of a moving shard are in, and why it waits', () => {
    expect(movingText({ from: 'g1', to: 'g2' })).toBe('g1 → g2');
    expect(
      movingText({ from: 'g1', to: 'g2', parts: 3, pages: 24, stalled: 'page 4 of 24 dropped on n5 → n8: partition' }),
    ).toBe('g1 → g2 · page 3 of 24 in · stalled: page 4 of 24 dropped on n5 → n8: partition');
    const lines = shardMapLines({
      config: 3,
      scheme: { kind: 'range', shards: 2 },
      controller: ['n1'],
      shards: [
        { shard: 0, group: 'g1' },
        { shard: 1, group: 'g2', moving: { from: 'g1', to: 'g2', parts: 1, pages: 2 } },
      ],
      groups: [
        { id: 'g1', nodes: ['n2'], joined: true, leader: 'n2', config: 3 },
        { id: 'g2', nodes: ['n3'], joined: true, leader: 'n3', config: 3 },
      ],
    });
    expect(lines.at(-1)).toBe('moving: shard 1 g1 → g2 · page 1 of 2 in');
  });
});
