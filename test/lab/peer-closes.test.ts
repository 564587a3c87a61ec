/**
 * The router tells a dead node's peers that its connection closed (lab/peer-closes.ts), as
 * a real TCP peer would see it: only once the process exited and its connection closed,
 * not across a partition or a cut link, after the link's latency, not through a cut made
 * on the way, held while the cluster is frozen. Driven by plain sockets that say Hello.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Recorder } from '../../src-main/lab/recorder';
import { Router } from '../../src-main/lab/router';
import { FrameDecoder, encodeFrame } from '../../src-main/node/frames';

const TOKEN = 'secret-token';

interface Peer {
  id: string;
  sock: Socket;
  /** closes: the peers this one was told closed, in order. */
  closes: string[];
}

let rec: Recorder;
let router: Router;
let port: number;
const peers: Peer[] = [];

async function peer(id: string): Promise<Peer> {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const p: Peer = { id, sock, closes: [] };
  const dec = new FrameDecoder();
  sock.on('data', (c: Buffer) => {
    for (const f of dec.push(c).frames) if (f.t === 'peer-closed') p.closes.push(String(f.peer));
  });
  sock.on('error', () => undefined);
  sock.write(encodeFrame({ t: 'hello', token: TOKEN, from: id }));
  peers.push(p);
  await waitUntil(() => router.connected(id));
  return p;
}

/** die is a process dying: its socket closes, then the supervisor reports the exit. */
async function die(p: Peer): Promise<void> {
  p.sock.destroy();
  await waitUntil(() => !router.connected(p.id));
  router.nodeExited(p.id);
}

async function waitUntil(fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const records = (kind: string): Record<string, unknown>[] => rec.log().filter((r) => r.kind === kind);

beforeEach(async () => {
  rec = new Recorder();
  router = new Router({ token: TOKEN, nodes: ['n1', 'n2', 'n3'], recorder: rec, seed: 42 });
  port = await router.listen();
});

afterEach(async () => {
  for (const p of peers.splice(0)) p.sock.destroy();
  await router.close();
  await rec.close();
});

describe('peer closes', () => {
  it('a node whose process exited is reported closed to every peer it had a link to', async () => {
    const [a, b, c] = [await peer('n1'), await peer('n2'), await peer('n3')];
    await die(a);
    await waitUntil(() => b.closes.length === 1 && c.closes.length === 1);
    expect([b.closes, c.closes]).toEqual([['n1'], ['n1']]);
    expect(records('peer-closed').map((r) => [r.node, r.peer])).toEqual([
      ['n2', 'n1'],
      ['n3', 'n1'],
    ]);
  });

  it('a live node whose connection dropped (no exit), or a paused one, is never reported closed', async () => {
    const [a, b] = [await peer('n1'), await peer('n2')];
    // SIGSTOP leaves the socket open and the process alive: nothing to report. A dropped
    // connection of a live process is no death either.
    a.sock.destroy();
    await waitUntil(() => !router.connected('n1'));
    await sleep(50);
    expect(b.closes).toEqual([]);
    expect(records('peer-closed')).toEqual([]);
  });

  it('an exit seen while the connection is still open is reported once the connection has closed', async () => {
    const [a, b] = [await peer('n1'), await peer('n2')];
    router.nodeExited('n1');
    await sleep(50);
    // Frames the dead node sent may still be in its socket: the close must come after them.
    expect(b.closes).toEqual([]);
    a.sock.destroy();
    await waitUntil(() => b.closes.length === 1);
    expect(b.closes).toEqual(['n1']);
  });

  it('a node partitioned or cut off from the dead one does not see the close', async () => {
    const [a, b, c] = [await peer('n1'), await peer('n2'), await peer('n3')];
    router.partition([['n1', 'n2'], ['n3']]);
    await die(a);
    await waitUntil(() => b.closes.length === 1);
    await sleep(50);
    expect(c.closes).toEqual([]);
    expect(records('peer-closed-dropped')).toEqual([
      expect.objectContaining({ node: 'n3', peer: 'n1', reason: 'partition' }),
    ]);
    // Healing later does not bring the close back: n3 relies on its election timer.
    router.heal();
    await sleep(30);
    expect(c.closes).toEqual([]);
    // A one-way cut of the link from the dead node stops it too (the close travels that way).
    const a2 = await peer('n1');
    router.setLink({ from: 'n1', to: 'n3', blocked: true });
    await die(a2);
    await waitUntil(() => b.closes.length === 2);
    await sleep(30);
    expect(c.closes).toEqual([]);
  });

  it("a close takes its link's latency, and a cut made on the way stops it", async () => {
    const [a, b, c] = [await peer('n1'), await peer('n2'), await peer('n3')];
    router.setLink({ from: 'n1', to: 'n2', latencyMs: 80 });
    router.setLink({ from: 'n1', to: 'n3', latencyMs: 80 });
    const t0 = Date.now();
    await die(a);
    router.setLink({ from: 'n1', to: 'n3', blocked: true });
    await waitUntil(() => b.closes.length === 1);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(70);
    await sleep(40);
    expect(c.closes).toEqual([]);
    expect(records('peer-closed-dropped')).toEqual([
      expect.objectContaining({ node: 'n3', peer: 'n1', reason: 'blocked', inFlight: true }),
    ]);
  });

  it('a frozen cluster holds the close until it thaws', async () => {
    const [a, b] = [await peer('n1'), await peer('n2')];
    router.hold(true);
    await die(a);
    await sleep(50);
    expect(b.closes).toEqual([]);
    router.hold(false);
    await waitUntil(() => b.closes.length === 1);
  });
});
