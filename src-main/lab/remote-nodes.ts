/**
 * RemoteNodes is the lab's side of nodes on other hosts (`serve --listen-nodes ADDR
 * --remote-slots n4,n5`): one listener on ADDR that remote agents (`quorum-lab node
 * --join`, node/join.ts) connect OUT to, with HTTP/1.1 upgrades described in
 * node/remote-contract.ts. It owns nothing of the cluster: while a cluster runs it is
 * bound to that cluster's supervisor (whose handles for the remote slots have no process)
 * and router.
 *
 * - A control session per slot carries the agent's reports (validated, then handed to
 *   Supervisor.remoteMessage) and the lab's commands (start, crash, pause, inspect, …).
 * - A router pipe joins the remote node's router connection to the router's loopback
 *   port byte for byte: the node's Hello with the cluster token follows inside, so the
 *   router treats a remote node as any other, and every link rule applies to it.
 * - The gateway reaches a remote node's client port through a loopback proxy port per
 *   slot: each connection there asks the agent to open a client pipe, and the two are
 *   joined. The gateway needs no change: the proxy port is the node's client port.
 *
 * Before a valid upgrade a connection is a stranger: the HTTP parser's header limits and
 * timeouts (MAX_HELLO_BYTES, HELLO_TIMEOUT_MS), MAX_ROUTER_CONNECTIONS open at once, the
 * join token compared in constant time, and refusals logged at most REJECT_LOG_PER_SEC a
 * second.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import {
  connect,
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
  type Socket,
} from 'node:net';
import type { NodeId } from '../core/types';
import { HELLO_TIMEOUT_MS } from '../node/client-port';
import { MAX_HELLO_BYTES, encodeFrame } from '../node/frames';
import {
  MAX_CONTROL_FRAME_BYTES,
  UPGRADE_PROTOCOL,
  cleanHostName,
  validateAgentToLab,
  type AgentToLab,
  type LabToAgent,
} from '../node/remote-contract';
import { tokenEquals } from '../node/token';
import type { Recorder } from './recorder';
import { pipeBoth, runControlLoop, type ControlLoop } from './remote-link';
import { MAX_ROUTER_CONNECTIONS, REJECT_LOG_PER_SEC } from './router';
import type { NodeHandle, RemoteCommand, RemoteControl, Supervisor } from './supervisor';

/** RemoteNodesOptions say where to listen, which token a remote agent must present, and which ids are remote. */
export interface RemoteNodesOptions {
  host: string;
  port: number;
  token: string;
  slots: NodeId[];
}

/** RemoteBinding is the running cluster as RemoteNodes needs it. */
export interface RemoteBinding {
  supervisor: Supervisor;
  routerPort: number;
  token: string;
  /** clusterName names the cluster (its folder): the agent keeps a folder per cluster. */
  clusterName: string;
  recorder: Recorder;
}

/** STREAM_WAIT_MS: how long a gateway connection waits for the agent to open its client pipe. */
const STREAM_WAIT_MS = HELLO_TIMEOUT_MS;
const PATH = /^\/nodes\/([A-Za-z0-9_.-]{1,64})\/(control|router|client\/(\d{1,15}))$/;

/** Session is one agent's control connection (see the file comment). */
class Session implements RemoteControl {
  readonly pipes = new Set<Socket>();
  private loop: ControlLoop | null = null;
  private ended = false;

  constructor(
    readonly id: NodeId,
    readonly host: string,
    private readonly sock: Socket,
    private readonly onEnd: (s: Session, why: string) => void,
  ) {}

  /** listen runs the control loop: the agent's validated reports go to onReport. */
  listen(head: Buffer, onReport: (m: AgentToLab) => void): void {
    this.loop = runControlLoop({
      sock: this.sock,
      head,
      peer: this.host,
      closed: 'control connection closed',
      validate: validateAgentToLab,
      onMessage: onReport,
      ping: () => this.write({ t: 'ping' }),
      onLost: (why) => this.end(why),
    });
  }

  write(m: LabToAgent): boolean {
    if (this.ended || this.sock.destroyed) return false;
    this.sock.write(encodeFrame(m, MAX_CONTROL_FRAME_BYTES));
    return true;
  }

  send(m: RemoteCommand): boolean {
    if (m.t === 'token') return false; // a remote node gets the token in its welcome, never by request
    // Membership orders do not travel to remote agents (the lab refuses membership changes with remote slots).
    if (m.t === 'conf-change' || m.t === 'transfer') return false;
    return this.write(m);
  }

  end(why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.loop?.stop();
    this.sock.destroy();
    for (const p of this.pipes) p.destroy();
    this.pipes.clear();
    this.onEnd(this, why);
  }
}

