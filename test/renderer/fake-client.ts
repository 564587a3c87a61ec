/**
 * FakeLabClient is a test double of the LabClient: an in-memory cluster that answers like
 * the lab (ClusterView after every change, 4xx-style errors as LabError) and records
 * every call, so store tests can assert what a user would see and what was asked.
 */
import type {
  ClusterSettings,
  ClusterView,
  KvRequest,
  KvResponse,
  LabEvent,
  LinkRule,
  LoadRequest,
  LoadSummary,
  RunLogRecord,
  SavedRun,
} from '../../src-main/api/contract';
import { clusterLeader } from '../../src-main/api/leader';
import type { NodeInspect } from '../../src-main/node/contract';
import type { LockInfo } from '../../src-main/core/kv/types';
import type { MenuAction } from '../../src-main/electron/ipc-commands';
import { LabError, type Connection, type LabClient } from '../../src-renderer/src/api/lab-client';

/** Call is one recorded call: method name and arguments. */
export interface Call {
  method: string;
  args: unknown[];
}

/** FakeLabClient holds a small cluster and a key-value map. */
export class FakeLabClient implements LabClient {
  readonly transport = 'http' as const;
  calls: Call[] = [];
  view: ClusterView;
  kvData = new Map<string, string>();
  backlog: RunLogRecord[] = [];
  savedRuns = new Map<string, SavedRun>();
  /** failNext: the next call throws this LabError message. */
  failNext: string | null = null;
  /** kvOutcome: force an outcome for kv calls (e.g. 'unknown'). */
  kvOutcome: KvResponse['outcome'] | null = null;
  /** locksHeld: what inspect reports as held locks (on any node). */
  locksHeld: LockInfo[] = [];
  private events = new Set<(e: LabEvent) => void>();
  private conns = new Set<(c: Connection) => void>();
  private menus = new Set<(m: MenuAction) => void>();

  constructor(nodes = 3) {
    const ids = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
    this.view = {
      protocol: 'raft',
      settings: { nodes, protocol: 'raft', heartbeatMs: 50, electionMs: 300, seed: 1 },
      nodes: ids.map((id, i) => ({
        id,
        status: 'up',
        role: i === 0 ? 'leader' : 'follower',
        term: 1,
        commitIndex: 1,
        lastApplied: 1,
        lastIndex: 1,
        leader: 'n1',
        vote: 'n1',
        pid: 1000 + i,
        damaged: false,
        served: 0,
        inflight: 0,
        weight: 1,
      })),
      links: [],
      groups: [ids],
      balance: { algorithm: 'leader-only', weights: {} },
      timeScale: 1,
      runStartedAt: 1,
      leader: 'n1',
    };
  }

  /** serve adds to the served counters (as the gateway does per request) and sends the new view as a 'cluster' event. */
  serve(counts: Record<string, number>): void {
    for (const [id, k] of Object.entries(counts)) this.node(id).served += k;
    this.emit({ type: 'cluster', cluster: this.snapshot() });
  }

  /** emit sends a live event to subscribers, as the WebSocket would. */
  emit(e: LabEvent): void {
    // Like the lab, every view sent names its leader (tests hand-build views with changed roles).
    if (e.type === 'cluster') e.cluster.leader = clusterLeader(e.cluster);
    for (const cb of this.events) cb(e);
  }
  menu(m: MenuAction): void {
    for (const cb of this.menus) cb(m);
  }

  onEvent(cb: (e: LabEvent) => void): () => void {
    this.events.add(cb);
    for (const c of this.conns) c('open');
    return () => this.events.delete(cb);
  }
  onConnection(cb: (c: Connection) => void): () => void {
    this.conns.add(cb);
    return () => this.conns.delete(cb);
  }
  onMenu(cb: (m: MenuAction) => void): () => void {
    this.menus.add(cb);
    return () => this.menus.delete(cb);
  }

