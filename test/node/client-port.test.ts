/**
 * The node's client port answers the requests a Ready applied in one write: under many
 * clients a leader answers tens of requests per Ready, and one system call (and one
 * wake-up of the lab's host) per answer was the port's main cost.
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientPort } from '../../src-main/node/client-port';
import type { ClientRequestFrame, ClientResponseFrame } from '../../src-main/node/contract';
import { FrameDecoder, encodeFrame, validateClientResponse } from '../../src-main/node/frames';

const TOKEN = 't'.repeat(32);

let port: ClientPort | null = null;
let client: net.Socket | null = null;
afterEach(() => {
  vi.restoreAllMocks();
  client?.destroy();
  port?.close();
  port = client = null;
});

function answer(req: ClientRequestFrame): ClientResponseFrame {
  return { t: 'res', id: req.id, outcome: 'ok', result: null, node: 'n1', leader: 'n1' };
}

/** serve starts a port that holds replies until `n` requests arrived, then answers them all in one synchronous pass. */
async function serve(n: number): Promise<number> {
  const held: Array<() => void> = [];
  port = new ClientPort({
    token: TOKEN,
    port: 0,
    onRequest: (req, reply) => {
      held.push(() => reply(answer(req)));
      if (held.length === n) for (const f of held.splice(0)) f();
    },
    answerInvalid: (id, reason) => ({
      t: 'res',
      id,
      outcome: 'fail',
      result: null,
      node: 'n1',
      leader: null,
      error: reason,
    }),
    onReject: () => {},
  });
  return port.listen();
}

/** exchange sends `n` requests in one write and resolves with the ids answered, in order. */
function exchange(p: number, n: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port: p, host: '127.0.0.1' });
    client = c;
    const dec = new FrameDecoder();
    const ids: number[] = [];
    c.on('error', reject);
    c.on('data', (chunk: Buffer) => {
      for (const f of dec.push(chunk).frames) {
        const res = validateClientResponse(f);
        if (typeof res === 'string') return reject(new Error(res));
        ids.push(res.id);
      }
      if (ids.length === n) resolve(ids);
    });
    const frames = [encodeFrame({ t: 'hello', token: TOKEN, from: 'gateway' })];
    for (let id = 1; id <= n; id++) {
      const req: ClientRequestFrame = {
        t: 'req',
        id,
        client: 'c1',
        seq: id,
        op: { op: 'put', key: `k${id}`, value: 'v' },
        timeoutMs: 1000,
      };
      frames.push(encodeFrame(req));
    }
    c.write(Buffer.concat(frames));
  });
}

describe('client port answers', () => {
  it('answers every request of one pass, in order, in a single socket write', async () => {
    const n = 40;
    const p = await serve(n);
    // Count the writes the server's side makes (the client's one write happened before the spies).
    const writes: unknown[] = [];
    const proto = net.Socket.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
    for (const name of ['_write', '_writev'] as const) {
      const orig = proto[name]!;
      vi.spyOn(proto, name).mockImplementation(function (this: net.Socket, ...args: unknown[]) {
        if (this !== client) writes.push(name);
        return orig.apply(this, args);
      });
    }
    const ids = await exchange(p, n);
    expect(ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(writes).toEqual(['_writev']);
  });

  it('still answers a lone request at once', async () => {
    const p = await serve(1);
    expect(await exchange(p, 1)).toEqual([1]);
  });
});
