/**
 * The gateway's outcome rules against scripted client ports (plain TCP servers speaking
 * the node's frames): a not-leader answer is followed to the leader; a refused connection
 * is retried elsewhere; a request sent and then cut off is `unknown`, never retried; a
 * deadline with nothing ever sent is `fail`; retries keep the same (client, seq); a write
 * deposed before it committed is asked again, and then ends `unknown` unless the state
 * machine answers; and, against a real state machine's session rules, a healthy cluster
 * never refuses a request as `session-expired`.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src-main/core/kv/codec';
import { KvStateMachine } from '../../src-main/core/kv/state-machine';
import { Gateway } from '../../src-main/lab/gateway';
import type { ClientRequestFrame } from '../../src-main/node/contract';
import { FrameDecoder, MAX_BATCH_BYTES, MAX_BATCH_ITEMS, encodeFrame } from '../../src-main/node/frames';

type Script = (req: ClientRequestFrame, sock: Socket, id: string) => void;

const servers: Server[] = [];
const seen: { node: string; req: ClientRequestFrame }[] = [];
/** frames: per request frame a port read, 'req' or the count of requests in a 'reqs' batch. */
const frames: ('req' | number)[] = [];
const gateways: Gateway[] = [];

async function port(id: string, script: Script): Promise<number> {
  const server = createServer((sock) => {
    const dec = new FrameDecoder();
    let hello = false;
    sock.on('error', () => undefined);
    sock.on('data', (c: Buffer) => {
      for (const f of dec.push(c).frames) {
        if (!hello) {
          expect(f).toMatchObject({ t: 'hello', token: 'tok', from: 'gateway', batch: true });
          hello = true;
          continue;
        }
        const reqs = f.t === 'reqs' ? (f.reqs as ClientRequestFrame[]) : [f as unknown as ClientRequestFrame];
        frames.push(f.t === 'reqs' ? reqs.length : 'req');
        for (const req of reqs) {
          seen.push({ node: id, req });
          script(req, sock, id);
        }
      }
    });
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return (server.address() as { port: number }).port;
}

const answer = (sock: Socket, req: ClientRequestFrame, id: string, over: Record<string, unknown>): void => {
  sock.write(
    encodeFrame({
      t: 'res',
      id: req.id,
      outcome: 'ok',
      result: { ok: true, value: null },
      node: id,
      leader: null,
      ...over,
    }),
  );
};

afterEach(async () => {
  seen.length = 0;
  frames.length = 0;
  // A test that failed before its own close() must not keep the servers' sockets open.
  for (const g of gateways.splice(0)) g.close();
  for (const s of servers.splice(0)) await new Promise<void>((r) => s.close(() => r()));
});

function gateway(ports: Record<string, number | null>, leader: string | null = null): Gateway {
  const g = new Gateway({
    token: 'tok',
    nodes: Object.keys(ports),
    portOf: (id) => ports[id] ?? null,
    isUp: (id) => ports[id] !== null,
    leader: () => leader,
    clientPrefix: 'gwtest',
    seed: 1,
  });
  gateways.push(g);
  return g;
}

describe('gateway', () => {
  it('follows a not-leader redirect and keeps (client, seq) across the retry', async () => {
    const follower: Script = (req, sock, id) =>
      answer(sock, req, id, { outcome: 'fail', result: null, error: 'not-leader', leader: 'n2' });
    const leader: Script = (req, sock, id) => answer(sock, req, id, {});
    const g = gateway({ n1: await port('n1', follower), n2: await port('n2', leader) });
    const r = await g.request({ op: 'put', key: 'k', value: 'v' }, 2000);
    expect(r).toMatchObject({ outcome: 'ok', node: 'n2' });
    expect(seen.map((s) => s.node)).toEqual(['n1', 'n2']);
    expect(seen[0]!.req.client).toBe(seen[1]!.req.client);
    expect(seen[0]!.req.seq).toBe(seen[1]!.req.seq);
    expect(seen[0]!.req.client).not.toBe('');
    // The next request uses the same session with the next seq.
    await g.request({ op: 'put', key: 'k', value: 'w' }, 2000);
    expect(seen.at(-1)!.req.seq).toBe(seen[0]!.req.seq + 1);
    expect(g.served).toEqual({ n1: 1, n2: 1 });
    g.close();
  });

  it('requests of one turn reach the node whole and in order, multi-byte values intact, each answered by its id', async () => {
    // Answered in reverse order of arrival, so a wrong id pairing would hand a request another's value.
    const got: ClientRequestFrame[] = [];
    const n1 = await port('n1', (req, sock, id) => {
      got.push(req);
      if (got.length < 300) return;
      for (const r of got.reverse()) {
        const value = r.op.op === 'put' ? r.op.value : null;
        answer(sock, r, id, { result: { ok: true, value } });
      }
    });
    const g = gateway({ n1 }, 'n1');
    const values = Array.from({ length: 300 }, (_, i) => `v${i} é€😀 ${'ü'.repeat(i % 7)} "q" \\`);
    const all = values.map((value, i) => g.request({ op: 'put', key: `k${i}`, value }, 5000));
    const rs = await Promise.all(all);
    expect(rs.map((r) => r.outcome)).toEqual(values.map(() => 'ok'));
    expect(rs.map((r) => r.result?.value)).toEqual(values);
    expect(got.map((r) => (r.op.op === 'put' ? r.op.value : null)).reverse()).toEqual(values);
    // One turn's requests: one batch frame.
    expect(frames).toEqual([300]);
    g.close();
  });

  it('answers in a batch frame settle each request by its id; a malformed batch is ignored', async () => {
    const got: ClientRequestFrame[] = [];
    const n1 = await port('n1', (req, sock, id) => {
      got.push(req);
      if (got.length < 6) return;
      const res = (r: ClientRequestFrame) => ({
        t: 'res',
        id: r.id,
        outcome: 'ok',
        result: { ok: true, value: r.op.op === 'put' ? r.op.value : null },
        node: id,
        leader: id,
      });
      const [a, b, c, d, e, f] = got;
      // An empty batch and one with a bad item's neighbours: the empty one is dropped whole;
      // in the other, the bad item is skipped and its neighbours still settle.
      sock.write(encodeFrame({ t: 'ress', ress: [] }));
      sock.write(encodeFrame({ t: 'ress', ress: [res(b!), { t: 'res', id: a!.id }, res(c!)] }));
      sock.write(encodeFrame({ t: 'ress', ress: [res(f!), res(e!), res(d!)] }));
    });
    const g = gateway({ n1 }, 'n1');
    const all = Array.from({ length: 6 }, (_, i) => g.request({ op: 'put', key: `k${i}`, value: `v${i}` }, 800));
    const rs = await Promise.all(all);
    expect(rs.map((r) => r.outcome)).toEqual(['unknown', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(rs.slice(1).map((r) => r.result?.value)).toEqual(['v1', 'v2', 'v3', 'v4', 'v5']);
    expect(frames).toEqual([6]);
    g.close();
  });

  it('a batch stays within MAX_BATCH_ITEMS and MAX_BATCH_BYTES; a request over the bytes alone goes in its own frame', async () => {
    const n1 = await port('n1', (req, sock, id) => answer(sock, req, id, {}));
    const g = gateway({ n1 }, 'n1');
    const n = MAX_BATCH_ITEMS + 5;
    await Promise.all(Array.from({ length: n }, (_, i) => g.request({ op: 'put', key: `k${i}`, value: 'v' }, 5000)));
    // A request's text is ~100 characters, so the byte bound (3 bytes a character) ends a
    // batch of these before the count does; either way no frame passes either bound.
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.every((k) => typeof k === 'number' && k <= MAX_BATCH_ITEMS)).toBe(true);
    expect((frames as number[]).reduce((a, b) => a + b, 0)).toBe(n);
    const perText = seen.slice(0, n).map((s) => JSON.stringify(s.req).length * 3);
    let at = 0;
    for (const k of frames as number[]) {
      expect(perText.slice(at, at + k).reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_BATCH_BYTES);
      at += k;
    }
    frames.length = 0;
    // 0.4 of the byte bound each (3 bytes a character): two fit a batch, not three; the
    // fourth is over the bound alone.
    const chars = [0.4, 0.4, 0.4, 1.01].map((x) => Math.floor((x * MAX_BATCH_BYTES) / 3));
    const rs = await Promise.all(
      chars.map((c, i) => g.request({ op: 'put', key: `b${i}`, value: 'v'.repeat(c) }, 5000)),
    );
    expect(rs.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(frames).toEqual([2, 'req', 'req']);
    g.close();
  });

  it('retries a refused connection on another node', async () => {
    const dead = await port('n1', () => undefined);
    await new Promise<void>((r) => servers.pop()!.close(() => r())); // n1's port now refuses
    const g = gateway({ n1: dead, n2: await port('n2', (req, sock, id) => answer(sock, req, id, {})) });
    const r = await g.request({ op: 'put', key: 'k', value: 'v' }, 2000);
    expect(r).toMatchObject({ outcome: 'ok', node: 'n2' });
    g.close();
  });

  it('a request sent and then cut off is unknown and is not retried', async () => {
    const g = gateway({
      n1: await port('n1', (_req, sock) => sock.destroy()),
      n2: await port('n2', (req, sock, id) => answer(sock, req, id, {})),
    });
    const r = await g.request({ op: 'put', key: 'k', value: 'v' }, 2000, 'n1');
    expect(r.outcome).toBe('unknown');
    expect(seen.map((s) => s.node)).toEqual(['n1']);
    g.close();
  });

  it('a node that never answers makes it unknown at the deadline; a cluster with no node up makes it fail', async () => {
    const g = gateway({ n1: await port('n1', () => undefined) });
    const r = await g.request({ op: 'put', key: 'k', value: 'v' }, 300);
    expect(r.outcome).toBe('unknown');
    expect(r.latencyMs).toBeGreaterThanOrEqual(290);
    g.close();
    const none = gateway({ n1: null, n2: null });
    const f = await none.request({ op: 'put', key: 'k', value: 'v' }, 200);
    expect(f.outcome).toBe('fail');
    none.close();
  });

  it('requests on one connection keep their own deadlines: a short one after a long one ends on time, an answered one ok', async () => {
    // Keys starting with 'slow' are never answered; the rest are answered at once.
    const g = gateway({
      n1: await port('n1', (req, sock, id) => {
        if ('key' in req.op && !req.op.key.startsWith('slow')) answer(sock, req, id, {});
      }),
    });
    const long = g.request({ op: 'put', key: 'slow-long', value: 'v' }, 1500);
    const short = g.request({ op: 'put', key: 'slow-short', value: 'v' }, 200);
    const ok = await g.request({ op: 'put', key: 'fast', value: 'v' }, 1000);
    expect(ok.outcome).toBe('ok');
    const s = await short;
    expect(s.outcome).toBe('unknown');
    expect(s.latencyMs).toBeGreaterThanOrEqual(190);
    expect(s.latencyMs).toBeLessThan(1000);
    const l = await long;
    expect(l.outcome).toBe('unknown');
    expect(l.latencyMs).toBeGreaterThanOrEqual(1490);
    g.close();
  });

  it('after answered requests a request still ends at its own deadline, not earlier or later', async () => {
    // The connection's timer outlives the answered requests it was set for (gateway-conn.ts).
    const g = gateway({
      n1: await port('n1', (req, sock, id) => {
        if ('key' in req.op && !req.op.key.startsWith('slow')) answer(sock, req, id, {});
      }),
    });
    // Answered, with a long deadline: the timer is left set for 2 s from now.
    expect((await g.request({ op: 'put', key: 'a', value: 'v' }, 2000)).outcome).toBe('ok');
    // A shorter deadline than the timer's must still end on time.
    const short = await g.request({ op: 'put', key: 'slow-1', value: 'v' }, 200);
    expect(short.outcome).toBe('unknown');
    expect(short.latencyMs).toBeGreaterThanOrEqual(190);
    expect(short.latencyMs).toBeLessThan(1000);
    // Answered, with a short deadline: the timer fires while a longer request waits, and
    // must neither end that one early nor forget it.
    expect((await g.request({ op: 'put', key: 'b', value: 'v' }, 100)).outcome).toBe('ok');
    const long = await g.request({ op: 'put', key: 'slow-2', value: 'v' }, 600);
    expect(long.outcome).toBe('unknown');
    expect(long.latencyMs).toBeGreaterThanOrEqual(590);
    expect(long.latencyMs).toBeLessThan(1500);
    g.close();
  });

  it('a refusal such as cas-mismatch is final: fail, not retried', async () => {
    const g = gateway({
      n1: await port('n1', (req, sock, id) =>
        answer(sock, req, id, {
          outcome: 'fail',
          result: { ok: false, error: 'cas-mismatch', value: 'x' },
          error: 'cas-mismatch',
        }),
      ),
      n2: await port('n2', (req, sock, id) => answer(sock, req, id, {})),
    });
    const r = await g.request({ op: 'cas', key: 'k', expected: 'a', value: 'b' }, 2000, 'n1');
    expect(r).toMatchObject({ outcome: 'fail', error: 'cas-mismatch' });
    expect(seen.length).toBe(1);
    g.close();
  });

  it('a write deposed before it committed is asked again at the next leader, same (client, seq)', async () => {
    const deposed: Script = (req, sock, id) =>
      answer(sock, req, id, { outcome: 'unknown', result: null, error: 'leadership-lost', leader: 'n2' });
    const g = gateway({
      n1: await port('n1', deposed),
      n2: await port('n2', (req, sock, id) => answer(sock, req, id, {})),
    });
    const r = await g.request({ op: 'cas', key: 'k', expected: null, value: 'a' }, 2000, undefined);
    expect(r).toMatchObject({ outcome: 'ok', node: 'n2' });
    expect(seen.map((s) => s.node)).toEqual(['n1', 'n2']);
    expect(seen[1]!.req).toMatchObject({ client: seen[0]!.req.client, seq: seen[0]!.req.seq });
    // Pinned to a node, it is not asked elsewhere: unknown.
    const pinned = await g.request({ op: 'put', key: 'k', value: 'v' }, 2000, 'n1');
    expect(pinned).toMatchObject({ outcome: 'unknown', error: 'leadership-lost' });
    g.close();
  });

  it('a get whose leader lost its leadership before confirming it is asked again at the next leader', async () => {
    const deposed: Script = (req, sock, id) =>
      answer(sock, req, id, { outcome: 'fail', result: null, error: 'leadership-lost', leader: 'n2' });
    const g = gateway(
      {
        n1: await port('n1', deposed),
        n2: await port('n2', (req, sock, id) => answer(sock, req, id, { result: { ok: true, value: 'v' } })),
      },
      'n1',
    );
    g.setBalance('leader-only');
    const r = await g.request({ op: 'get', key: 'k' }, 2000);
    expect(r).toMatchObject({ outcome: 'ok', node: 'n2', result: { value: 'v' } });
    expect(seen.map((s) => s.node)).toEqual(['n1', 'n2']);
    // Pinned to a node, it is not asked elsewhere; and a write's fail of that name stays final.
    expect(await g.request({ op: 'get', key: 'k' }, 2000, 'n1')).toMatchObject({
      outcome: 'fail',
      error: 'leadership-lost',
    });
    expect(await g.request({ op: 'put', key: 'k', value: 'v' }, 2000)).toMatchObject({
      outcome: 'fail',
      error: 'leadership-lost',
    });
    g.close();
  });

  it('a retry after a deposed try is never moved to a new session (the first copy may have applied)', async () => {
    const deposed: Script = (req, sock, id) =>
      answer(sock, req, id, { outcome: 'unknown', result: null, error: 'leadership-lost', leader: 'n2' });
    const expired: Script = (req, sock, id) =>
      answer(sock, req, id, {
        outcome: 'unknown',
        result: { ok: false, error: 'session-expired' },
        error: 'session-expired',
      });
    const g = gateway({ n1: await port('n1', deposed), n2: await port('n2', expired) }, 'n1');
    const r = await g.request({ op: 'put', key: 'k', value: 'v' }, 2000);
    expect(r).toMatchObject({ outcome: 'unknown', error: 'session-expired' });
    expect(seen.map((s) => [s.node, s.req.client, s.req.seq])).toEqual([
      ['n1', seen[0]!.req.client, 1],
      ['n2', seen[0]!.req.client, 1],
    ]);
    g.close();
  });

  it('once a try may have applied, only the state machine may say fail: a not-leader to the retry is unknown', async () => {
    const deposed: Script = (req, sock, id) =>
      answer(sock, req, id, { outcome: 'unknown', result: null, error: 'leadership-lost', leader: null });
    const never: Script = (req, sock, id) =>
      answer(sock, req, id, { outcome: 'fail', result: null, error: 'not-leader', leader: null });
    const g = gateway({ n1: await port('n1', deposed), n2: await port('n2', never) }, 'n1');
    const r = await g.request({ op: 'put', key: 'k', value: 'v' }, 400);
    expect(r.outcome).toBe('unknown');
    expect(seen.length).toBeGreaterThan(1);
    // The retry's own state-machine refusal stands (with sessions it is the first try's answer).
    const refuses: Script = (req, sock, id) =>
      answer(sock, req, id, {
        outcome: 'fail',
        result: { ok: false, error: 'cas-mismatch', value: 'a' },
        error: 'cas-mismatch',
      });
    const h = gateway({ n1: await port('n1', deposed), n2: await port('n2', refuses) }, 'n2');
    expect(await h.request({ op: 'cas', key: 'k', expected: null, value: 'a' }, 2000)).toMatchObject({
      outcome: 'fail',
      error: 'cas-mismatch',
    });
    g.close();
    h.close();
  });

  it('a session the state machine evicted (session-expired) is replaced and the request sent again under it', async () => {
    // The node knows sessions that began at seq 1; any later seq of an unknown client is refused.
    const sessions = new Set<string>();
    const node: Script = (req, sock, id) => {
      if (req.seq > 1 && !sessions.has(req.client)) {
        answer(sock, req, id, {
          outcome: 'unknown',
          result: { ok: false, error: 'session-expired' },
          error: 'session-expired',
        });
        return;
      }
      sessions.add(req.client);
      answer(sock, req, id, {});
    };
    const g = gateway({ n1: await port('n1', node) }, 'n1');
    expect((await g.request({ op: 'put', key: 'k', value: '1' }, 2000)).outcome).toBe('ok');
    // The lab evicts every session (a restart of the whole store would too).
    sessions.clear();
    const r = await g.request({ op: 'put', key: 'k', value: '2' }, 2000);
    expect(r.outcome).toBe('ok');
    const [first, retry] = seen.slice(-2).map((x) => x.req);
    expect(first).toMatchObject({ seq: 2 });
    expect(retry!.client).not.toBe(first!.client);
    expect(retry!.seq).toBe(1);
    // The next put goes under the new session, at its seq 2, refused by nobody: the evicted one is gone for good.
    const before = seen.length;
    expect((await g.request({ op: 'put', key: 'k', value: '3' }, 2000)).outcome).toBe('ok');
    expect(seen.slice(before).map((x) => [x.req.client, x.req.seq])).toEqual([[retry!.client, 2]]);
    g.close();
  });

  describe("against the state machine's session rules", () => {
    /**
     * kvNode is a leader backed by a real KvStateMachine, answering as node/requests.ts
     * does: a get is served by ReadIndex (it never reaches the log), a command is applied
     * in log order, and a copy the sessions refuse is `unknown`.
     */
    function kvNode(refused: string[]): Script {
      const sm = new KvStateMachine();
      let index = 0;
      return (req, sock, id) => {
        if (req.op.op === 'get') return answer(sock, req, id, { result: { ok: true, value: sm.get(req.op.key) } });
        const result = sm.apply(++index, encodeCommand({ client: req.client, seq: req.seq, now: 0, cmd: req.op }));
        const expired = result.error === 'stale-seq' || result.error === 'session-expired';
        if (expired) refused.push(`${req.client}#${req.seq}: ${result.error}`);
        answer(sock, req, id, {
          outcome: expired ? 'unknown' : result.ok ? 'ok' : 'fail',
          result,
          ...(result.ok ? {} : { error: result.error }),
        });
      };
    }

    it('gets spend no seq: puts after concurrent gets are ok, none refused as session-expired', async () => {
      const refused: string[] = [];
      const g = gateway({ n1: await port('n1', kvNode(refused)) }, 'n1');
      const get = () => g.request({ op: 'get', key: 'k' }, 2000);
      const put = (v: string) => g.request({ op: 'put', key: 'k', value: v }, 2000);
      // Six readers at once leave six sessions in the pool; a write then takes one of them.
      await Promise.all([get(), get(), get(), get(), get(), get()]);
      expect((await put('first')).outcome).toBe('ok');
      for (let round = 0; round < 3; round++) {
        const gets = await Promise.all([get(), get(), get(), get()]);
        expect(gets.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok', 'ok']);
        const puts = await Promise.all([put(`a${round}`), put(`b${round}`), put(`c${round}`)]);
        expect(puts.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok']);
      }
      expect(refused).toEqual([]);
      // Every logged command of a session: seq 1 first, then one more each time.
      const bySession = new Map<string, number[]>();
      for (const { req } of seen)
        if (req.op.op !== 'get') bySession.set(req.client, [...(bySession.get(req.client) ?? []), req.seq]);
      for (const seqs of bySession.values()) expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      g.close();
    });

    it('a command refused before it was proposed (not-leader) spends no seq', async () => {
      const refused: string[] = [];
      const follower: Script = (req, sock, id) =>
        answer(sock, req, id, { outcome: 'fail', result: null, error: 'not-leader', leader: 'n2' });
      const g = gateway({ n1: await port('n1', follower), n2: await port('n2', kvNode(refused)) }, 'n2');
      // Pinned to the follower: refused for certain, never proposed.
      expect((await g.request({ op: 'put', key: 'k', value: '1' }, 2000, 'n1')).outcome).toBe('fail');
      expect((await g.request({ op: 'put', key: 'k', value: '2' }, 2000)).outcome).toBe('ok');
      expect((await g.request({ op: 'put', key: 'k', value: '3' }, 2000)).outcome).toBe('ok');
      expect(refused).toEqual([]);
      expect(seen.map((s) => [s.node, s.req.seq])).toEqual([
        ['n1', 1],
        ['n2', 1],
        ['n2', 2],
      ]);
      g.close();
    });
  });
});
