/**
 * Disk faults in the lab, end to end over HTTP on real node processes: POST
 * /api/nodes/:id/damage breaks a stopped node's SQLite file (each of the three kinds); the
 * restarted node reports the damage and recovers from its peers, and then votes again (with
 * the leader crashed, a new one can only be elected with its vote). Every acknowledged write
 * survives: the run's client history is linearizable by the checker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView, DamageResult, HistoryOp, KvResponse, RunLogRecord } from '../../src-main/api/contract';
import { checkHistory } from '../../src-main/check/check';
import { DAMAGE_KINDS } from '../../src-main/core/recovery/damage';
import { startLab, waitFor, waitLeader, type TestLab } from './helpers';

let t: TestLab;

beforeAll(async () => {
  t = await startLab({ nodes: 3, seed: 5 });
});

afterAll(async () => {
  await t?.stop();
});

const kv = (body: unknown) => t.api<KvResponse>('POST', '/api/kv', body);
const view = async (): Promise<ClusterView> => (await t.api<ClusterView>('GET', '/api/cluster')).body;
const log = async (): Promise<RunLogRecord[]> => (await t.api<RunLogRecord[]>('GET', '/api/log')).body;

/** writes puts n keys and expects each to be acknowledged. */
async function writes(prefix: string, n: number): Promise<void> {
  for (let i = 0; i < n; i++)
    expect((await kv({ op: 'put', key: `${prefix}${i}`, value: `${i}` })).body.outcome).toBe('ok');
}

describe('damage (POST /api/nodes/:id/damage)', () => {
  it('refuses a running node, an unknown kind and an unknown node', async () => {
    const l = await waitLeader(t);
    expect(await t.api('POST', `/api/nodes/${l}/damage`, { kind: 'file' })).toMatchObject({
      status: 409,
      body: { error: expect.stringMatching(/is up; crash it first/) },
    });
    expect((await t.api('POST', '/api/nodes/n1/damage', { kind: 'bitrot' })).status).toBe(400);
    expect((await t.api('POST', '/api/nodes/n9/damage', { kind: 'file' })).status).toBe(404);
  });

  it.each(DAMAGE_KINDS)(
    '%s: the node restarts recovering, catches up, votes again, and no acknowledged write is lost',
    async (kind) => {
      const l = await waitLeader(t);
      await writes(`${kind}-a`, 15);
      const f = (await view()).nodes.find((n) => n.id !== l && n.status === 'up')!.id;
      await t.api('POST', `/api/nodes/${f}/crash`);
      const d = await t.api<DamageResult>('POST', `/api/nodes/${f}/damage`, { kind });
      expect(d.status).toBe(200);
      expect(d.body).toMatchObject({ node: f, kind, what: expect.any(String) });
      expect((await view()).nodes.find((n) => n.id === f)!.damaged).toBe(true);
      // The cluster goes on without it; then it comes back on its damaged file.
      await writes(`${kind}-b`, 10);
      const mark = (await log()).length;
      await t.api('POST', `/api/nodes/${f}/restart`);
      await waitFor(
        async () => (await log()).slice(mark).some((r) => r.kind === 'storage-damaged' && r.node === f),
        20_000,
        `${f} reporting its damage`,
      );
      await waitFor(
        async () =>
          (await log()).slice(mark).some((r) => r.kind === 'recovered' && r.node === f && r.source === 'peers'),
        30_000,
        `${f} recovered from its peers`,
      );
      await waitFor(
        async () => (await view()).nodes.find((n) => n.id === f)!.damaged === false,
        10_000,
        'not recovering',
      );
      // It votes again: with the leader down, the other two can only elect someone with its vote.
      await t.api('POST', `/api/nodes/${l}/crash`);
      const l2 = await waitLeader(t, 30_000);
      expect(l2).not.toBe(l);
      await writes(`${kind}-c`, 5);
      await t.api('POST', `/api/nodes/${l}/restart`);
      await waitLeader(t, 30_000);
      // Every acknowledged write reads back.
      for (const p of ['a', 'b', 'c']) {
        const n = p === 'a' ? 15 : p === 'b' ? 10 : 5;
        for (let i = 0; i < n; i++) expect((await kv({ op: 'get', key: `${kind}-${p}${i}` })).body.value).toBe(`${i}`);
      }
      const records = await log();
      expect(
        records.some((r) => r.kind === 'damage' && r.node === f && r.fault === kind && r.what === d.body.what),
      ).toBe(true);
    },
    180_000,
  );

  it("the run's client history is linearizable", async () => {
    const h = (await t.api<HistoryOp[]>('GET', '/api/history')).body;
    expect(h.length).toBeGreaterThan(100);
    const r = checkHistory(h);
    expect(r.linearizable).toBe(true);
  });
});
