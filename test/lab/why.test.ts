/**
 * Explain on real clusters (OS processes, SQLite files, the router): GET /api/nodes/:id/why
 * answers from the nodes' state and the run log. A committed entry says when and with whom;
 * an entry written on a leader cut off from everyone names the missing quorum; after the
 * leader is killed, the new leader's answer names the election timeout and the old
 * leader's silence; the same for Multi-Paxos; bad questions get clear 4xx answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ClusterView, KvResponse } from '../../src-main/api/contract';
import type { WhyAnswer } from '../../src-main/api/explain/types';
import { startLab, waitFor, waitLeader, type TestLab } from './helpers';

let t: TestLab | null = null;

afterEach(async () => {
  await t?.stop();
  t = null;
});

const why = async (lab: TestLab, id: string, entry?: number) =>
  lab.api<WhyAnswer & { error?: string }>('GET', `/api/nodes/${id}/why${entry === undefined ? '' : `?entry=${entry}`}`);

const text = (a: WhyAnswer): string => [a.summary, ...a.lines].join('\n');

async function lastIndexOf(lab: TestLab, id: string): Promise<number> {
  const v = await lab.lab.cluster();
  const ins = await lab.lab.inspect(id);
  expect(v.nodes.find((n) => n.id === id)).toBeTruthy();
  return ins.status.lastIndex;
}

/** crashLeaderAndAsk SIGKILLs the leader `old`, waits for another leader, and returns it with its answer to "why are you leader". */
async function crashLeaderAndAsk(lab: TestLab, old: string): Promise<{ fresh: string; answer: WhyAnswer }> {
  await lab.api('POST', `/api/nodes/${old}/crash`);
  const fresh = await waitFor(
    async () => {
      const v = (await lab.api<ClusterView>('GET', '/api/cluster')).body;
      return v.leader !== null && v.leader !== old ? v.leader : null;
    },
    15_000,
    'a new leader',
  );
  const answer = await waitFor(
    async () => {
      const a = await why(lab, fresh);
      return a.status === 200 && a.body.roleFacts?.role === 'leader' && a.body.roleFacts.election ? a.body : null;
    },
    5000,
    'the new leader’s answer',
  );
  return { fresh, answer };
}

