/**
 * ShardedSimTarget runs a sharded scenario in the simulator: a shard controller and the
 * setup's replica groups (sim/shard/sharded-sim.ts), each group a simulated cluster of the
 * same cores and host loop, the gateway and coordinator of sim/shard/shard-layer.ts (the
 * lab's decisions and session rules, core/shard/), on one virtual clock from one seed.
 *
 * What it models: crash, restart, pause, resume, partitions and directed cuts (within and
 * between groups), moves, joins and leaves. What it refuses (TargetError, the step fails
 * and says so): a link rule other than a cut, damage, adding a node, balancers, unsafe
 * modes — none of which a sharded scenario of the lab offers either, but for link rules
 * and damage, which a one-group scenario runs in the simulator.
 */
import type { HistoryOp } from '../api/contract';
import type { ShardsView } from '../api/shards';
import type { KvOp } from '../core/kv/types';
import type { ProtocolName } from '../core/protocols';
import type { ShardScheme } from '../core/shard/config';
import type { NodeId } from '../core/types';
import { drive } from '../sim/shard/run-sharded';
import { ShardLayer } from '../sim/shard/shard-layer';
import { ShardedSim } from '../sim/shard/sharded-sim';
import { Stream, streamRng } from '../sim/random';
import {
  TargetError,
  type LinkChange,
  type LoadResult,
  type LoadRun,
  type PendingRequest,
  type Sample,
  type ScenarioTarget,
  type ShardChange,
  type TargetInfo,
  type TargetView,
  type Traced,
} from './target';
import { isSafeValue, type UnsafeModes, type UnsafeName } from './unsafe';

/** ShardedSimOptions create a sharded simulated cluster for a scenario. */
export interface ShardedSimTargetOptions {
  seed: number;
  protocol: ProtocolName;
  nodes: number;
  groups: number;
  spare?: number;
  scheme: ShardScheme;
  heartbeatMs?: number;
  electionMs?: number;
}

/** POLL_MS is how often a wait looks at the cluster (virtual ms). */
const POLL_MS = 25;
/** START_MS bounds how long the groups may take to join and take the first configuration. */
const START_MS = 30_000;

/** ShardedSimTarget is a ScenarioTarget over a simulated sharded cluster (see the file comment). */
export class ShardedSimTarget implements ScenarioTarget {
  readonly info: TargetInfo;
  readonly sim: ShardedSim;
  private readonly layer: ShardLayer;
  private readonly sampleLog: Sample[] = [];
  private started: Promise<void> | null = null;

  constructor(o: ShardedSimTargetOptions) {
    const heartbeatMs = o.heartbeatMs ?? 100;
    const electionMs = o.electionMs ?? 1000;
    const tickMs = Math.max(1, Math.min(10, Math.floor(heartbeatMs / 5)));
    this.sim = new ShardedSim({
      seed: o.seed,
      protocol: o.protocol,
      groups: o.groups,
      ...(o.spare ? { spare: o.spare } : {}),
      perGroup: o.nodes,
      scheme: o.scheme,
      tickMs,
      heartbeatTicks: Math.max(1, Math.round(heartbeatMs / tickMs)),
      electionTicks: Math.max(2, Math.round(electionMs / tickMs)),
      diskMs: [0.05, 1],
      snapshotEvery: 200,
    });
    this.layer = new ShardLayer(this.sim);
    this.info = { kind: 'sim', ids: this.sim.ids, protocol: o.protocol, seed: o.seed };
    for (const g of this.sim.all) {
      g.cluster.onStatus((n) => this.sample(n.id));
      g.cluster.onLifecycle((n) => this.sample(n.id));
    }
  }

  /** ready joins the groups and starts the coordinator (once); every call waits for it. */
  private ready(): Promise<void> {
    this.started ??= drive(this.sim, this.layer.start(), START_MS).then(() => undefined);
    return this.started;
  }

  private sample(id: NodeId): void {
    const n = this.sim.groupOf(id).cluster.node(id);
    const s = n.lastStatus;
    const prev = [...this.sampleLog].reverse().find((x) => x.node === id);
    const next: Sample = {
      t: this.sim.now,
      node: id,
      status: n.state,
      role: n.state === 'down' ? null : (s?.role ?? null),
      term: s?.term ?? prev?.term ?? 0,
      commit: s?.commitIndex ?? 0,
    };
    if (prev && prev.status === next.status && prev.role === next.role && prev.term === next.term) return;
    if (this.sampleLog.length < 200_000) this.sampleLog.push(next);
  }

