/**
 * A minimal JSON-over-HTTP client on node:http. Each bench client owns one keep-alive
 * Agent with a single socket, so "one client" is exactly one TCP connection, as a real
 * client library would hold.
 */
import http from 'node:http';
import net from 'node:net';

/** HttpReply is a finished request: status 0 means no answer (connection error or timeout). */
export interface HttpReply {
  status: number;
  body: string;
  error?: string;
}

/** Endpoint is where a server listens (always loopback here), and the token it wants, if any. */
export interface Endpoint {
  host: string;
  port: number;
  /** token: sent as `Authorization: Bearer <token>` (the lab's launch token; etcd has none). */
  token?: string;
}

/** clientAgent makes a keep-alive agent for one client: one connection, reused. */
export function clientAgent(sockets = 1): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

/** request sends one HTTP request with a JSON body (or none) and collects the reply. */
export function request(
  agent: http.Agent,
  ep: Endpoint,
  method: 'GET' | 'POST',
  path: string,
  body: string | null,
  timeoutMs: number,
): Promise<HttpReply> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r: HttpReply): void => {
      if (done) return;
      done = true;
      resolve(r);
    };
    const headers: Record<string, string | number> = {};
    if (ep.token !== undefined) headers.authorization = `Bearer ${ep.token}`;
    if (body !== null) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const req = http.request({ host: ep.host, port: ep.port, method, path, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => finish({ status: 0, body: '', error: e.message }));
    });
    // A timed-out request is destroyed: its socket cannot be reused for the next one.
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', (e) => finish({ status: 0, body: '', error: e.message }));
    if (body !== null) req.end(body);
    else req.end();
  });
}

/** parseJson parses a reply body, returning null for anything that is not JSON. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return null;
  }
}

/** freePort asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/** freePorts returns n distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  for (let i = 0; ports.size < n && i < n * 20; i++) ports.add(await freePort());
  if (ports.size < n) throw new Error(`could not find ${n} free ports`);
  return [...ports];
}
