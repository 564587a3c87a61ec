/**
 * SimTarget runs a scenario in the deterministic simulator: the same protocol cores, host
 * loop and invariant checker as `quorum-lab sim`, in virtual time, every random choice
 * from the seed — so one seed replays one run exactly, and a sweep over seeds looks for a
 * schedule that breaks a check. Time is virtual ms; timers follow the scenario's
 * heartbeatMs / electionMs with the lab's tick (heartbeat / 5, at most 10 ms).
 *
 * What it models: crash (unsaved state lost), restart, pause, resume, partitions and
 * directed cuts, and each link's loss / duplication / latency ± jitter and rate limit (the
 * simulated network's per-link models and link queues), and adding a node (a spare switched
 * on with an empty store, added as a learner and promoted once caught up, as the lab's
 * membership manager does; `spares` says how many the run may add). Damage needs the
 * simulator's store-damage model (a TargetError without it). Unsafe modes: every one but
 * commitRule (SIM_UNSAFE).
 */
import type { HistoryOp } from '../api/contract';
import type { BalanceAlgorithm } from '../core/balance/types';
import type { DamageKind } from '../core/recovery/damage';
import type { KvOp } from '../core/kv/types';
import type { ProtocolName } from '../core/protocols';
import { createProtocolNode } from '../core/protocols';
import type { MessageBase, NodeId, ProtocolConfig, ProtocolNode } from '../core/types';
import { Cluster } from '../sim/cluster';
import { currentLeader } from '../sim/membership';
import { RELIABLE, type NetworkFaults } from '../sim/network';
import { Stream, streamRng } from '../sim/random';
import { SimClients } from './sim-client';
import { ONE_GROUP_SIM } from './shard-rules';
import {
  TargetError,
  type LinkChange,
  type LoadResult,
  type LoadRun,
  type PendingRequest,
  type Sample,
  type ScenarioTarget,
  type TargetInfo,
  type TargetView,
  type Traced,
} from './target';
import { parseUnsafe, type UnsafeSettings } from '../core/unsafe';
import { isSafeValue, type UnsafeModes, type UnsafeName } from './unsafe';

/** SimTargetOptions create a simulated cluster for a scenario. */
export interface SimTargetOptions {
  seed: number;
  nodes: number;
  protocol: ProtocolName;
  heartbeatMs?: number;
  electionMs?: number;
  unsafe?: UnsafeModes;
  /** trace: record every message with its body (the trace step needs it; it costs time). */
  trace?: boolean;
  /** spares: nodes beyond `nodes`, switched off, that add steps can bring in (at most 9 nodes in all). */
  spares?: number;
}

/** CATCH_UP_SLACK: a learner within this many entries of the leader's commit is promoted (as in the lab). */
const CATCH_UP_SLACK = 64;
/** ADD_TRY_MS: how long an add keeps asking a leader that refuses for now (a Raft leader must first commit in its term). */
const ADD_TRY_MS = 5000;
/** PROMOTE_GIVE_UP_MS: how long (virtual) a learner may take to catch up before the promoter stops trying. */
const PROMOTE_GIVE_UP_MS = 120_000;

/**
 * SIM_UNSAFE lists the unsafe modes a scenario can ask of the simulator. Its Cluster honours
 * every mode (core/unsafe.ts), and the scenario's clients (sim-client.ts) go through each
 * node's own request layer, so the read modes answer there as on a node process. Not
 * commitRule: its contrast needs a majority to hold an older term's entry without the new
 * leader's no-op after it, and a leader sends the two in one append, which no scenario step
 * can split (test/core/raft/unsafe.test.ts plays Figure 8 message by message); nor would a
 * client see it: the request behind that entry died with its leader's term, and ReadIndex
 * waits for a commit of the reader's own term.
 */
export const SIM_UNSAFE = [
  'reads',
  'fsync',
  'sessions',
  'fencing',
  'prevote',
  'checkQuorum',
  'adoptHighestAccepted',
] as const;

type Rule = Required<Omit<LinkChange, 'from' | 'to' | 'bandwidth'>>;

const CLEAN: Rule = { latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, blocked: false };