  now(): number {
    return this.sim.now;
  }

  async sleep(ms: number): Promise<void> {
    await this.ready();
    await this.sim.runFor(Math.max(0, ms));
  }

  async view(): Promise<TargetView> {
    await this.ready();
    const nodes = this.sim.all.flatMap((g) =>
      g.cluster.nodes.map((n) => {
        g.cluster.observe(n);
        const s = n.lastStatus;
        return {
          id: n.id,
          status: n.state,
          role: n.state === 'down' ? null : (s?.role ?? null),
          term: s?.term ?? 0,
          commitIndex: s?.commitIndex ?? 0,
          lastIndex: s?.lastIndex ?? 0,
          leader: s?.leader ?? null,
        };
      }),
    );
    const cuts = this.sim.cross.cutList().map(([a, b]) => `${a}>${b}`);
    return { nodes, ...this.controllerView(), cuts: cuts.sort(), shards: this.shardsView() };
  }

  /**
   * controllerView is the cluster's leader and voters as the lab's GET /api/cluster gives
   * them for a sharded cluster: the controller group's (each replica group's are in
   * view.shards), so a scenario's condition on the leader or the voters means the same in
   * the lab and here. The leader is found as a one-group simulation finds it.
   */
  private controllerView(): Pick<TargetView, 'leader' | 'voters'> {
    const ctl = this.sim.controller;
    const leader = ctl.cluster.stableLeader();
    const voters = (leader === null ? null : ctl.cluster.node(leader).status()?.conf.voters) ?? ctl.nodes;
    return { leader, voters: [...voters] };
  }

  private shardsView(): ShardsView {
    const cfg = this.layer.config;
    const moving = new Map<number, { from: string; to: string }>();
    for (const [id, st] of this.layer.statuses)
      for (const s of st.shards) if (s.status === 'pulling' && s.from) moving.set(s.shard, { from: s.from, to: id });
    return {
      config: cfg.num,
      scheme: { ...this.sim.scheme },
      controller: [...this.sim.controller.nodes],
      shards: cfg.shards.map((group, shard) => {
        const m = moving.get(shard);
        return m ? { shard, group, moving: m } : { shard, group };
      }),
      groups: this.sim.groups.map((g) => ({
        id: g.id,
        nodes: [...g.nodes],
        joined: cfg.groups[g.id] !== undefined,
        leader: this.sim.leaderOf(g),
        config: this.layer.statuses.get(g.id)?.config ?? null,
      })),
    };
  }

  async waitUntil(pred: (v: TargetView) => boolean, timeoutMs: number): Promise<TargetView | null> {
    const end = this.now() + timeoutMs;
    for (;;) {
      const v = await this.view();
      if (pred(v)) return v;
      if (this.now() >= end) return null;
      await this.sim.runFor(Math.min(POLL_MS, end - this.now()));
    }
  }

