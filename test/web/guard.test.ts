/**
 * The headless host refuses what a web page, a rebound DNS name or a token-less local
 * process sends, and the lab never hears of it: requests with Origin: null, another
 * origin (another port of 127.0.0.1 too), Sec-Fetch-Site cross-site or same-site, a Host
 * that is not the lab's, no token or a wrong one (also on the WebSocket), and bodies that
 * are not JSON. The seed's POST / answers without a token but refuses other origins. Every
 * answer forbids framing. Raw requests over node:http, so every header is as an attacker
 * would send it.
 */
import { Agent, request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  allowedHostNames,
  checkSite,
  hostName,
  isJson,
  tokenEquals,
  tokenError,
  tokenOf,
  WS_PROTOCOL as HOST_WS_PROTOCOL,
  WS_TOKEN_PREFIX as HOST_WS_TOKEN_PREFIX,
} from '../../src-main/web/guard';
import { HttpHost } from '../../src-main/web/http-host';
import { WS_PROTOCOL, WS_TOKEN_PREFIX } from '../../src-renderer/src/api/http-transport';
import { exposureWarnings, parseServeArgs } from '../../src-main/web/serve';
import { recordingLab } from './command-samples';

const TOKEN = 'guard-test-token-0123456789abcdef';
const rec = recordingLab((name) => ({ called: name, outcome: 'ok' }));
let host: HttpHost;
let port = 0;

