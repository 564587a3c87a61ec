/**
 * The batched event stream: a page that asks for `?batch=1` gets the lab's events as JSON
 * arrays, every event once and in the order the lab emitted them, in far fewer messages
 * than events (each array at most EVENT_BATCH_MAX long); a client that does not ask still
 * gets one event per message; a misspelt `batch` is refused; and the renderer's transport
 * reads both forms, dropping a malformed event alone and an over-long batch whole.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import type { HostedLab } from '../../src-main/api/commands';
import type { LabEvent } from '../../src-main/api/contract';
import { EVENT_BATCH_MAX, EVENT_BATCH_MAX_BYTES } from '../../src-main/api/event-batch';
import { EventBatcher, batchText, type EventBatch } from '../../src-main/web/event-batch';
import { HttpHost } from '../../src-main/web/http-host';
import { HttpTransport, eventsOf } from '../../src-renderer/src/api/http-transport';

const VIEW = { nodes: [], groups: [], links: [] };

/** emittingLab answers `cluster` and lets the test emit events to whoever listens. */
function emittingLab(): { lab: HostedLab; emit: (e: LabEvent) => void } {
  const listeners = new Set<(e: LabEvent) => void>();
  const lab = new Proxy(
    {},
    {
      get(_t, name) {
        if (name === 'on')
          return (cb: (e: LabEvent) => void) => {
            listeners.add(cb);
            return () => listeners.delete(cb);
          };
        if (name === 'cluster') return async () => VIEW;
        return undefined;
      },
    },
  ) as HostedLab;
  return { lab, emit: (e) => listeners.forEach((cb) => cb(e)) };
}

const log = (seq: number): LabEvent => ({ type: 'log', record: { t: seq, seq, kind: 'commit', node: 'n1' } });

/** listen opens /api/events (with `query`) and collects each message's parsed JSON. */
async function listen(host: HttpHost, query: string): Promise<{ msgs: unknown[]; ws: WebSocket }> {
  const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events${query}`, ['quorum-lab'], {
    headers: { authorization: `Bearer ${host.token}` },
  });
  const msgs: unknown[] = [];
  ws.on('message', (d: Buffer) => msgs.push(JSON.parse(d.toString())));
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok());
    ws.once('error', fail);
  });
  await until(() => msgs.length === 1);
  return { msgs, ws };
}

async function until(ok: () => boolean): Promise<void> {
  const end = Date.now() + 5000;
  while (!ok()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

let host: HttpHost | null = null;
afterEach(async () => {
  await host?.close();
  host = null;
  vi.useRealTimers();
});

describe('the batched event stream', () => {
  it('sends a batching page every event once, in order, in few messages; a plain client one per message', async () => {
    const { lab, emit } = emittingLab();
    host = new HttpHost({ lab, webRoot: '/nonexistent' });
    await host.listen(0);
    const batched = await listen(host, '?batch=1');
    const plain = await listen(host, '');
    expect(batched.msgs[0]).toEqual([{ type: 'cluster', cluster: VIEW }]);
    expect(plain.msgs[0]).toEqual({ type: 'cluster', cluster: VIEW });
    const sent: LabEvent[] = [];
    for (let i = 1; i <= 1200; i++) sent.push(log(i));
    sent.splice(600, 0, { type: 'load-progress', done: 600, total: 1200 });
    for (const e of sent) emit(e);
    await until(() => plain.msgs.length === 1 + sent.length);
    await until(() => batched.msgs.slice(1).flat().length === sent.length);
    expect(plain.msgs.slice(1)).toEqual(sent);
    const batches = batched.msgs.slice(1) as unknown[][];
    expect(batches.every((b) => Array.isArray(b) && b.length >= 1 && b.length <= EVENT_BATCH_MAX)).toBe(true);
    expect(batches.flat()).toEqual(sent);
    // 1,201 events emitted at once: three batches (512 + 512 + the rest), not 1,201 messages.
    expect(batches.length).toBe(Math.ceil(sent.length / EVENT_BATCH_MAX));
    batched.ws.close();
    plain.ws.close();
  });

  it('refuses a batch parameter it does not know rather than guessing the wire format', async () => {
    host = new HttpHost({ lab: emittingLab().lab, webRoot: '/nonexistent' });
    await host.listen(0);
    for (const q of ['?batch=yes', '?batch=1&batch=1']) {
      const ws = new WebSocket(`ws://127.0.0.1:${host.port}/api/events${q}`, ['quorum-lab'], {
        headers: { authorization: `Bearer ${host.token}` },
      });
      const status = await new Promise<number>((r) =>
        ws.once('unexpected-response', (_q, res) => r(res.statusCode ?? 0)),
      );
      expect(status, q).toBe(400);
    }
    expect((await listen(host, '?batch=0')).msgs[0]).toEqual({ type: 'cluster', cluster: VIEW });
  });

  it('the renderer’s transport asks for batches and hands on each event in order', async () => {
    const { lab, emit } = emittingLab();
    host = new HttpHost({ lab, webRoot: '/nonexistent' });
    const port = await host.listen(0);
    const urls: string[] = [];
    const transport = new HttpTransport({
      base: `http://127.0.0.1:${port}`,
      token: host.token,
      openSocket: (url, on, protocols) => {
        urls.push(url.search);
        const ws = new WebSocket(url, protocols);
        ws.on('open', () => on.open());
        ws.on('message', (data: Buffer) => on.message(data.toString()));
        ws.on('close', () => on.close());
        ws.on('error', () => undefined);
        return { close: () => ws.close() };
      },
    });
    const got: LabEvent[] = [];
    transport.onEvent((e) => got.push(e));
    try {
      await until(() => got.length === 1);
      for (let i = 1; i <= 700; i++) emit(log(i));
      await until(() => got.length === 701);
      expect(urls).toEqual(['?batch=1']);
      expect(got.slice(1).map((e) => (e.type === 'log' ? e.record.seq : -1))).toEqual(
        Array.from({ length: 700 }, (_, i) => i + 1),
      );
    } finally {
      transport.close();
    }
  });
});

