/**
 * FakeLabClient is a test double of the LabClient: the renderer's real TableClient (one
 * method per row of the command table) over an in-memory transport. Every call is packed
 * by the row's encoder, sent as JSON (as the HTTP transport does), checked by the row's
 * validator exactly as the lab checks it, and answered by a small in-memory cluster
 * (ClusterView after every change, 4xx-style errors as LabError). It records every call,
 * so store tests can assert what a user would see and what was asked. A command the fake
 * has no answer for is refused with a message that says so, never answered with a guess.
 */
import type { MenuAction } from '../../src-main/api/bridge';
import { decodeArgs, type ArgsOf, type CommandName, type ResultOf } from '../../src-main/api/commands';
import type {
  CheckVerdict,
  ClusterView,
  HistoryOp,
  KvResponse,
  LabEvent,
  LinkRule,
  RunLogRecord,
  SavedRun,
} from '../../src-main/api/contract';
import { arraySource, historyWindow, windowHints } from '../../src-main/api/history-window';
import type { ScenarioInfo, ScenarioState } from '../../src-main/api/scenario-api';
import type { ShardsView } from '../../src-main/api/shards';
import type { ProtocolName } from '../../src-main/api/contract';
import { explain, messageFinder, whyRecords } from '../../src-main/api/explain';
import { clusterLeader } from '../../src-main/api/leader';
import type { LockInfo } from '../../src-main/core/kv/types';
import { LabError, type Connection, type LabTransport } from '../../src-renderer/src/api/lab-client';
import { TableClient } from '../../src-renderer/src/api/table-client';

/** Call is one recorded call: the command and its checked arguments (the raw wire argument when refused). */
export interface Call {
  method: string;
  args: unknown[];
}

/** FakeLab answers commands in memory; a command without a handler is refused. */
export type FakeLab = { [K in CommandName]?: (...args: ArgsOf<K>) => ResultOf<K> };

/** MemoryTransport is the fake's wire: JSON both ways, the table's validators, recorded calls. */
class MemoryTransport implements LabTransport {
  readonly kind = 'http' as const;
  readonly calls: Call[] = [];
  failNext: string | null = null;
  lab: FakeLab = {};
  readonly events = new Set<(e: LabEvent) => void>();
  readonly conns = new Set<(c: Connection) => void>();
  readonly menus = new Set<(m: MenuAction) => void>();

