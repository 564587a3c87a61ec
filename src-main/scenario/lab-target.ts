/**
 * LabTarget runs a scenario on real processes through the LabApi — the same calls the app,
 * the console and HTTP clients make — so a scenario proves what a user would see. Time is
 * wall-clock ms since the run began. The node-state samples and the traced messages come
 * from the lab's own run log (the 'log' events: role, term, commit, crash, deliver, …);
 * the invariants it checks from them are the ones a run log can show (one leader per
 * term; a running node's commit index never moving back).
 *
 * Unsafe modes are asked of the lab when the cluster is created and must come back in
 * GET /api/cluster's `unsafe`; a lab that does not echo them does not have them, and the
 * target refuses to pretend (TargetError), so a contrast never runs safe under an unsafe
 * label.
 */
import type { ClusterView, HistoryOp, LabEvent, RunLogRecord } from '../api/contract';
import type { LabApi } from '../api/commands';
import type { ShardSettings, ShardsView } from '../api/shards';
import type { BalanceAlgorithm } from '../core/balance/types';
import type { DamageKind } from '../core/recovery/damage';
import type { KvOp } from '../core/kv/types';
import type { ProtocolName } from '../core/protocols';
import type { NodeId, Role } from '../core/types';
import {
  TargetError,
  type LinkChange,
  type LoadResult,
  type LoadRun,
  type Outcome,
  type PendingRequest,
  type Sample,
  type ShardChange,
  type ScenarioTarget,
  type TargetInfo,
  type TargetView,
  type Traced,
  type WaitOptions,
} from './target';
import { parseUnsafe } from '../core/unsafe';
import { isSafeValue, type UnsafeModes, type UnsafeName } from './unsafe';

/** ScenarioLab is what the target needs of a lab: the LabApi and its event stream. */
export type ScenarioLab = LabApi & { on(listener: (e: LabEvent) => void): () => void };

/** LabSetup is the cluster a scenario asks for. */
export interface LabSetup {
  nodes: number;
  protocol: ProtocolName;
  heartbeatMs?: number;
  electionMs?: number;
  seed: number;
  unsafe?: UnsafeModes;
  /** shards: a sharded cluster (a controller and replica groups of `nodes` each). */
  shards?: ShardSettings;
}

/** POLL_MS is how often a wait looks at the cluster. */
const POLL_MS = 25;
/** MAX_SAMPLES / MAX_TRACED bound what the target keeps of a long run. */
const MAX_SAMPLES = 200_000;
const MAX_TRACED = 200_000;

/** requestedUnsafe keeps the modes that are not the safe default. */
function requestedUnsafe(u: UnsafeModes): UnsafeModes {
  return Object.fromEntries(
    (Object.entries(u) as [UnsafeName, string | boolean][]).filter(([k, v]) => !isSafeValue(k, v)),
  );
}

/** LabTarget is a ScenarioTarget over a LabApi (see the file comment). */
export class LabTarget implements ScenarioTarget {
  readonly info: TargetInfo;
  private readonly sampleLog: Sample[] = [];
  private readonly traced: Traced[] = [];
  private readonly state = new Map<NodeId, Sample>();
  private readonly problems: string[] = [];
  private readonly leaderOf = new Map<string, NodeId>();
  private readonly off: () => void;
  private readonly startedAt: number;
  /** groupOf: in a sharded cluster, each node's group ('ctl' for the controller's): terms are per group. */
  private readonly groupOf = new Map<NodeId, string>();
  private readonly sharded: boolean;
  /**
   * sleepers: the pending sleeps' wake-ups. One abort listener wakes them all: a listener
   * per sleep would pile up on the run's signal when many wait at once (the durable
   * check's 16 readers), which Node reports as a MaxListenersExceededWarning.
   */
  private readonly sleepers = new Set<() => void>();
  private readonly wakeAll = (): void => {
    for (const wake of [...this.sleepers]) wake();
  };

  private constructor(
    private readonly lab: ScenarioLab,
    view: ClusterView,
    seed: number,
    private readonly signal?: AbortSignal,
    shards?: ShardsView,
  ) {
    this.sharded = shards !== undefined;
    for (const id of shards?.controller ?? []) this.groupOf.set(id, 'ctl');
    for (const g of shards?.groups ?? []) for (const id of g.nodes) this.groupOf.set(id, g.id);
    this.info = { kind: 'lab', ids: view.nodes.map((n) => n.id), protocol: view.protocol, seed };
    this.startedAt = view.runStartedAt;
    for (const n of view.nodes) {
      this.state.set(n.id, { t: 0, node: n.id, status: n.status, role: n.role, term: n.term, commit: n.commitIndex });
    }
    this.off = lab.on((e) => {
      if (e.type === 'log') this.record(e.record);
    });
    signal?.addEventListener('abort', this.wakeAll, { once: true });
  }