beforeAll(async () => {
  host = new HttpHost({ lab: rec.lab, webRoot: '/nonexistent', token: TOKEN });
  port = await host.listen(0);
});
afterAll(() => host.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** raw sends one request with exactly these headers (Host defaults to the lab's). */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const h: Record<string, string> = { host: `127.0.0.1:${port}`, ...headers };
    if (body !== undefined) h['content-length'] = String(Buffer.byteLength(body));
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: h, setHost: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const bearer = { authorization: `Bearer ${TOKEN}` };
const json = { 'content-type': 'application/json' };

describe('the host refuses other origins, other hosts and token-less calls; the lab never hears of them', () => {
  it('refuses Origin: null, other origins and cross-site/same-site fetches, token or not', async () => {
    rec.calls.length = 0;
    const cases: Record<string, string>[] = [
      { origin: 'null' },
      { origin: 'http://evil.example' },
      { origin: `http://127.0.0.1:${port + 1}` }, // another port of this machine: same-site, another origin
      { origin: `https://127.0.0.1:${port}` }, // another scheme
      { origin: `http://localhost:${port}` }, // another name for this machine, but not the Host the request names
      { 'sec-fetch-site': 'cross-site' },
      { 'sec-fetch-site': 'same-site' },
      { origin: 'not a url' },
    ];
    for (const extra of cases) {
      for (const [method, path, body] of [
        ['POST', '/api/nodes/n1/pause', undefined],
        ['POST', '/api/partition', '{"groups":[["n1"],["n2","n3"]]}'],
        ['POST', '/api/kv', '{"op":"put","key":"k","value":"v"}'],
        ['POST', '/api/export', '{"dir":"/tmp/x"}'],
        ['GET', '/api/history', undefined],
        ['POST', '/', '{"type":"store","key":"k","value":"v"}'],
      ] as const) {
        const r = await raw(method, path, { ...bearer, ...json, ...extra }, body);
        expect(r.status, `${method} ${path} with ${JSON.stringify(extra)}`).toBe(403);
        expect(JSON.parse(r.body)).toMatchObject({ error: expect.stringMatching(/refused|Origin/) });
      }
    }
    expect(rec.calls).toEqual([]);
  });

  it('refuses a Host that is not the lab’s (DNS rebinding), even with the token', async () => {
    rec.calls.length = 0;
    for (const h of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, ''])
      expect((await raw('GET', '/api/cluster', { ...bearer, host: h })).status, `Host ${h}`).toBe(403);
    expect(rec.calls).toEqual([]);
    // The lab's own names pass (with the token).
    for (const h of [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`])
      expect((await raw('GET', '/api/cluster', { ...bearer, host: h })).status, `Host ${h}`).toBe(200);
  });

  it('answers every /api/* call without the token, or with a wrong one, 401 — before routing', async () => {
    rec.calls.length = 0;
    const noToken: Record<string, string>[] = [
      {},
      { authorization: `Bearer ${TOKEN}x` },
      { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
      { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
      { authorization: TOKEN },
      { cookie: `token=${TOKEN}` },
    ];
    for (const headers of noToken) {
      for (const path of ['/api/cluster', '/api/log', '/api/nodes/n1/crash', '/api/kv', '/api/nope']) {
        const r = await raw(path === '/api/cluster' || path === '/api/log' ? 'GET' : 'POST', path, headers);
        expect(r.status, `${path} with ${JSON.stringify(headers)}`).toBe(401);
        expect(r.headers['www-authenticate']).toBe('Bearer realm="quorum-lab"');
      }
    }
    // The token in the query string is for the page, not the API.
    expect((await raw('GET', `/api/cluster?token=${TOKEN}`, {})).status).toBe(401);
    expect(rec.calls).toEqual([]);
    const ok = await raw('GET', '/api/cluster', { authorization: `bearer   ${TOKEN}` });
    expect(ok.status).toBe(200);
    expect(rec.calls).toEqual([['cluster']]);
  });

  it('checks the token on every call of a kept-alive connection, after a right one too', async () => {
    rec.calls.length = 0;
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    const call = (auth: string | null): Promise<number> =>
      new Promise((resolve, reject) => {
        const headers: Record<string, string> = { host: `127.0.0.1:${port}` };
        if (auth !== null) headers.authorization = auth;
        const req = httpRequest(
          { host: '127.0.0.1', port, path: '/api/cluster', headers, agent, setHost: false },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('socket', (s) => sockets.add(s));
        req.on('error', reject);
        req.end();
      });
    const right = `Bearer ${TOKEN}`;
    const statuses: number[] = [];
    for (const auth of [
      right,
      `Bearer ${TOKEN}x`,
      right,
      null,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN.toUpperCase()}`,
      right,
    ])
      statuses.push(await call(auth));
    agent.destroy();
    expect(sockets.size).toBe(1);
    expect(statuses).toEqual([200, 401, 200, 401, 401, 401, 200]);
    expect(rec.calls).toEqual([['cluster'], ['cluster'], ['cluster']]);
  });

  it('refuses another Host, an Origin or a cross-site fetch right after accepting the lab’s Host', async () => {
    rec.calls.length = 0;
    const good = { ...bearer, host: `127.0.0.1:${port}` };
    const statuses: number[] = [];
    const variants: Record<string, string>[] = [
      {},
      { host: `evil.example:${port}` },
      {},
      { host: `LOCALHOST:${port}` }, // another of the lab's names: checked, and accepted
      { host: `127.0.0.2:${port}` },
      {},
      { origin: 'http://evil.example' },
      {},
      { 'sec-fetch-site': 'cross-site' },
      {},
    ];
    for (const extra of variants) statuses.push((await raw('GET', '/api/cluster', { ...good, ...extra })).status);
    expect(statuses).toEqual([200, 403, 200, 200, 403, 200, 403, 200, 403, 200]);
    expect(rec.calls).toHaveLength(6);
  });

  it('routes a path the URL parser would rewrite as before: dot segments, escapes, a query', async () => {
    rec.calls.length = 0;
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await raw('GET', '/api/./cluster', auth)).status).toBe(200);
    expect((await raw('GET', '/api/x/../cluster', auth)).status).toBe(200);
    expect((await raw('GET', '/api/%63luster', auth)).status).toBe(404);
    expect((await raw('GET', '/api/cluster?x=1', auth)).status).toBe(200);
    expect((await raw('GET', '/api//cluster', auth)).status).toBe(404);
    expect(rec.calls).toEqual([['cluster'], ['cluster'], ['cluster']]);
  });

  it('answers a body that is not JSON 415 (forms and text/plain are what a page sends unasked)', async () => {
    rec.calls.length = 0;
    const body = '{"op":"put","key":"k","value":"v"}';
    for (const ct of [
      undefined,
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/jsonx',
    ]) {
      const headers: Record<string, string> = { ...bearer, ...(ct === undefined ? {} : { 'content-type': ct }) };
      expect((await raw('POST', '/api/kv', headers, body)).status, `content-type ${ct}`).toBe(415);
      expect(
        (
          await raw(
            'POST',
            '/',
            ct === undefined ? {} : { 'content-type': ct },
            '{"type":"store","key":"k","value":"v"}',
          )
        ).status,
      ).toBe(415);
    }
    expect(rec.calls).toEqual([]);
    // JSON with parameters passes; a POST with no body needs no content type.
    expect(
      (await raw('POST', '/api/kv', { ...bearer, 'content-type': 'Application/JSON; charset=utf-8' }, body)).status,
    ).toBe(200);
    expect((await raw('POST', '/api/heal', bearer)).status).toBe(200);
  });

  it('answers the seed’s own curl command without a token, from no origin or this origin only', async () => {
    rec.calls.length = 0;
    const store = '{"type":"store","key":"a","value":"1"}';
    // curl -s -X POST localhost:PORT/ -H 'Content-Type: application/json' -d '...'
    const r = await raw(
      'POST',
      '/',
      { host: `localhost:${port}`, accept: '*/*', 'user-agent': 'curl/8', ...json },
      store,
    );
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ status: 'success', message: 'Data stored successfully' });
    expect(rec.calls).toEqual([['kv', { op: 'put', key: 'a', value: '1' }]]);
    const same = await raw(
      'POST',
      '/',
      { ...json, origin: `http://127.0.0.1:${port}`, 'sec-fetch-site': 'same-origin' },
      store,
    );
    expect(same.status).toBe(200);
  });

  it('sends no-framing headers on every answer: API, 401, 403, 404, the seed, the page', async () => {
    const answers = [
      await raw('GET', '/api/cluster', bearer),
      await raw('GET', '/api/cluster', {}),
      await raw('GET', '/api/cluster', { origin: 'null' }),
      await raw('GET', '/api/nope', bearer),
      await raw('POST', '/', json, '{"type":"fetch","key":"a"}'),
      await raw('GET', '/', {}),
      await raw('GET', '/?token=x', {}),
    ];
    for (const a of answers) {
      expect(a.headers['x-frame-options']).toBe('DENY');
      expect(a.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      expect(a.headers['referrer-policy']).toBe('no-referrer');
      expect(a.headers['access-control-allow-origin']).toBeUndefined();
    }
    // The page itself gets the renderer's whole policy (a <meta> cannot forbid framing).
    expect(answers[5]!.headers['content-type']).toMatch(/^text\/html/);
    expect(answers[5]!.headers['content-security-policy']).toContain("script-src 'self'");
  });
});

