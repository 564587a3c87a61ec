/**
 * The control-session loop both ends of a remote node's link run (lab/remote-link.ts), over
 * a real loopback socket pair: frames arrive validated and in order (the bytes that came
 * with the upgrade first), a bad frame or silence ends the session once with a reason
 * the user can read, and a quiet link is kept alive by pings.
 */
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src-main/node/frames';
import { MAX_CONTROL_FRAME_BYTES, PING_MS, SILENCE_MS } from '../../src-main/node/remote-contract';
import { pipeBoth, runControlLoop, type ControlLoop } from '../../src-main/lab/remote-link';
import { waitFor } from './helpers';

/** waitUntil waits for a condition that needs no await. */
function waitUntil(ok: () => boolean, ms: number, what: string): Promise<true> {
  return waitFor(() => Promise.resolve(ok()), ms, what) as Promise<true>;
}

type Msg = { n: number };

function validate(f: unknown): Msg | string {
  const n = (f as { n?: unknown } | null)?.n;
  return typeof n === 'number' ? { n } : 'n must be a number';
}

const servers: Server[] = [];
const socks: Socket[] = [];
const loops: ControlLoop[] = [];

/** socketPair opens a loopback connection and returns both of its ends. */
async function socketPair(): Promise<[Socket, Socket]> {
  let accepted: Socket | null = null;
  const server = createServer((s) => (accepted = s));
  servers.push(server);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const a = connect((server.address() as AddressInfo).port, '127.0.0.1');
  await new Promise<void>((res) => a.once('connect', () => res()));
  await waitUntil(() => accepted !== null, 2000, 'the server side accepted');
  socks.push(a, accepted!);
  return [a, accepted!];
}

function frame(m: object): Buffer {
  return encodeFrame(m, MAX_CONTROL_FRAME_BYTES);
}

/** listen runs the loop on `sock` and collects what it hands on, the pings and the reasons it ended. */
function listen(sock: Socket, head: Buffer = Buffer.alloc(0), ping?: () => void) {
  const got: number[] = [];
  const lost: string[] = [];
  let pings = 0;
  const loop = runControlLoop({
    sock,
    head,
    peer: 'host-b',
    closed: 'closed by peer',
    validate,
    onMessage: (m) => got.push(m.n),
    ping: ping ?? (() => pings++),
    onLost: (why) => lost.push(why),
  });
  loops.push(loop);
  return { got, lost, pings: () => pings, loop };
}

afterEach(() => {
  for (const l of loops.splice(0)) l.stop();
  for (const s of socks.splice(0)) s.destroy();
  for (const s of servers.splice(0)) s.close();
});

describe('the remote control loop', () => {
  it('hands on frames in order, the upgrade head first, even split across chunks', async () => {
    const [a, b] = await socketPair();
    const r = listen(b, frame({ n: 1 }));
    const two = Buffer.concat([frame({ n: 2 }), frame({ n: 3 })]);
    a.write(two.subarray(0, 5));
    await new Promise((res) => setTimeout(res, 20));
    a.write(two.subarray(5));
    await waitUntil(() => r.got.length === 3, 2000, 'three frames');
    expect(r.got).toEqual([1, 2, 3]);
    expect(r.lost).toEqual([]);
  });

  it('ends once on a frame that fails validation, and says why', async () => {
    const [a, b] = await socketPair();
    const r = listen(b);
    a.write(Buffer.concat([frame({ n: 1 }), frame({ n: 'x' }), frame({ n: 3 })]));
    await waitUntil(() => r.lost.length > 0, 2000, 'the session ended');
    b.destroy(); // the owner destroys the socket; its close must not end the session a second time
    await new Promise((res) => setTimeout(res, 50));
    expect(r.got).toEqual([1]);
    expect(r.lost).toEqual(['bad control frame: n must be a number']);
  });

  it('ends when the peer closes, with the given reason', async () => {
    const [a, b] = await socketPair();
    const r = listen(b);
    a.end();
    await waitUntil(() => r.lost.length > 0, 2000, 'the session ended');
    expect(r.lost).toEqual(['closed by peer']);
  });

  it('pings a quiet link, and ends a silent one naming the peer', async () => {
    const [, b] = await socketPair();
    const r = listen(b);
    await waitUntil(() => r.lost.length > 0, SILENCE_MS + 3 * PING_MS, 'the silent session ended');
    expect(r.pings()).toBeGreaterThanOrEqual(Math.floor(SILENCE_MS / PING_MS) - 1);
    expect(r.lost).toEqual([`no word from host-b for ${SILENCE_MS} ms`]);
  });

  it('stays up while the peer keeps talking, and stop() ends it without a reason', async () => {
    const [a, b] = await socketPair();
    const r = listen(b);
    const talk = setInterval(() => a.write(frame({ n: 0 })), PING_MS / 2);
    await new Promise((res) => setTimeout(res, SILENCE_MS + 2 * PING_MS));
    clearInterval(talk);
    expect(r.lost).toEqual([]);
    r.loop.stop();
    a.destroy();
    await new Promise((res) => setTimeout(res, 50));
    expect(r.lost).toEqual([]);
  });
});

describe('pipeBoth', () => {
  it('joins two sockets both ways, and closing one ends the other', async () => {
    const [a1, a2] = await socketPair();
    const [b1, b2] = await socketPair();
    const track = new Set<Socket>();
    pipeBoth(a2, b1, track);
    let seen = '';
    b2.on('data', (d: Buffer) => (seen += d.toString()));
    let back = '';
    a1.on('data', (d: Buffer) => (back += d.toString()));
    a1.write('hello');
    b2.write('world');
    await waitUntil(() => seen === 'hello' && back === 'world', 2000, 'bytes both ways');
    expect(track.size).toBe(2);
    a1.destroy();
    await waitUntil(() => b2.destroyed || b2.readableEnded, 2000, 'the far end closed');
    expect(track.size).toBe(0);
  });
});