/** SimTarget is a ScenarioTarget over the simulator (see the file comment). */
export class SimTarget implements ScenarioTarget {
  readonly info: TargetInfo;
  readonly cluster: Cluster;
  private readonly clients: SimClients;
  private readonly sampleLog: Sample[] = [];
  private readonly last = new Map<NodeId, string>();
  private readonly traced: Traced[] = [];
  /** rules: the non-blocking part of each directed link's rule ("a>b"). */
  private readonly rules = new Map<string, Rule>();
  /** blocked: the links a link rule cuts ("a>b"), kept apart from the partition's groups. */
  private readonly blocked = new Set<string>();
  /** groups: the partition in force (one group: none). */
  private groups: NodeId[][] = [];
  /** added: the spares an add step switched on (the view shows only the first nodes and these). */
  private readonly added = new Set<NodeId>();

  constructor(o: SimTargetOptions) {
    const bad = unsupportedIn(o.unsafe ?? {});
    if (bad) throw new TargetError(bad);
    const heartbeatMs = o.heartbeatMs ?? 100;
    const electionMs = o.electionMs ?? 1000;
    const tickMs = Math.max(1, Math.min(10, Math.floor(heartbeatMs / 5)));
    this.cluster = new Cluster({
      seed: o.seed,
      nodes: o.nodes,
      protocol: o.protocol,
      tickMs,
      heartbeatTicks: Math.max(1, Math.round(heartbeatMs / tickMs)),
      electionTicks: Math.max(2, Math.round(electionMs / tickMs)),
      unsafe: simUnsafe(o.unsafe ?? {}),
      snapshotEvery: 200,
      diskMs: [0.05, 1],
      ...(o.spares ? { spares: o.spares } : {}),
      ...(o.trace
        ? { factory: (p: ProtocolName, cfg: ProtocolConfig) => this.tracing(createProtocolNode(p, cfg)) }
        : {}),
    });
    // Spares are nobody's until added: `*`, presets and churn act on the first members, as in the lab.
    this.info = { kind: 'sim', ids: this.cluster.first.slice(), protocol: o.protocol, seed: o.seed };
    this.clients = new SimClients(this.cluster, streamRng(o.seed, Stream.scenario, 0));
    this.observeEveryTick();
  }

  /** tracing wraps a core so every message it sends and receives is recorded with its body. */
  private tracing(core: ProtocolNode): ProtocolNode {
    const record = (event: Traced['event'], m: MessageBase): void => {
      const { type, from, to, term, ...body } = m as MessageBase & Record<string, unknown>;
      this.traced.push({ t: this.cluster.now, event, from, to, type, term, body });
    };
    const ready = core.ready.bind(core);
    const step = core.step.bind(core);
    core.ready = () => {
      const rd = ready();
      for (const m of [...rd.messages, ...rd.messagesAfterPersist]) record('send', m);
      return rd;
    };
    core.step = (m) => {
      record('deliver', m);
      step(m);
    };
    return core;
  }

  private observeEveryTick(): void {
    const c = this.cluster;
    const look = (): void => {
      for (const n of c.nodes) {
        c.observe(n);
        const s = n.lastStatus;
        const role = n.state === 'down' ? null : (s?.role ?? null);
        const term = s?.term ?? 0;
        const commit = s?.commitIndex ?? 0;
        const key = `${n.state}|${role}|${term}|${commit}`;
        if (this.last.get(n.id) === key) continue;
        this.last.set(n.id, key);
        this.sampleLog.push({ t: c.now, node: n.id, status: n.state, role, term, commit });
      }
      c.after(c.tickMs, look);
    };
    look();
  }

  now(): number {
    return this.cluster.now;
  }

  async sleep(ms: number): Promise<void> {
    this.cluster.runFor(ms);
  }

  async view(): Promise<TargetView> {
    return this.viewNow();
  }

