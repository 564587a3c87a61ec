/**
 * The same node process runs the Multi-Paxos core (cfg.protocol = 'paxos'): a 3-node
 * cluster of real processes elects a leader, answers put/get, redirects, and survives the
 * leader's SIGKILL.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, NodeProc, TestRouter, waitFor } from './harness';

const TOKEN = 'paxos-token';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-paxos-'));
const ids = ['n1', 'n2', 'n3'];
const router = new TestRouter(TOKEN);
let nodes: NodeProc[] = [];

beforeAll(async () => {
  await router.listen();
  nodes = ids.map(
    (id) =>
      new NodeProc({
        id,
        peers: ids,
        protocol: 'paxos',
        dataFile: path.join(tmp, `${id}.db`),
        routerHost: '127.0.0.1',
        routerPort: router.port,
        clientPort: 0,
        token: TOKEN,
        heartbeatMs: 50,
        electionMs: 300,
        tickMs: 10,
        timeScale: 1,
        seed: 7,
        snapshotEvery: 0,
      }),
  );
  await waitFor('all nodes ready', () => nodes.every((n) => n.clientPort > 0), 30_000);
});

afterAll(() => {
  for (const n of nodes) if (n.alive) n.child.kill('SIGKILL');
  router.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function leader(): Promise<NodeProc> {
  return waitFor('a Paxos leader the live nodes follow', () => {
    const live = nodes.filter((n) => n.alive);
    const l = live.find((n) => n.status?.status.role === 'leader');
    return l && live.every((n) => n.status?.status.leader === l.id) ? l : null;
  }, 15_000);
}

it('a Paxos cluster answers writes on its leader, redirects on a follower, and fails over', async () => {
  const l = await leader();
  const c = await new Client(l.clientPort, TOKEN).connect();
  expect(await c.request({ op: 'put', key: 'p', value: '1' })).toMatchObject({ outcome: 'ok', node: l.id });
  expect(await c.request({ op: 'get', key: 'p' })).toMatchObject({ outcome: 'ok', result: { value: '1' } });
  c.close();
  const f = nodes.find((n) => n.id !== l.id)!;
  const fc = await new Client(f.clientPort, TOKEN).connect();
  expect(await fc.request({ op: 'put', key: 'p', value: '2' })).toMatchObject({ outcome: 'fail', error: 'not-leader', leader: l.id });
  fc.close();
  await l.kill9();
  const l2 = await leader();
  expect(l2.id).not.toBe(l.id);
  const c2 = await new Client(l2.clientPort, TOKEN).connect();
  expect(await c2.request({ op: 'get', key: 'p' })).toMatchObject({ outcome: 'ok', result: { value: '1' } });
  expect(await c2.request({ op: 'put', key: 'p', value: '3' })).toMatchObject({ outcome: 'ok' });
  c2.close();
});
