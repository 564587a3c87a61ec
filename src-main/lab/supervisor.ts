/**
 * The Supervisor runs one OS process per cluster node (src-main/node/main.ts, or its
 * bundle out/node/main.mjs: ./node-entry.ts) over child_process.fork with an IPC channel:
 * crash = SIGKILL, restart on the same SQLite file, pause/resume = SIGSTOP/SIGCONT. It
 * tracks what each node last reported ('status' IPC) and hands node events to the LabService.
 *
 * The cluster token never goes on a node's command line or into its environment (both are
 * readable by every local user through /proc): a node asks for it over the IPC channel
 * ('token-request') and the supervisor answers ('token'). Every SpawnNode gets the config
 * without the token, so no spawner (the lab's, Electron's) can leak it.
 *
 * No node may outlive the host: every child is SIGKILLed from a process 'exit' hook
 * (which also runs after an uncaught error), and the nodes themselves exit when their IPC
 * channel closes (the host died without running hooks, e.g. SIGKILL).
 *
 * A node on another host (lab/remote-nodes.ts) has a handle too, with `remote` set and no
 * process: its commands go over its control session, whose agent starts, SIGKILLs and
 * SIGSTOPs the node process on that host, and its reports arrive through remoteMessage.
 * While no control session is attached the node is down.
 */
import type { ChildProcess } from 'node:child_process';
import type { DamageKind } from '../core/recovery/damage';
import { assertNever, type NodeId } from '../core/types';
import type { ControlReply, HostToNode, NodeConfig, NodeFatal, NodeInspect, NodeToHost } from '../node/contract';
import { fatalOf } from '../node/fatal';
import type { AgentToLab } from '../node/remote-contract';
import type { ControlOrder, NodeHandle, RemoteControl, SupervisorEvents } from './node-handle';
import { DAMAGE_RUN_MS, hookExit, launchConfig, liveNodes, type SpawnNode } from './node-spawn';
import { TRACE_ON, traceSpan, traceStart } from '../node/trace';

// The Supervisor's types and spawn hook live beside it; its importers keep importing them from here.
export type {
  ControlOrder,
  NodeHandle,
  RemoteCommand,
  RemoteControl,
  RemoteSlot,
  SupervisorEvents,
} from './node-handle';
export {
  defaultSpawnNode,
  forkSpawner,
  killAllNodes,
  launchConfig,
  NODE_MAIN,
  type ForkOptions,
  type SpawnNode,
} from './node-spawn';

/** FATAL_READ_MS bounds the wait, after a node's exit, for the rest of its IPC channel (its 'fatal' report). */
const FATAL_READ_MS = 200;

/** Supervisor owns the node processes of one cluster. */
export class Supervisor {
  readonly nodes = new Map<NodeId, NodeHandle>();
  /** exitsDue: exits not yet told, waiting up to FATAL_READ_MS for their process's last report. */
  private readonly exitsDue = new Map<NodeId, () => void>();
  private readonly inspects = new Map<number, (i: NodeInspect) => void>();
  private readonly controls = new Map<number, (r: ControlReply) => void>();
  private nextReq = 0;
  /** readyWaiters are called with null when the node is ready, or with why it never will be. */
  private readonly readyWaiters = new Map<NodeId, ((err: Error | null) => void)[]>();

  constructor(
    configs: NodeConfig[],
    private readonly spawnNode: SpawnNode,
    private readonly events: SupervisorEvents,
    remoteIds: readonly NodeId[] = [],
  ) {
    hookExit();
    for (const cfg of configs) this.add(cfg, remoteIds.includes(cfg.id));
  }

  /** add makes a handle for a new node (down until start); the id must be new. */
  add(cfg: NodeConfig, remote = false): NodeHandle {
    if (this.nodes.has(cfg.id)) throw new Error(`${cfg.id} is already a node of this cluster`);
    const h: NodeHandle = {
      ...(remote ? { remote: { host: null, control: null, proxyPort: null, exitWaiters: [] } } : {}),
      id: cfg.id,
      cfg,
      proc: null,
      state: 'down',
      pid: null,
      clientPort: null,
      status: null,
      lastApplied: 0,
      damaged: false,
      expectingExit: false,
      damaging: false,
    };
    this.nodes.set(cfg.id, h);
    return h;
  }

  /** remove stops a node's process (politely, SIGKILL after graceMs) and forgets it. */
  async remove(id: NodeId, graceMs = 500): Promise<void> {
    const h = this.handle(id);
    await this.stopOne(h, graceMs);
    this.nodes.delete(id);
  }

  /** handle returns a node's handle or throws for an unknown id. */
  handle(id: NodeId): NodeHandle {
    const h = this.nodes.get(id);
    if (!h) throw new Error(`unknown node ${id}`);
    return h;
  }

