/**
 * The headless host's HTTP + WebSocket adapter for LabApi (node:http and `ws`; no
 * framework). Its routes are the command table's (api/commands.ts): each request is turned
 * back into the command's wire argument and checked by the row's validator; a bad request
 * gets a 4xx `{error}` and changes nothing. GET /api/events is a WebSocket of LabEvent JSON
 * (with `?batch=1`, of JSON arrays of them: ../api/event-batch.ts).
 * POST / answers the seed document's store/fetch API in its own words. Anything else
 * under / is the built browser renderer (dist-web/), or a page saying how to build it.
 *
 * Every request must name one of this lab's hosts and come from no other origin (403:
 * CSRF, DNS rebinding, sandboxed frames); every /api/* call and the WebSocket must carry
 * the launch token (401); a body must be JSON (415). Every answer forbids framing. The
 * rules are in ./guard.ts; docs/SECURITY.md explains them.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  COMMAND_NAMES,
  COMMANDS,
  callLab,
  decodeArgs,
  statusOf,
  type CommandName,
  type HostedLab,
  type HttpRoute,
} from '../api/commands';
import type { LabEvent } from '../api/contract';
import { EVENT_BATCH_PARAM } from '../api/event-batch';
import { compileRoute, pathParams, wireOfRequest, type CompiledRoute } from '../api/http-routes';
import { parseJsonBody } from '../api/schemas';
import { LabError } from '../lab/lab-service';
import {
  WS_PROTOCOL,
  allowedHostNames,
  checkHost,
  checkSite,
  checkToken,
  hasBody,
  isJson,
  makeToken,
  tokenError,
} from './guard';
import { batchText, EventBatcher, type EventBatch } from './event-batch';
import { handleSeed } from './seed-api';
import { TRACE_ON, trace } from '../node/trace';

/** MAX_BODY_BYTES bounds a request body (a 1 MiB value, JSON-escaped, fits). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** MAX_ROUTE_MEMO bounds the paths whose matching routes are remembered. */
const MAX_ROUTE_MEMO = 256;
/** WS_HIGH_WATER: a WebSocket client this far behind gets no more log events until it catches up. */
const WS_HIGH_WATER = 4 * 1024 * 1024;

/** DEFAULT_WEB_ROOT is where `npm run build:web` puts the browser renderer. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist-web/', import.meta.url));

/** PAGE_CSP is the browser renderer's Content-Security-Policy, sent as a header (frame-ancestors works only there). */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; " +
  "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
/** DATA_CSP is the policy of every other answer: it loads nothing and may not be framed. */
const DATA_CSP = "default-src 'none'; frame-ancestors 'none'";

/** SECURITY_HEADERS go on every answer: no framing, no sniffing, no referrer (the page's URL may hold the token). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** JSON_ANSWER_HEADERS: every JSON answer's headers but its length, as the flat [name, value, …] list writeHead takes. */
const JSON_ANSWER_HEADERS: readonly string[] = [
  ...Object.entries(SECURITY_HEADERS).flat(),
  'content-security-policy',
  DATA_CSP,
  'content-type',
  'application/json; charset=utf-8',
  'cache-control',
  'no-store',
];

/**
 * PLAIN_PATH: a request target whose URL parse is itself — '/' segments of letters, digits,
 * '_', '~' and '-' (no query, %-escape, dot segment or '//'). Each segment begins with its
 * '/', so a failing match cannot backtrack.
 */
const PLAIN_PATH = /^(?:\/[A-Za-z0-9_~-]+)*\/?$/;

/** ReqUrl is what the host reads of a request's target. */
type ReqUrl = Pick<URL, 'pathname' | 'searchParams'>;

/**
 * requestUrl parses a request's target against the lab's origin. The common case — a
 * plain path such as /api/kv — skips the WHATWG parser, which cost as much as the rest of
 * routing a put; PLAIN_PATH admits only targets the parser would give back unchanged.
 */
function requestUrl(raw: string | undefined): ReqUrl {
  if (raw !== undefined && raw !== '' && PLAIN_PATH.test(raw))
    return { pathname: raw, searchParams: new URLSearchParams() };
  return new URL(raw ?? '/', 'http://localhost');
}

/** HttpHostOptions configure the host. */
export interface HttpHostOptions {
  lab: HostedLab;
  webRoot?: string;
  /** token: the launch token every /api/* call must carry (absent: a fresh random one, see HttpHost.token). */
  token?: string;
}

