/**
 * The sharded scenario on real processes: "move a shard under load" plays on a shard
 * controller and two replica groups (nine node processes with their SQLite files, one
 * router), through the LabApi — a move while eight clients write and the source group's
 * leader crashes — and every check passes: the shard ends on the new group, each key's
 * history is linearizable, every acknowledged write reads back. And the step's own
 * refusals: a move to a group the cluster does not run fails that step, with the lab's words.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/lab-service';
import { bundledScenario } from '../../src-main/scenario/bundled';
import { LabTarget } from '../../src-main/scenario/lab-target';
import { allChecks } from '../../src-main/scenario/report-types';
import { runScenario } from '../../src-main/scenario/runner';
import { shardSetup } from '../../src-main/scenario/shard-rules';
import type { Scenario } from '../../src-main/scenario/types';
import { validateScenario } from '../../src-main/scenario/validate';
import { BAD_MOVE } from './fixtures';

let dir: string;
let lab: LabService;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ql-scenario-shards-'));
  lab = new LabService({ dataDir: dir });
});

afterAll(async () => {
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function target(s: Scenario, protocol: 'raft' | 'paxos'): Promise<LabTarget> {
  return LabTarget.create(lab, {
    nodes: s.setup.nodes,
    protocol,
    seed: 3,
    heartbeatMs: s.setup.heartbeatMs!,
    electionMs: s.setup.electionMs!,
    ...shardSetup(s.setup),
  });
}

describe('the sharded scenario on real processes', () => {
  it('move-shard-under-load (raft): shard 1 moves g1 → g2 under load and a leader crash; every check passes', async () => {
    const s = bundledScenario('move-shard-under-load')!;
    const t = await target(s, 'raft');
    try {
      const r = await runScenario(s, t);
      const failed = allChecks(r).filter((c) => !c.ok);
      expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
      expect(r.steps[5]!.did).toMatch(/^move shard 1: g1 → g2 \(configuration 2\)/);
      expect(r.steps[6]!.did).toMatch(/^crash n[456] \(g1:leader\)$/);
      // The durable check read back every load key, spread over all four shards.
      const hist = await t.history();
      expect(hist.filter((h) => h.type === 'ok').length).toBeGreaterThan(500);
      // Under load: writes were still being acknowledged after the move began, and after the shard arrived.
      const acked = (afterMs: number): number =>
        hist.filter((h) => h.type === 'ok' && h.f === 'write' && h.time / 1e6 > afterMs).length;
      expect(acked(r.steps[5]!.startedAt)).toBeGreaterThan(50);
      expect(acked(r.steps[7]!.endedAt)).toBeGreaterThan(0);
      const v = await t.view();
      expect(v.shards?.shards[1]?.group).toBe('g2');
    } finally {
      await t.close();
    }
  }, 240_000);

  it('move-shard-under-load (paxos): the same story on Multi-Paxos groups; every check passes', async () => {
    const s = bundledScenario('move-shard-under-load')!;
    const t = await target(s, 'paxos');
    try {
      const r = await runScenario(s, t);
      const failed = allChecks(r).filter((c) => !c.ok);
      expect(failed, JSON.stringify(failed, null, 1)).toEqual([]);
      expect((await t.view()).shards?.shards[1]?.group).toBe('g2');
    } finally {
      await t.close();
    }
  }, 240_000);

  it('a move to a group the cluster does not run fails its step with the lab’s words; the run goes on', async () => {
    const r = validateScenario(BAD_MOVE);
    expect(r.ok, r.ok ? '' : r.error).toBe(true);
    if (!r.ok) return;
    const t = await target(r.value, 'raft');
    try {
      const rep = await runScenario(r.value, t);
      const failed = allChecks(rep).filter((c) => !c.ok);
      // g2 is a spare: started, not joined — the controller refuses to move a shard to it.
      expect(failed.map((c) => [c.step, c.detail])).toEqual([[1, expect.stringContaining('g2 has not joined')]]);
      expect(rep.steps[2]!.did).toMatch(/^join g2 \(configuration 2\): 1 shard\(s\) change group$/);
    } finally {
      await t.close();
    }
  }, 120_000);
});
