/**
 * After a failover the gateway goes to the new leader as soon as the cluster reports one
 * (Gateway.leaderChanged), not when its retry back-off runs out. The back-off timers are
 * faked and never advanced here, so a request that waited on one would never finish: only
 * the wake-up can move it. Scripted client ports stand in for the nodes.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Gateway } from '../../src-main/lab/gateway';
import type { ClientRequestFrame } from '../../src-main/node/contract';
import { FrameDecoder, encodeFrame } from '../../src-main/node/frames';

const servers: Server[] = [];
const gateways: Gateway[] = [];
const tries: string[] = [];

/** node serves a client port that answers every request with answer(). */
async function node(id: string, answer: () => Record<string, unknown>): Promise<number> {
  const server = createServer((sock: Socket) => {
    const dec = new FrameDecoder();
    let hello = false;
    sock.on('error', () => undefined);
    sock.on('data', (c: Buffer) => {
      for (const f of dec.push(c).frames) {
        if (!hello) {
          hello = true;
          continue;
        }
        const req = f as unknown as ClientRequestFrame;
        tries.push(id);
        const res = { t: 'res', id: req.id, outcome: 'ok', result: { ok: true, value: null }, node: id, leader: null };
        sock.write(encodeFrame({ ...res, ...answer() }));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as { port: number }).port;
}

/** turns waits for n turns of the event loop (real: setImmediate is not faked). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

afterEach(async () => {
  vi.useRealTimers();
  tries.length = 0;
  // A gateway left open (a failed test) would keep its connections, and the servers, open.
  for (const g of gateways.splice(0)) g.close();
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

describe('gateway after a failover', () => {
  it('a write waiting for a leader goes to the new one as soon as it is reported', async () => {
    let leader: string | null = null;
    const noLeader = { outcome: 'fail', result: null, error: 'not-leader', leader: null };
    const ports = {
      n2: await node('n2', () => (leader === 'n2' ? {} : noLeader)),
      n3: await node('n3', () => noLeader),
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const g = new Gateway({
      token: 'tok',
      nodes: ['n2', 'n3'],
      portOf: (id) => ports[id as 'n2' | 'n3'],
      isUp: () => true,
      leader: () => leader,
      clientPrefix: 'gwtest',
      seed: 1,
    });
    gateways.push(g);
    let done: unknown = null;
    void g.request({ op: 'put', key: 'k', value: 'v' }, 5000).then((r) => (done = r));
    // Both survivors say there is no leader yet: the request backs off (a timer never advanced).
    for (let i = 0; i < 200 && tries.length < 1; i++) await turns(10);
    await turns(50);
    const before = tries.length;
    expect(before).toBeGreaterThanOrEqual(1);
    expect(done).toBeNull();
    // The election ends: n2 reports that it leads.
    leader = 'n2';
    g.leaderChanged();
    for (let i = 0; i < 200 && done === null; i++) await turns(10);
    expect(done).toMatchObject({ outcome: 'ok', node: 'n2' });
    expect(tries.slice(before)).toEqual(['n2']);
  });
});