  private viewNow(): TargetView {
    const c = this.cluster;
    for (const n of c.nodes) c.observe(n);
    const shown = c.nodes.filter((n) => c.first.includes(n.id) || this.added.has(n.id));
    const nodes = shown.map((n) => {
      const s = n.state === 'down' ? null : n.lastStatus;
      return {
        id: n.id,
        status: n.state,
        role: s?.role ?? null,
        term: s?.term ?? 0,
        commitIndex: s?.commitIndex ?? 0,
        lastIndex: s?.lastIndex ?? 0,
        leader: s?.leader ?? null,
      };
    });
    const cuts: string[] = [];
    const ids = shown.map((n) => n.id);
    for (const a of ids) for (const b of ids) if (a !== b && !c.net.linkUp(a, b)) cuts.push(`${a}>${b}`);
    const lead = c.stableLeader();
    const voters = (lead === null ? null : c.node(lead).status()?.conf.voters) ?? c.first;
    return { nodes, leader: lead, cuts, voters: [...voters] };
  }

  async waitUntil(pred: (v: TargetView) => boolean, timeoutMs: number): Promise<TargetView | null> {
    let v: TargetView | null = null;
    const ok = this.cluster.runUntilTrue(() => pred((v = this.viewNow())), timeoutMs);
    return ok ? v : null;
  }

  async crash(id: NodeId): Promise<void> {
    this.state(id, ['up', 'paused'], 'crash');
    this.cluster.crash(id);
  }

  async restart(id: NodeId): Promise<void> {
    this.state(id, ['down'], 'restart');
    this.cluster.restart(id);
  }

  async pause(id: NodeId): Promise<void> {
    this.state(id, ['up'], 'pause');
    this.cluster.pause(id);
  }

  async resume(id: NodeId): Promise<void> {
    this.state(id, ['paused'], 'resume');
    this.cluster.resume(id);
  }

  /** state refuses an action the lab would refuse (crash a node already down, …). */
  private state(id: NodeId, allowed: string[], what: string): void {
    const n = this.cluster.node(id);
    if (!allowed.includes(n.state)) throw new TargetError(`cannot ${what} ${id}: it is ${n.state}`);
  }

  async damage(id: NodeId, kind: DamageKind | undefined): Promise<void> {
    // The simulator's store damage arrives with its recovery model; until then this step is the lab's.
    const c = this.cluster as Cluster & { damage?: (id: NodeId, kind: DamageKind) => void };
    if (typeof c.damage !== 'function')
      throw new TargetError(
        `damaging ${id}'s store is done on real processes (this simulator has no damage model yet)`,
      );
    this.state(id, ['down'], 'damage');
    c.damage(id, kind ?? 'file');
  }

  async partition(groups: NodeId[][]): Promise<void> {
    // As the lab's router: a partition replaces the one before (nodes not named form one more group).
    const named = new Set(groups.flat());
    const rest = this.cluster.ids.filter((id) => !named.has(id));
    this.groups = rest.length > 0 ? [...groups, rest] : groups;
    this.cutAgain();
  }

  /** cutAgain sets the network's cuts to the partition's and the link rules' blocks, as the router keeps them apart. */
  private cutAgain(): void {
    const c = this.cluster;
    c.healNetwork();
    for (const k of this.blocked) {
      const [a, b] = k.split('>') as [NodeId, NodeId];
      c.cut(a, b);
    }
    if (this.groups.length > 1) c.partition(this.groups);
  }

  async link(ch: LinkChange): Promise<void> {
    const key = `${ch.from}>${ch.to}`;
    if (ch.bandwidth !== undefined) this.cluster.net.setBandwidth(ch.from, ch.to, ch.bandwidth);
    if (ch.blocked !== undefined) {
      if (ch.blocked) this.blocked.add(key);
      else this.blocked.delete(key);
      this.cutAgain();
    }
    const prev = this.rules.get(key) ?? CLEAN;
    const next: Rule = {
      latencyMs: ch.latencyMs ?? prev.latencyMs,
      jitterMs: ch.jitterMs ?? prev.jitterMs,
      loss: ch.loss ?? prev.loss,
      duplicate: ch.duplicate ?? prev.duplicate,
      blocked: false,
    };
    this.rules.set(key, next);
    this.cluster.net.setLink(ch.from, ch.to, sameRule(next, CLEAN) ? null : faultsOf(next));
  }

