/**
 * Fuzzing a running lab from outside, as a hostile page, script or local process could:
 * `quorum-lab serve` (3 Raft nodes, real processes) gets a few hundred seeded requests —
 * every command's route with mutated arguments, mutated JSON text, wrong headers — raw
 * garbage on its HTTP port, malformed WebSocket messages, and mutated frames and raw
 * bytes on the router's port and every node's client port. The lab predicts in-process
 * whether each request is valid (the command table's own validator, fed what the host
 * will parse): a request it refuses must be a 4xx with `{error}`; one it accepts is sent
 * only for commands that cannot take the cluster down on purpose (no crash, no
 * freeze-on, no new cluster), and must not be a 500. Afterwards the host is alive, no
 * node died, the cluster still answers a put and a get, and the run log is whole (every
 * record parses, seqs strictly increase). FUZZ_CASES=N raises the number of requests.
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { COMMAND_NAMES, COMMANDS, decodeArgs, encodeArgs, type CommandName } from '../../src-main/api/commands';
import type { ClusterView, RunLogRecord } from '../../src-main/api/contract';
import { compileRoute, httpRequestOf, pathParams, wireOfRequest } from '../../src-main/api/http-routes';
import { parseJsonBody } from '../../src-main/api/schemas';
import { encodeFrame } from '../../src-main/node/frames';
import { encodeMsgFrame } from '../../src-main/node/msg-frame';
import { SAMPLES } from '../web/command-samples';
import { startServeProcess, type ServeProcess } from '../lab/helpers';
import { Rand, STRINGS, fuzzCases, fuzzSeed, mutate, mutateBytes, mutateText, randomJson, show } from './fuzz-kit';

/** SAFE: commands the fuzzer may send when the lab accepts them — none stops, freezes or replaces the cluster. */
const SAFE = new Set<CommandName>([
  'cluster',
  'kv',
  'lock',
  'renew',
  'unlock',
  'fencedWrite',
  'log',
  'history',
  'check',
  'message',
  'version',
  'scenarios',
  'scenario',
  'why',
  'inspect',
  'shards',
  'moveShard',
  'heal',
  'partition',
  'setLink',
  'setBalance',
  'stopLoad',
  'continueRun',
  'openRun',
]);

let serve: ServeProcess;
const auth = (): Record<string, string> => ({ Authorization: `Bearer ${serve.token}` });

async function call(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string }> {
  const res = await fetch(`${serve.base}${path}`, {
    method,
    headers: { ...auth(), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
    body,
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, text: await res.text() };
}

async function cluster(): Promise<ClusterView> {
  return JSON.parse((await call('GET', '/api/cluster')).text) as ClusterView;
}

/** listeningPorts lists the TCP ports a process listens on (Linux: its socket inodes in /proc/net/tcp). */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const ports: number[] = [];
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] === '0A' && inodes.has(f[9]!)) ports.push(parseInt(f[1]!.split(':')[1]!, 16));
  }
  return ports;
}

/** rawSend opens a TCP connection, writes the chunks, and resolves when the peer closes or after ms. */
function rawSend(port: number, chunks: Buffer[], ms = 300): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const done = (): void => {
      clearTimeout(t);
      s.destroy();
      resolve(got);
    };
    const t = setTimeout(done, ms);
    s.on('data', (d) => (got += d.toString('latin1').slice(0, 200)));
    s.on('error', done);
    s.on('close', done);
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
    });
  });
}

/** predict runs the command table's validator on what the host will parse from this request. */
function predict(name: CommandName, method: string, path: string, bodyText: string | undefined): boolean {
  const route = COMMANDS[name].http;
  const url = new URL(path, 'http://127.0.0.1');
  const params = pathParams(compileRoute(route.path), url.pathname);
  if (params === null || typeof params === 'string') return false;
  let body: unknown;
  if (bodyText !== undefined && bodyText.trim() !== '') {
    const parsed = parseJsonBody(bodyText);
    if (!parsed.ok) return false;
    body = parsed.value;
  }
  return decodeArgs(name, wireOfRequest(route, method, params, body, url.searchParams)).ok;
}

