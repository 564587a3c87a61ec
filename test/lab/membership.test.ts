/**
 * Membership changes on a real Raft and a real Multi-Paxos cluster (OS processes, SQLite files, the router),
 * through the HTTP API, while clients write and read: a node added under load joins as a
 * learner, catches up and is promoted; the leader is removed (it hands over first); a
 * node that is down is removed; leadership is transferred; the leader crashes in the
 * middle of an add; a node is added during a partition. Throughout, the client history
 * must be linearizable and every acknowledged write must still be readable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView, HistoryOp, KvResponse } from '../../src-main/api/contract';
import { checkHistory } from '../../src-main/check/check';
import { startLab, waitFor, waitLeader, type TestLab } from './helpers';

let t: TestLab;

const view = async (): Promise<ClusterView> => (await t.api<ClusterView>('GET', '/api/cluster')).body;
const kv = (body: unknown) => t.api<KvResponse>('POST', '/api/kv', body);
const del = (path: string) => t.api('DELETE', path);

/** clients runs `n` workers writing unique values and reading back over 6 keys until stopped; resolves with the ops done. */
function clients(n: number): { stop: () => Promise<{ ok: number; all: number }> } {
  let running = true;
  let ok = 0;
  let all = 0;
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; running; i++) {
      const key = `m${(w + i) % 6}`;
      const r = i % 3 === 2 ? await kv({ op: 'get', key }) : await kv({ op: 'put', key, value: `w${w}-${i}` });
      all++;
      if (r.body.outcome === 'ok') ok++;
    }
  };
  const done = Promise.all(Array.from({ length: n }, (_, w) => worker(w)));
  return {
    stop: async () => {
      running = false;
      await done;
      return { ok, all };
    },
  };
}

/** settled waits until no change is in flight and returns the view. */
async function settled(ms = 30_000): Promise<ClusterView> {
  return waitFor(
    async () => {
      const v = await view();
      return v.config && v.config.pending === null && v.leader !== null ? v : null;
    },
    ms,
    'the membership change to finish',
  );
}

/** expectSafe checks the whole client history and reads back every key written. */
async function expectSafe(): Promise<void> {
  const history = (await t.api<HistoryOp[]>('GET', '/api/history')).body;
  const r = checkHistory(history);
  expect(r.linearizable, JSON.stringify(r.violation ?? null).slice(0, 600)).toBe(true);
  const exp = await t.api<{ check: { ok: boolean; summary: string } }>('POST', '/api/export', {});
  expect(exp.body.check.ok, exp.body.check.summary).toBe(true);
}