  async clear(nodes: boolean): Promise<void> {
    this.cluster.healNetwork();
    this.rules.clear();
    this.blocked.clear();
    this.groups = [];
    this.cluster.net.clearLinks();
    this.cluster.net.clearBandwidth();
    this.cluster.setFaults(RELIABLE);
    if (!nodes) return;
    for (const n of this.cluster.nodes) {
      if (n.state === 'down') this.cluster.restart(n.id);
      else if (n.state === 'paused') this.cluster.resume(n.id);
    }
  }

  async balance(algorithm: BalanceAlgorithm, weights?: Record<NodeId, number>): Promise<void> {
    this.clients.setBalance(algorithm, weights);
  }

  submit(op: KvOp, o: { node?: NodeId; timeoutMs: number }): PendingRequest {
    return this.clients.submit(op, o);
  }

  async settle(reqs: PendingRequest[], timeoutMs: number): Promise<void> {
    this.cluster.runUntilTrue(() => reqs.every((r) => r.result !== null), timeoutMs, 1);
  }

  async load(op: 'put' | 'get', count: number, clients: number, keys: number): Promise<LoadResult> {
    const done: PendingRequest[] = [];
    let issued = 0;
    const rng = streamRng(this.info.seed, Stream.scenario, 1);
    // Each lane issues its next request when the last one settles, as a load client does.
    const lane = (): void => {
      if (issued >= count) return;
      const i = issued++;
      const key = `load-${rng.int(0, keys - 1)}`;
      const kv: KvOp = op === 'put' ? { op: 'put', key, value: `v${i}` } : { op: 'get', key };
      const p = this.clients.submit(kv, { timeoutMs: 5000 });
      done.push(p);
      const check = (): void => {
        if (p.result) lane();
        else this.cluster.after(1, check);
      };
      this.cluster.after(1, check);
    };
    for (let i = 0; i < Math.min(clients, count); i++) lane();
    this.cluster.runUntilTrue(() => issued >= count && done.every((p) => p.result !== null), count * 5000, 1);
    const by = (o: string): number => done.filter((p) => p.result?.outcome === o).length;
    return { count: done.length, ok: by('ok'), fail: by('fail'), unknown: by('unknown') };
  }

  startLoad(op: 'put' | 'get', count: number, clients: number, keys: number): LoadRun {
    const run: LoadRun = { result: null };
    const done: PendingRequest[] = [];
    let issued = 0;
    const rng = streamRng(this.info.seed, Stream.scenario, 2);
    const by = (o: string): number => done.filter((p) => p.result?.outcome === o).length;
    // Each lane issues its next request when the last one settles; the last to settle writes the result.
    const lane = (): void => {
      if (issued >= count) {
        if (done.every((p) => p.result !== null) && run.result === null)
          run.result = { count: done.length, ok: by('ok'), fail: by('fail'), unknown: by('unknown') };
        return;
      }
      const i = issued++;
      const key = `load-${rng.int(0, keys - 1)}`;
      const p = this.clients.submit(op === 'put' ? { op: 'put', key, value: `b${i}` } : { op: 'get', key }, {
        timeoutMs: 5000,
      });
      done.push(p);
      const check = (): void => (p.result ? lane() : this.cluster.after(1, check));
      this.cluster.after(1, check);
    };
    for (let i = 0; i < Math.min(clients, count); i++) lane();
    return run;
  }

  async waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean> {
    return this.cluster.runUntilTrue(pred, timeoutMs, 1);
  }

  async shardChange(): Promise<void> {
    throw new TargetError(ONE_GROUP_SIM);
  }

  async addNode(): Promise<NodeId> {
    const c = this.cluster;
    const id = c.ids.find((x) => !c.first.includes(x) && !this.added.has(x));
    if (id === undefined) throw new TargetError('no spare node left to add (the simulated run was made with none)');
    let why = 'no leader';
    const asked = c.runUntilTrue(
      () => {
        const lead = currentLeader(c);
        if (!lead?.core) return false;
        if (c.node(id).state === 'down') c.restart(id);
        const r = lead.core.proposeConfChange({ type: 'addLearner', node: id });
        lead.drain();
        c.observe(lead, true);
        if (!r.ok) why = `${lead.id}: ${r.reason}`;
        return r.ok;
      },
      ADD_TRY_MS,
      Math.max(1, c.tickMs * 5),
    );
    if (!asked) {
      if (c.node(id).state !== 'down') c.crash(id);
      throw new TargetError(`could not add ${id}: ${why}`);
    }
    this.added.add(id);
    this.promoteWhenCaughtUp(id, c.now + PROMOTE_GIVE_UP_MS);
    return id;
  }

