/**
 * The app and the exported run draw the same fault lanes: links under one rule share one
 * lane in the Charts tab (renderer model) and in the run folder's latency.svg and
 * throughput.svg (report/run-report.ts), by the one rule in src-main/api/fault-groups.ts.
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { runReportFiles } from '../../src-main/report/run-report';
import { chartData } from '../../src-renderer/src/model/metrics';
import { RunModel } from '../../src-renderer/src/model/run-model';
import { parseXml } from '../report/xml-check';

const rule = (t: number, from: string, to: string, extra: Record<string, unknown>): RunLogRecord => ({
  t,
  seq: t,
  kind: 'link-rule',
  from,
  to,
  both: true,
  ...extra,
});

// One node's four links made lossy alike (what `loss n1 * 10%` does), one other link slowed, a crash.
const LOG: RunLogRecord[] = [
  { t: 0, seq: 0, kind: 'cluster-created' },
  rule(1e9, 'n1', 'n2', { loss: 0.1 }),
  rule(1e9 + 1, 'n1', 'n3', { loss: 0.1 }),
  rule(1e9 + 2, 'n1', 'n4', { loss: 0.1 }),
  rule(1e9 + 3, 'n1', 'n5', { loss: 0.1 }),
  rule(2e9, 'n2', 'n3', { latencyMs: 200 }),
  { t: 3e9, seq: 3e9, kind: 'crash', node: 'n4' },
];
const LANES = ['links n1↔n2,n3,n4,n5', 'link n2↔n3', 'n4 down'];

describe('fault lanes in the app and in an exported run', () => {
  it('group links under one rule into one lane in the exported latency.svg and throughput.svg', () => {
    const files = runReportFiles({
      log: LOG,
      history: [],
      settings: { nodes: 5, protocol: 'raft', heartbeatMs: 100, electionMs: 1000, seed: 1 },
      check: { ok: true, summary: 'linearizable' },
    });
    for (const name of ['latency.svg', 'throughput.svg']) {
      const els = parseXml(files.find((f) => f.name === name)!.text);
      const lanes = els.filter((e) => e.attrs.class === 'fault-lane').map((e) => e.attrs['data-lane']);
      expect(lanes, name).toEqual(LANES);
    }
  });

  it('are the lanes the Charts tab draws for the same log', () => {
    const m = new RunModel();
    for (const r of LOG) m.take(r);
    const d = chartData(m, 'minute', 4e9, null, 600, 56);
    expect(d.lanes.map((l) => l.lane)).toEqual(LANES);
  });
});
