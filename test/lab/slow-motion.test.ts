/**
 * Slow motion stretches message delivery, not only the timers: at scale s < 1 the router
 * holds each message (latency + SLOW_MOTION_BASE_MS) / s, so at 0.1× a vote request takes
 * at least 300 ms to arrive and a learner can watch it travel. At 1× nothing is added.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src-main/api/contract';
import { SLOW_MOTION_BASE_MS, deliveryDelayMs } from '../../src-main/api/slow-motion';
import { Recorder } from '../../src-main/lab/recorder';
import { Router } from '../../src-main/lab/router';
import { RawFrameDecoder, encodeFrame } from '../../src-main/node/frames';
import { decodeMsgFrame, encodeMsgFrame } from '../../src-main/node/msg-frame';

const TOKEN = 'slow-token';

describe('deliveryDelayMs', () => {
  it('adds the base delay only in slow motion and divides by the scale', () => {
    expect(deliveryDelayMs(0, 1)).toBe(0);
    expect(deliveryDelayMs(200, 1)).toBe(200);
    expect(deliveryDelayMs(200, 2)).toBe(100);
    expect(deliveryDelayMs(0, 0.1)).toBeCloseTo(SLOW_MOTION_BASE_MS * 10);
    expect(deliveryDelayMs(0, 0.1)).toBeGreaterThanOrEqual(300);
    expect(deliveryDelayMs(200, 0.1)).toBeCloseTo((200 + SLOW_MOTION_BASE_MS) * 10);
    expect(deliveryDelayMs(0, 0.01)).toBeCloseTo(3000);
    // A nonsense scale never makes a message instant or infinite.
    expect(deliveryDelayMs(10, 0)).toBe(10);
    expect(deliveryDelayMs(-5, 1)).toBe(0);
  });
});

describe('router in slow motion', () => {
  let router: Router | null = null;
  let rec: Recorder | null = null;
  const socks: Socket[] = [];

  afterEach(async () => {
    for (const s of socks.splice(0)) s.destroy();
    await router?.close();
    await rec?.close();
  });

  async function peer(port: number, id: string): Promise<{ got: number[] }> {
    const sock = connect(port, '127.0.0.1');
    socks.push(sock);
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const got: number[] = [];
    const dec = new RawFrameDecoder();
    sock.on('data', (c: Buffer) => {
      for (const f of dec.push(c).frames) {
        const d = decodeMsgFrame(f);
        if (typeof d !== 'string') got.push(d.msg.n as number);
      }
    });
    sock.write(encodeFrame({ t: 'hello', token: TOKEN, from: id }));
    const end = Date.now() + 3000;
    while (!router!.connected(id) && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    return { got };
  }

  async function deliveryMs(scale: number): Promise<number> {
    rec = new Recorder();
    router = new Router({ token: TOKEN, nodes: ['n1', 'n2'], recorder: rec, seed: 7 });
    const port = await router.listen();
    router.setTimeScale(scale);
    await peer(port, 'n1');
    const b = await peer(port, 'n2');
    const sender = socks[0]!;
    sender.write(encodeMsgFrame('vote', { type: 'vote', from: 'n1', to: 'n2', term: 1, n: 1 }));
    const end = Date.now() + 5000;
    while (b.got.length === 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(b.got).toEqual([1]);
    const log = rec.log().filter((r): r is MessageRecord => r.kind === 'send' || r.kind === 'deliver');
    const send = log.find((r) => r.kind === 'send')!;
    const deliver = log.find((r) => r.kind === 'deliver' && r.id === send.id)!;
    return (deliver.t - send.t) / 1e6;
  }

  it('at 0.1× a message on a clean link is held at least 300 ms', async () => {
    expect(await deliveryMs(0.1)).toBeGreaterThanOrEqual(299);
  });

  it('at 1× a clean link still forwards at once', async () => {
    expect(await deliveryMs(1)).toBeLessThan(100);
  });
});
