/**
 * ShardLab runs the sharded part of a sharded cluster inside the lab: a gateway per group
 * (and one to the controller's group), client requests routed by the configuration in
 * force, and the coordinator that walks every group through the controller's
 * configurations and moves shards between them.
 *
 * Routing: a request goes to the group the newest known configuration names for its key's
 * shard; a `wrong-group` answer (the group no longer serves it, or does not yet) makes the
 * lab ask the controller again and retry at the group it names now, under the same client
 * session and seq. Sessions are per shard, and a shard's session table moves with its data
 * (core/shard/group.ts), so a write that the old group applied and whose answer was lost
 * is answered from the new group's session table instead of applying twice.
 *
 * Coordinator (every COORDINATE_MS, one pass at a time): it holds no state of its own —
 * every decision is a command in a group's log, every fact it acts on a linearizable read
 * (ReadIndex) of a group's or the controller's state — so a pass cut short by a crash or a
 * partition is simply done again by the next. Per group: propose the next configuration
 * once the group is settled; for each shard it is pulling, have the ShardPuller move its
 * data page by page from the group that froze it (lab/shard-pull.ts: read, carry over the
 * router, propose each part); for each shard it froze, once the new owner's status shows
 * it installed, propose the garbage collection.
 */
import { type ShardMoving, type ShardsView } from '../api/shards';
import { ADMIN_KEY, STATUS_KEY, isReservedKey, type GroupCommand } from '../core/shard/admin';
import { shardOf, type ShardConfig } from '../core/shard/config';
import { ConfigCache, controllerOpOf, parseConfig, type ShardChangeOp } from '../core/shard/config-cache';
import { installedAt, planGroup } from '../core/shard/coordinator';
import type { GroupShardStatus } from '../core/shard/group';
import { ShardSessions } from '../core/shard/sessions';
import type { KvOp } from '../core/kv/types';
import type { NodeId } from '../core/types';
import { believedLeaderOf, handover } from './shard-read';
import { groupStatus } from '../core/shard/status';
import { Gateway, type GatewayResult } from './gateway';
import { ShardPuller } from './shard-pull';
import type { Cluster } from './cluster';
import type { ShardLayout } from './shard-layout';

/** COORDINATE_MS is the coordinator's period. */
export const COORDINATE_MS = 100;
/** ADMIN_TIMEOUT_MS bounds one coordinator request. */
const ADMIN_TIMEOUT_MS = 2000;
/** MAX_SHARD_SESSIONS bounds the client sessions kept per shard (a shard's state machine keeps 1024). */
const MAX_SHARD_SESSIONS = 256;

/** ShardRefusal is a request the lab refuses (`status`: the HTTP status it maps to). */
export class ShardRefusal extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** ShardLab is the lab's side of a sharded cluster (see the file comment). */
export class ShardLab {
  private readonly gateways = new Map<string, Gateway>();
  private readonly ctl: Gateway;
  /** configs: the controller's configurations as this coordinator knows them. */
  private readonly configs: ConfigCache;
  private readonly statuses = new Map<string, GroupShardStatus>();
  private readonly sessions: ShardSessions;
  private timer: NodeJS.Timeout | null = null;
  /** passing: a coordinator pass runs now; again: run the next one at once (a change came meanwhile). */
  private passing = false;
  private again = false;
  private closed = false;
  private readonly puller: ShardPuller;

  constructor(
    private readonly c: Cluster,
    readonly layout: ShardLayout,
    private readonly clientPrefix: string,
  ) {
    this.ctl = this.gatewayOf(layout.controller, 0);
    layout.groups.forEach((g, i) => this.gateways.set(g.id, this.gatewayOf(g.nodes, i + 1)));
    this.configs = new ConfigCache(
      layout.scheme,
      (key) => this.readConfig(key),
      (cfg) => c.recorder.record('shard-config', { config: cfg.num, shards: cfg.shards }),
    );
    this.sessions = new ShardSessions(clientPrefix, MAX_SHARD_SESSIONS * layout.scheme.shards);
    this.puller = new ShardPuller({
      router: c.router,
      recorder: c.recorder,
      gateway: (g) => this.gateways.get(g),
      leaderOf: (g) => this.leaderOf(g),
      closed: () => this.closed,
      changed: () => undefined,
    });
  }

