/**
 * A put client that talks straight to a lab node's client port (Hello with the cluster
 * token, then ClientRequestFrames), bypassing the HTTP host and the gateway. The profiler
 * uses it to split a put's latency into "host + gateway" and "node + router + fsync".
 * It needs the cluster token, which only the lab host and its nodes know (see nodeAccess).
 */
import net from 'node:net';
import { encodeFrame, FrameDecoder, validateClientResponse } from '../src-main/node/frames';

/** NodeAccess is what a direct client needs. */
export interface NodeAccess {
  port: number;
  token: string;
}

/**
 * nodeAccess used to read a node's token from its command line. The token no longer goes
 * there (any local user could read it and write into the node), so a process outside the
 * lab cannot reach a node's client port: the profiler's direct phase is skipped with this
 * explanation.
 */
export function nodeAccess(pid: number): NodeAccess | string {
  return `pid ${pid}: the cluster token is handed to nodes over IPC, not on their command line, so no outside client can open their client port`;
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
