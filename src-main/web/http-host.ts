/**
 * The headless host's HTTP + WebSocket adapter for LabApi (node:http and `ws`; no
 * framework). Its routes are the command table's (api/commands.ts): each request is turned
 * back into the command's wire argument and checked by the row's validator; a bad request
 * gets a 4xx `{error}` and changes nothing. GET /api/events is a WebSocket of LabEvent JSON.
 * POST / answers the seed document's store/fetch API in its own words. Anything else
 * under / is the built browser renderer (dist-web/), or a page saying how to build it.
 *
 * Requests whose Origin is another site are refused (403), and when bound to loopback
 * the Host header must be a loopback name, so a web page the user visits cannot drive
 * the lab (CSRF, DNS rebinding).
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
import { compileRoute, pathParams, wireOfRequest, type CompiledRoute } from '../api/http-routes';
import { parseJsonBody } from '../api/schemas';
import { LabError } from '../lab/lab-service';
import { handleSeed } from './seed-api';

/** MAX_BODY_BYTES bounds a request body (a 1 MiB value, JSON-escaped, fits). */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** WS_HIGH_WATER: a WebSocket client this far behind gets no more log events until it catches up. */
const WS_HIGH_WATER = 4 * 1024 * 1024;

/** DEFAULT_WEB_ROOT is where `npm run build:web` puts the browser renderer. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../dist-web/', import.meta.url));

/** HttpHostOptions configure the host. */
export interface HttpHostOptions {
  lab: HostedLab;
  host?: string;
  port?: number;
  webRoot?: string;
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
<code>curl http://HOST/api/cluster</code>.</p></body></html>`;

/** HttpHost serves the lab over HTTP and WebSocket. */
export class HttpHost {
  private readonly server: Server;
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  private readonly routes: Route[] = COMMAND_NAMES.map((name) => ({
    name,
    http: COMMANDS[name].http,
    ...compileRoute(COMMANDS[name].http.path),
  }));
  private readonly lab: HostedLab;
  private readonly webRoot: string;
  private unsubscribe: (() => void) | null = null;
  private bindHost = '127.0.0.1';
  port = 0;

  constructor(opts: HttpHostOptions) {
    this.lab = opts.lab;
    this.webRoot = resolve(opts.webRoot ?? DEFAULT_WEB_ROOT);
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
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname !== '/api/events' || this.refuse(req) !== null) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws));
    });
    this.server.keepAliveTimeout = 30_000;
  }

  /** listen binds host:port (port 0 = a free port) and resolves with the real port. */
  listen(port = 4400, host = '127.0.0.1'): Promise<number> {
    this.bindHost = host;
    return new Promise((resolvePort, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        const a = this.server.address();
        this.port = typeof a === 'object' && a ? a.port : port;
        this.unsubscribe = this.lab.on((e) => this.broadcast(e));
        resolvePort(this.port);
      });
    });
  }

  /** close stops accepting, ends WebSocket clients and open connections. */
  async close(): Promise<void> {
    this.unsubscribe?.();
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private onSocket(ws: WebSocket): void {
    ws.on('error', () => ws.terminate());
    // Clients only listen; anything they send is ignored.
    this.lab
      .cluster()
      .then((cluster) => ws.send(JSON.stringify({ type: 'cluster', cluster } satisfies LabEvent)))
      .catch(() => undefined);
  }

  private broadcast(e: LabEvent): void {
    if (this.wss.clients.size === 0) return;
    const text = JSON.stringify(e);
    for (const ws of this.wss.clients) {
      if (ws.readyState !== ws.OPEN) continue;
      // A slow client loses log records rather than growing the host's memory without bound.
      if (e.type === 'log' && ws.bufferedAmount > WS_HIGH_WATER) continue;
      ws.send(text);
    }
  }

  /** refuse returns why a request must be refused as cross-site, or null. */
  private refuse(req: IncomingMessage): string | null {
    const host = req.headers.host ?? '';
    const loopback = this.bindHost === '127.0.0.1' || this.bindHost === 'localhost' || this.bindHost === '::1';
    if (loopback) {
      const name = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
      if (!['127.0.0.1', 'localhost', '::1'].includes(name)) return `Host ${host} is not this lab`;
    }
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== 'null') {
      let o: URL;
      try {
        o = new URL(origin);
      } catch {
        return 'bad Origin';
      }
      if (o.host !== host) return `cross-site request from ${origin} refused`;
    }
    return null;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const method = req.method ?? 'GET';
    const why = this.refuse(req);
    if (why !== null) {
      req.resume();
      return this.send(res, 403, { error: why });
    }
    if (url.pathname === '/' && method === 'POST') {
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
    const matches = this.routes.filter((r) => r.pattern.test(url.pathname));
    if (matches.length === 0) {
      req.resume();
      return this.send(res, 404, { error: `no such route: ${url.pathname}` });
    }
    const route = matches.find((r) => (r.http.methods as readonly string[]).includes(method));
    if (!route) {
      req.resume();
      const allowed = matches[0]!.http.methods.join('|');
      return this.send(res, 405, { error: `${method} ${url.pathname} is not allowed; use ${allowed}` });
    }
    const params = pathParams(route, url.pathname);
    if (typeof params === 'string' || params === null) {
      req.resume();
      return this.send(res, 400, { error: params ?? 'bad path' });
    }
    let body: unknown = undefined;
    if (method === 'POST') {
      const b = await this.readJson(req, res, true);
      if (b === undefined) return;
      body = b.value;
    } else req.resume();
    await this.run(route.name, wireOfRequest(route.http, method, params, body, url.searchParams), res);
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
    const chunks: Buffer[] = [];
    let size = 0;
    let tooBig = false;
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooBig = true;
      else chunks.push(chunk);
    }
    if (tooBig) {
      this.send(res, 413, { error: `request body over ${MAX_BODY_BYTES} bytes` });
      return undefined;
    }
    const text = Buffer.concat(chunks).toString('utf8');
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

  private send(res: ServerResponse, status: number, body: unknown): void {
    if (res.headersSent) return;
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(text),
      'cache-control': 'no-store',
    });
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
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(page) });
        res.end(head ? undefined : page);
        return;
      }
      return this.send(res, 404, { error: `not found: ${pathname}` });
    }
    res.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': data.length,
      'x-content-type-options': 'nosniff',
    });
    res.end(head ? undefined : data);
  }
}
