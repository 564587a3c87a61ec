/**
 * A smoke subset of the bundled scenarios on real processes (node processes, SQLite,
 * the router), through the LabApi: split vote (Raft), a minority leader (Multi-Paxos),
 * lock fencing (Raft), adding a node under load (both); the contrasts of lock fencing, lease
 * reads under a paused leader and client retries without sessions. And `quorum-lab run
 * --report`: the folder holds the exported run,
 * check.json, the figures, scenario.json and an index.html that tells the steps.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LabService } from '../../src-main/lab/lab-service';
import { bundledScenario } from '../../src-main/scenario/bundled';
import { LabTarget } from '../../src-main/scenario/lab-target';
import { allChecks } from '../../src-main/scenario/report-types';
import { runScenario } from '../../src-main/scenario/runner';
import { runMain } from '../../src-main/scenario/run-cli';
import { TargetError } from '../../src-main/scenario/target';
import type { UnsafeModes } from '../../src-main/scenario/unsafe';
import { validateScenario } from '../../src-main/scenario/validate';
import { DAMAGED_FOLLOWER } from './fixtures';

let dir: string;
let lab: LabService;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ql-scenario-'));
  lab = new LabService({ dataDir: dir });
});

afterAll(async () => {
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function play(name: string, protocol: 'raft' | 'paxos'): Promise<string> {
  const s = bundledScenario(name)!;
  const target = await LabTarget.create(lab, {
    nodes: s.setup.nodes,
    protocol,
    seed: 1,
    heartbeatMs: s.setup.heartbeatMs!,
    electionMs: s.setup.electionMs!,
  });
  try {
    const r = await runScenario(s, target);
    expect(r.target).toBe('lab');
    return allChecks(r)
      .filter((c) => !c.ok)
      .map((c) => `step ${c.step + 1}: ${c.name} — ${c.detail}`)
      .join('\n');
  } finally {
    await target.close();
  }
}

describe('bundled scenarios on real processes', () => {
  it('split-vote (raft): candidates split a term, then a leader once messages are fast', async () => {
    expect(await play('split-vote', 'raft')).toBe('');
  });

  it('minority-leader (paxos): the cut-off leader appends, never commits, and its write fails', async () => {
    expect(await play('minority-leader', 'paxos')).toBe('');
  });

  it('lock-fencing (raft): the paused holder’s stale token is refused', async () => {
    expect(await play('lock-fencing', 'raft')).toBe('');
  });

  it('add-node-under-load (raft and paxos): n4 joins under eight writing clients, is promoted, nothing lost', async () => {
    expect(await play('add-node-under-load', 'raft')).toBe('');
    expect(await play('add-node-under-load', 'paxos')).toBe('');
  });

  it('a damage step breaks a crashed node’s file; it recovers from its peers and nothing is lost', async () => {
    const r = validateScenario(DAMAGED_FOLLOWER);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const target = await LabTarget.create(lab, {
      nodes: 3,
      protocol: 'raft',
      seed: 1,
      heartbeatMs: 50,
      electionMs: 500,
    });
    try {
      const rep = await runScenario(r.value, target);
      expect(rep.steps[3]!.did).toMatch(/^damage n\d \(log-tail\)$/);
      expect(allChecks(rep).filter((c) => !c.ok)).toEqual([]);
    } finally {
      await target.close();
    }
  });

  it('runs a contrast only when the lab has its unsafe mode: the anomaly shows, or it refuses', async () => {
    const echoes = (await lab.createCluster({ nodes: 1 })) as { unsafe?: unknown };
    if (echoes.unsafe !== undefined) {
      // The lab has unsafe modes: lock-fencing without fencing lets the stale token's write in.
      const s = bundledScenario('lock-fencing')!;
      const unsafe = { fencing: false };
      const t = await LabTarget.create(lab, {
        nodes: 3,
        protocol: 'raft',
        seed: 1,
        heartbeatMs: 50,
        electionMs: 500,
        unsafe,
      });
      try {
        const r = await runScenario(s, t, { unsafe });
        expect(r.passed).toBe(false);
      } finally {
        await t.close();
      }
      return;
    }
    await expect(
      LabTarget.create(lab, { nodes: 3, protocol: 'raft', seed: 1, unsafe: { reads: 'local' } }),
    ).rejects.toThrow(TargetError);
    await expect(
      LabTarget.create(lab, { nodes: 3, protocol: 'raft', seed: 1, unsafe: { reads: 'local' } }),
    ).rejects.toThrow(/does not have the unsafe mode reads: local/);
  });
});

/** contrast plays a bundled scenario's first contrast on real processes and returns the names of the checks that failed. */
async function contrast(name: string): Promise<string[]> {
  const s = bundledScenario(name)!;
  const unsafe = s.contrast[0]!.unsafe as UnsafeModes;
  const t = await LabTarget.create(lab, {
    nodes: s.setup.nodes,
    protocol: s.setup.protocols[0]!,
    seed: 1,
    heartbeatMs: s.setup.heartbeatMs!,
    electionMs: s.setup.electionMs!,
    unsafe,
  });
  try {
    const r = await runScenario(s, t, { unsafe });
    return allChecks(r)
      .filter((c) => !c.ok)
      .map((c) => c.name);
  } finally {
    await t.close();
  }
}