  /** start launches a node's process (it must be down, and no damage run at work on its file). */
  start(id: NodeId): void {
    const h = this.handle(id);
    // An exit still waiting for its process's last report is told first: the lab drops the
    // old process's connections and records its death before the new process exists.
    this.exitsDue.get(id)?.();
    if (h.remote) {
      h.expectingExit = false;
      h.remote.control?.send({ t: 'start' });
      return;
    }
    if (h.proc || h.damaging) return;
    const proc = this.spawnNode(launchConfig(h.cfg));
    liveNodes.add(proc);
    h.proc = proc;
    h.state = 'up';
    h.pid = proc.pid ?? null;
    h.clientPort = null;
    h.expectingExit = false;
    const prefix = `[${id}] `;
    const forward = (chunk: Buffer): void => {
      const text = chunk.toString('utf8').replace(/\n(?=.)/g, '\n' + prefix);
      process.stderr.write(prefix + text);
    };
    proc.stdout?.on('data', forward);
    proc.stderr?.on('data', forward);
    // The error a dying node reports (node/fatal.ts), kept for its exit's record.
    let fatal: NodeFatal | null = null;
    proc.on('message', (m) => {
      if ((m as { t?: unknown } | null)?.t === 'fatal') fatal ??= fatalOf((m as { fatal?: unknown }).fatal);
      else this.onMessage(h, proc, m);
    });
    proc.on('error', (e) => {
      this.events.onEvent(h, 'node-error', { error: e.message });
    });
    proc.on('exit', (code, signal) => {
      liveNodes.delete(proc);
      if (h.proc !== proc) return;
      const expected = h.expectingExit;
      h.proc = null;
      h.pid = null;
      h.state = 'down';
      h.clientPort = null;
      // A node that dies before it is ready (bad config, unusable file) fails its waiters now, not at their timeout.
      const ws = this.readyWaiters.get(id) ?? [];
      this.readyWaiters.delete(id);
      for (const w of ws) w(new Error(`${id} exited (${signal ?? `code ${code}`}) before it was ready`));
      let told = false;
      const tell = (): void => {
        if (told) return;
        told = true;
        if (this.exitsDue.get(id) === tell) this.exitsDue.delete(id);
        this.events.onExit(h, code, signal, expected, fatal);
      };
      // A report sent right before the exit may still be in the channel, which closes once it is read.
      if (fatal !== null || !proc.connected) return tell();
      this.exitsDue.set(id, tell);
      proc.once('disconnect', tell);
      setTimeout(tell, FATAL_READ_MS);
    });
  }

  private becameReady(h: NodeHandle): void {
    this.events.onReady(h);
    const ws = this.readyWaiters.get(h.id) ?? [];
    this.readyWaiters.delete(h.id);
    for (const w of ws) w(null);
  }

  private onMessage(h: NodeHandle, proc: ChildProcess, raw: unknown): void {
    if (h.proc !== proc || typeof raw !== 'object' || raw === null) return;
    const m = raw as NodeToHost;
    switch (m.t) {
      case 'ready': {
        if (typeof m.clientPort !== 'number') return;
        h.clientPort = m.clientPort;
        if (typeof m.pid === 'number') h.pid = m.pid;
        this.becameReady(h);
        return;
      }
      case 'status':
        if (typeof m.status !== 'object' || m.status === null) return;
        this.onReport(h, m);
        return;
      case 'event':
      case 'inspect-reply':
      case 'control-reply':
        this.onReport(h, m);
        return;
      case 'token-request':
        this.send(h, { t: 'token', token: h.cfg.token });
        return;
      default:
        // A node speaking a newer protocol must not crash the host.
        this.events.onEvent(h, 'ipc-unknown', { t: (m as { t?: unknown }).t });
    }
  }

  /** onReport takes a status, event, inspect or control reply from a node, local or remote. */
  private onReport(
    h: NodeHandle,
    m: Extract<NodeToHost, { t: 'status' | 'event' | 'inspect-reply' | 'control-reply' }>,
  ): void {
    switch (m.t) {
      case 'status': {
        const t0 = TRACE_ON ? traceStart() : 0;
        const prev = h.status;
        h.status = m.status;
        h.lastApplied = typeof m.lastApplied === 'number' ? m.lastApplied : h.lastApplied;
        h.damaged = m.damaged === true;
        this.events.onStatus(h, prev);
        if (TRACE_ON) traceSpan('status', t0);
        return;
      }
      case 'event':
        this.events.onEvent(h, String(m.kind), typeof m.detail === 'object' && m.detail ? m.detail : {});
        return;
      case 'inspect-reply': {
        const w = this.inspects.get(m.reqId);
        if (w) {
          this.inspects.delete(m.reqId);
          w(m.inspect);
        }
        return;
      }
      case 'control-reply': {
        const w = this.controls.get(m.reqId);
        if (w && typeof m.reply === 'object' && m.reply !== null) {
          this.controls.delete(m.reqId);
          w(m.reply);
        }
        return;
      }
      default:
        assertNever(m, 'node report');
    }
  }

