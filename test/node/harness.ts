/**
 * Test harness for real node processes: a minimal router (forwards message frames between the
 * nodes connected to it, can inject raw bytes), a forked node with its IPC log, and a
 * client-port client. Test-only; the lab's real router is src-main/lab.
 */
import { fork, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { DEFAULT_MAX_STORE_BYTES } from '../../src-main/core/kv/state-machine';
import type { KvOp } from '../../src-main/core/kv/types';
import type { ClientResponseFrame, NodeConfig, NodeToHost } from '../../src-main/node/contract';
import { FrameDecoder, RawFrameDecoder, encodeFrame, parseJsonFrame } from '../../src-main/node/frames';
import { decodeMsgFrame } from '../../src-main/node/msg-frame';

export const MAIN = fileURLToPath(new URL('../../src-main/node/main.ts', import.meta.url));

/** RoutedMsg is what a router rule sees of a message: its envelope and body fields. */
export type RoutedMsg = { type: string; from: string; to: string; term: number } & Record<string, unknown>;

/** RouteVerdict: deliver a message, lose it, or hold it until release(). */
export type RouteVerdict = 'pass' | 'drop' | 'hold';

/** TestRouter forwards each message frame, as it came, to the connection of msg.to. */
export class TestRouter {
  readonly server: net.Server;
  readonly conns = new Map<string, net.Socket>();
  readonly rejected: string[] = [];
  /** blocked: node ids whose traffic (both ways) is dropped. */
  readonly blocked = new Set<string>();
  /** rule, when set, decides each message's fate (after `blocked`). */
  rule: ((m: RoutedMsg) => RouteVerdict) | null = null;
  /** held: messages a rule held back, oldest first, with their frames. */
  readonly held: { msg: RoutedMsg; frame: Buffer }[] = [];
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

  /** release delivers the held messages `pick` selects (all by default) to whoever is now connected as their receiver. */
  release(pick: (m: RoutedMsg) => boolean = () => true): number {
    let n = 0;
    for (let i = 0; i < this.held.length;) {
      const h = this.held[i]!;
      if (!pick(h.msg)) {
        i++;
        continue;
      }
      this.held.splice(i, 1);
      this.conns.get(h.msg.to)?.write(h.frame);
      n++;
    }
    return n;
  }

  private accept(s: net.Socket): void {
    s.setNoDelay(true);
    const dec = new RawFrameDecoder();
    let id: string | null = null;
    s.on('data', (chunk: Buffer) => {
      const { frames, error } = dec.push(chunk);
      for (const raw of frames) {
        if (id === null) {
          const f = parseJsonFrame(raw);
          if (typeof f === 'string' || f.t !== 'hello' || f.token !== this.token || typeof f.from !== 'string') {
            this.rejected.push('bad hello');
            s.destroy();
            return;
          }
          id = f.from;
          this.conns.get(id)?.destroy();
          this.conns.set(id, s);
          continue;
        }
        const d = decodeMsgFrame(raw);
        if (typeof d === 'string') continue;
        const msg = d.msg as RoutedMsg;
        if (this.blocked.has(id) || this.blocked.has(msg.to)) continue;
        const verdict = this.rule?.(msg) ?? 'pass';
        if (verdict === 'drop') continue;
        if (verdict === 'hold') {
          this.held.push({ msg, frame: raw });
          continue;
        }
        this.conns.get(msg.to)?.write(raw);
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

  /** pause freezes the process (SIGSTOP); resume thaws it (SIGCONT). */
  pause(): void {
    this.child.kill('SIGSTOP');
  }

  resume(): void {
    this.child.kill('SIGCONT');
  }

  /** inspect asks the node for its inspector data over IPC. */
  async inspect(lastN = 500): Promise<Extract<NodeToHost, { t: 'inspect-reply' }>['inspect']> {
    const reqId = ++inspectSeq;
    this.child.send({ t: 'inspect', reqId, lastN });
    const r = await waitFor(`${this.id} inspect reply`, () =>
      this.msgs.find((m) => m.t === 'inspect-reply' && m.reqId === reqId),
    );
    if (r.t !== 'inspect-reply') throw new Error('unreachable');
    return r.inspect;
  }
}

let inspectSeq = 0;

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
    public name = `c-${Math.random().toString(36).slice(2, 8)}`,
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

  /**
   * request sends one op under this client's session (a write takes the next seq) and
   * resolves with the node's answer. Like the lab's gateway, a 'session-expired' answer (a
   * seq with no session: the session begins at seq 1, and an earlier write of this client
   * may have been refused before it applied) starts a new session and sends the op again.
   */
  async request(
    op: KvOp,
    opts: { allowFollowerRead?: boolean; timeoutMs?: number } = {},
  ): Promise<ClientResponseFrame> {
    const res = await this.send(op, opts);
    if (res.error !== 'session-expired') return res;
    this.name = `${this.name}+`;
    this.seq = 0;
    return this.send(op, opts);
  }

  private send(op: KvOp, opts: { allowFollowerRead?: boolean; timeoutMs?: number }): Promise<ClientResponseFrame> {
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