  /** create makes a fresh cluster for the scenario and a target over it; throws TargetError for unsafe modes the lab lacks. */
  static async create(lab: ScenarioLab, s: LabSetup, signal?: AbortSignal): Promise<LabTarget> {
    const unsafe = requestedUnsafe(s.unsafe ?? {});
    // The lab's own check of the modes (core/unsafe.ts): a complete object, omitted fields safe.
    const full = parseUnsafe(unsafe);
    if (!full.ok) throw new TargetError(full.error);
    const settings = {
      nodes: s.nodes,
      protocol: s.protocol,
      seed: s.seed,
      ...(s.heartbeatMs !== undefined ? { heartbeatMs: s.heartbeatMs } : {}),
      ...(s.electionMs !== undefined ? { electionMs: s.electionMs } : {}),
      ...(Object.keys(unsafe).length > 0 ? { unsafe: full.value } : {}),
      ...(s.shards ? { shards: s.shards } : {}),
    };
    const view = await lab.createCluster(settings);
    const echoed: Record<string, unknown> = { ...view.unsafe };
    const missing = Object.entries(unsafe).filter(([k, v]) => echoed[k] !== v);
    if (missing.length > 0) {
      throw new TargetError(
        `this lab does not have the unsafe mode ${missing.map(([k, v]) => `${k}: ${String(v)}`).join(', ')} yet`,
      );
    }
    const shards = s.shards ? await lab.shards() : undefined;
    return new LabTarget(lab, view, s.seed, signal, shards);
  }

  // ---- the run log as samples, invariants and traced messages ----------------------

  private record(r: RunLogRecord): void {
    const t = r.t / 1e6;
    if (r.kind === 'deliver' || r.kind === 'send') {
      if (this.traced.length < MAX_TRACED) this.traced.push(traced(r, t));
      return;
    }
    const id = typeof r.node === 'string' ? r.node : null;
    const cur = id ? this.state.get(id) : undefined;
    if (!id || !cur) return;
    const next: Sample = { ...cur, t };
    switch (r.kind) {
      case 'role':
        next.role = (r.role as Role | null) ?? null;
        next.term = typeof r.term === 'number' ? r.term : next.term;
        break;
      case 'term':
        next.term = typeof r.term === 'number' ? r.term : next.term;
        break;
      case 'commit':
        if (typeof r.commitIndex === 'number') {
          if (r.commitIndex < cur.commit && cur.status === 'up' && cur.role !== null)
            this.problem(`${id}'s commit index went back from ${cur.commit} to ${r.commitIndex} while it ran`);
          next.commit = r.commitIndex;
        }
        break;
      case 'crash':
        next.status = 'down';
        next.role = null;
        break;
      case 'restart':
        next.status = 'up';
        // A restarted node reports its state afresh; its commit index may start lower.
        next.commit = 0;
        break;
      case 'pause':
        next.status = 'paused';
        break;
      case 'resume':
        next.status = 'up';
        break;
      default:
        return;
    }
    if (next.role === 'leader' && next.status !== 'down') {
      // Each replica group of a sharded cluster elects on its own: a term belongs to a group.
      const group = this.groupOf.get(id);
      const key = group === undefined ? `${next.term}` : `${group}/${next.term}`;
      const other = this.leaderOf.get(key);
      const where = group === undefined ? '' : ` of ${group === 'ctl' ? 'the controller' : group}`;
      if (other !== undefined && other !== id)
        this.problem(`two leaders in term ${next.term}${where}: ${other} and ${id}`);
      this.leaderOf.set(key, id);
    }
    this.state.set(id, next);
    if (this.sampleLog.length < MAX_SAMPLES) this.sampleLog.push(next);
  }

  private problem(p: string): void {
    if (this.problems.length < 20) this.problems.push(`election-safety: ${p}`);
  }

  // ---- time and views ----------------------------------------------------------------