describe('the event stream WebSocket', () => {
  /** connect opens /api/events and reports how it ended: the first message, or why it failed. */
  function connect(protocols: string[] | undefined, headers: Record<string, string>): Promise<string> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/api/events`, protocols, { headers });
      ws.on('message', (d: Buffer) => {
        resolve(`message (protocol '${ws.protocol}'): ${d.toString().slice(0, 30)}`);
        ws.close();
      });
      ws.on('unexpected-response', (_req, res) => {
        resolve(`refused ${res.statusCode}`);
        ws.terminate();
      });
      ws.on('error', (e) => resolve(`error ${e.message}`));
    });
  }

  it('refuses a connection without the token, with a wrong one, or from another origin', async () => {
    expect(await connect(undefined, {})).toBe('refused 401');
    expect(await connect([WS_PROTOCOL], {})).toBe('refused 401');
    expect(await connect([WS_PROTOCOL, `${WS_TOKEN_PREFIX}wrong`], {})).toBe('refused 401');
    const good = [WS_PROTOCOL, WS_TOKEN_PREFIX + TOKEN];
    expect(await connect(good, { origin: 'null' })).toBe('refused 403');
    expect(await connect(good, { origin: 'http://evil.example' })).toBe('refused 403');
    expect(await connect(good, { origin: `http://127.0.0.1:${port + 1}` })).toBe('refused 403');
    expect(await connect(good, { host: 'evil.example' })).toBe('refused 403');
  });

  it('accepts the token as a subprotocol (a browser) or a Bearer header (a script), and never echoes it', async () => {
    const viaProtocol = await connect([WS_PROTOCOL, WS_TOKEN_PREFIX + TOKEN], { origin: `http://127.0.0.1:${port}` });
    expect(viaProtocol).toMatch(/^message \(protocol 'quorum-lab'\): \{"type":"cluster"/);
    expect(await connect(undefined, bearer)).toMatch(/^message \(protocol ''\): \{"type":"cluster"/);
  });
});

