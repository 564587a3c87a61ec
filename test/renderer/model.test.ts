/** Charts' series and fault shading, record classification, the topology's pure helpers, the replay's leader. */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { faultPeriods } from '../../src-renderer/src/model/faults';
import { RunModel } from '../../src-renderer/src/model/run-model';
import { categoryOf, nodesOf } from '../../src-renderer/src/model/records';
import { fallbackText } from '../../src-renderer/src/model/describe';
import { layoutPositions, ruleText } from '../../src-renderer/src/composables/useTopology';
import { viewAt } from '../../src-renderer/src/model/replay';

let seq = 0;
const r = (t: number, kind: string, f: Record<string, unknown> = {}): RunLogRecord => ({
  t: t * 1e9,
  seq: ++seq,
  kind,
  ...f,
});

describe('charts', () => {
  it('slices client completions into per-second throughput and p50/p99 latency', () => {
    const m = new RunModel();
    for (const x of [
      r(0.1, 'client-invoke', { f: 'write', key: 'a' }),
      r(0.2, 'client-complete', { type: 'ok', latencyMs: 2, node: 'n1' }),
      r(0.3, 'client-complete', { type: 'ok', latencyMs: 4, node: 'n1' }),
      r(0.4, 'client-complete', { type: 'info', latencyMs: 5000, node: 'n1' }),
      r(1.5, 'client-complete', { type: 'ok', latencyMs: 10, node: 'n2' }),
      r(1.6, 'role', { node: 'n1', role: 'leader', latencyMs: 99 }),
    ])
      m.ingest(x);
    const b = m.series.window(0, 2e9);
    expect(b).toHaveLength(2);
    expect(b[0]).toMatchObject({ t: 0, ok: 2, failed: 1 });
    // Latencies are read from a histogram with bins 10% wide: within 5% of the true value.
    expect(b[0]!.p50).toBeCloseTo(2, 0);
    expect(Math.abs(b[0]!.p99! - 4) / 4).toBeLessThan(0.05);
    expect(b[1]).toMatchObject({ t: 1e9, ok: 1, failed: 0 });
    expect(Math.abs(b[1]!.p50! - 10) / 10).toBeLessThan(0.05);
  });

  it('shades partitions until heal, crashes until restart, pauses until resume, link rules until cleared', () => {
    const log = [
      r(1, 'partition', { groups: [['n1'], ['n2', 'n3']] }),
      r(2, 'crash', { node: 'n2' }),
      r(3, 'heal'),
      r(4, 'restart', { node: 'n2' }),
      r(5, 'pause', { node: 'n3' }),
      r(6, 'link-rule', { from: 'n1', to: 'n2', latencyMs: 200 }),
      r(7, 'link-rule', { from: 'n1', to: 'n2', latencyMs: 0 }),
    ];
    expect(faultPeriods(log).map((p) => [p.lane, p.start, p.end])).toEqual([
      ['partition', 1e9, 3e9],
      ['n2 down', 2e9, 4e9],
      ['n3 paused', 5e9, null],
      ['link n1↔n2', 6e9, 7e9],
    ]);
  });
});

describe('records', () => {
  it('classifies kinds for the timeline filter and names the nodes involved', () => {
    expect(categoryOf('send')).toBe('message');
    expect(categoryOf('role')).toBe('state');
    expect(categoryOf('node-died')).toBe('lifecycle');
    expect(categoryOf('link-rule')).toBe('fault');
    expect(categoryOf('client-complete')).toBe('client');
    expect(categoryOf('export')).toBe('other');
    // A role record's `from` is the previous role, not a node.
    expect(nodesOf(r(0, 'role', { node: 'n2', from: 'follower', role: 'leader' }))).toEqual(['n2']);
    expect(nodesOf(r(0, 'send', { from: 'n1', to: 'n3' }))).toEqual(['n1', 'n3']);
    expect(fallbackText(r(0, 'crash', { node: 'n2', pid: 5 }))).toBe('crash: node n2, pid 5');
    expect(categoryOf('commit')).toBe('commit');
  });
});

describe('topology helpers', () => {
  it('labels link rules briefly', () => {
    const clean = { from: 'n1', to: 'n2', latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, blocked: false };
    expect(ruleText(clean)).toBe('');
    expect(ruleText({ ...clean, latencyMs: 200, jitterMs: 50, loss: 0.1 })).toBe('200±50ms 10% loss');
    expect(ruleText({ ...clean, blocked: true, duplicate: 0.05 })).toBe('cut 5% dup');
    expect(ruleText({ ...clean, bandwidth: 65536 })).toBe('64 KiB/s');
    // A slow link's label says what waits in its queue, while something does.
    expect(ruleText({ ...clean, bandwidth: 65536, queue: { bytes: 196608, messages: 3 } })).toBe(
      '64 KiB/s [192 KiB · 3 queued]',
    );
    expect(ruleText({ ...clean, bandwidth: 65536, queue: { bytes: 0, messages: 0 } })).toBe('64 KiB/s');
  });

  it('lays zones out side by side without overlap', () => {
    const pos = layoutPositions([
      ['n1', 'n2', 'n3'],
      ['n4', 'n5'],
    ]);
    const xs = (ids: string[]) => ids.map((id) => pos.get(id)!.x);
    expect(Math.max(...xs(['n1', 'n2', 'n3'])) + 100).toBeLessThan(Math.min(...xs(['n4', 'n5'])));
    expect(pos.size).toBe(5);
  });
});

describe('replay model: the leader', () => {
  const settings = { nodes: 3, protocol: 'raft' as const, heartbeatMs: 50, electionMs: 300, seed: 1 };
  const log: RunLogRecord[] = [
    r(1, 'role', { node: 'n1', role: 'leader', term: 1 }),
    r(2, 'partition', { groups: [['n1'], ['n2', 'n3']] }),
    r(3, 'role', { node: 'n2', role: 'leader', term: 2 }),
    r(4, 'heal'),
    r(5, 'pause', { node: 'n2' }),
    r(6, 'resume', { node: 'n2' }),
    r(7, 'crash', { node: 'n3' }),
    r(8, 'crash', { node: 'n1' }),
  ];
  const run = { settings, log, history: [] };

  it('is decided like the lab’s: newest term, up, with a majority in its zone', () => {
    const at = (s: number) => viewAt(run, s * 1e9).leader;
    expect(at(0.5)).toBeNull();
    expect(at(1)).toBe('n1');
    // Cut off alone, n1 still believes it leads; the replay says nobody does until n2 wins term 2.
    expect(at(2)).toBeNull();
    expect(viewAt(run, 2e9).nodes.find((n) => n.id === 'n1')?.role).toBe('leader');
    expect(at(3)).toBe('n2');
    // Healed: n1 still claims term 1, n2 leads term 2.
    expect(at(4)).toBe('n2');
    expect(at(5)).toBeNull();
    expect(at(6)).toBe('n2');
    expect(at(7)).toBe('n2');
    // n1 and n3 down: n2 alone has no majority.
    expect(at(8)).toBeNull();
  });
});