describe.each(['raft', 'paxos'] as const)('membership on a real %s cluster', (protocol) => {
  beforeAll(async () => {
    t = await startLab({ nodes: 3, seed: 31, protocol });
    await waitLeader(t);
  });

  afterAll(async () => {
    await t?.stop();
  });

  it('shows the configuration in force and how it changes', async () => {
    const v = await view();
    const method = protocol === 'raft' ? 'single-server' : 'log-window';
    expect(v.config).toEqual({ voters: ['n1', 'n2', 'n3'], learners: [], pending: null, method });
  });

  it('adds a node under load: learner, catches up, promoted; it holds every write', async () => {
    for (let i = 0; i < 30; i++)
      await waitFor(
        async () => (await kv({ op: 'put', key: `pre${i}`, value: `${i}` })).body.outcome === 'ok',
        20_000,
        'a put',
      );
    const load = clients(4);
    const added = await t.api<{ id: string }>('POST', '/api/nodes', {});
    expect(added.status).toBe(200);
    expect(added.body).toEqual({ id: 'n4' });
    // Right after the answer the new node is a learner, and the change is still in flight.
    const mid = await view();
    expect(mid.config!.learners.includes('n4') || mid.config!.voters.includes('n4')).toBe(true);
    expect(mid.nodes.map((n) => n.id)).toContain('n4');
    // One change at a time: a second add while this one runs is refused.
    if (mid.config!.pending !== null) {
      const second = await t.api<{ error: string }>('POST', '/api/nodes', {});
      expect(second.status).toBe(409);
      expect(second.body.error).toMatch(/in flight/);
    }
    const v = await settled();
    const done = await load.stop();
    expect(done.ok).toBeGreaterThan(20);
    expect(v.config!.voters).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect(v.config!.learners).toEqual([]);
    // n4 has everything: it applies what the leader committed.
    await waitFor(
      async () => {
        const w = await view();
        const top = Math.max(...w.nodes.map((n) => n.commitIndex));
        return w.nodes.find((n) => n.id === 'n4')!.lastApplied >= top;
      },
      10_000,
      'n4 to apply everything',
    );
    const n4 = (await t.api<{ keys: number }>('GET', '/api/nodes/n4/inspect')).body;
    const lead = (await view()).leader!;
    const l = (await t.api<{ keys: number }>('GET', `/api/nodes/${lead}/inspect`)).body;
    expect(n4.keys).toBe(l.keys);
    const kinds = (await t.lab.log(0)).map((r) => r.kind);
    for (const k of ['node-added', 'conf-change', 'learner-caught-up', 'member-added']) expect(kinds).toContain(k);
    await expectSafe();
  });

  it('transfers leadership on request', async () => {
    const v = await view();
    const to = v.config!.voters.find((n) => n !== v.leader)!;
    // On a loaded machine an election can start just before the call: ask again while there is no leader.
    const r = await waitFor(
      async () => {
        const x = await t.api<ClusterView>('POST', '/api/transfer', { to });
        return /no leader/.test(JSON.stringify(x.body)) ? null : x;
      },
      20_000,
      'a leader to take the transfer',
    );
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    expect(r.body.leader).toBe(to);
    expect((await t.api<{ error: string }>('POST', '/api/transfer', { to })).body.error).toMatch(/already leads/);
  });

  it('removes the leader under load: it hands over first, and the cluster keeps serving', async () => {
    const load = clients(4);
    const old = (await settled()).leader!;
    const r = await del(`/api/nodes/${old}`);
    expect(r.status).toBe(200);
    const v = r.body as ClusterView;
    expect(v.nodes.map((n) => n.id)).not.toContain(old);
    expect(v.config!.voters).not.toContain(old);
    expect(v.config!.voters).toHaveLength(3);
    const done = await load.stop();
    expect(done.ok).toBeGreaterThan(10);
    const log = await t.lab.log(0);
    const steps = log
      .filter((x) => x.kind === 'member-change' && x.op === 'remove' && x.node === old)
      .map((x) => x.step);
    expect(steps).toEqual(['transferring', 'removing', 'stopping']);
    expect(log.some((x) => x.kind === 'transfer-done' && x.from === old)).toBe(true);
    expect((await kv({ op: 'put', key: 'after-remove', value: '1' })).body.outcome).toBe('ok');
    await expectSafe();
  });

  it('removes a node that is down', async () => {
    const v = await settled();
    const victim = v.config!.voters.find((n) => n !== v.leader)!;
    expect((await t.api('POST', `/api/nodes/${victim}/crash`)).status).toBe(200);
    const r = await del(`/api/nodes/${victim}`);
    expect(r.status).toBe(200);
    expect((r.body as ClusterView).config!.voters).toHaveLength(2);
    expect((await kv({ op: 'put', key: 'two-voters', value: 'ok' })).body.outcome).toBe('ok');
    // An unknown node, and a node id that was used before, are refused with a reason.
    expect((await del(`/api/nodes/${victim}`)).status).toBe(404);
    const reuse = await t.api<{ error: string }>('POST', '/api/nodes', { id: victim });
    expect(reuse.status).toBe(409);
    expect(reuse.body.error).toMatch(/not reused/);
  });

  it('the leader crashes in the middle of an add: the next leader finishes it', async () => {
    const load = clients(2);
    const before = await settled();
    const old = before.leader!;
    const added = await t.api<{ id: string }>('POST', '/api/nodes', {});
    expect(added.status).toBe(200);
    const id = added.body.id;
    await t.api('POST', `/api/nodes/${old}/crash`);
    // Two voters, one of them down: the new one cannot be promoted until a quorum is back.
    await t.api('POST', `/api/nodes/${old}/restart`);
    const v = await settled(60_000);
    await load.stop();
    expect(v.config!.voters).toContain(id);
    expect(v.config!.voters).toHaveLength(3);
    await expectSafe();
  });

  it('adds a node during a partition: it joins the leader’s side and is promoted there', async () => {
    const v = await settled();
    const lead = v.leader!;
    const other = v.config!.voters.find((n) => n !== lead)!;
    const cut = v.config!.voters.find((n) => n !== lead && n !== other)!;
    await t.api('POST', '/api/partition', { groups: [[lead, other], [cut]] });
    const added = await t.api<{ id: string }>('POST', '/api/nodes', {});
    expect(added.status).toBe(200);
    const w = await settled();
    expect(w.config!.voters).toContain(added.body.id);
    expect(w.groups.find((g) => g.includes(lead))).toContain(added.body.id);
    expect((await kv({ op: 'put', key: 'partitioned-add', value: 'yes' })).body.outcome).toBe('ok');
    await t.api('POST', '/api/heal');
    // The node cut off may have raised its ballot (Paxos) or term: let the cluster settle before reading back.
    await settled();
    await waitFor(
      async () => (await kv({ op: 'put', key: 'healed', value: 'yes' })).body.outcome === 'ok',
      15_000,
      'a write',
    );
    await expectSafe();
  });
});

