/**
 * A real 3-node Multi-Paxos cluster (three OS processes, SQLite files, sockets through the
 * router) driven through the HTTP API: it elects a distinguished proposer,
 * serves put/get/cas, survives the leader's SIGKILL with acknowledged writes intact, and an
 * acceptor SIGKILLed and restarted keeps what it promised and accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView, KvResponse } from '../../src-main/api/contract';
import { startLab, waitFor, waitLeader, type TestLab } from './helpers';

let t: TestLab;
const ALL = ['n1', 'n2', 'n3'];

beforeAll(async () => {
  t = await startLab({ nodes: 3, seed: 5, protocol: 'paxos' });
});

afterAll(async () => {
  await t?.stop();
});

const kv = (body: unknown) => t.api<KvResponse>('POST', '/api/kv', body);
const view = async () => (await t.api<ClusterView>('GET', '/api/cluster')).body;

/** missingOf reads every key through the gateway and lists the ones that do not hold their acknowledged value. */
async function missingOf(acked: Map<string, string>): Promise<string[]> {
  const entries = [...acked];
  const rs = await Promise.all(entries.map(([key]) => kv({ op: 'get', key, timeoutMs: 5000 })));
  return rs.flatMap((r, i) => {
    const [key, value] = entries[i]!;
    return r.body.outcome === 'ok' && r.body.value === value ? [] : [`${key}: ${JSON.stringify(r.body)}`];
  });
}

describe('3-node Multi-Paxos cluster over HTTP', () => {
  it('elects one distinguished proposer whose ballot every node shows', async () => {
    // Nodes that timed out together may duel for a moment; wait for the settled view.
    const v = await waitFor(
      async () => {
        const x = await view();
        const l = x.nodes.filter((n) => n.role === 'leader');
        return l.length === 1 && x.nodes.every((n) => n.leader === l[0]!.id && n.term === l[0]!.term) ? x : null;
      },
      15_000,
      'one leader all nodes follow',
    );
    expect(v.protocol).toBe('paxos');
    const leader = v.nodes.find((n) => n.role === 'leader')!.id;
    // Ballot = round * 100 + node number: the leader's own number is in the low digits.
    const ballot = v.nodes.find((n) => n.id === leader)!.term;
    expect(ballot % 100).toBe(Number(leader.slice(1)));
  });

  it('put, get and cas with their outcomes', async () => {
    expect((await kv({ op: 'put', key: 'a', value: '1' })).body.outcome).toBe('ok');
    expect((await kv({ op: 'get', key: 'a' })).body).toMatchObject({ outcome: 'ok', value: '1' });
    const mismatch = await kv({ op: 'cas', key: 'a', expected: '0', value: '2' });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body).toMatchObject({ outcome: 'fail', error: 'cas-mismatch' });
    expect((await kv({ op: 'cas', key: 'a', expected: '1', value: '2' })).body.outcome).toBe('ok');
    expect((await kv({ op: 'get', key: 'a' })).body.value).toBe('2');
    // The run log names the phases, so a person can follow a slot.
    const types = new Set(
      (await t.lab.log()).filter((r) => r.kind === 'send').map((r) => (r as { type?: string }).type),
    );
    for (const phase of ['prepare', 'promise', 'accept', 'accepted']) expect(types).toContain(phase);
  });

  it('SIGKILL the leader: a new one is chosen and every acknowledged write is still there', async () => {
    const acked = new Map<string, string>([['a', '2']]);
    for (let i = 0; i < 10; i++) {
      const r = await kv({ op: 'put', key: `k${i}`, value: `v${i}` });
      expect(r.body.outcome).toBe('ok');
      acked.set(`k${i}`, `v${i}`);
    }
    const old = await waitLeader(t);
    expect((await t.api('POST', `/api/nodes/${old}/crash`)).status).toBe(200);
    const rest = ALL.filter((id) => id !== old);
    const fresh = await waitLeader(t, 15_000, rest);
    expect(fresh).not.toBe(old);
    expect(await missingOf(acked)).toEqual([]);
    expect((await kv({ op: 'put', key: 'after', value: 'x' })).body.outcome).toBe('ok');
    expect((await t.api('POST', `/api/nodes/${old}/restart`)).status).toBe(200);
    await waitLeader(t, 15_000);
    await waitFor(
      async () => new Set((await view()).nodes.map((n) => n.commitIndex)).size === 1,
      15_000,
      'commit indexes to converge',
    );
  });

  it('an acceptor SIGKILLed mid-write (before and after its replies) and restarted keeps what it accepted', async () => {
    const leader = await waitLeader(t);
    const [a, b] = ALL.filter((id) => id !== leader) as [string, string];
    // With b down, every write needs a's acceptance: a is the acceptor under test.
    await t.api('POST', `/api/nodes/${b}/crash`);
    const acked = new Map<string, string>();
    let n = 0;
    let stop = false;
    const client = async (c: number): Promise<void> => {
      while (!stop) {
        const key = `p-${c}-${n++}`;
        const r = await kv({ op: 'put', key, value: key, timeoutMs: 3000 });
        if (r.body.outcome === 'ok') acked.set(key, key);
      }
    };
    const clients = [client(0), client(1)];
    await waitFor(async () => acked.size >= 10, 15_000, '10 acknowledged writes');
    // SIGKILL a while writes are in flight: some accepts reach it before, some after, its replies.
    await t.api('POST', `/api/nodes/${a}/crash`);
    await t.api('POST', `/api/nodes/${a}/restart`);
    const before = acked.size;
    await waitFor(async () => acked.size >= before + 10, 20_000, '10 more writes after the acceptor came back');
    stop = true;
    await Promise.all(clients);
    await t.api('POST', `/api/nodes/${b}/restart`);
    // Now kill the leader: a's disk (promises and accepted values) is what carries the writes.
    await t.api('POST', `/api/nodes/${leader}/crash`);
    const next = await waitLeader(t, 15_000, [a, b]);
    expect([a, b]).toContain(next);
    expect(await missingOf(acked)).toEqual([]);
    await t.api('POST', `/api/nodes/${leader}/restart`);
    await waitLeader(t, 15_000);
  });
});
