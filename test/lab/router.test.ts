/**
 * The router's link rules, driven by plain sockets that speak the node wire protocol
 * (Hello, then binary message frames): routing by the header's `to`, partitions, one-way cuts, latency with
 * jitter that reorders, loss, duplication, a rate limit with its bounded queue, a cut that catches frames in flight, and
 * bad tokens / garbage / deeply nested JSON that close only the offending connection.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MessageRecord } from '../../src-main/api/contract';
import { Recorder } from '../../src-main/lab/recorder';
import { Router } from '../../src-main/lab/router';
import { RawFrameDecoder, encodeFrame } from '../../src-main/node/frames';
import { decodeMsgFrame, encodeMsgFrame } from '../../src-main/node/msg-frame';
import { describeMessage } from '../../src-main/core/protocols';

const TOKEN = 'secret-token';

interface Peer {
  sock: Socket;
  got: { from: string; n: number }[];
  closed: Promise<void>;
}

let rec: Recorder;
let router: Router;
let port: number;
const peers: Peer[] = [];

async function peer(id: string, token = TOKEN): Promise<Peer> {
  const sock = connect(port, '127.0.0.1');
  await new Promise<void>((r) => sock.once('connect', () => r()));
  const got: Peer['got'] = [];
  const dec = new RawFrameDecoder();
  sock.on('data', (c: Buffer) => {
    for (const f of dec.push(c).frames) {
      const d = decodeMsgFrame(f);
      if (typeof d === 'string') throw new Error(d);
      const m = d.msg as { from: string; n: number };
      got.push({ from: m.from, n: m.n });
    }
  });
  sock.on('error', () => undefined);
  const closed = new Promise<void>((r) => sock.once('close', () => r()));
  sock.write(encodeFrame({ t: 'hello', token, from: id }));
  const p = { sock, got, closed };
  peers.push(p);
  await waitUntil(() => router.connected(id) || sock.destroyed);
  return p;
}

function send(p: Peer, from: string, to: string, n: number, pad = ''): void {
  p.sock.write(encodeMsgFrame('append', { type: 'app', from, to, term: 1, n, pad }));
}

async function waitUntil(fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const msgs = (kind: MessageRecord['kind']): MessageRecord[] =>
  rec.log().filter((r): r is MessageRecord => r.kind === kind);

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

describe('router', () => {
  it('routes by msg.to and records send + deliver with one id', async () => {
    const a = await peer('n1');
    const b = await peer('n2');
    const c = await peer('n3');
    send(a, 'n1', 'n2', 1);
    send(a, 'n1', 'n3', 2);
    await waitUntil(() => b.got.length === 1 && c.got.length === 1);
    expect(b.got).toEqual([{ from: 'n1', n: 1 }]);
    expect(c.got).toEqual([{ from: 'n1', n: 2 }]);
    const sends = msgs('send');
    const delivers = msgs('deliver');
    expect(sends.map((s) => s.id)).toEqual(delivers.map((d) => d.id));
    expect(sends[0]).toMatchObject({ from: 'n1', to: 'n2', type: 'app', msgKind: 'append', term: 1 });
  });

  it('partitions into groups and heals; a one-way cut blocks one direction only', async () => {
    const a = await peer('n1');
    const b = await peer('n2');
    router.partition([['n1'], ['n2', 'n3']]);
    send(a, 'n1', 'n2', 1);
    send(b, 'n2', 'n1', 2);
    await waitUntil(() => msgs('drop').length === 2);
    expect(a.got.length + b.got.length).toBe(0);
    // Each drop names the rule that dropped it.
    expect(msgs('drop').map((d) => d.reason)).toEqual(['partition', 'partition']);
    expect(router.rules().filter((r) => r.blocked).length).toBe(4);
    router.heal();
    router.setLink({ from: 'n1', to: 'n2', blocked: true });
    send(a, 'n1', 'n2', 3);
    send(b, 'n2', 'n1', 4);
    await waitUntil(() => a.got.length === 1);
    await new Promise((r) => setTimeout(r, 30));
    expect(b.got).toEqual([]);
    expect(a.got).toEqual([{ from: 'n2', n: 4 }]);
    expect(
      msgs('drop')
        .slice(2)
        .map((d) => [d.from, d.to, d.reason]),
    ).toEqual([['n1', 'n2', 'blocked']]);
  });

  it('latency with jitter delays and reorders; a cut while in flight drops the frame on delivery', async () => {
    const a = await peer('n1');
    const b = await peer('n2');
    router.setLink({ from: 'n1', to: 'n2', latencyMs: 40, jitterMs: 30 });
    const t0 = Date.now();
    for (let i = 0; i < 30; i++) send(a, 'n1', 'n2', i);
    await waitUntil(() => b.got.length === 30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(10);
    const order = b.got.map((g) => g.n);
    expect(order).not.toEqual([...order].sort((x, y) => x - y)); // jitter reordered them
    expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    router.setLink({ from: 'n1', to: 'n2', latencyMs: 100, jitterMs: 0 });
    send(a, 'n1', 'n2', 99);
    await waitUntil(() => msgs('send').length === 31);
    router.partition([['n1'], ['n2', 'n3']]);
    await waitUntil(() => msgs('drop').some((d) => d.reason === 'partition' && d.inFlight === true));
    expect(b.got.length).toBe(30);
  });

  it('loss and duplication follow their probabilities', async () => {
    const a = await peer('n1');
    const b = await peer('n2');
    router.setLink({ from: 'n1', to: 'n2', loss: 0.3, duplicate: 0.2 });
    for (let i = 0; i < 500; i++) send(a, 'n1', 'n2', i);
    await waitUntil(() => msgs('send').length === 500);
    await new Promise((r) => setTimeout(r, 50));
    const dropped = msgs('drop').length;
    const dup = msgs('duplicate').length;
    expect(dropped).toBeGreaterThan(100);
    expect(dropped).toBeLessThan(200);
    expect(dup).toBeGreaterThan(40);
    expect(dup).toBeLessThan(110);
    expect(b.got.length).toBe(500 - dropped + dup);
    expect(msgs('drop').every((d) => d.reason === 'loss' && d.loss === 0.3)).toBe(true);
  });

  it("records the sender's label from the frame header and keeps the frame by id", async () => {
    await router.close();
    router = new Router({ token: TOKEN, nodes: ['n1', 'n2', 'n3'], recorder: rec, seed: 42, protocol: 'raft' });
    port = await router.listen();
    const a = await peer('n1');
    const b = await peer('n2');
    const entries = [5, 6, 7].map((index) => ({ index, term: 3, type: 'normal', data: 'x' }));
    const append = { type: 'append', from: 'n1', to: 'n2', term: 3, prevIndex: 4, prevTerm: 3, entries, commit: 4 };
    const vote = { type: 'voteResp', from: 'n2', to: 'n1', term: 4, reject: false };
    // As a node does: the sender labels its message with its protocol's describer.
    const sent = encodeMsgFrame('append', append, describeMessage('raft', append));
    a.sock.write(sent);
    b.sock.write(encodeMsgFrame('vote', vote, describeMessage('raft', vote)));
    // A frame without a label is still routed, labelled by its type.
    a.sock.write(encodeMsgFrame('other', { type: 'mystery', from: 'n1', to: 'n2', term: 1 }));
    // A label longer than a describer makes is cut to the run log's bound.
    a.sock.write(
      encodeMsgFrame('other', { type: 'chatty', from: 'n1', to: 'n2', term: 1 }, { label: 'x'.repeat(300) }),
    );
    await waitUntil(() => msgs('deliver').length === 4);
    expect(msgs('send').find((m) => m.type === 'chatty')?.label).toBe('x'.repeat(95) + '…');
    const byType = (t: string): MessageRecord | undefined => msgs('send').find((m) => m.type === t);
    const [s1, s2, s3] = [byType('append'), byType('voteResp'), byType('mystery')];
    expect(s1).toMatchObject({ type: 'append', msgKind: 'append', term: 3, label: 'AppendEntries t3 [5..7] c=4' });
    expect(s2).toMatchObject({ type: 'voteResp', msgKind: 'vote', label: 'Vote t4 → granted', granted: true });
    expect(s3).toMatchObject({ type: 'mystery', msgKind: 'other', label: 'mystery' });
    const kept = rec.bodies.get(s1!.id);
    expect(kept.kept).toBe(true);
    // The kept body is the frame exactly as the sender wrote it.
    if (kept.kept) expect(Buffer.from(kept.bytes).equals(sent)).toBe(true);
  });

  it('forwards a frame on a clean link byte for byte, without reading its message', async () => {
    const a = await peer('n1');
    const raw: Buffer[] = [];
    const sock = connect(port, '127.0.0.1');
    peers.push({ sock, got: [], closed: new Promise<void>((r) => sock.once('close', () => r())) });
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const dec = new RawFrameDecoder();
    sock.on('data', (c: Buffer) => raw.push(...dec.push(c).frames.map((f) => Buffer.from(f))));
    sock.write(encodeFrame({ t: 'hello', token: TOKEN, from: 'n2' }));
    await waitUntil(() => router.connected('n2'));
    const good = encodeMsgFrame('append', { type: 'app', from: 'n1', to: 'n2', term: 9, n: 1 });
    // The router never parses the message: one that is not JSON at all still crosses, and
    // it is the receiving node that refuses it (node/transport.ts).
    const junk = Buffer.from(good);
    junk.write('x', junk.length - 1);
    a.sock.write(Buffer.concat([good, junk]));
    await waitUntil(() => raw.length === 2);
    expect(raw[0]!.equals(good)).toBe(true);
    expect(raw[1]!.equals(junk)).toBe(true);
    expect(decodeMsgFrame(raw[1]!)).toMatch(/JSON/);
    expect(msgs('deliver')).toHaveLength(2);
  });

  it('a rate limit sends frames one after the other at the rate, and shows what waits', async () => {
    const a = await peer('n1');
    const b = await peer('n2');
    const c = await peer('n3');
    router.setLink({ from: 'n1', to: 'n2', bandwidth: 20 * 1024 });
    const pad = 'x'.repeat(4000); // ~4 KiB a frame: 5 take about one second at 20 KiB/s
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) send(a, 'n1', 'n2', i, pad);
    send(a, 'n1', 'n3', 99, pad); // another link: not slowed
    await waitUntil(() => msgs('send').length === 6);
    const rule = router.rules().find((r) => r.from === 'n1' && r.to === 'n2');
    expect(rule?.bandwidth).toBe(20 * 1024);
    expect(rule?.queue?.messages).toBeGreaterThanOrEqual(3);
    expect(rule?.queue?.bytes).toBeGreaterThan(3 * 4000);
    await waitUntil(() => c.got.length === 1);
    const arrivals: number[] = [];
    await waitUntil(() => {
      while (arrivals.length < b.got.length) arrivals.push(performance.now() - t0);
      return b.got.length === 5;
    }, 5000);
    expect(b.got.map((g) => g.n)).toEqual([0, 1, 2, 3, 4]); // a queue keeps its order
    // 5 × ~4 KiB at 20 KiB/s: the last leaves the link after ~1 s, not at once.
    expect(arrivals[4]!).toBeGreaterThan(800);
    await waitUntil(() => router.backlog('n1', 'n2').messages === 0);
    expect(msgs('drop')).toEqual([]);
  });

  it('a full queue drops what does not fit as queue-full, and records it', async () => {
    const a = await peer('n1');
    const b = await peer('n2');
    // 1 KiB/s queues 64 KiB (its floor): of 30 frames of ~4 KiB only the first ~16 fit.
    router.setLink({ from: 'n1', to: 'n2', bandwidth: 1024 });
    for (let i = 0; i < 30; i++) send(a, 'n1', 'n2', i, 'x'.repeat(4000));
    await waitUntil(() => msgs('send').length === 30);
    const full = msgs('drop').filter((d) => d.reason === 'queue-full');
    expect(full.length).toBeGreaterThanOrEqual(12);
    expect(full.length).toBeLessThanOrEqual(16);
    expect(full[0]).toMatchObject({ from: 'n1', to: 'n2', bytes: expect.any(Number), queued: expect.any(Number) });
    const q = router.backlog('n1', 'n2');
    expect(q.bytes).toBeLessThanOrEqual(64 * 1024);
    expect(q.messages).toBe(30 - full.length);
    // Lifting the limit lets new frames through at once; the queued ones still drain in order.
    router.setLink({ from: 'n1', to: 'n2', bandwidth: 0 });
    send(a, 'n1', 'n2', 100);
    await waitUntil(() => b.got.some((g) => g.n === 100));
    expect(router.rules().find((r) => r.from === 'n1' && r.to === 'n2')).toBeUndefined();
  });

  it('a wrong token, a stranger and garbage close only that connection, and are logged', async () => {
    const a = await peer('n1');
    const b = await peer('n2');
    const wrong = await peer('n3', 'not-the-token');
    await wrong.closed;
    const stranger = await peer('n9');
    await stranger.closed;
    const raw = connect(port, '127.0.0.1');
    raw.on('error', () => undefined);
    raw.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x00]));
    await new Promise<void>((r) => raw.once('close', () => r()));
    const liar = await peer('n3');
    send(liar, 'n1', 'n2', 5); // claims to be n1 on n3's connection
    await liar.closed;
    send(a, 'n1', 'n2', 6);
    await waitUntil(() => b.got.length === 1);
    expect(b.got).toEqual([{ from: 'n1', n: 6 }]);
    const rejected = rec.log().filter((r) => r.kind === 'frame-rejected');
    expect(rejected.length).toBe(4);
    expect(rejected.map((r) => String(r.reason))).toEqual([
      'wrong token',
      expect.stringContaining('unknown node'),
      expect.stringContaining('exceeds the limit'),
      expect.stringContaining('on n3'),
    ]);
  });

  it('nested JSON before or after the Hello closes only that connection; the router stays up', async () => {
    // Each of these once crashed the whole host: JSON.parse accepts the nesting, then
    // describing it in an error overflowed the stack inside the socket handler.
    const nested = (n: number): string => '['.repeat(n) + ']'.repeat(n);
    const rawFrame = (body: string): Buffer => {
      const b = Buffer.from(body, 'utf8');
      const h = Buffer.alloc(4);
      h.writeUInt32BE(b.length, 0);
      return Buffer.concat([h, b]);
    };
    const attack = async (bytes: Buffer[]): Promise<void> => {
      const s = connect(port, '127.0.0.1');
      let closed = false;
      s.on('error', () => undefined);
      s.once('close', () => (closed = true));
      for (const b of bytes) s.write(b);
      await waitUntil(() => closed, 5000);
    };
    await attack([rawFrame(nested(100_000))]); // a 200 KB Hello that is [[[…]]]
    await attack([rawFrame(`{"t":${nested(100_000)}}`)]); // a 200 KB Hello whose t is [[[…]]]
    await attack([rawFrame(`{"t":${nested(1000)}}`)]); // one that fits the Hello bound
    const hello = encodeFrame({ t: 'hello', token: TOKEN, from: 'n1' });
    const msg = `{"t":"msg","kind":"append","msg":{"type":"app","from":"n1","to":"n2","term":1,"x":${nested(100_000)}}}`;
    await attack([hello, rawFrame(msg)]); // an authenticated node's message the router would forward
    const rejected = rec.log().filter((r) => r.kind === 'frame-rejected');
    expect(rejected.map((r) => String(r.reason))).toEqual([
      'frame length 200000 exceeds the limit of 4096',
      'frame length 200006 exceeds the limit of 4096',
      'frame is JSON nested deeper than 64 levels',
      // After the Hello only binary message frames are taken; the router never parses a message.
      'not a message frame (first byte 123)',
    ]);
    // The router still serves: good nodes connect and their messages are routed.
    const a = await peer('n1');
    const b = await peer('n2');
    send(a, 'n1', 'n2', 7);
    await waitUntil(() => b.got.length === 1);
    expect(b.got).toEqual([{ from: 'n1', n: 7 }]);
  });
});
