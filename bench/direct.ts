/**
 * A put client that talks straight to a lab node's client port (Hello with the cluster
 * token, then ClientRequestFrames), bypassing the HTTP host and the gateway. The profiler
 * uses it to split a put's latency into "host + gateway" and "node + router + fsync".
 * The token and port are read from the node process (its --config argv and its listening
 * socket), which is only possible for processes on this machine: a measuring aid, not an API.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { encodeFrame, FrameDecoder, validateClientResponse } from '../src-main/node/frames';

/** NodeAccess is what a direct client needs. */
export interface NodeAccess {
  port: number;
  token: string;
}

/** nodeAccess finds a node's client port and token from its PID, or explains why not. */
export function nodeAccess(pid: number): NodeAccess | string {
  let token: string | null = null;
  try {
    const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const i = argv.indexOf('--config');
    const cfg = JSON.parse(argv[i + 1] ?? '') as { token?: unknown };
    if (typeof cfg.token === 'string') token = cfg.token;
  } catch (e) {
    return `cannot read the config of pid ${pid}: ${(e as Error).message}`;
  }
  if (token === null) return `pid ${pid} has no token in its config`;
  let out: string;
  try {
    out = execFileSync('ss', ['-ltnpH'], { encoding: 'utf8', timeout: 5000 });
  } catch (e) {
    return `ss failed: ${(e as Error).message}`;
  }
  // A node listens only on its client port (it dials out to the router).
  for (const line of out.split('\n')) {
    if (!line.includes(`pid=${pid},`)) continue;
    const m = /127\.0\.0\.1:(\d+)\s/.exec(line);
    if (m) return { port: Number(m[1]), token };
  }
  return `pid ${pid} listens on no 127.0.0.1 port`;
}

/** DirectClient sends puts to one node over one connection, one at a time. */
export class DirectClient {
  private readonly sock: net.Socket;
  private readonly decoder = new FrameDecoder();
  private waiting: ((ok: boolean) => void) | null = null;
  private seq = 0;
  private static made = 0;
  // Each client is its own session at the state machine, so names must never repeat.
  private readonly name = `bench-direct-${process.pid}-${Date.now()}-${++DirectClient.made}`;

  private constructor(sock: net.Socket) {
    this.sock = sock;
    sock.on('data', (b: Buffer) => {
      const { frames } = this.decoder.push(b);
      for (const f of frames) {
        const r = validateClientResponse(f);
        const w = this.waiting;
        this.waiting = null;
        w?.(typeof r !== 'string' && r.outcome === 'ok');
      }
    });
    sock.on('close', () => {
      const w = this.waiting;
      this.waiting = null;
      w?.(false);
    });
    sock.on('error', () => {
      /* close follows */
    });
  }

  /** connect opens the connection and says hello. */
  static connect(a: NodeAccess): Promise<DirectClient> {
    return new Promise((resolve, reject) => {
      const sock = net.connect({ host: '127.0.0.1', port: a.port, noDelay: true }, () => {
        sock.write(encodeFrame({ t: 'hello', token: a.token, from: 'bench' }));
        resolve(new DirectClient(sock));
      });
      sock.once('error', reject);
    });
  }

  /** put writes one key; true when the node answered ok. */
  put(key: string, value: string, timeoutMs = 10_000): Promise<boolean> {
    this.seq++;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = null;
        resolve(false);
      }, timeoutMs);
      this.waiting = (ok) => {
        clearTimeout(timer);
        resolve(ok);
      };
      this.sock.write(
        encodeFrame({
          t: 'req',
          id: this.seq,
          client: this.name,
          seq: this.seq,
          op: { op: 'put', key, value },
          timeoutMs,
        }),
      );
    });
  }

  close(): void {
    this.sock.destroy();
  }
}