  async waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    await this.ready();
    const end = this.now() + timeoutMs;
    while (!pred()) {
      if (this.now() >= end) return false;
      await this.sim.runFor(Math.min(5, end - this.now()));
    }
    return true;
  }

  // ---- faults --------------------------------------------------------------------------

  private lifecycle(id: NodeId, what: 'crash' | 'restart' | 'pause' | 'resume', allowed: string[]): void {
    const n = this.sim.groupOf(id).cluster.node(id);
    if (!allowed.includes(n.state)) throw new TargetError(`cannot ${what} ${id}: it is ${n.state}`);
    this.sim[what](id);
    this.sample(id);
  }

  async crash(id: NodeId): Promise<void> {
    this.lifecycle(id, 'crash', ['up', 'paused']);
  }

  async restart(id: NodeId): Promise<void> {
    this.lifecycle(id, 'restart', ['down']);
  }

  async pause(id: NodeId): Promise<void> {
    this.lifecycle(id, 'pause', ['up']);
  }

  async resume(id: NodeId): Promise<void> {
    this.lifecycle(id, 'resume', ['paused']);
  }

  async damage(): Promise<void> {
    throw new TargetError('a sharded simulation does not model damaged stores yet');
  }

  async partition(groups: NodeId[][]): Promise<void> {
    this.sim.partition(groups);
  }

  async link(ch: LinkChange): Promise<void> {
    const rest = Object.keys(ch).filter((k) => k !== 'from' && k !== 'to' && k !== 'blocked');
    if (rest.length > 0 || ch.blocked === undefined)
      throw new TargetError(`a sharded simulation models only cut links (blocked), not ${rest.join(', ') || 'this'}`);
    const g = this.sim.groupOf(ch.from);
    const same = g === this.sim.groupOf(ch.to);
    if (ch.blocked) {
      if (same) g.cluster.cut(ch.from, ch.to);
      this.sim.cross.cut(ch.from, ch.to);
    } else {
      if (same) g.cluster.net.uncut(ch.from, ch.to);
      this.sim.cross.uncut(ch.from, ch.to);
    }
  }

  async clear(nodes: boolean): Promise<void> {
    this.sim.heal();
    if (!nodes) return;
    for (const g of this.sim.all)
      for (const n of g.cluster.nodes) {
        if (n.state === 'down') this.sim.restart(n.id);
        else if (n.state === 'paused') this.sim.resume(n.id);
      }
  }

  async balance(): Promise<void> {
    throw new TargetError('a sharded cluster routes by key: there is no balancer to set');
  }

  // ---- clients ---------------------------------------------------------------------------

  submit(op: KvOp, o: { node?: NodeId; timeoutMs: number }): PendingRequest {
    const p: PendingRequest = { op, startedAt: this.sim.now, result: null };
    if (o.node !== undefined) {
      p.result = { outcome: 'fail', value: null, node: null, error: 'a sharded cluster routes by key', latencyMs: 0 };
      return p;
    }
    void this.layer.request(op, o.timeoutMs).then((r) => {
      p.result = { ...r };
    });
    return p;
  }

  async settle(reqs: PendingRequest[], timeoutMs: number): Promise<void> {
    await this.waitFor(() => reqs.every((r) => r.result !== null), timeoutMs);
  }

  async load(op: 'put' | 'get', count: number, clients: number, keys: number): Promise<LoadResult> {
    const run = this.startLoad(op, count, clients, keys);
    await this.waitFor(() => run.result !== null, count * 5000);
    return run.result ?? { count: 0, ok: 0, fail: 0, unknown: 0 };
  }

  startLoad(op: 'put' | 'get', count: number, clients: number, keys: number): LoadRun {
    const run: LoadRun = { result: null };
    const rng = streamRng(this.info.seed, Stream.scenario, 2);
    const tally = { count: 0, ok: 0, fail: 0, unknown: 0 };
    let issued = 0;
    const lane = async (): Promise<void> => {
      while (issued < count) {
        const i = issued++;
        const key = `load-${rng.int(0, keys - 1)}`;
        const kv: KvOp = op === 'put' ? { op: 'put', key, value: `b${i}` } : { op: 'get', key };
        const r = await this.layer.request(kv, 5000);
        tally.count++;
        tally[r.outcome]++;
      }
    };
    void Promise.all(Array.from({ length: Math.min(clients, count) }, () => lane())).then(() => {
      run.result = tally;
    });
    return run;
  }

  async shardChange(ch: ShardChange): Promise<void> {
    await this.ready();
    const why = await drive(this.sim, this.layer.change(ch), 10_000);
    if (why === undefined) throw new TargetError('the shard controller did not answer within 10 s');
    if (why !== null) throw new TargetError(why);
  }

  async addNode(): Promise<NodeId> {
    throw new TargetError('a sharded cluster grows by groups (join), not by nodes');
  }

  async spread(): Promise<Record<NodeId, number>> {
    throw new TargetError('a sharded cluster routes by key: there is no balancer to spread with');
  }

  async history(): Promise<HistoryOp[]> {
    return this.layer.history.slice();
  }

  async violations(): Promise<string[]> {
    return this.sim.violations();
  }

  samples(sinceMs: number): Sample[] {
    return this.sampleLog.filter((s) => s.t >= sinceMs);
  }

  messages(): Traced[] {
    return [];
  }

  unsupported(unsafe: UnsafeModes): string | null {
    const broken = (Object.entries(unsafe) as [UnsafeName, string | boolean][]).filter(([k, v]) => !isSafeValue(k, v));
    return broken.length > 0
      ? `a sharded simulation runs safe: no unsafe modes (${broken.map(([k]) => k).join(', ')})`
      : null;
  }

  async close(): Promise<void> {
    this.layer.close();
  }
}
