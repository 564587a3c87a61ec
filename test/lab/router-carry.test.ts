/**
 * router.carry (a shard's data on its way to its new group) crosses a rate-limited link
 * like any message: it waits for the wire at the link's rate, shows in the link's queue
 * while it does, and a protocol message sent on the same link after it waits behind it.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { MessageRecord } from '../../src-main/api/contract';
import { Recorder } from '../../src-main/lab/recorder';
import { Router } from '../../src-main/lab/router';
import { RawFrameDecoder, encodeFrame } from '../../src-main/node/frames';
import { encodeMsgFrame } from '../../src-main/node/msg-frame';

const TOKEN = 'carry-token';
let rec: Recorder;
let router: Router;
const socks: Socket[] = [];

async function waitUntil(fn: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** peer connects node `id` to the router and returns the times (ms) its messages arrived. */
async function peer(id: string): Promise<{ sock: Socket; arrivals: number[] }> {
  const sock = connect(router.port, '127.0.0.1');
  socks.push(sock);
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const arrivals: number[] = [];
  const dec = new RawFrameDecoder();
  sock.on('data', (c: Buffer) => {
    for (const _ of dec.push(c).frames) arrivals.push(performance.now());
  });
  sock.on('error', () => undefined);
  sock.write(encodeFrame({ t: 'hello', token: TOKEN, from: id }));
  await waitUntil(() => router.connected(id));
  return { sock, arrivals };
}

beforeEach(async () => {
  rec = new Recorder();
  router = new Router({ token: TOKEN, nodes: ['n1', 'n2'], recorder: rec, seed: 7 });
  await router.listen();
});

afterEach(async () => {
  for (const s of socks.splice(0)) s.destroy();
  await router.close();
  await rec.close();
});

describe('router.carry on a rate-limited link', () => {
  it('takes the bytes at the link’s rate, shows them queued, and a message sent after waits behind them', async () => {
    const a = await peer('n1');
    const b = await peer('n2');
    router.setLink({ from: 'n1', to: 'n2', bandwidth: 20 * 1024 });
    const t0 = performance.now();
    const carried = router.carry('n1', 'n2', 'ShardData s3 c2 p1/1', Buffer.alloc(30 * 1024, 120));
    let doneAt = 0;
    void carried.then(() => (doneAt = performance.now()));
    // The link shows what waits for the wire while the shard crawls across.
    expect(router.rules().find((r) => r.from === 'n1' && r.to === 'n2')?.queue?.bytes).toBeGreaterThan(20 * 1024);
    a.sock.write(encodeMsgFrame('append', { type: 'app', from: 'n1', to: 'n2', term: 1 }));
    expect(await carried).toEqual({ ok: true });
    // 30 KiB at 20 KiB/s: about 1.5 s on the wire, not at once.
    expect(doneAt - t0).toBeGreaterThan(1300);
    await waitUntil(() => b.arrivals.length === 1);
    expect(b.arrivals[0]! - t0).toBeGreaterThan(1300);
    const delivered = rec.log().filter((r): r is MessageRecord => r.kind === 'deliver');
    expect(delivered.map((r) => r.type)).toEqual(['ShardData s3 c2 p1/1', 'app']);
  });

  it('keeps the wire’s order when a send was held up between reading the clock and setting its timer', async () => {
    await peer('n1');
    await peer('n2');
    router.setLink({ from: 'n1', to: 'n2', bandwidth: 64 * 1024 });
    // On a loaded machine the router can lose the CPU between reading the clock (for the
    // link's queue) and setting the delivery timer; the first send below reads a clock 40 ms
    // old, as if it had. Its 8 KiB leave the queue first (~125 ms), the 64 B right after, but
    // the second's timer is due ~40 ms before the first's.
    const realNow = performance.now.bind(performance);
    const late = vi.spyOn(performance, 'now').mockImplementation(() => realNow() - 40);
    const first = router.carry('n1', 'n2', 'ShardData s1 c2 p1/2', Buffer.alloc(8 * 1024));
    late.mockRestore();
    const second = router.carry('n1', 'n2', 'ShardData s1 c2 p2/2', Buffer.alloc(64));
    expect(await Promise.all([first, second])).toEqual([{ ok: true }, { ok: true }]);
    const delivered = rec.log().filter((r): r is MessageRecord => r.kind === 'deliver');
    expect(delivered.map((r) => r.type)).toEqual(['ShardData s1 c2 p1/2', 'ShardData s1 c2 p2/2']);
  });

  it('on a clean link it arrives at once', async () => {
    await peer('n1');
    await peer('n2');
    const t0 = performance.now();
    expect(await router.carry('n1', 'n2', 'ShardData s1 c2 p1/1', Buffer.alloc(30 * 1024))).toEqual({ ok: true });
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