describe('explain on a real Raft cluster', () => {
  it('a committed entry says when and with whom; one the cut-off leader holds alone names the missing quorum', async () => {
    t = await startLab({ nodes: 3, seed: 21 });
    const lab = t;
    const leader = await waitLeader(lab);
    expect((await lab.api<KvResponse>('POST', '/api/kv', { op: 'put', key: 'a', value: '1' })).body.outcome).toBe('ok');
    const done = await lastIndexOf(lab, leader);
    const ok = await waitFor(
      async () => {
        const r = await why(lab, leader, done);
        return r.status === 200 && r.body.entryFacts?.committed && r.body.entryFacts.committedAt ? r.body : null;
      },
      5000,
      'the commit record of the put',
    );
    expect(ok.summary).toBe(`entry ${done} (t${ok.entryFacts!.term}) is committed on ${leader}.`);
    expect(text(ok)).toMatch(
      new RegExp(`Leader ${leader} \\(t\\d+\\) committed it at [0-9.]+ s: .+ held it \\([23] of 3; 2 needed\\)`),
    );
    expect(ok.cites.some((c) => c.kind === 'commit')).toBe(true);

    // Cut every node off from every other, then write on the leader alone: it cannot commit.
    const others = ['n1', 'n2', 'n3'].filter((n) => n !== leader);
    await lab.api('POST', '/api/partition', { groups: [[leader], [others[0]], [others[1]]] });
    const w = await lab.api<KvResponse>('POST', '/api/kv', {
      op: 'put',
      key: 'b',
      value: '2',
      node: leader,
      timeoutMs: 400,
    });
    expect(w.body.outcome).not.toBe('ok');
    const stuck = await lastIndexOf(lab, leader);
    expect(stuck).toBeGreaterThan(done);
    const r = await why(lab, leader, stuck);
    expect(r.status).toBe(200);
    const e = r.body.entryFacts!;
    expect(e.committed).toBe(false);
    expect(e.storedOn).toEqual([leader]);
    expect(e.needed).toBe(2);
    expect(text(r.body)).toContain(`tored on ${leader} (1 of 3); 2 needed`);
    expect(text(r.body)).toContain('partition');
    for (const o of others) expect(text(r.body)).toMatch(new RegExp(`${o}: does not store it`));

    // Questions that cannot be answered get clear answers.
    expect((await why(lab, leader, stuck + 1000)).status).toBe(404);
    expect((await why(lab, leader, stuck + 1000)).body.error).toContain('out of range');
    expect((await why(lab, 'n9')).status).toBe(404);
    const bad = await lab.api('GET', `/api/nodes/${leader}/why?entry=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('entry must be a log index');
  }, 60_000);

  it('after the leader is killed, the new leader’s answer names why it campaigned and the old leader', async () => {
    t = await startLab({ nodes: 3, seed: 5 });
    const lab = t;
    const old = await waitLeader(lab);
    const { fresh, answer: r } = await crashLeaderAndAsk(lab, old);
    expect(r.summary).toContain(`${fresh} is leader`);
    expect(r.summary).toContain('won the election with votes from');
    const all = text(r);
    // The killed leader's connection closes, so a survivor campaigns at once; on a busy machine
    // that first campaign may fail, and then the winner's cause is its election timeout — with
    // no message from the old leader, or, when both survivors split the first term's votes,
    // with no leader heard from at all in that term.
    expect(all).toMatch(
      new RegExp(
        `the connection to leader ${old} closed \\(its process is gone\\)|election timeout: no message from leader ${old}|election timeout: no leader heard from`,
      ),
    );
    expect(all).toContain(`${old} was crashed (SIGKILL)`);
    expect(r.cites.some((c) => c.kind === 'role-reason')).toBe(true);
    // The run log itself carries the reasons.
    const log = (await lab.api<{ kind: string; node?: string; reason?: string }[]>('GET', '/api/log')).body;
    expect(log.some((x) => x.kind === 'role' && x.node === fresh && /won the election/.test(x.reason ?? ''))).toBe(
      true,
    );
    // The crashed node answers too: it is down, since its crash.
    const down = await why(lab, old);
    expect(down.body.summary).toMatch(new RegExp(`^${old} is down: it crashed \\(SIGKILL\\) at`));
  }, 60_000);
});

describe('explain on a real Multi-Paxos cluster', () => {
  it('names phase 1, why it campaigned and a committed slot in Paxos words', async () => {
    t = await startLab({ nodes: 3, seed: 9, protocol: 'paxos' });
    const lab = t;
    const old = await waitLeader(lab);
    expect((await lab.api<KvResponse>('POST', '/api/kv', { op: 'put', key: 'p', value: '1' })).body.outcome).toBe('ok');
    const done = await lastIndexOf(lab, old);
    const ok = await waitFor(
      async () => {
        const r = await why(lab, old, done);
        return r.body.entryFacts?.committed && r.body.entryFacts.committedAt ? r.body : null;
      },
      5000,
      'the committed slot',
    );
    expect(ok.summary).toMatch(new RegExp(`^entry ${done} \\(b=\\d+\\.n\\d+\\) is committed on ${old}\\.$`));
    const { answer: r } = await crashLeaderAndAsk(lab, old);
    expect(r.summary).toContain('phase 1 won: promises from');
    // The election that won followed the crash: at once, as the dead leader's connection closed;
    // on a busy machine a first attempt may have failed, and then the winner's timeout says it
    // heard no leader at all since.
    expect(text(r)).toMatch(
      new RegExp(
        `the connection to leader ${old} closed|election timeout: (no message from leader ${old}|no leader heard from) for \\d+ ticks`,
      ),
    );
    expect(text(r)).toMatch(/\(b=\d+\.n\d+\)/);
  }, 60_000);
});