describe('eventsOf', () => {
  it('reads a single event or a batch, dropping a malformed event alone and an over-long batch whole', () => {
    expect(eventsOf(log(1))).toEqual([log(1)]);
    expect(eventsOf({ type: 'nope' })).toEqual([]);
    expect(eventsOf([log(1), { type: 'log' }, 7, null, log(2)])).toEqual([log(1), log(2)]);
    const full = Array.from({ length: EVENT_BATCH_MAX }, (_, i) => log(i));
    expect(eventsOf(full)).toHaveLength(EVENT_BATCH_MAX);
    expect(eventsOf([...full, log(EVENT_BATCH_MAX)])).toEqual([]);
  });
});

describe('EventBatcher', () => {
  it('sends after its interval, at once when full or large, and nothing for nothing', () => {
    vi.useFakeTimers();
    const out: EventBatch[] = [];
    const b = new EventBatcher((x) => out.push(x), 16);
    b.add(log(1));
    b.add(log(2));
    vi.advanceTimersByTime(15);
    expect(out).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(out.map((x) => batchText(x))).toEqual([JSON.stringify([log(1), log(2)])]);
    vi.advanceTimersByTime(100);
    expect(out).toHaveLength(1);
    // Large events: sent as soon as the bytes pass the bound, without waiting.
    const big: LabEvent = {
      type: 'log',
      record: { t: 0, seq: 9, kind: 'note', text: 'x'.repeat(EVENT_BATCH_MAX_BYTES) },
    };
    b.add(big);
    expect(out).toHaveLength(2);
    b.close();
  });

  it('batchText keeps only what is asked (a lagging client loses log records, not cluster views)', () => {
    const cl: LabEvent = { type: 'cluster', cluster: VIEW as never };
    const batch: EventBatch = { events: [log(1), cl], texts: [JSON.stringify(log(1)), JSON.stringify(cl)] };
    expect(JSON.parse(batchText(batch, (e) => e.type !== 'log'))).toEqual([cl]);
  });
});
