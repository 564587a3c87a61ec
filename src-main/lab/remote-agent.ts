/**
 * RemoteAgent is `quorum-lab node --join`: it runs one cluster node on this host for a lab
 * on another (see node/remote-contract.ts for the wire). It connects OUT to the lab's
 * listen address — a control session, and pipes for the node's router connection and for
 * the lab gateway's client requests — and starts the node as a local OS process with its
 * own Supervisor, so the lab's crash and pause become a real SIGKILL and SIGSTOP here, and
 * restart reopens the same SQLite file.
 *
 * The node process itself is the ordinary node entry: it talks to a loopback relay port
 * (its "router"), and every connection there is piped to the lab. When the link to the
 * lab is lost (silence for SILENCE_MS, or a close), every pipe ends and the agent
 * reconnects with back-off; the node keeps running, cut off, as a node behind a broken
 * cable would, and catches up once the link is back.
 */
import { request } from 'node:http';
import { mkdirSync } from 'node:fs';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { assertNever, type NodeId } from '../core/types';
import type { NodeConfig } from '../node/contract';
import { encodeFrame } from '../node/frames';
import {
  MAX_CONTROL_FRAME_BYTES,
  UPGRADE_PROTOCOL,
  validateLabToAgent,
  type AgentToLab,
  type LabToAgent,
} from '../node/remote-contract';
import { pipeBoth, runControlLoop } from './remote-link';
import { defaultSpawnNode, Supervisor, type NodeHandle, type SpawnNode } from './supervisor';

/** RemoteAgentOptions configure an agent. */
export interface RemoteAgentOptions {
  labHost: string;
  labPort: number;
  token: string;
  /** id: the slot to fill (absent: the lab picks a free one). */
  id?: NodeId;
  /** dataDir: the node's SQLite files go to dataDir/<cluster>/<id>.sqlite. */
  dataDir: string;
  /** hostName: what the lab's topology shows for this node. */
  hostName: string;
  spawnNode?: SpawnNode;
  /** say prints one line for the user. */
  say: (line: string) => void;
  /** onShutdown: the lab said it is stopping (the agent has stopped its node). */
  onShutdown: () => void;
  /** onFatal: the lab refused in a way retrying cannot fix (wrong token, no such slot); the agent has stopped. */
  onFatal?: (why: string) => void;
}

/** Refused is the lab's answer to an upgrade it did not grant. */
class Refused extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** CONNECT_TIMEOUT_MS: a connection to the lab that is not answered in this time is given up (and retried). */
const CONNECT_TIMEOUT_MS = 3000;
const MAX_BACKOFF_MS = 1000;

interface Upgraded {
  sock: Socket;
  head: Buffer;
}

/** upgrade opens one remote-node connection to the lab (an HTTP upgrade); rejects with the lab's answer when refused. */
function upgrade(o: RemoteAgentOptions, path: string, headers: Record<string, string> = {}): Promise<Upgraded> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: o.labHost,
      port: o.labPort,
      path,
      agent: false,
      timeout: CONNECT_TIMEOUT_MS,
      headers: { Connection: 'Upgrade', Upgrade: UPGRADE_PROTOCOL, Authorization: `Bearer ${o.token}`, ...headers },
    });
    req.on('upgrade', (_res, sock: Socket, head: Buffer) => {
      sock.setTimeout(0);
      sock.setNoDelay(true);
      resolve({ sock, head });
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        if (body.length < 1024) body += c;
      });
      const status = res.statusCode ?? 0;
      res.on('end', () => reject(new Refused(status, `the lab answered ${status}: ${body.trim().slice(0, 300)}`)));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** RemoteAgent is the agent (see the file comment). */