  /**
   * damage inflicts a disk fault on a stopped node's file (core/recovery/damage.ts): the node
   * entry runs once in its damage mode (NodeConfig.damage), on the nodes' own runtime and
   * SQLite build, and exits. Resolves with what it damaged (null: nothing of that kind).
   */
  damage(id: NodeId, kind: DamageKind): Promise<string | null> {
    const h = this.handle(id);
    if (h.proc) return Promise.reject(new Error(`${id} is running`));
    if (h.damaging) return Promise.reject(new Error(`${id}'s file is already being damaged`));
    h.damaging = true;
    const proc = this.spawnNode({ ...launchConfig(h.cfg), damage: kind });
    liveNodes.add(proc);
    return new Promise<string | null>((resolve, reject) => {
      let done: Extract<NodeToHost, { t: 'damage-done' }> | null = null;
      let stderr = '';
      proc.stdout?.resume();
      proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-2000)));
      proc.on('message', (m) => {
        const x = m as Partial<Extract<NodeToHost, { t: 'damage-done' }>>;
        if (x?.t === 'damage-done' && (x.what === null || typeof x.what === 'string'))
          done = { t: 'damage-done', what: x.what, ...(typeof x.error === 'string' ? { error: x.error } : {}) };
      });
      const timer = setTimeout(() => proc.kill('SIGKILL'), DAMAGE_RUN_MS);
      proc.on('exit', (code, signal) => {
        clearTimeout(timer);
        liveNodes.delete(proc);
        h.damaging = false;
        const d: Extract<NodeToHost, { t: 'damage-done' }> | null = done;
        if (d && d.error === undefined && code === 0) resolve(d.what);
        else reject(new Error(d?.error ?? `the damage run exited (${signal ?? `code ${code}`}): ${stderr.trim()}`));
      });
    });
  }

  /** waitReady resolves when the node has said 'ready' (its client port is known), or rejects after ms. */
  waitReady(id: NodeId, ms: number): Promise<void> {
    const h = this.handle(id);
    if (h.clientPort !== null) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`${id} did not become ready within ${ms} ms`)), ms);
      const list = this.readyWaiters.get(id) ?? [];
      list.push((err) => {
        clearTimeout(t);
        if (err) reject(err);
        else resolve();
      });
      this.readyWaiters.set(id, list);
    });
  }

  private send(h: NodeHandle, m: HostToNode): boolean {
    if (h.remote) return h.remote.control?.send(m) ?? false;
    const p = h.proc;
    if (!p || !p.connected) return false;
    try {
      p.send(m);
      return true;
    } catch {
      return false;
    }
  }

  /** crash SIGKILLs a node (a paused node dies too: SIGKILL needs no SIGCONT). */
  crash(id: NodeId): void {
    const h = this.handle(id);
    if (h.remote) {
      h.expectingExit = true;
      h.remote.control?.send({ t: 'crash' });
      return;
    }
    if (!h.proc) return;
    h.expectingExit = true;
    h.proc.kill('SIGKILL');
  }

  /** waitExit resolves when a node's process is gone. */
  waitExit(id: NodeId): Promise<void> {
    const h = this.handle(id);
    const r = h.remote;
    if (r) return h.state === 'down' ? Promise.resolve() : new Promise((res) => r.exitWaiters.push(res));
    const p = h.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
    return new Promise((res) => p.once('exit', () => res()));
  }

  /** pause SIGSTOPs a node; resume SIGCONTs it. */
  pause(id: NodeId): void {
    const h = this.handle(id);
    if (h.remote) {
      if (h.state === 'up' && h.remote.control?.send({ t: 'pause' })) h.state = 'paused';
      return;
    }
    if (!h.proc || h.state !== 'up') return;
    h.proc.kill('SIGSTOP');
    h.state = 'paused';
  }

  resume(id: NodeId): void {
    const h = this.handle(id);
    if (h.remote) {
      if (h.state === 'paused' && h.remote.control?.send({ t: 'resume' })) h.state = 'up';
      return;
    }
    if (!h.proc || h.state !== 'paused') return;
    h.proc.kill('SIGCONT');
    h.state = 'up';
  }

  /** setTimeScale tells every running node its new time scale. */
  setTimeScale(scale: number): void {
    for (const h of this.nodes.values()) {
      h.cfg = { ...h.cfg, timeScale: scale };
      this.send(h, { t: 'time-scale', scale });
    }
  }

  /** inspect asks a node for its inspector view (`lastN` entries: the last ones, or from index `from` on). */
  inspect(id: NodeId, lastN: number, ms = 3000, from?: number): Promise<NodeInspect> {
    const h = this.handle(id);
    const reqId = ++this.nextReq;
    return new Promise((resolve, reject) => {
      if (!this.send(h, { t: 'inspect', reqId, lastN, ...(from !== undefined ? { from } : {}) })) {
        reject(new Error(`${id} is ${h.state}; it cannot be inspected`));
        return;
      }
      const t = setTimeout(() => {
        this.inspects.delete(reqId);
        reject(
          new Error(
            `${id} did not answer the inspect request within ${ms} ms${h.state === 'paused' ? ' (it is paused)' : ''}`,
          ),
        );
      }, ms);
      this.inspects.set(reqId, (i) => {
        clearTimeout(t);
        resolve(i);
      });
    });
  }

  /** attachRemote makes `control` the remote node's live session (replacing none: the caller refuses a second one). */
  attachRemote(id: NodeId, control: RemoteControl, host: string): void {
    const r = this.handle(id).remote;
    if (!r) throw new Error(`${id} is not a remote slot`);
    r.control = control;
    r.host = host;
  }

  /** detachRemote ends a remote node's session: until one attaches again, the node is down. */
  detachRemote(id: NodeId, control: RemoteControl, why: string): void {
    const h = this.handle(id);
    if (!h.remote || h.remote.control !== control) return;
    h.remote.control = null;
    if (h.state === 'down') return;
    this.events.onEvent(h, 'node-disconnected', { host: h.remote.host, reason: why });
    this.remoteGone(h, null, 'disconnected', h.expectingExit);
  }

  /** remoteMessage takes one validated report from a remote node's agent. */
  remoteMessage(id: NodeId, control: RemoteControl, m: AgentToLab): void {
    const h = this.handle(id);
    if (!h.remote || h.remote.control !== control) return;
    switch (m.t) {
      case 'ping':
        return;
      case 'ready':
        h.pid = m.pid;
        h.clientPort = h.remote.proxyPort;
        h.state = m.paused ? 'paused' : 'up';
        this.becameReady(h);
        return;
      case 'exit':
        this.remoteGone(h, m.code, m.signal, m.expected || h.expectingExit, m.fatal ?? null);
        return;
      case 'status':
      case 'event':
      case 'inspect-reply':
        // The same reports a local node sends over IPC, already validated.
        this.onReport(h, m);
        return;
      default:
        assertNever(m, 'remote report');
    }
  }

  private remoteGone(
    h: NodeHandle,
    code: number | null,
    signal: string | null,
    expected: boolean,
    fatal: NodeFatal | null = null,
  ): void {
    const r = h.remote!;
    const wasDown = h.state === 'down';
    h.state = 'down';
    h.pid = null;
    h.clientPort = null;
    const ws = this.readyWaiters.get(h.id) ?? [];
    this.readyWaiters.delete(h.id);
    for (const w of ws) w(new Error(`${h.id} exited (${signal ?? `code ${code}`}) before it was ready`));
    for (const w of r.exitWaiters.splice(0)) w();
    if (!wasDown) this.events.onExit(h, code, signal, expected, fatal);
  }

  /**
   * control sends a node a membership or transfer order and resolves with its answer; a
   * node that is not running, or does not answer within ms, rejects.
   */
  control(id: NodeId, order: ControlOrder, ms = 3000): Promise<ControlReply> {
    const h = this.handle(id);
    const reqId = ++this.nextReq;
    return new Promise((resolve, reject) => {
      if (!this.send(h, { ...order, reqId })) {
        reject(new Error(`${id} is ${h.state}; it cannot take orders`));
        return;
      }
      const t = setTimeout(() => {
        this.controls.delete(reqId);
        reject(new Error(`${id} did not answer within ${ms} ms${h.state === 'paused' ? ' (it is paused)' : ''}`));
      }, ms);
      this.controls.set(reqId, (r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
  }

  /** stopAll ends every node: a polite shutdown first, SIGKILL after graceMs. */
  async stopAll(graceMs = 500): Promise<void> {
    await Promise.all([...this.nodes.values()].map((h) => this.stopOne(h, graceMs)));
  }

  private stopOne(h: NodeHandle, graceMs: number): Promise<void> {
    const p = h.proc;
    if (!p) return Promise.resolve();
    h.expectingExit = true;
    const exited = this.waitExit(h.id);
    if (h.state === 'paused') p.kill('SIGCONT');
    if (!this.send(h, { t: 'shutdown' })) p.kill('SIGKILL');
    const t = setTimeout(() => p.kill('SIGKILL'), graceMs);
    p.once('exit', () => clearTimeout(t));
    return exited;
  }
}
