/**
 * A real 3-node Raft cluster (three OS processes, SQLite files, sockets through the
 * router) driven through the HTTP API. The tests share one cluster and
 * run in order; each leaves the network healed.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ClusterView, KvResponse, LabEvent, SavedRun } from '../../src-main/api/contract';
import { encodeFrame } from '../../src-main/node/frames';
import { EXPORTED_FILES, leaderOf, startLab, waitFor, waitLeader, type TestLab } from './helpers';

let t: TestLab;

beforeAll(async () => {
  t = await startLab({ nodes: 3, seed: 7 });
});

afterAll(async () => {
  await t?.stop();
});

const kv = (body: unknown) => t.api<KvResponse>('POST', '/api/kv', body);

describe('3-node cluster over HTTP', () => {
  it('elects one leader that GET /api/cluster shows', async () => {
    // One view over HTTP in which every node agrees on one leader (timers may re-elect on a busy machine).
    const v = await waitFor(
      async () => {
        const view = (await t.api<ClusterView>('GET', '/api/cluster')).body;
        return leaderOf(view) ? view : null;
      },
      15_000,
      'a leader in GET /api/cluster',
    );
    const leader = leaderOf(v);
    expect(v.protocol).toBe('raft');
    expect(v.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3']);
    expect(v.nodes.every((n) => n.status === 'up' && typeof n.pid === 'number')).toBe(true);
    expect(v.nodes.filter((n) => n.role === 'leader').map((n) => n.id)).toEqual([leader]);
    expect(v.groups).toEqual([['n1', 'n2', 'n3']]);
  });

  it('put, get, cas and delete with the issue’s statuses', async () => {
    expect((await kv({ op: 'put', key: 'a', value: '1' })).body.outcome).toBe('ok');
    const got = await kv({ op: 'get', key: 'a' });
    expect(got.status).toBe(200);
    expect(got.body.value).toBe('1');
    const mismatch = await kv({ op: 'cas', key: 'a', expected: '0', value: '2' });
    expect(mismatch.status).toBe(409);
    expect(mismatch.body).toMatchObject({ outcome: 'fail', error: 'cas-mismatch' });
    expect((await kv({ op: 'cas', key: 'a', expected: '1', value: '2' })).status).toBe(200);
    expect((await kv({ op: 'get', key: 'a' })).body.value).toBe('2');
    expect((await kv({ op: 'delete', key: 'a' })).status).toBe(200);
    const missing = await kv({ op: 'get', key: 'a' });
    expect(missing.status).toBe(200);
    expect(missing.body).toMatchObject({ outcome: 'ok', value: null });
    // cas with expected null means "only if absent".
    expect((await kv({ op: 'cas', key: 'a', expected: null, value: 'new' })).status).toBe(200);
    expect((await kv({ op: 'get', key: 'a' })).body.value).toBe('new');
  });

  it('answers the seed document’s curl examples in its own words', async () => {
    const seed = (body: unknown) => t.api('POST', '/', body);
    expect((await seed({ type: 'store', key: 'foo', value: 'bar' })).body).toEqual({
      status: 'success',
      message: 'Data stored successfully',
    });
    expect((await seed({ type: 'fetch', key: 'foo' })).body).toEqual({
      status: 'success',
      message: 'Data fetched successfully',
      value: 'bar',
    });
    expect((await seed({ type: 'fetch', key: 'never-stored' })).body).toEqual({
      status: 'error',
      message: 'Data not found',
    });
    expect((await seed({ type: 'delete', key: 'foo' })).body).toEqual({
      status: 'error',
      message: 'Invalid request type',
    });
  });

  it('refuses each bad input with a 4xx {error}, changes nothing and keeps serving', async () => {
    const before = (await t.api<ClusterView>('GET', '/api/cluster')).body;
    const bad: [string, string, unknown][] = [
      ['POST', '/api/kv', '{"op":"put","key":'], // malformed JSON
      ['POST', '/api/kv', { op: 'increment', key: 'a' }], // unknown op
      ['POST', '/api/kv', { op: 'put', key: 7, value: 'x' }], // non-string key
      ['POST', '/api/kv', { op: 'put', key: 'big', value: 'x'.repeat(1024 * 1024 + 1) }], // value over 1 MiB
      ['POST', '/api/nodes/n9/crash', undefined], // unknown node
      ['POST', '/api/nodes/zz/pause', undefined], // not a node id
      ['POST', '/api/cluster', { nodes: 3, protocol: 'zab' }], // unknown protocol
      ['POST', '/api/cluster', { nodes: 0 }], // zero nodes
      ['POST', '/api/links', { from: 'n1', to: 'n2', latencyMs: -5 }], // negative latency
      ['POST', '/api/links', { from: 'n1', to: 'n2', loss: 1.5 }], // probability outside 0..1
      ['POST', '/api/links', { from: 'n1', to: 'n2', duplicate: -0.1 }],
      ['POST', '/api/partition', { groups: [['n1'], ['n1', 'n2']] }],
      ['POST', '/api/partition', { groups: [['n1'], ['n7']] }],
      ['POST', '/api/time-scale', { scale: 0 }],
      ['POST', '/api/balance', { algorithm: 'fastest' }],
      ['POST', '/api/load', { op: 'put', count: 0, clients: 1 }],
      ['POST', '/api/open', { name: '/definitely/not/a/run' }], // a path, not a name
      ['POST', '/api/open', { name: 'no-such-run' }],
      ['POST', '/api/export', { name: '../escape' }], // runs stay in the data folder
      ['POST', '/api/load', { op: 'put', count: 200_000, clients: 16, valueBytes: 65_536 }], // 13 GB of writes
      ['GET', '/api/log?since=-1', undefined],
    ];
    for (const [method, path, body] of bad) {
      const r = await t.api<{ error: string }>(method as 'GET' | 'POST', path, body);
      expect(r.status, `${method} ${path} ${JSON.stringify(body)?.slice(0, 60)}`).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
      expect(typeof r.body.error).toBe('string');
      expect(r.body.error.length).toBeGreaterThan(3);
    }
    const after = (await t.api<ClusterView>('GET', '/api/cluster')).body;
    expect(after.nodes.map((n) => [n.id, n.status, n.pid])).toEqual(before.nodes.map((n) => [n.id, n.status, n.pid]));
    expect(after.links).toEqual([]);
    expect(after.settings).toEqual(before.settings);
    expect((await kv({ op: 'get', key: 'big' })).body.value).toBeNull();
    expect((await kv({ op: 'put', key: 'still', value: 'serving' })).body.outcome).toBe('ok');
  });

  it('a leader partitioned into a minority: the majority elects another and serves; the minority never acknowledges', async () => {
    const old = await waitLeader(t);
    const rest = ['n1', 'n2', 'n3'].filter((n) => n !== old);
    const v = (await t.api<ClusterView>('POST', '/api/partition', { groups: [[old], rest] })).body;
    expect(v.groups).toEqual([[old], rest]);
    expect(v.links.filter((l) => l.blocked).length).toBe(4);
    // Writes pinned to the isolated old leader must never come back ok.
    const minority = Promise.all(
      Array.from({ length: 3 }, (_, i) =>
        kv({ op: 'put', key: `minority-${i}`, value: 'lost?', node: old, timeoutMs: 1500 }),
      ),
    );
    const fresh = await waitLeader(t, 15_000, rest);
    expect(fresh).not.toBe(old);
    const w = await kv({ op: 'put', key: 'majority', value: 'yes' });
    expect(w.body.outcome).toBe('ok');
    for (const r of await minority) {
      expect(['fail', 'unknown']).toContain(r.body.outcome);
      expect([503, 504]).toContain(r.status);
    }
    await t.api('POST', '/api/heal');
    const one = await waitLeader(t, 15_000);
    expect(rest).toContain(one);
    // Logs converge: same commit index and last index everywhere, same tail of entries.
    await waitFor(
      async () => {
        const c = await t.lab.cluster();
        const idx = new Set(c.nodes.map((n) => `${n.commitIndex}/${n.lastIndex}/${n.lastApplied}`));
        return idx.size === 1 && c.nodes[0]!.commitIndex > 0;
      },
      10_000,
      'logs to converge',
    );
    const tails = await Promise.all(['n1', 'n2', 'n3'].map((id) => t.lab.inspect(id)));
    const last = tails.map((i) => JSON.stringify(i.entries.slice(-5)));
    expect(new Set(last).size).toBe(1);
    // The acknowledged write is there; nothing the minority was told about was acknowledged.
    expect((await kv({ op: 'get', key: 'majority' })).body.value).toBe('yes');
  });

  it('a paused node catches up after resume', async () => {
    const leader = await waitLeader(t);
    const follower = ['n1', 'n2', 'n3'].find((n) => n !== leader)!;
    const paused = (await t.api<ClusterView>('POST', `/api/nodes/${follower}/pause`)).body;
    expect(paused.nodes.find((n) => n.id === follower)!.status).toBe('paused');
    for (let i = 0; i < 10; i++)
      expect((await kv({ op: 'put', key: `while-paused-${i}`, value: String(i) })).body.outcome).toBe('ok');
    const target = (await t.lab.cluster()).nodes.find((n) => n.id === leader)!.commitIndex;
    const resumed = (await t.api<ClusterView>('POST', `/api/nodes/${follower}/resume`)).body;
    expect(resumed.nodes.find((n) => n.id === follower)!.status).toBe('up');
    await waitFor(
      async () => ((await t.lab.cluster()).nodes.find((n) => n.id === follower)!.lastApplied >= target ? true : null),
      10_000,
      `${follower} to catch up`,
    );
    const r = await kv({ op: 'get', key: 'while-paused-9', node: follower });
    expect(r.body).toMatchObject({ outcome: 'ok', value: '9' });
  });

  it('1% loss with 20±10 ms latency on every link still makes progress', async () => {
    for (const [from, to] of [
      ['n1', 'n2'],
      ['n1', 'n3'],
      ['n2', 'n3'],
    ] as const) {
      const r = await t.api<ClusterView>('POST', '/api/links', {
        from,
        to,
        latencyMs: 20,
        jitterMs: 10,
        loss: 0.01,
        both: true,
      });
      expect(r.status).toBe(200);
    }
    const v = (await t.api<ClusterView>('GET', '/api/cluster')).body;
    expect(v.links.length).toBe(6);
    expect(v.links[0]).toMatchObject({ latencyMs: 20, jitterMs: 10, loss: 0.01, blocked: false });
    let ok = 0;
    for (let i = 0; i < 15; i++)
      if ((await kv({ op: 'put', key: `lossy-${i}`, value: 'v', timeoutMs: 5000 })).body.outcome === 'ok') ok++;
    expect(ok).toBeGreaterThanOrEqual(12);
    const log = (await t.api<{ kind: string; reason?: string }[]>('GET', '/api/log')).body;
    expect(log.some((r) => r.kind === 'deliver')).toBe(true);
    await t.api('POST', '/api/heal');
    expect((await t.api<ClusterView>('GET', '/api/cluster')).body.links).toEqual([]);
  });

  it('garbage bytes and wrong tokens on a node’s client port and on the router take nothing down', async () => {
    const ep = t.lab.endpoints();
    const pids = ep.nodes.map((n) => n.pid);
    const ports = [ep.routerPort, ...ep.nodes.map((n) => n.clientPort!)];
    const junk = [
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]),
      encodeFrame({ t: 'hello', token: 'wrong', from: 'n1' }),
      Buffer.concat([Buffer.from([0, 0, 0, 5]), Buffer.from('{{{{{')]),
    ];
    for (const port of ports) {
      for (const bytes of junk) {
        await new Promise<void>((res) => {
          const s = connect(port, '127.0.0.1', () => s.write(bytes));
          s.on('error', () => res());
          s.on('close', () => res());
          setTimeout(() => {
            s.destroy();
            res();
          }, 1000);
        });
      }
    }
    expect((await kv({ op: 'put', key: 'after-garbage', value: 'fine' })).body.outcome).toBe('ok');
    const v = await t.lab.cluster();
    expect(v.nodes.map((n) => n.pid)).toEqual(pids);
    expect(v.nodes.every((n) => n.status === 'up')).toBe(true);
    const log = await t.lab.log();
    expect(log.some((r) => r.kind === 'frame-rejected')).toBe(true);
  });

  it('streams events over the WebSocket', async () => {
    const ws = new WebSocket(`${t.base.replace('http', 'ws')}/api/events`, {
      headers: { authorization: `Bearer ${t.token}` },
    });
    const events: LabEvent[] = [];
    ws.on('message', (d) => events.push(JSON.parse(String(d)) as LabEvent));
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    await kv({ op: 'put', key: 'ws', value: '1' });
    await waitFor(
      async () => events.some((e) => e.type === 'log' && e.record.kind === 'client-complete'),
      5000,
      'a log event',
    );
    expect(events[0]?.type).toBe('cluster');
    ws.close();
  });

  it('exports the run and opens it again', async () => {
    // Runs are saved in the lab's data folder under a plain name.
    const arg = { name: 'export-1' };
    const r = await t.api<{ dir: string; files: string[] }>('POST', '/api/export', arg);
    expect(r.status).toBe(200);
    expect(r.body.files.map((f) => f.split('/').pop()).sort()).toEqual(EXPORTED_FILES);
    const dir = r.body.dir;
    expect(dir).toBe(`${t.dir}/export-1`);
    const saved = (await t.api<SavedRun>('POST', '/api/open', arg)).body;
    expect(saved.settings).toMatchObject({ nodes: 3, protocol: 'raft' });
    const kinds = new Set(saved.log.map((x) => x.kind));
    for (const k of [
      'cluster-created',
      'send',
      'deliver',
      'drop',
      'partition',
      'heal',
      'pause',
      'resume',
      'link-rule',
      'role',
      'commit',
    ]) {
      expect(kinds, k).toContain(k);
    }
    expect(saved.history.some((h) => h.type === 'ok' && h.f === 'write' && h.key === 'majority')).toBe(true);
    const { readFile } = await import('node:fs/promises');
    const check = JSON.parse(await readFile(`${dir}/check.json`, 'utf8')) as { ok: boolean; keysChecked: number };
    expect(check.ok).toBe(true);
    expect(check.keysChecked).toBeGreaterThan(10);
    expect(leaderOf(await t.lab.cluster())).not.toBeNull();
  });

  it('inspects a node, switches the balancer, runs a bounded load and slows time down', async () => {
    const leader = await waitLeader(t);
    const ins = await t.api<{ entries: { index: number }[]; dataFile: string; keys: number }>(
      'GET',
      `/api/nodes/${leader}/inspect`,
    );
    expect(ins.status).toBe(200);
    expect(ins.body.entries.length).toBeGreaterThan(0);
    expect(ins.body.dataFile).toMatch(new RegExp(`${leader}\\.sqlite$`));
    expect(ins.body.keys).toBeGreaterThan(10);
    const b = await t.api<ClusterView>('POST', '/api/balance', { algorithm: 'leader-only' });
    expect(b.body.balance.algorithm).toBe('leader-only');
    const load = await t.api<{ count: number; ok: number; opsPerSec: number; p50Ms: number; p99Ms: number }>(
      'POST',
      '/api/load',
      {
        op: 'put',
        count: 60,
        clients: 4,
        keys: 10,
      },
    );
    expect(load.status).toBe(200);
    expect(load.body).toMatchObject({ count: 60, ok: 60 });
    expect(load.body.p99Ms).toBeGreaterThanOrEqual(load.body.p50Ms);
    const v = (await t.api<ClusterView>('GET', '/api/cluster')).body;
    expect(v.nodes.find((n) => n.id === leader)!.served).toBeGreaterThanOrEqual(60);
    await t.api('POST', '/api/balance', { algorithm: 'round-robin' });
    const slow = await t.api<ClusterView>('POST', '/api/time-scale', { scale: 0.5 });
    expect(slow.body.timeScale).toBe(0.5);
    expect((await kv({ op: 'put', key: 'slow', value: 'motion' })).body.outcome).toBe('ok');
    await t.api('POST', '/api/time-scale', { scale: 1 });
  });

  it('POST /api/cluster replaces the cluster with a fresh one (Multi-Paxos); the old processes are gone', async () => {
    const oldPids = t.lab.nodePids();
    const r = await t.api<ClusterView>('POST', '/api/cluster', { nodes: 2, protocol: 'paxos' });
    expect(r.status).toBe(200);
    expect(r.body.protocol).toBe('paxos');
    expect(r.body.nodes.map((n) => n.id)).toEqual(['n1', 'n2']);
    for (const pid of oldPids) expect(() => process.kill(pid, 0)).toThrow();
    await waitLeader(t);
    expect((await kv({ op: 'get', key: 'majority' })).body).toMatchObject({ outcome: 'ok', value: null });
    expect((await kv({ op: 'put', key: 'solo', value: '1' })).body.outcome).toBe('ok');
    expect((await t.api<unknown[]>('GET', '/api/history')).body.length).toBe(4);
  });
});