  async send<K extends CommandName>(name: K, wire: unknown): Promise<unknown> {
    // JSON on the way in and out, as over HTTP: what cannot cross does not arrive.
    const sent: unknown = wire === undefined ? undefined : JSON.parse(JSON.stringify(wire));
    const args = decodeArgs(name, sent);
    this.calls.push({ method: name, args: args.ok ? args.value : [sent] });
    await Promise.resolve();
    if (this.failNext !== null) {
      const m = this.failNext;
      this.failNext = null;
      throw new LabError(m, 409);
    }
    if (!args.ok) throw new LabError(args.error, 400);
    const handler = this.lab[name];
    if (!handler) throw new LabError(`the fake lab does not answer ${name}`, 501);
    const result = handler(...args.value);
    return result === undefined ? undefined : JSON.parse(JSON.stringify(result));
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
}

/** freshView is the view of a healthy cluster of `nodes` with n1 leading. */
function freshView(nodes: number): ClusterView {
  const ids = Array.from({ length: nodes }, (_, i) => `n${i + 1}`);
  return {
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

/** fakeScenarioState is a scenario just started, as the lab answers scenarioStart. */
export function fakeScenarioState(info: ScenarioInfo, protocol: ProtocolName): ScenarioState {
  return {
    ...info,
    protocol,
    seed: 1,
    contrastLabel: null,
    unsafe: '',
    status: 'starting',
    current: -1,
    heldAfter: null,
    stepStates: Array.from({ length: info.steps }, (_, i) => ({
      index: i,
      kind: 'say',
      say: `step ${i + 1}`,
      look: null,
      status: 'pending' as const,
      did: null,
      checks: [],
      lines: [],
      user: false,
    })),
    passed: 0,
    failed: 0,
    error: null,
  };
}

/** FakeLabClient holds a small cluster and a key-value map. */
export class FakeLabClient extends TableClient {
  view: ClusterView;
  kvData = new Map<string, string>();
  backlog: RunLogRecord[] = [];
  savedRuns = new Map<string, SavedRun>();
  /** kvOutcome: force an outcome for kv calls (e.g. 'unknown'). */
  kvOutcome: KvResponse['outcome'] | null = null;
  /** locksHeld: what inspect reports as held locks (on any node). */
  locksHeld: LockInfo[] = [];
  /** verdict: what GET /api/check answers. */
  verdict: CheckVerdict = { linearizable: true, ops: 12, keys: 2, lagOps: 0, violation: null, reason: null };
  /** historyEvents: the client history GET /api/history windows (as the lab's recorder does). */
  historyEvents: HistoryOp[] = [];
  /** scenarioList / scenarioNow: what the scenario commands answer. */
  scenarioList: ScenarioInfo[] = [];
  scenarioNow: ScenarioState | null = null;
  private readonly wire: MemoryTransport;

  constructor(nodes = 3) {
    const wire = new MemoryTransport();
    super(wire);
    this.wire = wire;
    this.view = freshView(nodes);
    wire.lab = { ...this.clusterAnswers(), ...this.clientAnswers(), ...this.shardAnswers() };
  }

  /** calls: every call so far, oldest first. */
  get calls(): Call[] {
    return this.wire.calls;
  }
  /** failNext: the next call throws this LabError message. */
  get failNext(): string | null {
    return this.wire.failNext;
  }
  set failNext(m: string | null) {
    this.wire.failNext = m;
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
    for (const cb of this.wire.events) cb(e);
  }
  /** menu sends an app-menu action, as the desktop shell would. */
  menu(m: MenuAction): void {
    for (const cb of this.wire.menus) cb(m);
  }

  private snapshot(): ClusterView {
    return { ...structuredClone(this.view), leader: clusterLeader(this.view) };
  }

  /** configOf is the view's configuration (every node a voter when the view carries none). */
  private configOf(): NonNullable<ClusterView['config']> {
    return (
      this.view.config ?? {
        voters: this.view.nodes.map((n) => n.id),
        learners: [],
        pending: null,
        method: 'single-server',
      }
    );
  }

  private node(id: string) {
    const n = this.view.nodes.find((x) => x.id === id);
    if (!n) throw new LabError(`no node ${id}`, 404);
    return n;
  }

  /** clusterAnswers: the commands that change or read the cluster's shape. */
  private clusterAnswers(): FakeLab {
    const changed = (f: () => void): ClusterView => {
      f();
      return this.snapshot();
    };
    return {
      cluster: () => this.snapshot(),
      createCluster: (s) =>
        changed(
          () =>
            (this.view = {
              ...freshView(s.nodes ?? 3),
              runStartedAt: this.view.runStartedAt + 1,
              ...(s.unsafe ? { unsafe: s.unsafe } : {}),
            }),
        ),
      crash: (id) =>
        changed(() => {
          const n = this.node(id);
          if (n.status === 'down') throw new LabError(`${id} is already down`, 409);
          Object.assign(n, { status: 'down', role: null, pid: null });
        }),
      restart: (id) => changed(() => Object.assign(this.node(id), { status: 'up', role: 'follower' })),
      damage: (id, kind) => {
        const n = this.node(id);
        if (n.status !== 'down') throw new LabError(`${id} is ${n.status}; crash it first`, 409);
        n.damaged = true;
        return { node: id, kind, what: kind === 'file' ? 'made the file unreadable' : `garbled the ${kind}` };
      },
      pause: (id) => changed(() => (this.node(id).status = 'paused')),
      resume: (id) => changed(() => (this.node(id).status = 'up')),
      inspect: (id) => this.inspectNode(id),
      addNode: (req) => {
        // Like the lab: the next free id, as a learner; the lab promotes it later.
        const id = req.id ?? `n${this.view.nodes.length + 1}`;
        if (this.view.nodes.some((n) => n.id === id))
          throw new LabError(`${id} is already a node of this cluster`, 409);
        const lead = this.view.nodes.find((n) => n.role === 'leader');
        this.view.nodes.push({
          ...structuredClone(this.view.nodes[0]!),
          id,
          role: 'learner',
          pid: 2000,
          leader: lead?.id ?? null,
        });
        this.view.groups[this.view.groups.length - 1]!.push(id);
        const c = this.configOf();
        this.view.config = { ...c, learners: [...c.learners, id] };
        return { id };
      },
      removeNode: (id) =>
        changed(() => {
          this.node(id);
          this.view.nodes = this.view.nodes.filter((n) => n.id !== id);
          this.view.groups = this.view.groups.map((g) => g.filter((x) => x !== id)).filter((g) => g.length > 0);
          const c = this.configOf();
          this.view.config = {
            ...c,
            voters: c.voters.filter((x) => x !== id),
            learners: c.learners.filter((x) => x !== id),
          };
        }),
      transfer: (to) =>
        changed(() => {
          if (this.node(to).role === 'leader') throw new LabError(`${to} already leads`, 409);
          for (const n of this.view.nodes) {
            n.role = n.id === to ? 'leader' : n.role === 'leader' ? 'follower' : n.role;
            n.leader = to;
          }
        }),
      why: (id, entry) => this.answerWhy(id, entry),
      partition: (groups) => changed(() => (this.view.groups = groups.map((g) => [...g]))),
      heal: () =>
        changed(() => {
          this.view.groups = [this.view.nodes.map((n) => n.id)];
          this.view.links = [];
        }),
      setLink: (rule) => changed(() => this.applyLink(rule)),
      // Like the lab for the shapes a fake can show: isolate cuts one node off, halves splits in two.
      partitionPreset: (req) =>
        changed(() => {
          const ids = this.view.nodes.map((n) => n.id);
          if (req.preset === 'isolate' && req.node) this.view.groups = [[req.node], ids.filter((x) => x !== req.node)];
          else if (req.preset === 'halves')
            this.view.groups = [ids.slice(0, ids.length >> 1), ids.slice(ids.length >> 1)];
          else throw new LabError(`the fake lab has no ${req.preset} preset`, 409);
        }),
      setTimeScale: (scale) => changed(() => (this.view.timeScale = scale)),
      setPauseOn: (on) => changed(() => (this.view.pauseOn = { ...on })),
      continueRun: () =>
        changed(() => {
          if (!this.view.frozen) throw new LabError('the cluster is not frozen: nothing to continue', 409);
          this.view.frozen = null;
        }),
      setBalance: (algorithm, weights) =>
        changed(() => {
          // Like the gateway: new weights are kept, and the served counts restart.
          this.view.balance = { algorithm, weights: { ...this.view.balance.weights, ...weights } };
          for (const n of this.view.nodes) {
            if (weights?.[n.id] !== undefined) n.weight = weights[n.id]!;
            n.served = 0;
          }
        }),
    };
  }

  /** clientAnswers: client requests, load, the run log and saved runs. */
  /** shardMap: what GET /api/shards answers (two groups, four shards); move, join and leave change it like the controller. */
  shardMap: ShardsView = {
    config: 1,
    scheme: { kind: 'range', shards: 4 },
    controller: ['n1', 'n2', 'n3'],
    shards: [
      { shard: 0, group: 'g1' },
      { shard: 1, group: 'g1' },
      { shard: 2, group: 'g2' },
      { shard: 3, group: 'g2' },
    ],
    groups: [
      { id: 'g1', nodes: ['n4', 'n5', 'n6'], joined: true, leader: 'n4', config: 1 },
      { id: 'g2', nodes: ['n7', 'n8', 'n9'], joined: true, leader: 'n7', config: 1 },
    ],
  };

  /** shardAnswers: the sharding commands over shardMap. */
  private shardAnswers(): FakeLab {
    const m = this.shardMap;
    const known = (g: string) => {
      const x = m.groups.find((y) => y.id === g);
      if (!x) throw new LabError(`no group ${g}: this cluster runs g1, g2`, 404);
      return x;
    };
    const next = (): ShardsView => {
      m.config++;
      return structuredClone(m);
    };
    return {
      shards: () => structuredClone(m),
      moveShard: ({ shard, group }) => {
        known(group);
        const s = m.shards[shard];
        if (!s) throw new LabError(`shard must be 0..${m.shards.length - 1}, got ${shard}`, 400);
        s.group = group;
        return next();
      },
      joinGroup: (g) => {
        known(g).joined = true;
        return next();
      },
      leaveGroup: (g) => {
        known(g).joined = false;
        for (const s of m.shards) if (s.group === g) s.group = m.groups.find((x) => x.joined)?.id ?? '';
        return next();
      },
    };
  }

  private clientAnswers(): FakeLab {
    const lockAnswer = (): KvResponse => ({ outcome: 'ok', value: null, node: 'n1', latencyMs: 1, token: 7 });
    return {
      kv: (req) => this.answerKv(req),
      lock: lockAnswer,
      renew: lockAnswer,
      unlock: () => ({ outcome: 'fail', value: null, node: 'n1', latencyMs: 1, error: 'lock-not-held' }),
      fencedWrite: () => ({ outcome: 'ok', value: null, node: 'n1', latencyMs: 1 }),
      load: (req) => {
        this.emit({ type: 'load-progress', done: Math.floor(req.count / 2), total: req.count });
        const [count, seconds] = [req.count, 2];
        return { count, ok: count, fail: 0, unknown: 0, seconds, opsPerSec: count / seconds, p50Ms: 1.5, p99Ms: 9.25 };
      },
      log: (since = 0, limit) => this.backlog.filter((r) => r.seq > since).slice(0, limit ?? Infinity),
      history: (q) =>
        q === undefined
          ? structuredClone(this.historyEvents)
          : historyWindow(arraySource(this.historyEvents), q, windowHints(arraySource(this.historyEvents))),
      check: () => structuredClone(this.verdict),
      // Like the lab: the body of a message sent in this run (a send record in the log), else 404.
      message: (id) => {
        const send = this.backlog.find((r) => r.kind === 'send' && r.id === id);
        if (!send) throw new LabError(`message ${id}: the lab kept no body under this id in this run`, 404);
        return { id, bytes: 64, message: { type: send.type, from: send.from, to: send.to, term: send.term } };
      },
      version: () => ({ lab: '0.1.0-fake', node: '20.0.0', electron: null, protocols: ['raft', 'paxos'] }),
      scenarios: () => this.scenarioList,
      scenario: () => this.scenarioNow,
      scenarioStart: (req) => {
        const info = this.scenarioList.find((x) => x.name === req.name);
        if (!info) throw new LabError(`no bundled scenario '${req.name}'`, 404);
        this.scenarioNow = fakeScenarioState(info, req.protocol ?? info.protocols[0]!);
        return this.scenarioNow;
      },
      scenarioControl: (action) => {
        if (this.scenarioNow && action === 'stop') this.scenarioNow = { ...this.scenarioNow, status: 'stopped' };
        return this.scenarioNow;
      },
      // Like the lab: runs are saved by name in its data folder (/runs here), never overwritten.
      exportRun: (name) => {
        const n = name ?? `run-${this.savedRuns.size + 1}`;
        if (this.savedRuns.has(n)) throw new LabError(`a saved run named ${n} already exists`, 409);
        this.savedRuns.set(n, { settings: this.view.settings, log: [...this.backlog], history: [] });
        const d = `/runs/${n}`;
        return { dir: d, files: [`${d}/run.jsonl`, `${d}/history.jsonl`, `${d}/settings.json`] };
      },
      openRun: (name) => {
        if (name === undefined) throw new LabError('name is required', 400);
        const r = this.savedRuns.get(name);
        if (!r) throw new LabError(`no saved run named ${name}`, 404);
        return structuredClone(r);
      },
    };
  }

  private inspectNode(id: string): ResultOf<'inspect'> {
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
  }

  /** answerWhy runs the real explainer over the fake's view, its nodes' inspect answers and its backlog. */
  private answerWhy(id: string, entry?: number): ResultOf<'why'> {
    this.node(id);
    const facts = this.view.nodes.map((n) => {
      const ins = this.inspectNode(n.id);
      const entries = entry === undefined ? null : ins.entries.filter((e) => e.index >= entry);
      return { id: n.id, run: n.status, status: ins.status, fresh: n.status === 'up', entries };
    });
    const input = { view: this.view, facts, log: whyRecords(this.backlog), findMessage: messageFinder(this.backlog) };
    const r = explain(input, id, entry);
    if (!r.ok) throw new LabError(r.error, r.status);
    return r.answer;
  }

  private applyLink(rule: ArgsOf<'setLink'>[0]): void {
    const { both, ...r } = rule;
    const dirs = both ? [[r.from, r.to] as const, [r.to, r.from] as const] : [[r.from, r.to] as const];
    for (const [from, to] of dirs) {
      const cur = this.view.links.find((l) => l.from === from && l.to === to);
      const next: LinkRule = {
        from,
        to,
        latencyMs: r.latencyMs ?? cur?.latencyMs ?? 0,
        jitterMs: r.jitterMs ?? cur?.jitterMs ?? 0,
        loss: r.loss ?? cur?.loss ?? 0,
        duplicate: r.duplicate ?? cur?.duplicate ?? 0,
        blocked: r.blocked ?? cur?.blocked ?? false,
        bandwidth: r.bandwidth ?? cur?.bandwidth ?? 0,
      };
      this.view.links = this.view.links.filter((l) => !(l.from === from && l.to === to));
      this.view.links.push(next);
    }
  }

  private answerKv(req: ArgsOf<'kv'>[0]): KvResponse {
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
  }
}