/** Route is one command's HTTP route, compiled. */
interface Route extends CompiledRoute {
  name: CommandName;
  http: HttpRoute;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

const NOT_BUILT = `<!doctype html><html><head><meta charset="utf-8"><title>Quorum Lab</title></head>
<body style="font-family:sans-serif;max-width:40em;margin:3em auto">
<h1>Quorum Lab is running</h1>
<p>The browser interface has not been built yet. Build it once with</p>
<pre>npm run build:web</pre>
<p>and reload this page. The control API works without it: try
<code>curl -H "Authorization: Bearer $TOKEN" http://HOST/api/cluster</code> with the token
<code>quorum-lab serve</code> printed.</p></body></html>`;

/** HttpHost serves the lab over HTTP and WebSocket. */
export class HttpHost {
  private readonly server: Server;
  // The server selects only the plain subprotocol, so the token's is never echoed back.
  private readonly wss = new WebSocketServer({
    noServer: true,
    maxPayload: 64 * 1024,
    handleProtocols: (offered) => (offered.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  });
  private readonly routes: Route[] = COMMAND_NAMES.map((name) => ({
    name,
    http: COMMANDS[name].http,
    ...compileRoute(COMMANDS[name].http.path),
  }));
  private readonly routeMemo = new Map<string, Route[]>();
  private readonly lab: HostedLab;
  private readonly webRoot: string;
  // The lab's events are followed only while a WebSocket client is open: with none, the lab builds
  // no event per run-log record (two or more per put) for nobody.
  private unsubscribe: (() => void) | null = null;
  /** batched: the clients that asked for the batched stream (`?batch=1`). */
  private readonly batched = new WeakSet<WebSocket>();
  private readonly batcher = new EventBatcher((b) => this.sendBatch(b));
  /** provenAuth: per connection, the Authorization header that last carried the right token. */
  private readonly provenAuth = new WeakMap<object, string>();
  private hosts = allowedHostNames('127.0.0.1');
  /** token is the launch token: `Authorization: Bearer <token>` on every /api/* call. */
  readonly token: string;
  port = 0;

  constructor(opts: HttpHostOptions) {
    this.lab = opts.lab;
    this.webRoot = resolve(opts.webRoot ?? DEFAULT_WEB_ROOT);
    const bad = opts.token === undefined ? null : tokenError(opts.token);
    if (bad) throw new Error(`bad token: ${bad}`);
    this.token = opts.token ?? makeToken();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => {
        this.send(res, 500, { error: `internal error: ${(e as Error).message}` });
      });
    });
    this.server.on('clientError', (_e, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
    this.server.on('upgrade', (req, socket, head) => {
      const refused = this.refuseUpgrade(req);
      if (refused !== null) {
        // Refused before the handshake: the page's WebSocket fails and hears no event.
        socket.end(`HTTP/1.1 ${refused}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      const batch = new URL(req.url ?? '/', 'http://x').searchParams.get(EVENT_BATCH_PARAM) === '1';
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, batch));
    });
    this.server.keepAliveTimeout = 30_000;
  }

  /** listen binds host:port (port 0 = a free port) and resolves with the real port. */
  listen(port = 4400, host = '127.0.0.1'): Promise<number> {
    this.hosts = allowedHostNames(host);
    return new Promise((resolvePort, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        this.port = typeof a === 'object' && a ? a.port : port;
        resolvePort(this.port);
      });
    });
  }

  /** close stops accepting, ends WebSocket clients and open connections. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    this.batcher.close();
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private onSocket(ws: WebSocket, batch: boolean): void {
    ws.on('error', () => ws.terminate());
    ws.on('close', () => {
      if (this.wss.clients.size > 0) return; // (the wss forgets a closed client before this runs)
      this.unsubscribe?.();
      this.unsubscribe = null;
    });
    if (batch) this.batched.add(ws);
    // A socket upgraded as the host closes (the server no longer listens) must not subscribe again.
    if (this.unsubscribe === null && this.server.listening) this.unsubscribe = this.lab.on((e) => this.broadcast(e));
    // Clients only listen; anything they send is ignored.
    this.lab
      .cluster()
      .then((cluster) => {
        const text = JSON.stringify({ type: 'cluster', cluster } satisfies LabEvent);
        ws.send(batch ? `[${text}]` : text);
      })
      .catch(() => undefined);
  }

  private broadcast(e: LabEvent): void {
    if (this.wss.clients.size === 0) return;
    const text = JSON.stringify(e);
    let anyBatched = false;
    for (const ws of this.wss.clients) {
      if (ws.readyState !== ws.OPEN) continue;
      if (this.batched.has(ws)) {
        anyBatched = true;
        continue;
      }
      // A slow client loses log records rather than growing the host's memory without bound.
      if (e.type === 'log' && ws.bufferedAmount > WS_HIGH_WATER) continue;
      ws.send(text);
    }
    if (anyBatched) this.batcher.add(e, text);
  }

  /** sendBatch sends a batch to every batched client (one far behind gets it without its log records). */
  private sendBatch(b: EventBatch): void {
    let all: string | null = null;
    let noLogs: string | null = null;
    for (const ws of this.wss.clients) {
      if (ws.readyState !== ws.OPEN || !this.batched.has(ws)) continue;
      if (ws.bufferedAmount <= WS_HIGH_WATER) {
        ws.send((all ??= batchText(b)));
        continue;
      }
      noLogs ??= batchText(b, (e) => e.type !== 'log');
      if (noLogs !== '[]') ws.send(noLogs);
    }
  }

  /** refuseUpgrade returns the status line refusing a WebSocket upgrade, or null to accept it. */
  private refuseUpgrade(req: IncomingMessage): string | null {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/api/events') return '404 Not Found';
    if (this.refuse(req) !== null) return '403 Forbidden';
    if (checkToken(req.headers, this.token) !== null) return '401 Unauthorized';
    // Only ?batch=1 or ?batch=0 (or none): a misspelt value would silently change the wire format.
    const batch = url.searchParams.getAll(EVENT_BATCH_PARAM);
    if (batch.length > 1 || (batch.length === 1 && batch[0] !== '0' && batch[0] !== '1')) return '400 Bad Request';
    return null;
  }

  /** refuse returns why a request must be refused (not this lab's Host, or another origin), or null. */
  private refuse(req: IncomingMessage): string | null {
    return checkHost(req.headers, this.hosts) ?? checkSite(req.headers);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (TRACE_ON) trace('h.in', '-');
    const url = requestUrl(req.url);
    const method = req.method ?? 'GET';
    const why = this.refuse(req);
    if (why !== null) return this.drain(req, res, 403, why);
    if (url.pathname === '/' && method === 'POST') {
      // The seed's own API: no token (its curl examples have none), but JSON only, and same-origin only (above).
      if (!isJson(req.headers['content-type'])) return this.drain(req, res, 415, 'the body must be application/json');
      const body = await this.readJson(req, res);
      if (body === undefined) return;
      const r = await handleSeed(this.lab, body.value);
      return this.send(res, r.status, r.body);
    }
    if (!url.pathname.startsWith('/api/')) {
      req.resume();
      if (method !== 'GET' && method !== 'HEAD') return this.send(res, 405, { error: `${method} is not allowed here` });
      return this.serveStatic(url.pathname, res, method === 'HEAD');
    }
    const unauthorized = this.checkToken(req);
    if (unauthorized !== null) return this.drain(req, res, 401, unauthorized);
    return this.handleApi(req, res, url, method);
  }

  /**
   * checkToken is guard.checkToken, remembered per connection: a keep-alive client sends the
   * same Authorization header on every call, and hashing it each time was a tenth of a put's
   * HTTP cost. The header is compared (===) only with the one this same connection already
   * proved right, so the comparison's time tells its sender nothing it did not send itself.
   */
  private checkToken(req: IncomingMessage): string | null {
    const auth = req.headers.authorization;
    if (auth !== undefined && this.provenAuth.get(req.socket) === auth) return null;
    const why = checkToken(req.headers, this.token);
    if (why === null && auth !== undefined) this.provenAuth.set(req.socket, auth);
    return why;
  }

  /** handleApi answers a /api/* call that passed the origin and token checks. */
  private async handleApi(req: IncomingMessage, res: ServerResponse, url: ReqUrl, method: string): Promise<void> {
    const matches = this.routesOf(url.pathname);
    if (matches.length === 0) return this.drain(req, res, 404, `no such route: ${url.pathname}`);
    const route = matches.find((r) => (r.http.methods as readonly string[]).includes(method));
    if (!route) {
      const allowed = matches[0]!.http.methods.join('|');
      return this.drain(req, res, 405, `${method} ${url.pathname} is not allowed; use ${allowed}`);
    }
    const params = pathParams(route, url.pathname);
    if (typeof params === 'string' || params === null) return this.drain(req, res, 400, params ?? 'bad path');
    // A form or a text/plain body is what a page can send without asking first: JSON only.
    if (hasBody(req.headers) && !isJson(req.headers['content-type']))
      return this.drain(req, res, 415, 'the body must be application/json');
    let body: unknown = undefined;
    if (method === 'POST') {
      const b = await this.readJson(req, res, true);
      if (b === undefined) return;
      body = b.value;
    } else req.resume();
    await this.run(route.name, wireOfRequest(route.http, method, params, body, url.searchParams), res);
  }

  /**
   * routesOf lists the routes whose path matches `pathname`, remembered per path (a put
   * tested all the command table's patterns on every request); the memo is bounded, as
   * paths come from outside.
   */
  private routesOf(pathname: string): Route[] {
    let found = this.routeMemo.get(pathname);
    if (found) return found;
    found = this.routes.filter((r) => r.pattern.test(pathname));
    if (this.routeMemo.size >= MAX_ROUTE_MEMO) this.routeMemo.clear();
    this.routeMemo.set(pathname, found);
    return found;
  }

  /** drain answers `status` {error} without reading the body (it is discarded as it arrives). */
  private drain(req: IncomingMessage, res: ServerResponse, status: number, error: string): void {
    req.resume();
    const extra: Record<string, string> = status === 401 ? { 'www-authenticate': 'Bearer realm="quorum-lab"' } : {};
    this.send(res, status, { error }, extra);
  }

  /** run checks the wire argument with the command's validator, calls the lab and answers with the row's status. */
  private async run<K extends CommandName>(name: K, wire: unknown, res: ServerResponse): Promise<void> {
    const args = decodeArgs(name, wire);
    if (!args.ok) return this.send(res, 400, { error: args.error });
    try {
      const result = await callLab(this.lab, name, args.value);
      this.send(res, statusOf(name, result), result);
    } catch (e) {
      if (e instanceof LabError) return this.send(res, e.status, { error: e.message });
      this.send(res, 500, { error: `internal error: ${(e as Error).message}` });
    }
  }

  /** readJson reads and parses the body; on a problem it answers 4xx and resolves undefined. */
  private async readJson(
    req: IncomingMessage,
    res: ServerResponse,
    emptyOk = false,
  ): Promise<{ value: unknown } | undefined> {
    const body = await readBody(req, MAX_BODY_BYTES);
    if (TRACE_ON) trace('h.body', '-');
    if (body === null) {
      this.send(res, 413, { error: `request body over ${MAX_BODY_BYTES} bytes` });
      return undefined;
    }
    const text = body.toString('utf8');
    if (text.trim() === '') {
      if (emptyOk) return { value: undefined };
      this.send(res, 400, { error: 'request body must be JSON' });
      return undefined;
    }
    // Bounded in depth as it is parsed: a deeply nested body is a 400, not a stack overflow later.
    const parsed = parseJsonBody(text);
    if (parsed.ok) return { value: parsed.value };
    this.send(res, 400, { error: parsed.error });
    return undefined;
  }

  /**
   * send answers `status` with `body` as JSON. The headers are one flat list made once
   * (plus the length and any extra), not an object spread per answer: a put's answer is
   * the host's most frequent write.
   */
  private send(res: ServerResponse, status: number, body: unknown, extra?: Record<string, string>): void {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    const headers: string[] = JSON_ANSWER_HEADERS.slice();
    headers.push('content-length', String(Buffer.byteLength(text)));
    if (extra) for (const k of Object.keys(extra)) headers.push(k, extra[k]!);
    res.writeHead(status, headers);
    if (TRACE_ON) trace('h.out', status);
    res.end(text);
  }

  private async serveStatic(pathname: string, res: ServerResponse, head: boolean): Promise<void> {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      return this.send(res, 400, { error: 'bad path' });
    }
    const target = normalize(join(this.webRoot, rel));
    if (target !== this.webRoot && !target.startsWith(this.webRoot.endsWith(sep) ? this.webRoot : this.webRoot + sep))
      return this.send(res, 403, { error: 'outside the web root' });
    let file = target;
    try {
      const st = await stat(file);
      if (st.isDirectory()) file = join(file, 'index.html');
    } catch {
      // Client-side routes fall back to the app's index.html.
      file = extname(target) === '' ? join(this.webRoot, 'index.html') : target;
    }
    let data: Buffer;
    try {
      data = await readFile(file);
    } catch {
      if (file === join(this.webRoot, 'index.html')) {
        const page = NOT_BUILT.replace('HOST', `127.0.0.1:${this.port}`);
        res.writeHead(200, this.staticHeaders('.html', Buffer.byteLength(page)));
        res.end(head ? undefined : page);
        return;
      }
      return this.send(res, 404, { error: `not found: ${pathname}` });
    }
    res.writeHead(200, this.staticHeaders(extname(file), data.length));
    res.end(head ? undefined : data);
  }

  /** staticHeaders: a file's type and length, the security headers, and the page's CSP on HTML. */
  private staticHeaders(ext: string, length: number): Record<string, string | number> {
    return {
      ...SECURITY_HEADERS,
      'content-security-policy': ext === '.html' ? PAGE_CSP : DATA_CSP,
      'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream',
      'content-length': length,
    };
  }
}

/**
 * readBody collects a request's body, or null when it is over `max` bytes (the rest is read and discarded, so the
 * connection stays usable for the answer). Rejects if the request fails or is cut off before its end. Plain
 * 'data'/'end' events: the stream's async iterator cost more than the rest of reading a put.
 */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let ended = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) chunks.push(chunk);
    });
    req.on('end', () => {
      ended = true;
      if (size > max) resolve(null);
      else resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!ended) reject(new Error('request closed before its body ended'));
    });
  });
}