  now(): number {
    return Date.now() - this.startedAt;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.signal?.aborted) return resolve();
      const done = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.sleepers.add(done);
    });
  }

  async view(): Promise<TargetView> {
    const v = toTargetView(await this.call(() => this.lab.cluster()));
    if (this.sharded) v.shards = await this.call(() => this.lab.shards());
    return v;
  }

  async waitUntil(pred: (v: TargetView) => boolean, timeoutMs: number, opts?: WaitOptions): Promise<TargetView | null> {
    const end = this.now() + timeoutMs;
    for (;;) {
      const v = await this.view();
      if (pred(v) && (!opts?.commits || (await this.commitsCurrent(v)))) return v;
      if (this.now() >= end || this.signal?.aborted) return null;
      await this.sleep(Math.min(POLL_MS, end - this.now()));
    }
  }

  /**
   * commitsCurrent asks every running node for its state (inspect answers from the node
   * itself, not from its last status report) and tells whether the view shows each one's
   * commit index as it is now. A node that cannot answer (it just went down) makes it false.
   */
  private async commitsCurrent(v: TargetView): Promise<boolean> {
    const up = v.nodes.filter((n) => n.status === 'up');
    try {
      const now = await Promise.all(up.map((n) => this.lab.inspect(n.id)));
      return up.every((n, i) => now[i]!.status.commitIndex === n.commitIndex);
    } catch {
      return false;
    }
  }

  /** call runs a lab call, turning its refusal (a LabError) into a TargetError with the same words. */
  private async call<T>(f: () => Promise<T>): Promise<T> {
    try {
      return await f();
    } catch (e) {
      throw new TargetError((e as Error).message);
    }
  }

  // ---- faults --------------------------------------------------------------------------

  async crash(id: NodeId): Promise<void> {
    await this.call(() => this.lab.crash(id));
  }

  async restart(id: NodeId): Promise<void> {
    await this.call(() => this.lab.restart(id));
  }

  async pause(id: NodeId): Promise<void> {
    await this.call(() => this.lab.pause(id));
  }

  async resume(id: NodeId): Promise<void> {
    await this.call(() => this.lab.resume(id));
  }

  async damage(id: NodeId, kind: DamageKind | undefined): Promise<void> {
    await this.call(() => this.lab.damage(id, kind ?? 'file'));
  }

  async partition(groups: NodeId[][]): Promise<void> {
    await this.call(() => this.lab.partition(groups));
  }

  async link(ch: LinkChange): Promise<void> {
    await this.call(() => this.lab.setLink(ch));
  }

  async clear(nodes: boolean): Promise<void> {
    const v = await this.call(() => this.lab.heal());
    if (!nodes) return;
    for (const n of v.nodes) {
      if (n.status === 'down') await this.restart(n.id);
      else if (n.status === 'paused') await this.resume(n.id);
    }
  }

  async balance(algorithm: BalanceAlgorithm, weights?: Record<NodeId, number>): Promise<void> {
    await this.call(() => this.lab.setBalance(algorithm, weights));
  }

  // ---- clients ---------------------------------------------------------------------------

  submit(op: KvOp, o: { node?: NodeId; timeoutMs: number }): PendingRequest {
    const p: PendingRequest = { op, startedAt: this.now(), result: null };
    const t0 = performance.now();
    this.send(op, o)
      .then((r) => {
        p.result = { ...r, latencyMs: r.latencyMs || performance.now() - t0 };
      })
      .catch((e: Error) => {
        p.result = { outcome: 'fail', value: null, node: null, error: e.message, latencyMs: performance.now() - t0 };
      });
    return p;
  }

  private async send(op: KvOp, o: { node?: NodeId; timeoutMs: number }): Promise<Outcome> {
    const pin = o.node ? { node: o.node } : {};
    const t = { timeoutMs: o.timeoutMs };
    switch (op.op) {
      case 'put':
      case 'get':
      case 'delete':
        return outcome(
          await this.lab.kv({ op: op.op, key: op.key, ...('value' in op ? { value: op.value } : {}), ...t, ...pin }),
        );
      case 'cas':
        return outcome(
          await this.lab.kv({ op: 'cas', key: op.key, expected: op.expected, value: op.value, ...t, ...pin }),
        );
      case 'lock':
        return outcome(await this.lab.lock({ name: op.name, owner: op.owner, ttlMs: op.ttlMs, ...t }));
      case 'renew':
        return outcome(
          await this.lab.renew({ name: op.name, owner: op.owner, token: op.token, ttlMs: op.ttlMs, ...t }),
        );
      case 'unlock':
        return outcome(await this.lab.unlock({ name: op.name, token: op.token, ...t }));
      case 'fencedPut':
        return outcome(await this.lab.fencedWrite({ key: op.key, value: op.value, token: op.token, ...t }));
    }
  }

  async settle(reqs: PendingRequest[], timeoutMs: number): Promise<void> {
    const end = this.now() + timeoutMs;
    while (reqs.some((r) => r.result === null) && this.now() < end && !this.signal?.aborted) await this.sleep(5);
  }

  async load(op: 'put' | 'get', count: number, clients: number, keys: number): Promise<LoadResult> {
    const r = await this.call(() => this.lab.load({ op, count, clients, keys }));
    return { count: r.count, ok: r.ok, fail: r.fail, unknown: r.unknown };
  }

  startLoad(op: 'put' | 'get', count: number, clients: number, keys: number): LoadRun {
    const run: LoadRun = { result: null };
    // A refused burst counts as nothing served: the step's line says so, the run goes on.
    const none = { count: 0, ok: 0, fail: 0, unknown: 0 };
    this.load(op, count, clients, keys).then(
      (r) => (run.result = r),
      () => (run.result = none),
    );
    return run;
  }

  async waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    const end = this.now() + timeoutMs;
    while (!pred()) {
      if (this.now() >= end || this.signal?.aborted) return false;
      await this.sleep(Math.min(POLL_MS, end - this.now()));
    }
    return true;
  }

  async addNode(): Promise<NodeId> {
    const r = await this.call(() => this.lab.addNode({}));
    return r.id;
  }

  async shardChange(ch: ShardChange): Promise<void> {
    if (ch.op === 'move') await this.call(() => this.lab.moveShard({ shard: ch.shard, group: ch.group }));
    else if (ch.op === 'join') await this.call(() => this.lab.joinGroup(ch.group));
    else await this.call(() => this.lab.leaveGroup(ch.group));
  }

  async spread(
    algorithm: BalanceAlgorithm,
    weights: Record<NodeId, number>,
    n: number,
  ): Promise<Record<NodeId, number>> {
    // Switching the balancer restarts the gateway's served counts.
    await this.balance(algorithm, weights);
    for (let i = 0; i < n; i++) {
      const p = this.submit({ op: 'get', key: `spread-${i % 8}` }, { timeoutMs: 5000 });
      await this.settle([p], 10_000);
    }
    const v = await this.call(() => this.lab.cluster());
    return Object.fromEntries(v.nodes.map((x) => [x.id, x.served]));
  }

  async history(): Promise<HistoryOp[]> {
    return this.call(() => this.lab.history());
  }

  async violations(): Promise<string[]> {
    return this.problems.slice();
  }

  samples(sinceMs: number): Sample[] {
    return this.sampleLog.filter((s) => s.t >= sinceMs);
  }

  messages(sinceMs: number): Traced[] {
    return this.traced.filter((m) => m.t >= sinceMs);
  }

  unsupported(): string | null {
    return null;
  }

  async close(): Promise<void> {
    this.off();
    this.signal?.removeEventListener('abort', this.wakeAll);
  }
}