export class RemoteAgent {
  private relay: Server | null = null;
  private relayPort = 0;
  private control: Socket | null = null;
  private readonly pipes = new Set<Socket>();
  private sup: Supervisor | null = null;
  /** key says which cluster the running supervisor belongs to (cluster folder, id, token). */
  private key: string | null = null;
  private id: NodeId | undefined;
  private stopped = false;
  private backoffMs = 100;
  private retry: NodeJS.Timeout | null = null;
  private lastError = '';
  /** stopping settles when the node process of the previous cluster is gone (a new one must not start before). */
  private stopping: Promise<void> = Promise.resolve();

  constructor(private readonly o: RemoteAgentOptions) {
    this.id = o.id;
  }

  /** start opens the relay port and the first control session. */
  async start(): Promise<void> {
    const relay = createServer((s) => this.onRelay(s));
    await new Promise<void>((res, rej) => {
      relay.once('error', rej);
      relay.listen(0, '127.0.0.1', () => res());
    });
    this.relay = relay;
    this.relayPort = (relay.address() as AddressInfo).port;
    void this.connect();
  }

  /** stop ends the node process and every connection. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.endSession();
    await this.stopNode();
    this.relay?.close();
  }

  private handle(): NodeHandle | null {
    return this.sup && this.id ? (this.sup.nodes.get(this.id) ?? null) : null;
  }

  private send(m: AgentToLab): void {
    const c = this.control;
    if (c && !c.destroyed) c.write(encodeFrame(m, MAX_CONTROL_FRAME_BYTES));
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    let up: Upgraded;
    try {
      up = await upgrade(this.o, `/nodes/${this.id ?? 'any'}/control`, { 'X-Quorum-Host': this.o.hostName });
    } catch (e) {
      const msg = (e as Error).message;
      // A wrong token or a slot the lab does not have will not change by trying again.
      if (e instanceof Refused && (e.status === 401 || e.status === 404) && this.o.onFatal) {
        this.o.say(`the lab refused this node: ${msg}`);
        await this.stop();
        return this.o.onFatal(msg);
      }
      // A lab that is away says so once, not every second.
      if (msg !== this.lastError) this.o.say(`cannot attach to the lab: ${msg}; retrying`);
      this.lastError = msg;
      return this.scheduleConnect();
    }
    if (this.stopped) return void up.sock.destroy();
    this.lastError = '';
    this.backoffMs = 100;
    this.session(up);
  }

  private scheduleConnect(): void {
    if (this.stopped || this.retry) return;
    const wait = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, MAX_BACKOFF_MS);
    this.retry = setTimeout(() => {
      this.retry = null;
      void this.connect();
    }, wait);
  }

  private session({ sock, head }: Upgraded): void {
    this.control = sock;
    runControlLoop({
      sock,
      head,
      peer: 'the lab',
      closed: 'connection closed',
      validate: validateLabToAgent,
      onMessage: (m) => this.onCommand(m),
      ping: () => this.send({ t: 'ping' }),
      onLost: (why) => {
        if (this.control !== sock) return;
        this.o.say(`link to the lab lost (${why}); the node keeps running; reconnecting`);
        this.endSession();
        this.scheduleConnect();
      },
    });
  }

  private endSession(): void {
    this.control?.destroy();
    this.control = null;
    for (const p of this.pipes) p.destroy();
    this.pipes.clear();
  }

  private onCommand(m: LabToAgent): void {
    const id = this.id;
    switch (m.t) {
      case 'welcome':
        return this.welcome(m);
      case 'ping':
        return;
      case 'start': {
        const sup = this.sup;
        void this.stopping.then(() => {
          if (id && sup && sup === this.sup && this.handle()?.state === 'down') sup.start(id);
        });
        return;
      }
      case 'crash':
        if (id && this.sup) this.sup.crash(id);
        return;
      case 'pause':
        if (id && this.sup) this.sup.pause(id);
        return;
      case 'resume':
        if (id && this.sup) this.sup.resume(id);
        return;
      case 'inspect':
        if (id && this.sup)
          this.sup.inspect(id, m.lastN).then(
            (inspect) => this.send({ t: 'inspect-reply', reqId: m.reqId, inspect }),
            () => undefined, // the lab's own timeout tells the user
          );
        return;
      case 'time-scale':
        this.sup?.setTimeScale(m.scale);
        return;
      case 'open-client':
        return void this.openClient(m.stream);
      case 'stop':
        this.o.say(`the lab closed the cluster (${m.reason}); stopping the node and waiting for the next one`);
        void this.stopNode();
        return;
      case 'shutdown':
        this.o.say('the lab is stopping; stopping the node');
        this.stopped = true;
        this.endSession();
        void this.stopNode().then(() => this.o.onShutdown());
        return;
      default:
        return assertNever(m, 'control frame');
    }
  }

  private welcome(m: Extract<LabToAgent, { t: 'welcome' }>): void {
    const key = `${m.cluster}/${m.id}/${m.token}`;
    this.id = m.id;
    if (this.sup && this.key === key) {
      // The same cluster after a lost link: say again where the node is.
      const h = this.handle();
      this.sup.setTimeScale(m.settings.timeScale);
      if (h && h.state !== 'down' && h.clientPort !== null) {
        this.send({ t: 'ready', pid: h.pid ?? 0, paused: h.state === 'paused' });
        if (h.status) this.send({ t: 'status', status: h.status, lastApplied: h.lastApplied, damaged: h.damaged });
      }
      this.o.say(`attached to the lab again as ${m.id}`);
      return;
    }
    void this.stopNode();
    const dir = join(this.o.dataDir, m.cluster);
    mkdirSync(dir, { recursive: true });
    const cfg: NodeConfig = {
      id: m.id,
      ...m.settings,
      dataFile: join(dir, `${m.id}.sqlite`),
      routerHost: '127.0.0.1',
      routerPort: this.relayPort,
      clientPort: 0,
      token: m.token,
    };
    this.key = key;
    this.sup = new Supervisor([cfg], this.o.spawnNode ?? defaultSpawnNode, this.events());
    this.o.say(`attached to the lab as ${m.id} (cluster ${m.cluster}); data in ${cfg.dataFile}`);
  }

  private events(): ConstructorParameters<typeof Supervisor>[2] {
    return {
      onReady: (h) => this.send({ t: 'ready', pid: h.pid ?? 0, paused: h.state === 'paused' }),
      onStatus: (h) => {
        if (h.status) this.send({ t: 'status', status: h.status, lastApplied: h.lastApplied, damaged: h.damaged });
      },
      onEvent: (_h, kind, detail) => this.send({ t: 'event', kind, detail }),
      onExit: (_h, code, signal, expected, fatal) =>
        this.send({ t: 'exit', code, signal, expected, ...(fatal ? { fatal } : {}) }),
    };
  }

  private stopNode(): Promise<void> {
    const sup = this.sup;
    this.sup = null;
    this.key = null;
    if (sup) this.stopping = this.stopping.then(() => sup.stopAll());
    return this.stopping;
  }

  private onRelay(local: Socket): void {
    local.on('error', () => local.destroy());
    const id = this.id;
    // With no session the node is cut off: its router link retries on its own back-off.
    if (!this.control || !id) return void local.destroy();
    local.pause();
    upgrade(this.o, `/nodes/${id}/router`).then(
      ({ sock, head }) => {
        if (head.length > 0) local.write(head);
        pipeBoth(local, sock, this.pipes);
        local.resume();
      },
      () => local.destroy(),
    );
  }

  private async openClient(stream: number): Promise<void> {
    const h = this.handle();
    const port = h?.clientPort;
    if (!h || port === null || port === undefined || !this.id) return;
    let up: Upgraded;
    try {
      up = await upgrade(this.o, `/nodes/${this.id}/client/${stream}`);
    } catch {
      return; // the gateway's request times out or is retried
    }
    const local = connect({ host: '127.0.0.1', port, noDelay: true });
    if (up.head.length > 0) local.write(up.head);
    pipeBoth(up.sock, local, this.pipes);
  }
}
