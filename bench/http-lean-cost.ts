/**
 * `node --import tsx bench/http-lean-cost.ts [--rounds N] [--requests N] [--clients N] [--hold MS]`:
 * what `node:http` costs a server per request against a lean HTTP/1.1 keep-alive server on
 * `node:net`, for exactly the bench's put (`POST /api/kv`, the bench client's request bytes
 * from bench/http.ts, a 256-byte value) and the same answer bytes (the host's JSON answer
 * headers, Date, keep-alive). Each server runs alone in a fresh child process doing nothing
 * else (the body read, `JSON.parse`, a fixed answer); a second child sends the puts from
 * `--clients` keep-alive connections, each waiting for its answer. Prints the server
 * process's CPU time (user + system, all threads) per request, alternating the two servers
 * round by round. The lean server here is a measuring stick, not a server to ship: it
 * parses only what the bench sends.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { loadavg } from 'node:os';
import { intOpt } from '../src-main/cli-args';
import { benchArgs } from './cli';
import { clientAgent, request } from './http';

const USAGE = `usage: node --import tsx bench/http-lean-cost.ts [--rounds N] [--requests N] [--clients N] [--hold MS]

  --rounds N     alternating rounds of the two servers (default 4)
  --requests N   requests measured per run, after a warm-up of as many (default 30000)
  --clients N    concurrent keep-alive clients (default 64)
  --hold MS      the server releases its answers together every MS ms, as the
                 gateway's answer frames release a lab's puts (default 0: at once)
  --help, -h     this text`;

const SECURITY = [
  ['x-frame-options', 'DENY'],
  ['x-content-type-options', 'nosniff'],
  ['referrer-policy', 'no-referrer'],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['content-security-policy', "default-src 'none'; frame-ancestors 'none'"],
  ['content-type', 'application/json; charset=utf-8'],
  ['cache-control', 'no-store'],
] as const;
const FLAT = SECURITY.flat();
const ANSWER = JSON.stringify({ outcome: 'ok', value: null, node: 'n1', latencyMs: 0.5 });
/** HOLD_MS (child): answers are queued and released together every HOLD_MS ms (0: at once). */
let HOLD_MS = 0;
const held: (() => void)[] = [];
function answerLater(f: () => void): void {
  if (HOLD_MS === 0) return f();
  held.push(f);
  if (held.length === 1)
    setTimeout(() => {
      for (const g of held.splice(0)) g();
    }, HOLD_MS);
}
const cpuUs = (): number => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/** nodeServer: node:http, the host's way (data/end events, writeHead with a flat list, end). */
function nodeServer(): Promise<number> {
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8')) as {
        op?: string;
      };
      if (req.method !== 'POST' || req.url !== '/api/kv' || body.op !== 'put') res.statusCode = 400;
      answerLater(() => {
        const headers: string[] = FLAT.slice();
        headers.push('content-length', String(Buffer.byteLength(ANSWER)));
        res.writeHead(200, headers);
        res.end(ANSWER);
      });
    });
  });
  server.keepAliveTimeout = 30_000;
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
}

let dateText = '';
let dateAt = 0;
function httpDate(): string {
  const now = Date.now();
  if (now - dateAt >= 1000) {
    dateAt = now - (now % 1000);
    dateText = new Date(now).toUTCString();
  }
  return dateText;
}

const PREFIX = 'HTTP/1.1 200 OK\r\n' + SECURITY.map(([k, v]) => `${k}: ${v}\r\n`).join('');

/**
 * leanServer: node:net; splits the head into lines, reads the request line and headers into
 * an object (names lower-cased), the body by Content-Length, and writes the answer in one
 * write. What a strict server would do on this path, without its refusals.
 */
