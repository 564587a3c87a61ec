/**
 * A real 5-node Raft cluster: a leader partitioned with one follower (a minority of two)
 * loses; the three elect a leader and serve; then crash faults under load — SIGKILL the
 * leader while clients write, then every node at once, restart them all: every
 * acknowledged write must be there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView, KvResponse } from '../../src-main/api/contract';
import { startLab, waitFor, waitLeader, type TestLab } from './helpers';

let t: TestLab;
const ALL = ['n1', 'n2', 'n3', 'n4', 'n5'];

beforeAll(async () => {
  t = await startLab({ nodes: 5, seed: 11 });
});

afterAll(async () => {
  await t?.stop();
});

const kv = (body: unknown) => t.api<KvResponse>('POST', '/api/kv', body);

describe('5-node cluster', () => {
  it('a leader cut off with one follower cannot commit; the other three elect a leader and serve', async () => {
    const old = await waitLeader(t);
    const buddy = ALL.find((n) => n !== old)!;
    const majority = ALL.filter((n) => n !== old && n !== buddy);
    await t.api('POST', '/api/partition', { groups: [[old, buddy], majority] });
    const minority = Promise.all([
      kv({ op: 'put', key: 'm-0', value: 'x', node: old, timeoutMs: 1500 }),
      kv({ op: 'put', key: 'm-1', value: 'x', node: buddy, timeoutMs: 1500 }),
    ]);
    const fresh = await waitLeader(t, 15_000, majority);
    expect(majority).toContain(fresh);
    expect((await kv({ op: 'put', key: 'five', value: '5' })).body.outcome).toBe('ok');
    for (const r of await minority) expect(['fail', 'unknown']).toContain(r.body.outcome);
    await t.api('POST', '/api/heal');
    await waitLeader(t, 15_000);
    await waitFor(
      async () => new Set((await t.lab.cluster()).nodes.map((n) => `${n.commitIndex}/${n.lastIndex}`)).size === 1,
      10_000,
      'logs to converge',
    );
    // The minority's writes were never acknowledged; whatever happened to them, every node agrees.
    const reads = await Promise.all(ALL.map((id) => kv({ op: 'get', key: 'm-0', node: id })));
    expect(new Set(reads.map((r) => r.body.value)).size).toBe(1);
  });

  it('SIGKILL the leader under load, then every node at once; after restart every acknowledged write is there', async () => {
    const acked = new Map<string, string>();
    let n = 0;
    let stopLoad = false;
    const client = async (c: number): Promise<void> => {
      while (!stopLoad) {
        const key = `w-${c}-${n++}`;
        const r = await kv({ op: 'put', key, value: key, timeoutMs: 3000 });
        if (r.body.outcome === 'ok') acked.set(key, key);
      }
    };
    const clients = Array.from({ length: 4 }, (_, c) => client(c));
    await waitFor(async () => acked.size >= 20, 15_000, '20 acknowledged writes');
    const leader = await waitLeader(t);
    const crashed = (await t.api<ClusterView>('POST', `/api/nodes/${leader}/crash`)).body;
    expect(crashed.nodes.find((x) => x.id === leader)!.status).toBe('down');
    const before = acked.size;
    await waitLeader(t, 15_000);
    await waitFor(async () => acked.size >= before + 20, 15_000, 'writes after the leader was killed');
    stopLoad = true;
    await Promise.all(clients);
    // Every node at once: no time to flush anything.
    const up = (await t.lab.cluster()).nodes.filter((x) => x.status === 'up').map((x) => x.id);
    await Promise.all(up.map((id) => t.api('POST', `/api/nodes/${id}/crash`)));
    expect((await t.lab.cluster()).nodes.every((x) => x.status === 'down')).toBe(true);
    const restarts = await Promise.all(ALL.map((id) => t.api('POST', `/api/nodes/${id}/restart`)));
    expect(restarts.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    await waitLeader(t, 20_000);
    const keys = [...acked.keys()];
    const missing: string[] = [];
    for (let i = 0; i < keys.length; i += 16) {
      const batch = keys.slice(i, i + 16);
      const rs = await Promise.all(batch.map((key) => kv({ op: 'get', key, timeoutMs: 5000 })));
      rs.forEach((r, j) => {
        if (r.body.outcome !== 'ok' || r.body.value !== acked.get(batch[j]!))
          missing.push(`${batch[j]}: ${JSON.stringify(r.body)}`);
      });
    }
    expect(missing).toEqual([]);
    expect(keys.length).toBeGreaterThanOrEqual(40);
    const hist = await t.lab.history();
    expect(hist.filter((h) => h.type === 'ok' && h.f === 'write').length).toBeGreaterThanOrEqual(keys.length);
    const log = await t.lab.log();
    expect(log.filter((r) => r.kind === 'crash').length).toBe(5);
    expect(log.filter((r) => r.kind === 'restart').length).toBe(5);
  }, 150_000);
});