  private async call<T>(method: string, args: unknown[], fn: () => T): Promise<T> {
    this.calls.push({ method, args });
    await Promise.resolve();
    if (this.failNext !== null) {
      const m = this.failNext;
      this.failNext = null;
      throw new LabError(m, 409);
    }
    return fn();
  }

  private snapshot(): ClusterView {
    return { ...structuredClone(this.view), leader: clusterLeader(this.view) };
  }

  private node(id: string) {
    const n = this.view.nodes.find((x) => x.id === id);
    if (!n) throw new LabError(`no node ${id}`, 404);
    return n;
  }

  cluster() {
    return this.call('cluster', [], () => this.snapshot());
  }
  createCluster(s: Partial<ClusterSettings>) {
    return this.call('createCluster', [s], () => {
      const fresh = new FakeLabClient(s.nodes ?? 3);
      this.view = { ...fresh.view, runStartedAt: this.view.runStartedAt + 1 };
      return this.snapshot();
    });
  }
  crash(id: string) {
    return this.call('crash', [id], () => {
      const n = this.node(id);
      if (n.status === 'down') throw new LabError(`${id} is already down`, 409);
      Object.assign(n, { status: 'down', role: null, pid: null });
      return this.snapshot();
    });
  }
  restart(id: string) {
    return this.call('restart', [id], () => {
      Object.assign(this.node(id), { status: 'up', role: 'follower' });
      return this.snapshot();
    });
  }
  pause(id: string) {
    return this.call('pause', [id], () => {
      this.node(id).status = 'paused';
      return this.snapshot();
    });
  }
  resume(id: string) {
    return this.call('resume', [id], () => {
      this.node(id).status = 'up';
      return this.snapshot();
    });
  }
  inspect(id: string): Promise<NodeInspect> {
    return this.call('inspect', [id], () => {
      const n = this.node(id);
      return {
        status: {
          id,
          role: n.role ?? 'follower',
          term: n.term,
          vote: n.vote,
          leader: n.leader,
          commitIndex: n.commitIndex,
          lastIndex: n.lastIndex,
          lastTerm: n.term,
          firstIndex: 1,
          conf: { voters: this.view.nodes.map((x) => x.id), learners: [], votersOutgoing: [] },
          progress: null,
        },
        lastApplied: n.lastApplied,
        entries: [{ index: 1, term: 1, type: 'noop', data: '' }],
        dataFile: `/data/${id}.sqlite`,
        dataFileBytes: 4096,
        damaged: false,
        keys: this.kvData.size,
        locks: structuredClone(this.locksHeld),
      };
    });
  }
  partition(groups: string[][]) {
    return this.call('partition', [groups], () => {
      this.view.groups = groups.map((g) => [...g]);
      return this.snapshot();
    });
  }
  heal() {
    return this.call('heal', [], () => {
      this.view.groups = [this.view.nodes.map((n) => n.id)];
      this.view.links = [];
      return this.snapshot();
    });
  }
  setLink(rule: Partial<LinkRule> & { from: string; to: string; both?: boolean }) {
    return this.call('setLink', [rule], () => {
      const { both, ...r } = rule;
      const dirs = both
        ? [
            [r.from, r.to],
            [r.to, r.from],
          ]
        : [[r.from, r.to]];
      for (const [from, to] of dirs) {
        const cur = this.view.links.find((l) => l.from === from && l.to === to);
        const next: LinkRule = {
          from: from!,
          to: to!,
          latencyMs: r.latencyMs ?? cur?.latencyMs ?? 0,
          jitterMs: r.jitterMs ?? cur?.jitterMs ?? 0,
          loss: r.loss ?? cur?.loss ?? 0,
          duplicate: r.duplicate ?? cur?.duplicate ?? 0,
          blocked: r.blocked ?? cur?.blocked ?? false,
        };
        this.view.links = this.view.links.filter((l) => !(l.from === from && l.to === to));
        this.view.links.push(next);
      }
      return this.snapshot();
    });
  }
  setTimeScale(scale: number) {
    return this.call('setTimeScale', [scale], () => {
      this.view.timeScale = scale;
      return this.snapshot();
    });
  }
  setBalance(algorithm: ClusterView['balance']['algorithm'], weights?: Record<string, number>) {
    return this.call('setBalance', [algorithm, weights], () => {
      // Like the gateway: new weights are kept, and the served counts restart.
      this.view.balance = { algorithm, weights: { ...this.view.balance.weights, ...weights } };
      for (const n of this.view.nodes) {
        if (weights?.[n.id] !== undefined) n.weight = weights[n.id]!;
        n.served = 0;
      }
      return this.snapshot();
    });
  }
  kv(req: KvRequest): Promise<KvResponse> {
    return this.call('kv', [req], () => {
      const node = 'n1';
      if (this.kvOutcome) return { outcome: this.kvOutcome, value: null, node, latencyMs: 5000, error: 'timed out' };
      const prev = this.kvData.get(req.key) ?? null;
      switch (req.op) {
        case 'put':
          this.kvData.set(req.key, req.value ?? '');
          return { outcome: 'ok', value: prev, node, latencyMs: 1.25 };
        case 'get':
          return { outcome: 'ok', value: prev, node, latencyMs: 0.5 };
        case 'delete':
          this.kvData.delete(req.key);
          return { outcome: 'ok', value: prev, node, latencyMs: 1 };
        case 'cas':
          if (prev !== (req.expected ?? null))
            return { outcome: 'fail', value: prev, node, latencyMs: 1, error: 'cas-mismatch' };
          this.kvData.set(req.key, req.value ?? '');
          return { outcome: 'ok', value: prev, node, latencyMs: 1 };
      }
    });
  }
  lock() {
    return this.call('lock', [], (): KvResponse => ({
      outcome: 'ok',
      value: null,
      node: 'n1',
      latencyMs: 1,
      token: 7,
    }));
  }
  renew() {
    return this.call('renew', [], (): KvResponse => ({
      outcome: 'ok',
      value: null,
      node: 'n1',
      latencyMs: 1,
      token: 7,
    }));
  }
  unlock() {
    return this.call('unlock', [], (): KvResponse => ({
      outcome: 'fail',
      value: null,
      node: 'n1',
      latencyMs: 1,
      error: 'lock-not-held',
    }));
  }
  fencedWrite() {
    return this.call('fencedWrite', [], (): KvResponse => ({ outcome: 'ok', value: null, node: 'n1', latencyMs: 1 }));
  }
  load(req: LoadRequest): Promise<LoadSummary> {
    return this.call('load', [req], () => {
      this.emit({ type: 'load-progress', done: Math.floor(req.count / 2), total: req.count });
      return {
        count: req.count,
        ok: req.count,
        fail: 0,
        unknown: 0,
        seconds: 2,
        opsPerSec: req.count / 2,
        p50Ms: 1.5,
        p99Ms: 9.25,
      };
    });
  }
  log(since?: number) {
    return this.call('log', [since], () => this.backlog.filter((r) => r.seq > (since ?? 0)));
  }
  history() {
    return this.call('history', [], () => []);
  }
  exportRun(dir?: string) {
    return this.call('exportRun', [dir], () => {
      const d = dir ?? '/runs/r1';
      this.savedRuns.set(d, { settings: this.view.settings, log: [...this.backlog], history: [] });
      return { dir: d, files: [`${d}/run.jsonl`, `${d}/history.jsonl`, `${d}/settings.json`] };
    });
  }
  openRun(dir: string) {
    return this.call('openRun', [dir], () => {
      const r = this.savedRuns.get(dir);
      if (!r) throw new LabError(`${dir}/run.jsonl: no such file`, 400);
      return structuredClone(r);
    });
  }
}
