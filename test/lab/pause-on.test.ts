/**
 * Pause on an event, on a real 3-node cluster: when the cluster commits (or a role
 * changes) the lab freezes everything — every node process stopped (SIGSTOP), the router
 * holding messages — and says why; Continue lets it run on, and a request left waiting
 * completes. A request sent while frozen is refused at once (never sent: certainly not
 * applied).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KvResponse } from '../../src-main/api/contract';
import { pauseReason } from '../../src-main/lab/pause-on';
import { startLab, waitFor, waitLeader, type TestLab } from './helpers';

/** processState reads a process's state letter from /proc (T = stopped). */
function processState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]!;
}

describe('pauseReason', () => {
  const on = { role: true, commit: true };
  it('names role changes (not a first report) and commits beyond the highest seen', () => {
    expect(
      pauseReason(on, { t: 0, seq: 1, kind: 'role', node: 'n3', role: 'leader', term: 4, from: 'candidate' }, 0),
    ).toBe('n3 became leader (term 4)');
    expect(
      pauseReason(on, { t: 0, seq: 1, kind: 'role', node: 'n3', role: 'follower', term: 0, from: null }, 0),
    ).toBeNull();
    expect(pauseReason(on, { t: 0, seq: 1, kind: 'commit', node: 'n1', commitIndex: 7 }, 6)).toBe(
      'n1 committed index 7',
    );
    expect(pauseReason(on, { t: 0, seq: 1, kind: 'commit', node: 'n2', commitIndex: 7 }, 7)).toBeNull();
    expect(
      pauseReason({ role: false, commit: false }, { t: 0, seq: 1, kind: 'commit', node: 'n2', commitIndex: 9 }, 7),
    ).toBeNull();
  });
});

describe('pause on a real cluster', () => {
  let t: TestLab;

  beforeAll(async () => {
    t = await startLab({ nodes: 3, seed: 9 });
    await waitLeader(t);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('freezes every node and the network on a commit, and Continue lets the write finish', async () => {
    await t.api('POST', '/api/kv', { op: 'put', key: 'warm', value: '0' });
    // Settled: every node, asked live, has committed its whole log, and the lab has seen each
    // one report that index — so the freeze below is the put's, not a late report of this one
    // (the reported lastIndex alone can be stale: a node re-reports on a commit, not an append).
    await waitFor(
      async () => {
        const v = await t.lab.cluster();
        const live = await Promise.all(v.nodes.map((n) => t.lab.inspect(n.id)));
        const top = Math.max(...live.map((i) => i.status.lastIndex));
        return live.every((i) => i.status.commitIndex === top) && v.nodes.every((n) => n.commitIndex === top);
      },
      5000,
      'every node to commit and report the warm-up write',
    );
    // Slow links keep messages in flight in the router when the freeze comes: it must hold them.
    for (const [a, b] of [
      ['n1', 'n2'],
      ['n1', 'n3'],
      ['n2', 'n3'],
    ] as const)
      await t.lab.setLink({ from: a, to: b, latencyMs: 120, both: true });
    await t.lab.setPauseOn({ role: false, commit: true });
    const put = t.api<KvResponse>('POST', '/api/kv', { op: 'put', key: 'a', value: '1', timeoutMs: 20_000 });
    const frozen = await waitFor(async () => (await t.lab.cluster()).frozen, 5000, 'the freeze');
    expect(frozen).toMatch(/^n\d committed index \d+$/);
    const pids = t.lab.nodePids();
    expect(pids).toHaveLength(3);
    // SIGSTOP is sent before the freeze is reported, but a busy machine may take a moment to deliver it.
    await waitFor(async () => pids.every((pid) => processState(pid) === 'T'), 3000, 'every node stopped (T)');
    // Nothing is delivered while frozen.
    const delivered = async () => (await t.lab.log(0)).filter((r) => r.kind === 'deliver').length;
    const before = await delivered();
    await new Promise((r) => setTimeout(r, 300));
    expect(await delivered()).toBe(before);
    // A request now is refused at once, and says why.
    const refused = await t.api<KvResponse>('POST', '/api/kv', { op: 'put', key: 'b', value: '2' });
    expect(refused.body.outcome).toBe('fail');
    expect(refused.body.error).toMatch(/^the cluster is frozen \(paused on: n\d committed index \d+\)/);
    await t.lab.setPauseOn({ role: false, commit: false });
    expect((await t.lab.cluster()).frozen).toBeNull();
    await waitFor(async () => pids.every((pid) => processState(pid) !== 'T'), 3000, 'every node running again');
    expect((await put).body.outcome).toBe('ok');
    await t.lab.heal();
  });

  it('freezes on a role change, and continueRun resumes', async () => {
    const leader = await waitLeader(t);
    await t.lab.setPauseOn({ role: true, commit: false });
    await t.api('POST', `/api/nodes/${leader}/crash`);
    const frozen = await waitFor(async () => (await t.lab.cluster()).frozen, 10_000, 'the freeze');
    expect(frozen).toMatch(/^n\d became (precandidate|candidate|leader|follower) \(term \d+\)$/);
    await expect(t.lab.continueRun()).resolves.toMatchObject({ frozen: null });
    await t.lab.setPauseOn({ role: false, commit: false });
    await expect(t.lab.continueRun()).rejects.toThrow('the cluster is not frozen: nothing to continue');
    await t.api('POST', `/api/nodes/${leader}/restart`);
    await waitLeader(t);
  });
});