  private gatewayOf(nodes: NodeId[], salt: number): Gateway {
    const c = this.c;
    return new Gateway({
      token: c.token,
      nodes,
      clientPrefix: `${this.clientPrefix}a${salt}`,
      portOf: (id) => {
        const h = c.supervisor.nodes.get(id);
        return h && h.state !== 'down' && h.clientPort !== null ? h.clientPort : null;
      },
      isUp: (id) => c.supervisor.nodes.get(id)?.state === 'up',
      leader: () => believedLeaderOf(c.supervisor, nodes),
      seed: c.settings.seed + salt,
    });
  }

  /** addGroup routes to a group started while the cluster runs (lab/shard-spawn.ts); it joins the configuration later. */
  addGroup(id: string, nodes: NodeId[]): void {
    this.layout.groups.push({ id, nodes: [...nodes], spare: true });
    this.gateways.set(id, this.gatewayOf(nodes, this.layout.groups.length));
  }

  /** start joins every group to the controller and starts the coordinator; resolves once every group serves (or after waitMs). */
  async start(waitMs: number): Promise<void> {
    const groups: Record<string, NodeId[]> = {};
    for (const g of this.layout.groups) if (!g.spare) groups[g.id] = [...g.nodes];
    const deadline = performance.now() + waitMs;
    for (;;) {
      const r = await this.controllerOp({ op: 'join', groups }, 3000);
      if (r.outcome === 'ok' || performance.now() > deadline) break;
      await sleep(50);
    }
    this.c.recorder.record('shards-created', {
      groups,
      scheme: this.layout.scheme,
      controller: this.layout.controller,
    });
    this.schedule(0);
    while (performance.now() < deadline && !this.closed) {
      await sleep(50);
      if (this.config.num > 0 && this.layout.groups.every((g) => this.statuses.get(g.id)?.config === this.config.num))
        return;
    }
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.passing = true;
      void this.coordinate().finally(() => {
        this.passing = false;
        this.schedule(this.again ? 0 : COORDINATE_MS);
        this.again = false;
      });
    }, ms);
  }

  /** kick runs the next coordinator pass at once (a new configuration needs no wait for the period). */
  private kick(): void {
    if (this.passing) this.again = true;
    else if (this.timer) {
      clearTimeout(this.timer);
      this.schedule(0);
    }
  }

  /** close stops the coordinator and every gateway (requests in flight end as unknown). */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.ctl.close();
    for (const g of this.gateways.values()) g.close();
  }

  /** dropConn closes every gateway's connection to a node that crashed or restarted. */
  dropConn(id: NodeId): void {
    this.ctl.dropConn(id);
    for (const g of this.gateways.values()) g.dropConn(id);
  }

  // ----- client requests ------------------------------------------------------------------

  /** refusal says why the lab will not send `op` in a sharded cluster (null: it will). */
  refusal(op: KvOp, pinned?: NodeId): string | null {
    if (pinned) return 'a request cannot be pinned to a node in a sharded cluster: the key decides the group';
    if (op.op === 'lock' || op.op === 'renew' || op.op === 'unlock' || op.op === 'fencedPut')
      return 'locks and fenced writes are not offered in a sharded cluster (their tokens are log indexes of one group)';
    if (isReservedKey(op.key)) return 'keys starting with a NUL character are reserved for the shard layer';
    return null;
  }

  /** request sends one KV op to the group serving its key, following the configuration across wrong-group answers. */
  async request(op: KvOp, timeoutMs: number): Promise<GatewayResult> {
    const t0 = performance.now();
    const deadline = t0 + timeoutMs;
    const key = 'key' in op ? op.key : op.name;
    const shard = shardOf(this.layout.scheme, key);
    const session = op.op === 'get' ? null : this.sessions.take(shard);
    const lent = session ? { client: session.client, seq: session.seq + 1 } : undefined;
    let mayHaveApplied = false;
    let last: GatewayResult | null = null;
    let wait = 5;
    for (;;) {
      const remaining = deadline - performance.now();
      if (remaining <= 0 || this.closed) break;
      const gw = this.gateways.get(this.config.shards[shard] ?? '');
      if (!gw) {
        await this.refresh();
        await sleep(Math.min(wait, remaining));
        wait = Math.min(wait * 2, 100);
        continue;
      }
      const r = await gw.request(op, remaining, undefined, lent);
      last = r;
      if (r.error !== 'wrong-group') break;
      // The group's answer is certainly "not applied here"; an earlier try elsewhere may have been.
      if (r.outcome === 'unknown') mayHaveApplied = true;
      await this.refresh();
      await sleep(Math.min(wait, Math.max(0, deadline - performance.now())));
      wait = Math.min(wait * 2, 100);
    }
    const r: GatewayResult = last ?? { outcome: 'fail', result: null, node: null, latencyMs: 0 };
    if (last?.error === 'wrong-group' || last === null) r.error = `timeout: shard ${shard} found no group serving it`;
    if (mayHaveApplied && r.outcome === 'fail' && (r.result === null || r.error?.startsWith('timeout')))
      r.outcome = 'unknown';
    r.latencyMs = performance.now() - t0;
    if (session) this.sessions.giveBack(shard, session, lent?.seq ?? 0, r.outcome, r.result);
    return r;
  }

  // ----- the controller ------------------------------------------------------------------

  private controllerOp(op: object, ms = ADMIN_TIMEOUT_MS): Promise<GatewayResult> {
    return this.ctl.request({ op: 'put', key: ADMIN_KEY, value: JSON.stringify(op) }, ms);
  }

  /** refresh reads the controller's newest configuration (one read at a time; callers share it). */
  refresh(): Promise<void> {
    return this.configs.refresh();
  }

  /** config is the newest configuration seen. */
  private get config(): ShardConfig {
    return this.configs.current;
  }

  private async readConfig(key: string): Promise<ShardConfig | null> {
    const r = await this.ctl.request({ op: 'get', key }, ADMIN_TIMEOUT_MS);
    return r.outcome === 'ok' ? parseConfig(r.result?.value ?? null) : null;
  }

  /** change runs a join, leave or move on the controller; resolves with the new view or throws ShardRefusal. */
  async change(op: ShardChangeOp): Promise<void> {
    const g = this.layout.groups.find((x) => x.id === op.group);
    if (!g) throw new ShardRefusal(404, `no group ${op.group}: this cluster runs ${this.groupIds()}`);
    if (op.op === 'move' && op.shard >= this.layout.scheme.shards)
      throw new ShardRefusal(400, `shard must be 0..${this.layout.scheme.shards - 1}, got ${op.shard}`);
    await this.refresh();
    const joined = Object.keys(this.config.groups);
    if (op.op === 'leave' && joined.length === 1 && joined[0] === op.group)
      throw new ShardRefusal(409, `${op.group} is the last group: its shards would have nowhere to go`);
    const body = controllerOpOf(op, g.nodes);
    const r = await this.controllerOp(body, 5000);
    if (r.outcome === 'ok') {
      this.configs.offer(parseConfig(r.result?.value ?? null));
      this.c.recorder.record('shard-change', { ...body, config: this.config.num });
      this.kick();
      return;
    }
    if (r.result?.error === 'controller-refused') throw new ShardRefusal(409, r.result.value ?? 'refused');
    throw new ShardRefusal(
      r.outcome === 'unknown' ? 504 : 503,
      `the shard controller did not answer: ${r.error ?? r.outcome}`,
    );
  }

  private groupIds(): string {
    return this.layout.groups.map((g) => g.id).join(', ');
  }

  // ----- the coordinator ------------------------------------------------------------------

  private async coordinate(): Promise<void> {
    await this.refresh();
    const groups = this.layout.groups;
    const read = await Promise.all(groups.map((g) => this.readStatus(g.id)));
    read.forEach((st, i) => {
      const id = groups[i]?.id;
      if (id === undefined) return;
      if (st) this.statuses.set(id, st);
      else this.statuses.delete(id);
    });
    await Promise.all(groups.map((g) => this.advance(g.id)));
  }

  private async readStatus(group: string): Promise<GroupShardStatus | null> {
    const gw = this.gateways.get(group);
    if (!gw) return null;
    const r = await gw.request({ op: 'get', key: STATUS_KEY }, ADMIN_TIMEOUT_MS);
    return r.outcome === 'ok' ? groupStatus(r.result?.value ?? null) : null;
  }

  private async advance(group: string): Promise<void> {
    const st = this.statuses.get(group);
    if (!st || this.closed) return;
    for (const act of planGroup(st, this.config.num)) {
      if (act.a === 'config') {
        const next = await this.configs.at(act.num);
        if (next) await this.groupOp(group, { a: 'config', config: next });
      } else if (act.a === 'pull') {
        const parts = st.shards.find((s) => s.shard === act.shard)?.parts ?? 0;
        this.puller.start({ group, shard: act.shard, config: act.config, from: act.from }, parts);
      } else await this.maybeCollect(group, act.shard, act.config);
    }
  }

  private async maybeCollect(group: string, shard: number, config: number): Promise<void> {
    const cfg = await this.configs.at(config);
    const owner = cfg?.shards[shard];
    if (!owner) return;
    if (!installedAt(this.statuses.get(owner), shard, config)) return;
    if (await this.groupOp(group, { a: 'gc', shard, config }))
      this.c.recorder.record('shard-collected', { shard, config, group });
  }

  private async groupOp(group: string, cmd: GroupCommand): Promise<boolean> {
    const gw = this.gateways.get(group);
    if (!gw) return false;
    const r = await gw.request({ op: 'put', key: ADMIN_KEY, value: JSON.stringify(cmd) }, ADMIN_TIMEOUT_MS);
    if (r.outcome === 'ok' && cmd.a === 'config') {
      // Configuration 0 assigns nothing: the first one hands out every shard fresh.
      const prev = cmd.config.num > 1 ? await this.configs.at(cmd.config.num - 1) : null;
      this.c.recorder.record('shard-group-config', {
        group,
        config: cmd.config.num,
        ...handover(prev, cmd.config, group),
      });
    }
    return r.outcome === 'ok';
  }

  private leaderOf(group: string): NodeId | null {
    const g = this.layout.groups.find((x) => x.id === group);
    return g ? believedLeaderOf(this.c.supervisor, g.nodes) : null;
  }

  // ----- the view ---------------------------------------------------------------------------

  /** view is GET /api/shards. */
  async view(): Promise<ShardsView> {
    await this.refresh();
    const cfg = this.config;
    const moving = new Map<number, ShardMoving>();
    for (const [id, st] of this.statuses)
      for (const s of st.shards) {
        if (s.status !== 'pulling' || !s.from) continue;
        const stalled = this.puller.stalled.get(s.shard);
        const parts = s.pages !== undefined ? { parts: s.parts ?? 0, pages: s.pages } : {};
        moving.set(s.shard, { from: s.from, to: id, ...parts, ...(stalled ? { stalled } : {}) });
      }
    return {
      config: cfg.num,
      scheme: { ...this.layout.scheme },
      controller: [...this.layout.controller],
      shards: cfg.shards.map((group, shard) => {
        const m = moving.get(shard);
        return m ? { shard, group, moving: m } : { shard, group };
      }),
      groups: this.layout.groups.map((g) => ({
        id: g.id,
        nodes: [...g.nodes],
        joined: cfg.groups[g.id] !== undefined,
        leader: believedLeaderOf(this.c.supervisor, g.nodes),
        config: this.statuses.get(g.id)?.config ?? null,
      })),
    };
  }
}