function leanServer(): Promise<number> {
  const server = createNetServer((sock: Socket) => {
    sock.setNoDelay(true);
    let buf: Buffer | null = null;
    sock.on('data', (c: Buffer) => {
      buf = buf === null ? c : Buffer.concat([buf, c]);
      let out = '';
      for (;;) {
        const end: number = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const lines = buf.toString('latin1', 0, end).split('\r\n');
        const [method, target, version] = lines[0]!.split(' ');
        const h: Record<string, string> = {};
        for (let i = 1; i < lines.length; i++) {
          const l = lines[i]!;
          const colon = l.indexOf(':');
          h[l.slice(0, colon).toLowerCase()] = l.slice(colon + 1).trim();
        }
        const len = Number(h['content-length'] ?? '0');
        if (buf.length < end + 4 + len) break;
        const body = JSON.parse(buf.toString('utf8', end + 4, end + 4 + len)) as { op?: string };
        buf = buf.length === end + 4 + len ? null : buf.subarray(end + 4 + len);
        if (method !== 'POST' || target !== '/api/kv' || version !== 'HTTP/1.1' || body.op !== 'put')
          throw new Error('not the bench put');
        out +=
          PREFIX +
          `content-length: ${Buffer.byteLength(ANSWER)}\r\nDate: ${httpDate()}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=30\r\n\r\n` +
          ANSWER;
        if (buf === null) break;
      }
      if (out !== '') answerLater(() => sock.write(out));
    });
    sock.on('error', () => sock.destroy());
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
}

/**
 * bareServer: the floor of any server on node:net for this request — finds the head's end
 * and the Content-Length by search, parses the body, writes the same answer; no header is
 * read into an object, nothing is checked.
 */
function bareServer(): Promise<number> {
  const server = createNetServer((sock: Socket) => {
    sock.setNoDelay(true);
    let buf: Buffer | null = null;
    sock.on('data', (c: Buffer) => {
      buf = buf === null ? c : Buffer.concat([buf, c]);
      let out = '';
      for (;;) {
        const end: number = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const at = buf.indexOf('content-length: ') + 16;
        const len = parseInt(buf.toString('latin1', at, buf.indexOf('\r', at)), 10);
        if (buf.length < end + 4 + len) break;
        const body = JSON.parse(buf.toString('utf8', end + 4, end + 4 + len)) as { op?: string };
        if (body.op !== 'put') throw new Error('not the bench put');
        buf = buf.length === end + 4 + len ? null : buf.subarray(end + 4 + len);
        out +=
          PREFIX +
          `content-length: ${Buffer.byteLength(ANSWER)}\r\nDate: ${httpDate()}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=30\r\n\r\n` +
          ANSWER;
        if (buf === null) break;
      }
      if (out !== '') answerLater(() => sock.write(out));
    });
    sock.on('error', () => sock.destroy());
  });
  return new Promise((r) => server.listen(0, '127.0.0.1', () => r((server.address() as { port: number }).port)));
}

/** load (child): `clients` keep-alive bench clients posting puts until `requests` are answered. */
async function load(port: number, requests: number, clients: number): Promise<void> {
  let sent = 0;
  const value = 'v'.repeat(256);
  await Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = clientAgent();
      while (sent < requests) {
        const body = JSON.stringify({ op: 'put', key: `bench-${String(sent % 10000).padStart(5, '0')}`, value });
        sent++;
        const r = await request(
          agent,
          { host: '127.0.0.1', port, token: 't'.repeat(48) },
          'POST',
          '/api/kv',
          body,
          10_000,
        );
        if (r.status !== 200) throw new Error(`status ${r.status} ${r.error ?? ''}`);
      }
      agent.destroy();
    }),
  );
}

type Kind = 'node' | 'lean' | 'bare';
type Msg = { server?: Kind; hold?: number; load?: { port: number; requests: number; clients: number }; mark?: true };

function child(): void {
  // A child never outlives the run that forked it (a killed parent closes the IPC channel).
  process.on('disconnect', () => process.exit(0));
  process.on('message', (m: Msg) => {
    if (m.hold !== undefined) HOLD_MS = m.hold;
    if (m.server)
      void (m.server === 'node' ? nodeServer() : m.server === 'lean' ? leanServer() : bareServer()).then((port) =>
        process.send!({ port }),
      );
    else if (m.mark) process.send!({ cpu: cpuUs() });
    else if (m.load) void load(m.load.port, m.load.requests, m.load.clients).then(() => process.send!({ done: true }));
  });
}

const ask = <T>(c: ChildProcess, m: Msg): Promise<T> =>
  new Promise((resolve) => {
    c.once('message', (a) => resolve(a as T));
    c.send(m);
  });

/** once: one server in a fresh process, warmed with `requests`, then measured over `requests`; µs per request. */
async function once(kind: Kind, requests: number, clients: number, hold: number): Promise<number> {
  const file = new URL(import.meta.url).pathname;
  const srv = fork(file, ['--child'], { execArgv: ['--import', 'tsx'] });
  const gen = fork(file, ['--child'], { execArgv: ['--import', 'tsx'] });
  try {
    const { port } = await ask<{ port: number }>(srv, { server: kind, hold });
    await ask(gen, { load: { port, requests, clients } });
    const a = await ask<{ cpu: number }>(srv, { mark: true });
    await ask(gen, { load: { port, requests, clients } });
    const b = await ask<{ cpu: number }>(srv, { mark: true });
    return (b.cpu - a.cpu) / requests;
  } finally {
    srv.kill();
    gen.kill();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.length === 1 && argv[0] === '--child') return child();
  const args = benchArgs(
    'http-lean-cost',
    argv,
    { rounds: { type: 'string' }, requests: { type: 'string' }, clients: { type: 'string' }, hold: { type: 'string' } },
    USAGE,
    (p) => ({
      rounds: intOpt(p, 'rounds', 1, 100, 4),
      requests: intOpt(p, 'requests', 100, 10_000_000, 30_000),
      clients: intOpt(p, 'clients', 1, 1024, 64),
      hold: intOpt(p, 'hold', 0, 1000, 0),
    }),
  );
  if (args.exit !== undefined) process.exit(args.exit);
  const { rounds, requests, clients, hold } = args.opts;
  for (let r = 0; r < rounds; r++) {
    const order: Kind[] = r % 2 === 0 ? ['node', 'lean', 'bare'] : ['bare', 'lean', 'node'];
    const got: Record<string, number> = {};
    for (const k of order) got[k] = await once(k, requests, clients, hold);
    console.log(
      `round ${r + 1} load ${loadavg()[0]!.toFixed(1)}: node:http ${got.node!.toFixed(1)} µs, lean ${got.lean!.toFixed(1)} µs per request (saved ${(got.node! - got.lean!).toFixed(1)}); bare ${got.bare!.toFixed(1)}`,
    );
  }
  process.exit(0);
}

await main();
