/**
 * The headless host's routes, derived from the command table, in process: the renderer's
 * real client over HTTP reaches every command with the arguments its caller passed (the
 * same as over IPC); a bad argument is refused with the row validator's message on both
 * transports and never reaches the lab; a bad %-escape in a path is a 400, not a 500; and
 * statuses, 404 and 405 answers are what the README says.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { IpcReply } from '../../src-main/api/bridge';
import type { LabEvent } from '../../src-main/api/contract';
import { COMMAND_NAMES, COMMANDS, encodeArgs, perCommand, type CommandName } from '../../src-main/api/commands';
import { httpRequestOf } from '../../src-main/api/http-routes';
import { dispatch } from '../../src-main/electron/ipc-dispatch';
import { LabError, LabService } from '../../src-main/lab/lab-service';
import { HttpHost, MAX_BODY_BYTES } from '../../src-main/web/http-host';
import { HttpTransport } from '../../src-renderer/src/api/http-transport';
import { ipcTransport } from '../../src-renderer/src/api/ipc-transport';
import { TableClient } from '../../src-renderer/src/api/table-client';
import { REFUSED, SAMPLES, recordingLab } from './command-samples';

/** answers: what the recording lab says, per command (kv-like answers drive the status); by default an ok. */
const answers: Partial<Record<string, (a: unknown[]) => unknown>> = {};
const rec = recordingLab((name, a) => (answers[name] ?? (() => ({ called: name, outcome: 'ok' })))(a));
let host: HttpHost;
let base = '';

beforeAll(async () => {
  host = new HttpHost({ lab: rec.lab, webRoot: '/nonexistent' });
  base = `http://127.0.0.1:${await host.listen(0)}`;
});
afterAll(() => host.close());

