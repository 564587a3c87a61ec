/**
 * Test harness for real node processes: a minimal router (forwards MsgFrames between the
 * nodes connected to it, can inject raw bytes), a forked node with its IPC log, and a
 * client-port client. Test-only; the lab's real router is src-main/lab.
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_STORE_BYTES } from '../../src-main/core/kv/state-machine';
import type { KvOp } from '../../src-main/core/kv/types';
import type { ClientResponseFrame, NodeConfig, NodeToHost } from '../../src-main/node/contract';
import { FrameDecoder, encodeFrame } from '../../src-main/node/frames';

export const MAIN = fileURLToPath(new URL('../../src-main/node/main.ts', import.meta.url));

/** TestRouter forwards each MsgFrame to the connection of msg.to. */
export class TestRouter {
  readonly server: net.Server;
  readonly conns = new Map<string, net.Socket>();
  readonly rejected: string[] = [];
  /** blocked: node ids whose traffic (both ways) is dropped. */
  readonly blocked = new Set<string>();
  port = 0;

  constructor(readonly token: string) {
    this.server = net.createServer((s) => this.accept(s));
  }

  async listen(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  close(): void {
    this.server.close();
    for (const s of this.conns.values()) s.destroy();
  }

  private accept(s: net.Socket): void {
    s.setNoDelay(true);
    const dec = new FrameDecoder();
    let id: string | null = null;
    s.on('data', (chunk: Buffer) => {
      const { frames, error } = dec.push(chunk);
      for (const f of frames) {
        if (id === null) {
          if (f.t !== 'hello' || f.token !== this.token || typeof f.from !== 'string') {
            this.rejected.push('bad hello');
            s.destroy();
            return;
          }
          id = f.from;
          this.conns.get(id)?.destroy();
          this.conns.set(id, s);
          continue;
        }
        const msg = f.msg as { to?: string } | undefined;
        if (f.t !== 'msg' || !msg || typeof msg.to !== 'string') continue;
        if (this.blocked.has(id) || this.blocked.has(msg.to)) continue;
        this.conns.get(msg.to)?.write(encodeFrame(f));
      }
      if (error) s.destroy();
    });
    s.on('error', () => {});
    s.on('close', () => {
      if (id !== null && this.conns.get(id) === s) this.conns.delete(id);
    });
  }
}

/** TestNodeConfig is a NodeConfig whose store limit may be left to the default. */
export type TestNodeConfig = Omit<NodeConfig, 'maxStoreBytes'> & { maxStoreBytes?: number };

/**
 * NodeProc is one forked node process and everything it told the host. Like the lab's
 * supervisor, it puts the config without the token on the command line and hands the
 * token over IPC when the node asks.
 */
export class NodeProc {
  readonly child: ChildProcess;
  readonly msgs: NodeToHost[] = [];
  readonly cfg: NodeConfig;
  stderr = '';
  exitCode: number | null | undefined = undefined;
  readonly exited: Promise<number | null>;

  constructor(cfg: TestNodeConfig) {
    this.cfg = { ...cfg, maxStoreBytes: cfg.maxStoreBytes ?? DEFAULT_MAX_STORE_BYTES };
    const { token, ...launch } = this.cfg;
    this.child = fork(MAIN, ['--config', JSON.stringify(launch)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.on('message', (m) => {
      if ((m as NodeToHost).t === 'token-request') this.child.send({ t: 'token', token });
      this.msgs.push(m as NodeToHost);
    });
    this.child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((r) =>
      this.child.on('exit', (code) => {
        this.exitCode = code;
        r(code);
      }),
    );
  }

  get id(): string {
    return this.cfg.id;
  }

  /** clientPort from the 'ready' message (0 until then). */
  get clientPort(): number {
    const r = this.msgs.find((m) => m.t === 'ready');
    return r && r.t === 'ready' ? r.clientPort : 0;
  }

  /** status is the latest status report. */
  get status(): Extract<NodeToHost, { t: 'status' }> | null {
    for (let i = this.msgs.length - 1; i >= 0; i--) {
      const m = this.msgs[i]!;
      if (m.t === 'status') return m;
    }
    return null;
  }

  events(kind: string): Record<string, unknown>[] {
    return this.msgs.flatMap((m) => (m.t === 'event' && m.kind === kind ? [m.detail] : []));
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  kill9(): Promise<number | null> {
    this.child.kill('SIGKILL');
    return this.exited;
  }
}

/** waitFor polls `cond` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(
  what: string,
  cond: () => T | null | undefined | false,
  timeoutMs = 10_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = cond();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Client speaks the client-port protocol on one connection. */
export class Client {
  private sock!: net.Socket;
  private dec = new FrameDecoder();
  private waiting = new Map<number, (r: ClientResponseFrame) => void>();
  private nextId = 1;
  private seq = 0;
  closed = false;

  constructor(
    readonly port: number,
    readonly token: string,
    readonly name = `c-${Math.random().toString(36).slice(2, 8)}`,
  ) {}

  async connect(): Promise<this> {
    this.sock = net.connect({ host: '127.0.0.1', port: this.port });
    await new Promise<void>((res, rej) => {
      this.sock.once('connect', () => res());
      this.sock.once('error', rej);
    });
    this.sock.on('error', () => {});
    this.sock.on('close', () => (this.closed = true));
    this.sock.on('data', (c: Buffer) => {
      for (const f of this.dec.push(c).frames) {
        const r = f as unknown as ClientResponseFrame;
        this.waiting.get(r.id)?.(r);
        this.waiting.delete(r.id);
      }
    });
    this.sock.write(encodeFrame({ t: 'hello', token: this.token, from: 'test' }));
    return this;
  }

  request(op: KvOp, opts: { allowFollowerRead?: boolean; timeoutMs?: number } = {}): Promise<ClientResponseFrame> {
    const id = this.nextId++;
    const frame = {
      t: 'req',
      id,
      client: this.name,
      seq: op.op === 'get' ? 0 : ++this.seq,
      op,
      timeoutMs: opts.timeoutMs ?? 3000,
      ...opts,
    };
    return new Promise((resolve, reject) => {
      this.waiting.set(id, resolve);
      this.sock.write(encodeFrame(frame));
      setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(op)}`)), (opts.timeoutMs ?? 3000) + 2000);
    });
  }

  raw(bytes: Buffer): void {
    this.sock.write(bytes);
  }

  close(): void {
    this.sock.destroy();
  }
}
