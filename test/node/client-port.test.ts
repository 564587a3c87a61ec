/**
 * The node's client port answers the requests a Ready applied in one write: under many
 * clients a leader answers tens of requests per Ready, and one system call (and one
 * wake-up of the lab's host) per answer was the port's main cost. A connection whose Hello
 * asks for `batch` gets them in one ClientResponseBatchFrame (bounded in items and bytes),
 * and any connection may send several requests in one ClientRequestBatchFrame (bounded;
 * each request checked, and a bad one with an id answered alone).
 */
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ClientPort } from '../../src-main/node/client-port';
import type { ClientRequestFrame, ClientResponseFrame } from '../../src-main/node/contract';
import {
  FrameDecoder,
  MAX_BATCH_BYTES,
  MAX_BATCH_ITEMS,
  batchItems,
  encodeFrame,
  validateClientResponse,
} from '../../src-main/node/frames';

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

const rejects: string[] = [];

/** serve starts a port that holds replies until `n` requests arrived, then answers them all in one synchronous pass. */
async function serve(n: number, make: (req: ClientRequestFrame) => ClientResponseFrame = answer): Promise<number> {
  const held: Array<() => void> = [];
  rejects.length = 0;
  port = new ClientPort({
    token: TOKEN,
    port: 0,
    onRequest: (req, reply) => {
      held.push(() => reply(make(req)));
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
    onReject: (reason) => rejects.push(reason),
  });
  return port.listen();
}

function request(id: number): ClientRequestFrame {
  return { t: 'req', id, client: 'c1', seq: id, op: { op: 'put', key: `k${id}`, value: 'v' }, timeoutMs: 1000 };
}

/** Exchange: what a client read back — the ids answered in order, and the frames they came in. */
interface Exchange {
  ids: number[];
  /** frames: per frame read, 'res' or the count of answers in a 'ress' batch. */
  frames: ('res' | number)[];
  /** closed: the port closed the connection. */
  closed: boolean;
}

/**
 * exchange says Hello (asking for batched answers if `batch`), sends `body` (frames, each an
 * object) in one write, and resolves once `n` answers came back or the port closed.
 */
function exchange(p: number, n: number, opts: { batch?: boolean; body?: object[] } = {}): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const c = net.connect({ port: p, host: '127.0.0.1' });
    client = c;
    const dec = new FrameDecoder();
    const out: Exchange = { ids: [], frames: [], closed: false };
    c.on('error', reject);
    c.on('close', () => resolve({ ...out, closed: true }));
    const take = (f: unknown): void => {
      const res = validateClientResponse(f);
      if (typeof res === 'string') return reject(new Error(res));
      out.ids.push(res.id);
    };
    c.on('data', (chunk: Buffer) => {
      for (const f of dec.push(chunk).frames) {
        if (f.t === 'ress') {
          const items = batchItems(f, 'ress');
          if (typeof items === 'string') return reject(new Error(items));
          out.frames.push(items.length);
          items.forEach(take);
        } else {
          out.frames.push('res');
          take(f);
        }
      }
      if (out.ids.length === n) resolve(out);
    });
    const hello = opts.batch
      ? { t: 'hello', token: TOKEN, from: 'gateway', batch: true }
      : { t: 'hello', token: TOKEN, from: 'gateway' };
    const body = opts.body ?? Array.from({ length: n }, (_, i) => request(i + 1));
    c.write(Buffer.concat([encodeFrame(hello), ...body.map((f) => encodeFrame(f))]));
  });
}

/** countWrites records the server side's socket writes (the client's one write happens before the spies matter). */
function countWrites(): string[] {
  const writes: string[] = [];
  const proto = net.Socket.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  for (const name of ['_write', '_writev'] as const) {
    const orig = proto[name]!;
    vi.spyOn(proto, name).mockImplementation(function (this: net.Socket, ...args: unknown[]) {
      if (this !== client) writes.push(name);
      return orig.apply(this, args);
    });
  }
  return writes;
}

