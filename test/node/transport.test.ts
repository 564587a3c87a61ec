/**
 * The node's router link (node/transport.ts) against a stand-in router: what it sends (a
 * labelled message frame after its Hello) and what it refuses of what arrives — a header
 * that disagrees with its message, a message for another node, a truncated header, a
 * message its protocol rejects — each reported with its reason while the link stays up
 * and later messages still arrive.
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describeMessage, validateMessage } from '../../src-main/core/protocols';
import type { MessageBase } from '../../src-main/core/types';
import { FRAME_HEADER_BYTES, RawFrameDecoder, encodeFrame, parseJsonFrame } from '../../src-main/node/frames';
import { decodeMsgFrame, encodeMsgFrame, readMsgHeader, type MsgHeader } from '../../src-main/node/msg-frame';
import { RouterLink } from '../../src-main/node/transport';

const TOKEN = 'tok';
const ack = { type: 'appendResp', from: 'n2', to: 'n1', term: 3, index: 7, reject: false, rejectHint: 0, logTerm: 3 };

async function waitUntil(fn: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

let server: net.Server | null = null;
let link: RouterLink | null = null;
afterEach(() => {
  link?.close();
  server?.close();
});

/** start runs a stand-in router and a link for n1; resolves once the Hello arrived. */
async function start(): Promise<{
  sock: net.Socket;
  frames: Buffer[];
  got: MessageBase[];
  rejects: string[];
  disconnects: string[];
  /** chunkEnds: how many messages had arrived at each end-of-read call. */
  chunkEnds: number[];
}> {
  const frames: Buffer[] = [];
  let conn: net.Socket | null = null;
  server = net.createServer((s) => {
    conn = s;
    const dec = new RawFrameDecoder();
    s.on('data', (c: Buffer) => frames.push(...dec.push(c).frames.map((f) => Buffer.from(f))));
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const got: MessageBase[] = [];
  const rejects: string[] = [];
  const disconnects: string[] = [];
  const chunkEnds: number[] = [];
  link = new RouterLink({
    id: 'n1',
    token: TOKEN,
    host: '127.0.0.1',
    port,
    validate: (x) => validateMessage('raft', x),
    describe: (m) => describeMessage('raft', m),
    onMessage: (m) => got.push(m),
    onReject: (r) => rejects.push(r),
    onConnect: () => undefined,
    onDisconnect: (r) => disconnects.push(r),
    onChunkEnd: () => chunkEnds.push(got.length),
  });
  link.start();
  await waitUntil(() => frames.length === 1 && conn !== null);
  expect(parseJsonFrame(frames[0]!)).toEqual({ t: 'hello', token: TOKEN, from: 'n1' });
  return { sock: conn!, frames, got, rejects, disconnects, chunkEnds };
}

/** withPayload keeps a frame's header and puts `payload` after it. */
function withPayload(frame: Buffer, payload: string): Buffer {
  const at = (readMsgHeader(frame) as MsgHeader).payloadAt;
  const f = Buffer.concat([frame.subarray(0, at), Buffer.from(payload)]);
  f.writeUInt32BE(f.length - FRAME_HEADER_BYTES, 0);
  return f;
}

describe('router link', () => {
  it('sends each message in a frame whose header carries its label', async () => {
    const r = await start();
    const vote = { type: 'vote', from: 'n1', to: 'n2', term: 4, lastIndex: 9, lastTerm: 3, transfer: false };
    link!.send([{ kind: 'vote', msg: vote }]);
    await waitUntil(() => r.frames.length === 2);
    const d = decodeMsgFrame(r.frames[1]!);
    if (typeof d === 'string') throw new Error(d);
    expect(d.header).toMatchObject({ kind: 'vote', from: 'n1', to: 'n2', type: 'vote', term: 4 });
    expect(d.header.label).toBe('RequestVote t4 log 9@t3');
    expect(d.msg).toEqual(vote);
  });

  it('says when a read was handed on, after every message it carried (the node runs its Ready loop then)', async () => {
    const r = await start();
    const second = { ...ack, index: 8 };
    // Two messages in one write: one read on loopback, one end-of-read after both.
    r.sock.write(Buffer.concat([encodeMsgFrame('append', ack), encodeMsgFrame('append', second)]));
    await waitUntil(() => r.got.length === 2 && r.chunkEnds.length > 0 && r.chunkEnds.at(-1) === 2);
    expect(r.got.map((m) => (m as MessageBase & { index: number }).index)).toEqual([7, 8]);
    // Never called before the messages of its read were handed on.
    expect(r.chunkEnds.every((n) => n > 0)).toBe(true);
  });

  it('refuses frames whose header and message disagree, or that are not for it; the link stays', async () => {
    const r = await start();
    const good = encodeMsgFrame('append', ack);
    const cut = Buffer.from(good.subarray(0, FRAME_HEADER_BYTES + 12));
    cut.writeUInt32BE(12, 0);
    r.sock.write(
      Buffer.concat([
        // The header says n2 → n1; the message claims to be from n3.
        withPayload(good, JSON.stringify({ ...ack, from: 'n3' })),
        // For another node.
        encodeMsgFrame('append', { ...ack, to: 'n3' }),
        // A header cut short (the frame's length is right, the header's own lengths are not).
        cut,
        // Agreeing, well-formed, but not a valid Raft message.
        withPayload(good, JSON.stringify({ ...ack, index: -1 })),
        // A JSON frame after the Hello.
        encodeFrame({ t: 'msg', kind: 'append', msg: ack }),
        good,
      ]),
    );
    await waitUntil(() => r.got.length === 1);
    expect(r.got).toEqual([ack]);
    expect(r.rejects).toEqual([
      expect.stringMatching(/^router link: header and message disagree: header appendResp n2→n1 term 3, message /),
      'router link: message for n3 delivered to n1',
      expect.stringMatching(/^router link: message frame of 16 bytes is shorter than its header/),
      expect.stringMatching(/^router link: invalid appendResp message: .*index/),
      'router link: a JSON frame where a message frame was expected',
    ]);
    expect(r.disconnects).toEqual([]);
    expect(link!.connected).toBe(true);
  });

  it('a length over the limit puts the stream out of step: the link reconnects', async () => {
    const r = await start();
    const big = Buffer.alloc(4);
    big.writeUInt32BE(0x7fffffff, 0);
    r.sock.write(big);
    await waitUntil(() => r.disconnects.length === 1);
    expect(r.rejects).toEqual([expect.stringMatching(/exceeds the limit of \d+; reconnecting$/)]);
  });
});