  /** promoteWhenCaughtUp asks the leader to make learner `id` a voter once it is close behind, until it is one. */
  private promoteWhenCaughtUp(id: NodeId, giveUpAt: number): void {
    const c = this.cluster;
    const again = (): void => c.after(Math.max(1, c.tickMs * 5), () => this.promoteWhenCaughtUp(id, giveUpAt));
    const lead = currentLeader(c);
    const conf = lead?.status()?.conf;
    if (conf?.voters.includes(id) || c.now > giveUpAt) return;
    const mine = c.node(id).state === 'up' ? c.node(id).status() : null;
    if (
      lead?.core &&
      conf?.learners.includes(id) &&
      mine &&
      mine.commitIndex + CATCH_UP_SLACK >= lead.status()!.commitIndex
    ) {
      lead.core.proposeConfChange({ type: 'promote', node: id });
      lead.drain();
      c.observe(lead, true);
    }
    again();
  }

  async spread(
    algorithm: BalanceAlgorithm,
    weights: Record<NodeId, number>,
    n: number,
  ): Promise<Record<NodeId, number>> {
    this.clients.setBalance(algorithm, weights);
    const counts: Record<NodeId, number> = {};
    const reqs: PendingRequest[] = [];
    for (let i = 0; i < n; i++) {
      const first = this.clients.pick(`spread-${i}`);
      counts[first] = (counts[first] ?? 0) + 1;
      reqs.push(this.clients.submit({ op: 'get', key: `spread-${i % 8}` }, { first, timeoutMs: 5000 }));
      // One read at a time, as the lab's spread sends them.
      this.cluster.runUntilTrue(() => reqs[reqs.length - 1]!.result !== null, 6000, 1);
    }
    return counts;
  }

  async history(): Promise<HistoryOp[]> {
    return this.clients.history.slice();
  }

  async violations(): Promise<string[]> {
    return this.cluster.violations.map((v) => `${v.invariant}${v.node ? ` on ${v.node}` : ''}: ${v.description}`);
  }

  samples(sinceMs: number): Sample[] {
    return this.sampleLog.filter((s) => s.t >= sinceMs);
  }

  messages(sinceMs: number): Traced[] {
    return this.traced.filter((m) => m.t >= sinceMs);
  }

  unsupported(unsafe: UnsafeModes): string | null {
    return unsupportedIn(unsafe);
  }

  async close(): Promise<void> {}
}

function sameRule(a: Rule, b: Rule): boolean {
  return a.latencyMs === b.latencyMs && a.jitterMs === b.jitterMs && a.loss === b.loss && a.duplicate === b.duplicate;
}

function faultsOf(r: Rule): NetworkFaults {
  const lo = Math.max(0.5, r.latencyMs - r.jitterMs);
  const hi = Math.max(lo, r.latencyMs + r.jitterMs, 1);
  return {
    drop: r.loss,
    duplicate: r.duplicate,
    delay: { minMs: lo, maxMs: hi, reorder: 0, reorderMinMs: 0, reorderMaxMs: 0 },
  };
}

/** unsupportedIn says which unsafe modes the simulator cannot apply (null: none). */
export function unsupportedIn(u: UnsafeModes): string | null {
  const missing = (Object.entries(u) as [UnsafeName, string | boolean][])
    .filter(([k, v]) => !isSafeValue(k, v) && !(SIM_UNSAFE as readonly string[]).includes(k))
    .map(([k, v]) => `${k}: ${String(v)}`);
  return missing.length ? `the simulator cannot apply ${missing.join(', ')} yet` : null;
}

/** simUnsafe turns a scenario's unsafe modes into the simulator's settings (core/unsafe.ts checks them). */
function simUnsafe(u: UnsafeModes): UnsafeSettings {
  const v = parseUnsafe(u);
  if (!v.ok) throw new TargetError(v.error);
  return v.value;
}