function outcome(r: {
  outcome: Outcome['outcome'];
  value: string | null;
  node: NodeId | null;
  error?: string;
  token?: number;
  latencyMs: number;
}): Outcome {
  const o: Outcome = { outcome: r.outcome, value: r.value, node: r.node, latencyMs: r.latencyMs };
  if (r.error !== undefined) o.error = r.error;
  if (r.token !== undefined) o.token = r.token;
  return o;
}

function traced(r: RunLogRecord, t: number): Traced {
  const body = typeof r.body === 'object' && r.body !== null ? (r.body as Record<string, unknown>) : null;
  return {
    t,
    event: r.kind === 'send' ? 'send' : 'deliver',
    from: String(r.from),
    to: String(r.to),
    type: String(r.type),
    term: typeof r.term === 'number' ? r.term : 0,
    body,
  };
}

/** toTargetView reads GET /api/cluster as a scenario sees it. */
export function toTargetView(v: ClusterView): TargetView {
  const cuts = new Set<string>();
  for (const l of v.links) if (l.blocked) cuts.add(`${l.from}>${l.to}`);
  // Partition groups cut every link between them (the view lists them as blocked links too).
  v.groups.forEach((g, i) =>
    v.groups.forEach((h, j) => {
      if (i !== j) for (const a of g) for (const b of h) cuts.add(`${a}>${b}`);
    }),
  );
  return {
    nodes: v.nodes.map((n) => ({
      id: n.id,
      status: n.status,
      role: n.status === 'down' ? null : n.role,
      term: n.term,
      commitIndex: n.commitIndex,
      lastIndex: n.lastIndex,
      leader: n.leader,
    })),
    leader: v.leader,
    cuts: [...cuts].sort(),
    // A lab that reports no configuration has never changed its members: every node votes.
    voters: v.config ? [...v.config.voters] : v.nodes.map((n) => n.id),
  };
}