/** RemoteNodes is the listener and the sessions (see the file comment). */
export class RemoteNodes {
  private server: Server | null = null;
  private binding: RemoteBinding | null = null;
  private readonly sessions = new Map<NodeId, Session>();
  private readonly proxies: TcpServer[] = [];
  private readonly pending = new Map<number, { id: NodeId; sock: Socket; timer: NodeJS.Timeout }>();
  private nextStream = 0;
  private rejectWindow = 0;
  private rejectCount = 0;
  /** address: where the listener listens, once it does. */
  address: AddressInfo | null = null;

  constructor(readonly opts: RemoteNodesOptions) {}

  /** slots are the ids remote nodes fill. */
  get slots(): NodeId[] {
    return this.opts.slots.slice();
  }

  /** listen starts the listener on opts.host:opts.port. */
  listen(): Promise<AddressInfo> {
    const server = createServer(
      { maxHeaderSize: MAX_HELLO_BYTES, headersTimeout: HELLO_TIMEOUT_MS, requestTimeout: HELLO_TIMEOUT_MS },
      (req, res) => {
        res.writeHead(426, { 'Content-Type': 'text/plain; charset=utf-8', Connection: 'close' });
        res.end('This port is for Quorum Lab nodes: quorum-lab node --join http://HOST:PORT --token T\n');
      },
    );
    server.maxConnections = MAX_ROUTER_CONNECTIONS;
    server.on('drop', () => this.reject('too many connections', '?'));
    server.on('clientError', (_e, sock: Socket) => sock.destroy());
    server.on('upgrade', (req: IncomingMessage, sock: Socket, head: Buffer) => this.onUpgrade(req, sock, head));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        this.server = server;
        this.address = server.address() as AddressInfo;
        resolve(this.address);
      });
    });
  }

  /** bind attaches a newly opened cluster: a proxy port per slot for the gateway. */
  async bind(b: RemoteBinding): Promise<void> {
    this.binding = b;
    for (const id of this.opts.slots) {
      const proxy = createTcpServer((s) => this.onProxy(id, s));
      await new Promise<void>((res, rej) => {
        proxy.once('error', rej);
        proxy.listen(0, '127.0.0.1', () => res());
      });
      this.proxies.push(proxy);
      b.supervisor.handle(id).remote!.proxyPort = (proxy.address() as AddressInfo).port;
    }
  }

  /** unbind detaches the closing cluster: each agent stops its node and reconnects for the next cluster. */
  unbind(reason: string): void {
    for (const s of this.sessions.values()) {
      s.write({ t: 'stop', reason });
      s.end(reason);
    }
    for (const p of this.pending.values()) p.sock.destroy();
    this.pending.clear();
    for (const p of this.proxies.splice(0)) p.close();
    this.binding = null;
  }

  /** close tells every agent the lab is stopping and stops listening. */
  async close(): Promise<void> {
    for (const s of this.sessions.values()) {
      s.write({ t: 'shutdown' });
      s.end('the lab stopped');
    }
    this.unbind('the lab stopped');
    const server = this.server;
    this.server = null;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((res) => server.close(() => res()));
    }
  }

  private reject(why: string, remote: string): void {
    const now = Date.now();
    if (now - this.rejectWindow >= 1000) {
      this.rejectWindow = now;
      this.rejectCount = 0;
    }
    if (++this.rejectCount > REJECT_LOG_PER_SEC) return;
    this.binding?.recorder.record('frame-rejected', { at: 'remote-listener', node: null, reason: why, remote });
  }

  private refuse(sock: Socket, code: number, text: string, remote: string): void {
    this.reject(`${code} ${text}`, remote);
    const body = text + '\n';
    sock.end(
      `HTTP/1.1 ${code} ${code === 401 ? 'Unauthorized' : 'Refused'}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    setTimeout(() => sock.destroy(), 1000).unref();
  }

  private onUpgrade(req: IncomingMessage, sock: Socket, head: Buffer): void {
    sock.on('error', () => sock.destroy());
    const remote = `${sock.remoteAddress ?? '?'}:${sock.remotePort ?? '?'}`;
    const auth = req.headers.authorization ?? '';
    if ((req.headers.upgrade ?? '').toLowerCase() !== UPGRADE_PROTOCOL)
      return this.refuse(sock, 400, `upgrade to ${UPGRADE_PROTOCOL} expected`, remote);
    if (!auth.startsWith('Bearer ') || !tokenEquals(auth.slice(7), this.opts.token))
      return this.refuse(sock, 401, 'wrong or missing node token', remote);
    const m = PATH.exec(req.url ?? '');
    if (!m) return this.refuse(sock, 404, 'expected /nodes/<id>/control, /router or /client/<n>', remote);
    const b = this.binding;
    if (!b) return this.refuse(sock, 503, 'no cluster is running; try again', remote);
    const [, id, what, stream] = m as unknown as [string, string, string, string | undefined];
    if (what === 'control') return this.openControl(b, id, req, sock, head, remote);
    const s = this.sessions.get(id);
    if (!s) return this.refuse(sock, 409, `${id} has no control session`, remote);
    if (what === 'router') return this.openRouterPipe(b, s, sock, head);
    const p = this.pending.get(Number(stream));
    if (!p || p.id !== id) return this.refuse(sock, 404, `no client stream ${stream} waits for ${id}`, remote);
    this.pending.delete(Number(stream));
    clearTimeout(p.timer);
    this.accept(sock, id);
    if (head.length > 0) p.sock.write(head);
    pipeBoth(sock, p.sock, s.pipes);
    p.sock.resume();
  }

  private accept(sock: Socket, id: NodeId): void {
    sock.setTimeout(0);
    sock.setNoDelay(true);
    sock.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${UPGRADE_PROTOCOL}\r\nConnection: Upgrade\r\nX-Quorum-Node: ${id}\r\n\r\n`,
    );
  }

  private openRouterPipe(b: RemoteBinding, s: Session, sock: Socket, head: Buffer): void {
    const up = connect({ host: '127.0.0.1', port: b.routerPort, noDelay: true });
    this.accept(sock, s.id);
    if (head.length > 0) up.write(head);
    pipeBoth(sock, up, s.pipes);
  }

  /** freeSlot picks the slot an agent asked for (`any`: the first free one); a string not among the slots says why none. */
  private freeSlot(want: string): NodeId | string {
    const slots = this.opts.slots;
    if (want === 'any') {
      const free = slots.find((id) => !this.sessions.has(id));
      return free ?? `every remote slot (${slots.join(', ')}) is taken`;
    }
    if (!slots.includes(want)) return `${want} is not a remote slot of this cluster (slots: ${slots.join(', ')})`;
    const cur = this.sessions.get(want);
    if (cur) return `${want} is already attached from ${cur.host}`;
    return want;
  }

  private openControl(
    b: RemoteBinding,
    want: string,
    req: IncomingMessage,
    sock: Socket,
    head: Buffer,
    remote: string,
  ): void {
    const id = this.freeSlot(want);
    if (!this.opts.slots.includes(id)) return this.refuse(sock, 409, id, remote);
    const hostHeader = req.headers['x-quorum-host'];
    const host = cleanHostName(typeof hostHeader === 'string' ? hostHeader : undefined);
    const h = b.supervisor.handle(id);
    const s = new Session(id, host, sock, (ended, why) => this.ended(b, ended, why));
    this.sessions.set(id, s);
    this.accept(sock, id);
    b.supervisor.attachRemote(id, s, host);
    b.recorder.record('node-attached', { node: id, host, remote });
    s.write({ t: 'welcome', id, cluster: b.clusterName, token: b.token, settings: welcomeSettings(h) });
    // The lab wants the node running unless the user crashed it on purpose (maybe while the link was down).
    s.write(h.expectingExit ? { t: 'crash' } : { t: 'start' });
    s.listen(head, (m) => b.supervisor.remoteMessage(id, s, m));
  }

  private ended(b: RemoteBinding, s: Session, why: string): void {
    if (this.sessions.get(s.id) !== s) return;
    this.sessions.delete(s.id);
    if (this.binding !== b) return;
    b.recorder.record('node-detached', { node: s.id, host: s.host, reason: why });
    b.supervisor.detachRemote(s.id, s, why);
  }

  private onProxy(id: NodeId, sock: Socket): void {
    const s = this.sessions.get(id);
    sock.on('error', () => sock.destroy());
    if (!s) return void sock.destroy();
    sock.pause();
    const stream = ++this.nextStream;
    const timer = setTimeout(() => {
      this.pending.delete(stream);
      sock.destroy();
    }, STREAM_WAIT_MS);
    this.pending.set(stream, { id, sock, timer });
    sock.on('close', () => {
      clearTimeout(timer);
      this.pending.delete(stream);
    });
    if (!s.write({ t: 'open-client', stream })) sock.destroy();
  }
}

/** welcomeSettings are what a remote node needs of its lab-side config. */
function welcomeSettings(h: NodeHandle): LabToAgentSettings {
  const c = h.cfg;
  return {
    peers: c.peers,
    protocol: c.protocol,
    heartbeatMs: c.heartbeatMs,
    electionMs: c.electionMs,
    tickMs: c.tickMs,
    timeScale: c.timeScale,
    seed: c.seed,
    snapshotEvery: c.snapshotEvery,
    maxStoreBytes: c.maxStoreBytes,
  };
}

type LabToAgentSettings = Extract<LabToAgent, { t: 'welcome' }>['settings'];