describe('a kept cluster remembers its membership', () => {
  it('reopened after an add and a remove, it runs the same nodes, and never reuses a removed id', async () => {
    const lab = await startLab({ nodes: 3, seed: 41 });
    try {
      await waitLeader(lab);
      const added = await lab.api<{ id: string }>('POST', '/api/nodes', {});
      expect(added.body.id).toBe('n4');
      await waitFor(
        async () => {
          const v = (await lab.api<ClusterView>('GET', '/api/cluster')).body;
          return v.config?.voters.includes('n4') && v.config.pending === null && v.leader !== null;
        },
        30_000,
        'n4 promoted',
      );
      const v0 = (await lab.api<ClusterView>('GET', '/api/cluster')).body;
      const victim = v0.config!.voters.find((n) => n !== v0.leader && n !== 'n4')!;
      expect((await lab.api('DELETE', `/api/nodes/${victim}`)).status).toBe(200);
      const put = await lab.api<KvResponse>('POST', '/api/kv', { op: 'put', key: 'kept', value: 'yes' });
      expect(put.body.outcome).toBe('ok');
      const name = lab.lab.currentClusterName!;
      await lab.lab.reopenCluster(name);
      const v = await waitFor(
        async () => {
          const x = (await lab.api<ClusterView>('GET', '/api/cluster')).body;
          return x.leader !== null ? x : null;
        },
        30_000,
        'a leader after reopening',
      );
      const running = ['n1', 'n2', 'n3', 'n4'].filter((n) => n !== victim);
      expect(v.nodes.map((n) => n.id)).toEqual(running);
      expect(v.config!.voters).toEqual(running);
      const got = await lab.api<KvResponse>('POST', '/api/kv', { op: 'get', key: 'kept' });
      expect(got.body.value).toBe('yes');
      // The next node is n5: neither the removed node's id nor its file come back.
      expect((await lab.api<{ id: string }>('POST', '/api/nodes', {})).body.id).toBe('n5');
      await waitFor(
        async () => (await lab.api<ClusterView>('GET', '/api/cluster')).body.config?.pending === null,
        30_000,
        'n5 promoted',
      );
      const again = await lab.api<{ error: string }>('POST', '/api/nodes', { id: victim });
      expect(again.status).toBe(409);
      expect(again.body.error).toMatch(/not reused/);
    } finally {
      await lab.stop();
    }
  });
});