async function http(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
  const auth = { authorization: `Bearer ${host.token}` };
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? auth : { ...auth, 'content-type': 'application/json' },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** ipc calls the main process's dispatch as the preload's bridge would. */
async function ipc(lab: typeof rec.lab, name: CommandName, wire: unknown): Promise<IpcReply> {
  try {
    return { ok: true, value: await dispatch(lab, name, structuredClone(wire)) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

describe('HTTP host routes from the command table', () => {
  it('every command reaches the lab over HTTP with its caller’s arguments, as over IPC', async () => {
    const overHttp = new TableClient(new HttpTransport({ base, token: host.token }));
    const viaIpc = recordingLab();
    const bridge = { ...perCommand((n) => (w?: unknown) => ipc(viaIpc.lab, n, w)), on: () => () => undefined };
    const overIpc = new TableClient(ipcTransport(bridge));
    rec.calls.length = 0;
    for (const n of COMMAND_NAMES) {
      const call = (c: TableClient) => (c[n] as (...a: unknown[]) => Promise<unknown>)(...SAMPLES[n]);
      expect(await call(overHttp), n).toEqual({ called: n, outcome: 'ok' });
      await call(overIpc);
    }
    expect(rec.calls).toEqual(viaIpc.calls);
    expect(rec.calls.map((c) => c[0])).toEqual(COMMAND_NAMES);
    expect(rec.calls.find((c) => c[0] === 'setBalance')).toEqual(['setBalance', 'weighted-round-robin', { n1: 3 }]);
    expect(rec.calls.find((c) => c[0] === 'log')).toEqual(['log', 7, 100]);
  });

  it('refuses a bad argument with the validator’s message on both transports; the lab is never called', async () => {
    rec.calls.length = 0;
    const ipcLab = recordingLab();
    let checked = 0;
    for (const r of REFUSED) {
      const viaIpc = await ipc(ipcLab.lab, r.name, r.wire);
      expect(viaIpc, `${r.name} over IPC`).toMatchObject({ ok: false, error: expect.stringContaining(r.error) });
      // Over HTTP a wire argument is an object whose fields go to the path, query and body;
      // a GET reads only its route's query fields (others are ignored, as they always were).
      if (typeof r.wire !== 'object' || r.wire === null) continue;
      const route = COMMANDS[r.name].http;
      if (route.methods[0] === 'GET' && Object.keys(r.wire).some((k) => !route.query.includes(k))) continue;
      const req = httpRequestOf(route, r.wire);
      const res = await http(req.method, req.path, req.body);
      expect(res, `${r.name} over HTTP`).toEqual({ status: 400, body: { error: expect.stringContaining(r.error) } });
      // Same wire argument, same words (a GET's query carries strings, which show in quotes).
      if (req.method === 'POST' && !viaIpc.ok) expect(res.body).toEqual({ error: viaIpc.error });
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
    expect(rec.calls).toEqual([]);
    expect(ipcLab.calls).toEqual([]);
  });

  it('answers a bad %-escape in a node id with 400 {error}, not 500', async () => {
    for (const [method, path] of [
      ['POST', '/api/nodes/%E0%A4%A/crash'],
      ['GET', '/api/nodes/%E0%A4%A/inspect'],
      ['POST', '/api/nodes/%/pause'],
    ] as const) {
      const r = await http(method, path);
      expect(r, path).toEqual({ status: 400, body: { error: expect.stringContaining('bad %-escape') } });
    }
    // An escape that decodes is fine, and the validator judges what it decodes to.
    expect(await http('POST', '/api/nodes/%6E1/crash')).toEqual({
      status: 200,
      body: { called: 'crash', outcome: 'ok' },
    });
    expect(await http('POST', `/api/nodes/${encodeURIComponent('../n1')}/crash`)).toMatchObject({ status: 400 });
  });

  it('keeps 404, 405, malformed-JSON and LabError answers', async () => {
    expect(await http('GET', '/api/nope')).toEqual({ status: 404, body: { error: 'no such route: /api/nope' } });
    expect(await http('PUT', '/api/kv', {})).toEqual({
      status: 405,
      body: { error: 'PUT /api/kv is not allowed; use POST' },
    });
    expect(await http('DELETE', '/api/nodes/n1/inspect')).toEqual({
      status: 405,
      body: { error: 'DELETE /api/nodes/n1/inspect is not allowed; use GET|POST' },
    });
    expect(await http('POST', '/api/kv', '{"op":')).toMatchObject({
      status: 400,
      body: { error: expect.stringMatching(/^request body is not valid JSON/) },
    });
    answers.crash = () => {
      throw new LabError(404, 'unknown node n9: this cluster has n1, n2, n3');
    };
    expect(await http('POST', '/api/nodes/n9/crash')).toEqual({
      status: 404,
      body: { error: 'unknown node n9: this cluster has n1, n2, n3' },
    });
    delete answers.crash;
  });

  it('a body over the limit is a 413, one cut off midway is no answer; the host serves on', async () => {
    const big = `{"op":"put","key":"k","value":"${'x'.repeat(MAX_BODY_BYTES)}"}`;
    expect(await http('POST', '/api/kv', big)).toEqual({
      status: 413,
      body: { error: `request body over ${MAX_BODY_BYTES} bytes` },
    });
    // A client that announces 100 bytes, sends 10 and hangs up.
    const port = Number(new URL(base).port);
    const sock = connect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    sock.write(
      `POST /api/kv HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${host.token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"op":"pu',
    );
    await new Promise((r) => setTimeout(r, 50));
    sock.destroy();
    answers.kv = () => ({ outcome: 'ok', value: null, node: 'n1', latencyMs: 1 });
    expect((await http('POST', '/api/kv', { op: 'put', key: 'k', value: 'v' })).status).toBe(200);
    delete answers.kv;
  });

  it('derives client answers’ statuses from the outcome (kvStatus), 200 for everything else', async () => {
    const cases: [unknown, number][] = [
      [{ outcome: 'ok', value: null, node: 'n1', latencyMs: 1 }, 200],
      [{ outcome: 'fail', value: 'x', node: 'n1', latencyMs: 1, error: 'cas-mismatch' }, 409],
      [{ outcome: 'fail', value: null, node: 'n1', latencyMs: 1, error: 'stale-token' }, 409],
      [{ outcome: 'fail', value: null, node: 'n2', latencyMs: 1, error: 'not-leader' }, 503],
      [{ outcome: 'unknown', value: null, node: null, latencyMs: 5000, error: 'timeout' }, 504],
    ];
    for (const name of ['kv', 'lock', 'renew', 'unlock', 'fencedWrite'] as const) {
      for (const [answer, status] of cases) {
        answers[name] = () => answer;
        const req = httpRequestOf(COMMANDS[name].http, encodeArgs(name, SAMPLES[name]));
        expect(await http(req.method, req.path, req.body), `${name} → ${status}`).toEqual({ status, body: answer });
      }
      delete answers[name];
    }
    answers.load = () => ({ outcome: 'unknown' });
    expect((await http('POST', '/api/load', { op: 'put', count: 1, clients: 1 })).status).toBe(200);
    delete answers.load;
  });

  it('reads GET /api/log’s since and limit from the query (limit 0 = no limit)', async () => {
    rec.calls.length = 0;
    await http('GET', '/api/log');
    await http('GET', '/api/log?since=5&limit=0');
    await http('GET', '/api/log?since=5&limit=10&other=1');
    expect(rec.calls).toEqual([
      ['log', 0, undefined],
      ['log', 5, undefined],
      ['log', 5, 10],
    ]);
    expect(await http('GET', '/api/log?since=abc')).toEqual({
      status: 400,
      body: { error: 'since must be a non-negative integer, got "abc"' },
    });
  });
});

describe('GET /api/version on a real LabService', () => {
  it('says which lab this is and what it runs on, with no cluster needed', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'quorum-version-'));
    const lab = new LabService({ dataDir });
    const real = new HttpHost({ lab, webRoot: '/nonexistent' });
    const url = `http://127.0.0.1:${await real.listen(0)}`;
    try {
      const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as {
        version: string;
      };
      const auth = { authorization: `Bearer ${real.token}` };
      const res = await fetch(`${url}/api/version`, { headers: auth });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({
        lab: pkg.version,
        node: process.versions.node,
        electron: null,
        protocols: ['raft', 'paxos'],
      });
      // The renderer's client reads the same answer; a body is an argument it does not take.
      const client = new TableClient(new HttpTransport({ base: url, token: real.token }));
      expect(await client.version()).toMatchObject({ lab: pkg.version });
      const post = await fetch(`${url}/api/version`, { method: 'POST', headers: auth });
      expect(post.status).toBe(405);
    } finally {
      await real.close();
      await lab.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the HTTP transport’s event stream', () => {
  it('follows /api/events and reconnects after the host goes away and comes back', async () => {
    const view = { nodes: [], groups: [], links: [] };
    const lab = recordingLab((name) => (name === 'cluster' ? view : { called: name })).lab;
    let first: HttpHost | null = new HttpHost({ lab, webRoot: '/nonexistent', token: 'events-token-0123456789' });
    const port = await first.listen(0);
    const transport = new HttpTransport({
      base: `http://127.0.0.1:${port}`,
      token: first.token,
      // As a browser does: the token offered as a subprotocol, with the page's Origin.
      openSocket: (url, on, protocols) => {
        const ws = new WebSocket(url, protocols, { headers: { origin: `http://127.0.0.1:${port}` } });
        ws.on('open', () => on.open());
        ws.on('message', (data: Buffer) => on.message(data.toString()));
        ws.on('close', () => on.close());
        ws.on('error', () => undefined);
        return { close: () => ws.close() };
      },
    });
    const states: string[] = [];
    const events: string[] = [];
    transport.onConnection((c) => states.push(c));
    transport.onEvent((e) => events.push(e.type));
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      const end = Date.now() + 10_000;
      while (!ok()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${states.join(',')}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    let second: HttpHost | null = null;
    try {
      // On connect the host sends the cluster at once.
      await until('the first cluster event', () => events.length === 1);
      expect(states).toEqual(['connecting', 'open']);
      await first.close();
      first = null;
      await until('the stream to close', () => states.includes('closed'));
      second = new HttpHost({ lab, webRoot: '/nonexistent', token: 'events-token-0123456789' });
      await second.listen(port);
      await until('a second cluster event after reconnecting', () => events.length === 2);
      expect(states.slice(0, 3)).toEqual(['connecting', 'open', 'closed']);
      expect(states.at(-1)).toBe('open');
      expect(events).toEqual(['cluster', 'cluster']);
    } finally {
      transport.close();
      await first?.close();
      await second?.close();
    }
  });
});

describe('the event stream’s subscription', () => {
  it('the host listens to the lab’s events only while a WebSocket client is connected, and that client gets them', async () => {
    const listeners = new Set<(e: LabEvent) => void>();
    const base = recordingLab((name) => (name === 'cluster' ? { nodes: [], groups: [], links: [] } : {})).lab;
    const lab = new Proxy(base, {
      get(t, name, r) {
        if (name === 'on')
          return (fn: (e: LabEvent) => void) => {
            listeners.add(fn);
            return () => listeners.delete(fn);
          };
        return Reflect.get(t, name, r) as unknown;
      },
    });
    const host = new HttpHost({ lab, webRoot: '/nonexistent' });
    const port = await host.listen(0);
    const until = async (what: string, ok: () => boolean): Promise<void> => {
      const end = Date.now() + 10_000;
      while (!ok()) {
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    try {
      expect(listeners.size).toBe(0);
      const got: string[] = [];
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`, {
        headers: { origin: `http://127.0.0.1:${port}`, authorization: `Bearer ${host.token}` },
      });
      ws.on('message', (d: Buffer) => got.push((JSON.parse(d.toString()) as LabEvent).type));
      await until('the cluster event on connect', () => got.length === 1);
      expect(listeners.size).toBe(1);
      for (const fn of listeners) fn({ type: 'load-progress', done: 1, total: 2 });
      await until('the lab’s event', () => got.length === 2);
      expect(got).toEqual(['cluster', 'load-progress']);
      ws.close();
      await until('the subscription to end', () => listeners.size === 0);
    } finally {
      await host.close();
    }
    expect(listeners.size).toBe(0);
  });
});