describe('fuzz: a live `quorum-lab serve` under hostile input', () => {
  beforeAll(async () => {
    serve = await startServeProcess('fuzz-live');
    const end = Date.now() + 30_000;
    while (Date.now() < end && !(await cluster()).leader) await new Promise((r) => setTimeout(r, 100));
  });

  afterAll(async () => {
    await serve?.stop();
  });

  it('answers mutated requests to every route with a 4xx when refused and never a 500', async () => {
    const r = new Rand(fuzzSeed(201));
    const wires = COMMAND_NAMES.map((n) => ({ name: n, wire: encodeArgs(n, SAMPLES[n] as never) }));
    const problems: string[] = [];
    let sent = 0;
    let refused = 0;
    for (let i = 0; i < fuzzCases(150); i++) {
      const { name, wire } = r.pick(wires);
      const route = COMMANDS[name].http;
      const mutated = r.chance(0.85) ? mutate(r, wire ?? {}) : randomJson(r);
      let req: ReturnType<typeof httpRequestOf>;
      try {
        req = httpRequestOf(route, mutated);
      } catch {
        continue; // the client's encoder cannot put it in a URL
      }
      let body = req.body === undefined ? undefined : JSON.stringify(req.body);
      if (body !== undefined && r.chance(0.2)) body = mutateText(r, body);
      const ok = predict(name, req.method, req.path, body);
      if (ok && !SAFE.has(name)) continue;
      if (ok && name === 'exportRun') continue;
      const res = await call(req.method, req.path, body);
      sent++;
      const where = `case ${i} ${req.method} ${req.path.slice(0, 120)} ${show(body)}: ${res.status} ${res.text.slice(0, 200)}`;
      if (
        res.status >= 500 &&
        !(name === 'kv' || name === 'lock' || name === 'renew' || name === 'unlock' || name === 'fencedWrite')
      )
        problems.push(`server error: ${where}`);
      if (res.status === 500) problems.push(`internal error: ${where}`);
      if (!ok) {
        refused++;
        let error: unknown;
        try {
          error = (JSON.parse(res.text) as { error?: unknown }).error;
        } catch {
          error = undefined;
        }
        if (res.status < 400 || res.status >= 500 || typeof error !== 'string' || error === '')
          problems.push(`refused without a 4xx and an error: ${where}`);
      }
    }
    expect(problems, problems.join('\n')).toEqual([]);
    expect(refused).toBeGreaterThan(sent / 4);
  });

  it('refuses requests without the token, from another origin or host, or not JSON', async () => {
    const r = new Rand(fuzzSeed(202));
    const cases: [Record<string, string>, number][] = [
      [{ Authorization: 'Bearer wrong' }, 401],
      [{ Authorization: '' }, 401],
      [{ Origin: 'http://evil.example' }, 403],
      [{ Origin: 'null' }, 403],
      [{ 'Content-Type': 'text/plain' }, 415],
    ];
    for (let i = 0; i < fuzzCases(30); i++) {
      const [headers, want] = r.pick(cases);
      const res = await call('POST', '/api/kv', JSON.stringify({ op: 'put', key: `evil-${i}`, value: 'x' }), headers);
      expect(res.status, `${show(headers)}: ${res.text}`).toBe(want);
    }
    // fetch does not send a Host header of our choosing: a raw request names another host.
    const port = Number(new URL(serve.base).port);
    const body = '{"op":"put","key":"evil-host","value":"x"}';
    const raw = await rawSend(port, [
      Buffer.from(
        `POST /api/kv HTTP/1.1\r\nHost: evil.example:${port}\r\nAuthorization: Bearer ${serve.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      ),
    ]);
    expect(raw).toMatch(/^HTTP\/1\.1 403 /);
    // None of them wrote.
    for (const key of ['evil-0', 'evil-1', 'evil-host']) {
      const got = await call('POST', '/api/kv', JSON.stringify({ op: 'get', key }));
      expect(JSON.parse(got.text)).toMatchObject({ outcome: 'ok', value: null });
    }
  });

  it('survives raw garbage on the HTTP port: broken request lines, headers, bodies and chunking', async () => {
    const r = new Rand(fuzzSeed(203));
    const port = Number(new URL(serve.base).port);
    const good = Buffer.from(
      `POST /api/kv HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${serve.token}\r\nContent-Type: application/json\r\nContent-Length: 36\r\n\r\n{"op":"put","key":"raw","value":"1"}`,
    );
    const chunked = Buffer.from(
      `POST /api/kv HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${serve.token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n24\r\n{"op":"put","key":"raw","value":"2"}\r\n0\r\n\r\n`,
    );
    const ws = Buffer.from(
      `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: quorum-lab, bearer.${serve.token}\r\n\r\n`,
    );
    const jobs: Promise<string>[] = [];
    for (let i = 0; i < fuzzCases(60); i++) {
      const base = r.pick([good, chunked, ws]);
      const bytes = r.chance(0.9)
        ? mutateBytes(r, base)
        : Buffer.from(Array.from({ length: r.int(4000) }, () => r.int(256)));
      jobs.push(rawSend(port, [bytes]));
      if (jobs.length >= 8) await Promise.all(jobs.splice(0));
    }
    await Promise.all(jobs);
    // A header block far over node:http's limit, and a body that never comes.
    await rawSend(port, [Buffer.from(`GET /api/cluster HTTP/1.1\r\nX: ${'a'.repeat(100_000)}\r\n\r\n`)]);
    await rawSend(port, [
      Buffer.from(`POST /api/kv HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000000\r\n\r\n{`),
    ]);
    expect((await call('GET', '/api/version')).status).toBe(200);
  });

  it('ignores malformed WebSocket messages and drops an oversized one', async () => {
    const r = new Rand(fuzzSeed(204));
    const url = `${serve.base.replace('http', 'ws')}/api/events?batch=1`;
    for (let round = 0; round < 3; round++) {
      const ws = new WebSocket(url, ['quorum-lab', `bearer.${serve.token}`]);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      for (let i = 0; i < fuzzCases(40); i++) {
        const m = r.int(4);
        if (m === 0) ws.send(JSON.stringify(randomJson(r)));
        else if (m === 1) ws.send(mutateText(r, '{"type":"kv","op":"put","key":"a","value":"1"}'));
        else if (m === 2) ws.send(Buffer.from(Array.from({ length: r.int(2000) }, () => r.int(256))));
        else ws.send(r.pick(STRINGS));
      }
      // Over the host's 64 KiB message limit: the host closes this socket, nothing more.
      if (round === 2) ws.send('x'.repeat(200_000));
      await new Promise((res) => setTimeout(res, 200));
      ws.terminate();
    }
    expect((await call('GET', '/api/version')).status).toBe(200);
  });

  it("survives mutated frames and raw bytes on the router's port and every node's client port", async () => {
    const r = new Rand(fuzzSeed(205));
    const httpPort = Number(new URL(serve.base).port);
    const routerPorts = listeningPorts(serve.pid).filter((p) => p !== httpPort);
    const log = JSON.parse((await call('GET', '/api/log?since=0&limit=5000')).text) as
      RunLogRecord[] | { records: RunLogRecord[] };
    const records = Array.isArray(log) ? log : log.records;
    const clientPorts = records.filter((x) => x.kind === 'node-ready').map((x) => x.clientPort as number);
    expect(routerPorts.length, 'the router listens in the host process').toBeGreaterThan(0);
    expect(clientPorts.length).toBe(3);
    const hello = encodeFrame({ t: 'hello', token: 'not-the-token-but-long-enough-0123456789', from: 'n1' });
    const req = encodeFrame({
      t: 'req',
      id: 1,
      client: 'x',
      seq: 1,
      op: { op: 'put', key: 'k', value: 'v' },
      timeoutMs: 100,
    });
    const msg = encodeMsgFrame('append', {
      type: 'append',
      from: 'n1',
      to: 'n2',
      term: 1,
      prevIndex: 0,
      prevTerm: 0,
      entries: [],
      commit: 0,
    } as never);
    const jobs: Promise<string>[] = [];
    for (let i = 0; i < fuzzCases(80); i++) {
      const port = r.chance(0.5) ? r.pick(routerPorts) : r.pick(clientPorts);
      const base = Buffer.concat([hello, r.pick([req, msg, hello])]);
      const bytes = r.chance(0.8)
        ? mutateBytes(r, base)
        : Buffer.from(Array.from({ length: r.int(3000) }, () => r.int(256)));
      jobs.push(rawSend(port, [bytes], 150));
      if (jobs.length >= 8) await Promise.all(jobs.splice(0));
    }
    await Promise.all(jobs);
  });

  it('is alive afterwards: no node died, a put and a get are answered, the run log is whole', async () => {
    expect(await call('POST', '/api/heal', '{}').then((x) => x.status)).toBe(200);
    const end = Date.now() + 30_000;
    let put: { outcome?: string } = {};
    while (Date.now() < end) {
      put = JSON.parse(
        (await call('POST', '/api/kv', JSON.stringify({ op: 'put', key: 'after-fuzz', value: 'still here' }))).text,
      );
      if (put.outcome === 'ok') break;
      await new Promise((res) => setTimeout(res, 200));
    }
    expect(put.outcome).toBe('ok');
    const get = JSON.parse((await call('POST', '/api/kv', JSON.stringify({ op: 'get', key: 'after-fuzz' }))).text);
    expect(get).toMatchObject({ outcome: 'ok', value: 'still here' });
    const view = await cluster();
    expect(view.nodes.map((n) => n.status)).toEqual(['up', 'up', 'up']);
    // The run log: every record parses and has a seq above the one before; no node died.
    let since = 0;
    let last = 0;
    const kinds = new Map<string, number>();
    for (;;) {
      const page = JSON.parse((await call('GET', `/api/log?since=${since}&limit=5000`)).text) as
        RunLogRecord[] | { records: RunLogRecord[] };
      const recs = Array.isArray(page) ? page : page.records;
      if (recs.length === 0) break;
      for (const rec of recs) {
        expect(rec.seq, show(rec)).toBeGreaterThan(last);
        last = rec.seq;
        kinds.set(rec.kind, (kinds.get(rec.kind) ?? 0) + 1);
      }
      since = last;
      if (recs.length < 5000) break;
    }
    expect(kinds.get('node-died') ?? 0, [...kinds].join(' ')).toBe(0);
    expect(kinds.get('client-complete') ?? 0).toBeGreaterThan(0);
    const check = JSON.parse((await call('GET', '/api/check')).text) as { linearizable: boolean | null };
    expect(check.linearizable).not.toBe(false);
  });
});