describe('the guard’s rules', () => {
  it('compares tokens in constant time over their hashes, whatever their lengths', () => {
    expect(tokenEquals(TOKEN, TOKEN)).toBe(true);
    expect(tokenEquals(TOKEN, `${TOKEN}x`)).toBe(false);
    expect(tokenEquals('', TOKEN)).toBe(false);
  });

  it('reads a token from a Bearer header or a bearer. subprotocol, and nothing else', () => {
    expect(tokenOf({ authorization: 'Bearer abc' })).toBe('abc');
    expect(tokenOf({ 'sec-websocket-protocol': 'quorum-lab, bearer.abc' })).toBe('abc');
    expect(tokenOf({ cookie: 'token=abc' })).toBeNull();
    expect(tokenOf({ authorization: 'Token abc' })).toBeNull();
  });

  it('allows chosen tokens of safe characters only', () => {
    expect(tokenError('s3cret-token_0.~')).toBeNull();
    for (const bad of ['', 'has space', 'semi;colon', 'a'.repeat(257), 'ünïcode', 'comma,sep'])
      expect(tokenError(bad), bad).not.toBeNull();
  });

  it('takes Origin and Sec-Fetch-Site at their word: same-origin or none only', () => {
    const host = '127.0.0.1:4400';
    expect(checkSite({ host })).toBeNull();
    expect(checkSite({ host, origin: 'http://127.0.0.1:4400', 'sec-fetch-site': 'same-origin' })).toBeNull();
    expect(checkSite({ host, 'sec-fetch-site': 'none' })).toBeNull();
    expect(checkSite({ host, origin: 'null' })).toMatch(/Origin: null/);
    expect(checkSite({ host, 'sec-fetch-site': 'same-site' })).toMatch(/same-site/);
  });

  it('knows the lab’s names for each bind address', () => {
    expect([...allowedHostNames('127.0.0.1')].sort()).toEqual(['127.0.0.1', '::1', 'localhost']);
    const wild = allowedHostNames('0.0.0.0');
    expect(wild.has('127.0.0.1')).toBe(true);
    expect(wild.has('evil.example')).toBe(false);
    expect(allowedHostNames('192.0.2.7').has('192.0.2.7')).toBe(true);
    expect(hostName('[::1]:4400')).toBe('::1');
    expect(hostName('LocalHost:1')).toBe('localhost');
    expect(isJson('application/json; charset=utf-8')).toBe(true);
    expect(isJson('text/plain')).toBe(false);
  });

  it('uses the same subprotocol names in the host and in the renderer', () => {
    expect(HOST_WS_PROTOCOL).toBe(WS_PROTOCOL);
    expect(HOST_WS_TOKEN_PREFIX).toBe(WS_TOKEN_PREFIX);
  });

  it('serve warns when bound beyond loopback, or given a short token', () => {
    expect(exposureWarnings({ host: '127.0.0.1' }, 4400)).toEqual([]);
    expect(exposureWarnings({ host: '::1', token: 'a-long-enough-token-0123' }, 4400)).toEqual([]);
    for (const host of ['0.0.0.0', '::', '192.0.2.7'])
      expect(exposureWarnings({ host }, 4400), host).toEqual([expect.stringMatching(/not loopback only.*plain HTTP/)]);
    expect(exposureWarnings({ host: 'localhost', token: 'short' }, 4400)).toEqual([
      expect.stringContaining('shorter than 16'),
    ]);
  });

  it('serve reads --token, then QUORUM_LAB_TOKEN, and refuses a bad one', () => {
    expect(parseServeArgs(['--token', 'abcdefgh12345678'], {})).toMatchObject({ token: 'abcdefgh12345678' });
    expect(parseServeArgs([], { QUORUM_LAB_TOKEN: 'from-env-0123456789' })).toMatchObject({
      token: 'from-env-0123456789',
    });
    expect(parseServeArgs(['--token', 'cli-wins-012345'], { QUORUM_LAB_TOKEN: 'env' })).toMatchObject({
      token: 'cli-wins-012345',
    });
    expect(parseServeArgs([], {})).not.toHaveProperty('token');
    expect(parseServeArgs(['--token', 'no spaces'], {})).toMatch(/--token: a token is/);
  });
});