describe('client port answers', () => {
  it('answers every request of one pass, in order, in a single socket write', async () => {
    const n = 40;
    const p = await serve(n);
    const writes = countWrites();
    const r = await exchange(p, n);
    expect(r.ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(r.frames).toEqual(r.ids.map(() => 'res'));
    expect(writes).toEqual(['_writev']);
  });

  it('still answers a lone request at once', async () => {
    const p = await serve(1);
    expect((await exchange(p, 1)).ids).toEqual([1]);
  });

  it('a batch Hello gets the answers of one pass in one batch frame, in one write', async () => {
    const n = 40;
    const p = await serve(n);
    const writes = countWrites();
    const r = await exchange(p, n, { batch: true });
    expect(r.ids).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(r.frames).toEqual([n]);
    expect(writes).toEqual(['_write']);
  });

  it('flushAnswers lets the answers given so far leave at once, before the pass ends', async () => {
    // The node calls it once a Ready's entries are applied, ahead of the Ready's disk write:
    // the answers must be on the socket then, not after that write at the pass's end.
    const writes = countWrites();
    const inPass: number[] = [];
    rejects.length = 0;
    port = new ClientPort({
      token: TOKEN,
      port: 0,
      onRequest: (req, reply) => {
        reply(answer(req));
        inPass.push(writes.length);
        port!.flushAnswers();
        inPass.push(writes.length);
        reply(answer({ ...req, id: req.id + 100 }));
        inPass.push(writes.length);
      },
      answerInvalid: (id) => ({ t: 'res', id, outcome: 'fail', result: null, node: 'n1', leader: null }),
      onReject: (reason) => rejects.push(reason),
    });
    const r = await exchange(await port.listen(), 2, { batch: true, body: [request(1)] });
    expect(r.ids).toEqual([1, 101]);
    // Corked until flushAnswers, written by it, and the answer given after it corked again
    // until the pass's end.
    expect(inPass).toEqual([0, 1, 1]);
    expect(writes).toHaveLength(2);
  });

  it('a batch Hello still gets a lone answer as a plain frame', async () => {
    const p = await serve(1);
    expect(await exchange(p, 1, { batch: true })).toMatchObject({ ids: [1], frames: ['res'] });
  });

  it('answer batches stay within MAX_BATCH_ITEMS and MAX_BATCH_BYTES; a large answer goes alone', async () => {
    const n = MAX_BATCH_ITEMS + 10;
    const p = await serve(n);
    expect((await exchange(p, n, { batch: true })).frames).toEqual([MAX_BATCH_ITEMS, 10]);
    port!.close();
    // Answers 1-3 take 0.4 of the byte bound each (3 bytes a character): two fit a batch, not
    // three; answer 4 is over the bound alone; answer 5 is small.
    const chars = (id: number): number =>
      id <= 3 ? Math.floor((0.4 * MAX_BATCH_BYTES) / 3) : id === 4 ? Math.floor(MAX_BATCH_BYTES / 3) + 1 : 1;
    const p2 = await serve(5, (req) => ({ ...answer(req), result: { ok: true, value: 'v'.repeat(chars(req.id)) } }));
    const r = await exchange(p2, 5, { batch: true });
    expect(r.ids).toEqual([1, 2, 3, 4, 5]);
    expect(r.frames).toEqual([2, 'res', 'res', 'res']);
  });
});

describe('client port batched requests', () => {
  it('takes every request of a batch frame, each answered by its id', async () => {
    const p = await serve(30);
    const reqs = Array.from({ length: 30 }, (_, i) => request(i + 1));
    const r = await exchange(p, 30, { batch: true, body: [{ t: 'reqs', reqs: reqs.slice(0, 20) }, ...reqs.slice(20)] });
    expect(r.ids).toEqual(reqs.map((q) => q.id));
    expect(rejects).toEqual([]);
  });

  it('a bad request inside a batch fails alone; the others are taken', async () => {
    const p = await serve(2);
    const bad = { ...request(2), op: { op: 'put', key: 5, value: 'v' } };
    const r = await exchange(p, 3, { body: [{ t: 'reqs', reqs: [request(1), bad, request(3)] }] });
    expect(r.closed).toBe(false);
    expect(r.ids).toEqual([2, 1, 3]);
    expect(rejects).toEqual([expect.stringContaining('bad request 2')]);
  });

  it('refuses a batch of no requests, of more than MAX_BATCH_ITEMS, or not an array, and one with a request it cannot answer', async () => {
    const bodies: object[] = [
      { t: 'reqs', reqs: [] },
      { t: 'reqs', reqs: Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => request(i + 1)) },
      { t: 'reqs', reqs: { 0: request(1) } },
      { t: 'reqs', reqs: [request(1), { t: 'req', id: -1 }] },
    ];
    for (const body of bodies) {
      port?.close();
      const p = await serve(MAX_BATCH_ITEMS + 1);
      const r = await exchange(p, 1, { body: [body] });
      expect(r).toMatchObject({ closed: true, ids: [] });
      expect(rejects).toHaveLength(1);
    }
  });
});