describe('bundled contrasts on real processes: the unsafe mode shows its anomaly', () => {
  it('lease-read-pause with lease reads: the woken leader answers x = 1 after x = 2; the checker objects', async () => {
    expect(await contrast('lease-read-pause')).toEqual(['the client history is linearizable', 'get x is not-ok']);
  });

  it('client-retry without sessions: the retried cas applies twice and fails though x = 2', async () => {
    const failed = await contrast('client-retry');
    expect(failed).toContain('these requests succeed');
    expect(failed).toContain('the client history is linearizable');
  });
});

describe('partition presets on a real cluster', () => {
  it('cut what their names say, through the router', async () => {
    await lab.createCluster({ nodes: 5, protocol: 'raft', heartbeatMs: 50, electionMs: 500 });
    const cut = (v: { links: { from: string; to: string; blocked: boolean }[] }): Set<string> =>
      new Set(v.links.filter((l) => l.blocked).map((l) => `${l.from}>${l.to}`));
    let v = await lab.partitionPreset({ preset: 'isolate', node: 'n3' });
    expect(v.groups).toEqual([['n3'], ['n1', 'n2', 'n4', 'n5']]);
    await lab.heal();
    v = await lab.partitionPreset({ preset: 'bridge', node: 'n1' });
    const b = cut(v);
    expect(b.has('n2>n4') && b.has('n4>n2') && b.has('n3>n5')).toBe(true);
    expect([...b].some((k) => k.includes('n1'))).toBe(false);
    await lab.heal();
    v = await lab.partitionPreset({ preset: 'majorities-ring' });
    const r = cut(v);
    // n1 hears n2 and n5 only; n3 and n4 are cut off from it, both ways.
    expect(r.has('n1>n3') && r.has('n3>n1') && r.has('n1>n4')).toBe(true);
    expect(r.has('n1>n2') || r.has('n1>n5')).toBe(false);
    await lab.heal();
    v = await lab.partitionPreset({ preset: 'one-way', from: 'n2', to: 'n4' });
    expect(cut(v)).toEqual(new Set(['n2>n4']));
    await lab.heal();
    await expect(lab.partitionPreset({ preset: 'isolate', node: 'n9' })).rejects.toThrow(/unknown node n9/);
  });
});

describe('quorum-lab run --report', () => {
  it('writes the exported run, check.json, figures, scenario.json and an index.html telling the steps', async () => {
    const out = join(dir, 'report');
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((l: unknown) => void lines.push(String(l)));
    let code: number;
    try {
      code = await runMain(['election-basics', '--report', out, '--seed', '2']);
    } finally {
      log.mockRestore();
    }
    const printed = lines.join('\n');
    expect(code, printed).toBe(0);
    expect(printed).toMatch(/PASSED: all \d+ checks/);
    const files = readdirSync(out);
    for (const f of ['run.jsonl', 'history.jsonl', 'settings.json', 'check.json', 'scenario.json', 'index.html'])
      expect(files).toContain(f);
    const html = readFileSync(join(out, 'index.html'), 'utf8');
    expect(html).toContain('Election basics');
    expect(html).toContain('Five nodes start as followers');
    expect(html).toMatch(/passed: all \d+ checks/);
    expect(html).toContain('<svg');
    for (const svg of files.filter((f) => f.endsWith('.svg'))) expect(html).toContain(`src="${svg}"`);
    const data = JSON.parse(readFileSync(join(out, 'scenario.json'), 'utf8')) as {
      report: { passed: boolean; seed: number };
    };
    expect(data.report).toMatchObject({ passed: true, seed: 2 });
    // A report never overwrites: the same folder again is refused before anything runs.
    const errors: string[] = [];
    const err = vi.spyOn(console, 'error').mockImplementation((l: unknown) => void errors.push(String(l)));
    try {
      expect(await runMain(['election-basics', '--report', out])).toBe(2);
    } finally {
      err.mockRestore();
    }
    expect(errors.join('\n')).toMatch(/is not empty/);
  });
});
