/**
 * `quorum-lab compare` end to end: real Raft and Multi-Paxos clusters (node processes) run the
 * same workload and fault schedule; the run logs on disk must show the same faults at the same
 * relative times, both clusters must have acknowledged writes, and no node may outlive it.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { HistoryOp, RunLogRecord } from '../../src-main/api/contract';
import { compareMain, parseCompareArgs } from '../../src-main/lab/compare-cli';
import { FAULT_LOG_KIND, runCompare, SCHEDULE, type CompareResult } from '../../src-main/lab/compare';

const SECONDS = 6;
const FAULT_KINDS = new Set(Object.values(FAULT_LOG_KIND));

function readJsonl<T>(file: string): T[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('quorum-lab compare', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ql-compare-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs the same fault schedule against Raft and Paxos and compares them', async () => {
    const result: CompareResult = await runCompare({
      nodes: 3,
      seconds: SECONDS,
      clients: 4,
      seed: 7,
      heartbeatMs: 50,
      electionMs: 300,
      protocols: ['raft', 'paxos'],
      dataDir: dir,
    });
    expect(result.runs.map((r) => r.protocol)).toEqual(['raft', 'paxos']);

    const offsets: number[][] = [];
    for (const run of result.runs) {
      expect(run.runDir).not.toBeNull();
      const log = readJsonl<RunLogRecord>(join(run.runDir!, 'run.jsonl'));
      const history = readJsonl<HistoryOp>(join(run.runDir!, 'history.jsonl'));

      // Acknowledged writes, as the run's own client history records them.
      const okWrites = history.filter((h) => h.type === 'ok' && h.f === 'write').length;
      expect(okWrites, `${run.protocol} acknowledged writes`).toBeGreaterThan(0);
      expect(run.okWrites).toBe(okWrites);
      expect(run.ok).toBe(history.filter((h) => h.type === 'ok').length);

      // The schedule's records, in order: partition, heal, crash, restart, one link rule per
      // directed link, heal — the same kinds for both protocols.
      const faults = log.filter((r) => FAULT_KINDS.has(r.kind));
      expect(faults.map((r) => r.kind)).toEqual([
        'partition',
        'heal',
        'crash',
        'restart',
        ...Array(6).fill('link-rule'),
        'heal',
      ]);
      const partition = faults[0]!;
      const groups = partition.groups as string[][];
      expect(groups.map((g) => g.length).sort()).toEqual([1, 2]);
      expect(faults[2]!.node).toBe(faults[3]!.node); // the crashed node is the one restarted

      // Relative times as the log has them: each step after the first, measured from the first.
      const steps = [0, 1, 2, 3, 4, 10].map((i) => faults[i]!.t / 1e6);
      offsets.push(steps.map((t) => t - steps[0]!));
      const planned = SCHEDULE.map((s) => (s.at - SCHEDULE[0]!.at) * SECONDS * 1000);
      for (const [i, off] of offsets.at(-1)!.entries())
        expect(Math.abs(off - planned[i]!), `step ${i}`).toBeLessThan(700);
      for (const f of run.faults) expect(Math.abs(f.atMs - f.plannedMs)).toBeLessThan(700);

      // No node process outlives the comparison (restarted nodes included).
      const pids = log.filter((r) => r.kind === 'node-ready').map((r) => r.pid as number);
      expect(pids.length).toBeGreaterThanOrEqual(4);
      for (const pid of pids) expect(alive(pid), `node pid ${pid}`).toBe(false);

      expect(run.leaderChanges).toBeGreaterThanOrEqual(1); // the crash of the leader forces one
      expect(run.messagesSent).toBeGreaterThan(0);
    }
    // Same schedule for both protocols, to within scheduling noise.
    for (let i = 0; i < offsets[0]!.length; i++) expect(Math.abs(offsets[0]![i]! - offsets[1]![i]!)).toBeLessThan(700);

    // One row per metric, each with a value for each protocol.
    const metrics = result.rows.map((r) => r.metric);
    for (const m of [
      'ops acknowledged (ok)',
      'ops failed',
      'ops unknown (timeout)',
      'ok ops/s',
      'p50 latency ok (ms)',
      'p99 latency ok (ms)',
      'leader changes',
      'messages per ok op',
    ])
      expect(metrics).toContain(m);
    expect(metrics.filter((m) => m.startsWith('longest gap after'))).toHaveLength(SCHEDULE.length);
    for (const row of result.rows) {
      expect(Object.keys(row.values).sort(), row.metric).toEqual(['paxos', 'raft']);
      for (const v of Object.values(row.values))
        expect(typeof v === 'number' && Number.isFinite(v), row.metric).toBe(true);
    }
    // Both clusters' folders are where the caller asked (its clusters/ folder), and nothing else was left there.
    expect(readdirSync(dir)).toEqual(['clusters']);
    expect(readdirSync(join(dir, 'clusters'))).toHaveLength(2);
  }, 60_000);

  it('rejects bad options with a clear message and exit code 2', async () => {
    expect(parseCompareArgs(['--nodes', '2'])).toMatch(/--nodes must be 3..15/);
    expect(parseCompareArgs(['--seconds', 'abc'])).toMatch(/--seconds must be a whole number/);
    expect(parseCompareArgs(['--protocols', 'raft,zab'])).toMatch(/--protocols .* got 'zab'/);
    expect(parseCompareArgs(['--protocols', 'raft,raft'])).toMatch(/twice/);
    expect(parseCompareArgs(['--heartbeat-ms', '500', '--election-ms', '400'])).toMatch(
      /electionMs \(400\) must be greater/,
    );
    expect(parseCompareArgs(['--bogus', '1'])).toMatch(/unknown option '--bogus'/);
    expect(parseCompareArgs(['--clients'])).toMatch(/--clients needs a value/);

    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await compareMain(['--clients', '0'])).toBe(2);
      expect(String(err.mock.calls[0]?.[0])).toMatch(/--clients must be 1..256, got 0/);
    } finally {
      err.mockRestore();
    }

    // The real command line, as a user runs it.
    const p = spawnSync(process.execPath, ['bin/quorum-lab.mjs', 'compare', '--nodes', 'x'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/--nodes must be a whole number, got 'x'/);
  }, 40_000);
});
