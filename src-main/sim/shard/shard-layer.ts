/**
 * ShardLayer is the lab's ShardLab (lab/shard-lab.ts) for a simulated sharded cluster: the
 * gateway that routes each client request by the newest configuration it knows and, on
 * `wrong-group`, asks the controller again and retries at the group it names now under the
 * same session (core/shard/sessions.ts); and the coordinator that every COORDINATE_MS reads
 * each group's shard status and acts on the decisions of core/shard/coordinator.ts — the
 * ones the lab acts on: propose the next configuration, pull a shard page by page with the
 * lab's own loop (core/shard/page-pull.ts: read page p of the source's export, carry it to
 * the destination's leader over the simulated network between groups, propose it as part
 * p; the last part installs it), collect a frozen shard once its new owner confirms it. Every
 * request the gateway serves lands in a Jepsen-style history shaped like the lab's.
 */
import type { HistoryOp } from '../../api/contract';
import { ADMIN_KEY, STATUS_KEY, exportPageKey, type GroupCommand } from '../../core/shard/admin';
import { PagePuller, type PullIo } from '../../core/shard/page-pull';
import { decodeExportPage } from '../../core/shard/pages';
import { shardOf, type ShardConfig } from '../../core/shard/config';
import { ConfigCache, controllerOpOf, parseConfig, type ShardChangeOp } from '../../core/shard/config-cache';
import { installedAt, planGroup } from '../../core/shard/coordinator';
import type { GroupShardStatus } from '../../core/shard/group';
import { ShardSessions } from '../../core/shard/sessions';
import type { KvOp } from '../../core/kv/types';
import type { NodeId } from '../../core/types';
import { historyShape } from '../../check/history';
import { groupStatus } from '../../core/shard/status';
import { streamRng } from '../random';
import { NS_PER_MS } from '../run-log';
import { GroupSender, type SendResult } from './group-sender';
import { SHARD_STREAM, type ShardedSim, type SimGroup } from './sharded-sim';

/** COORDINATE_MS is the coordinator's period (the lab's). */
export const COORDINATE_MS = 100;
/** ADMIN_TIMEOUT_MS bounds one coordinator request (the lab's). */
const ADMIN_TIMEOUT_MS = 2000;
/** CARRY_MS: how long a shard's data takes from one group's leader to another's, plus 1 ms a KiB. */
const CARRY_MS = 2;

/** ShardOutcome is how one client request through the sharded gateway ended. */
export interface ShardOutcome {
  outcome: 'ok' | 'fail' | 'unknown';
  value: string | null;
  node: NodeId | null;
  error?: string;
  latencyMs: number;
}

export type { ShardChangeOp } from '../../core/shard/config-cache';

/** ShardLayer is the gateway and coordinator of a simulated sharded cluster (see the file comment). */
export class ShardLayer {
  readonly history: HistoryOp[] = [];
  /** log: the shard events (configurations taken, shards installed and collected), for reports and tests. */
  readonly events: { t: number; kind: string; detail: Record<string, unknown> }[] = [];
  readonly statuses = new Map<string, GroupShardStatus>();
  /**
   * statusAskedAt: for each group in `statuses`, the virtual time its status read was sent.
   * An answer describes the group somewhere between then and its arrival, so a check that
   * must see the group after an event (a heal) accepts only reads asked after it.
   */
  readonly statusAskedAt = new Map<string, number>();
  /** configs: the controller's configurations as this layer knows them. */
  private readonly configs: ConfigCache;
  private readonly sender: GroupSender;
  private readonly sessions: ShardSessions;
  private readonly puller: PagePuller;
  private processes = 0;
  private closed = false;

  /**
   * `name` tells layers apart (their sessions, their random streams). A layer made with
   * `coordinate: false` is a gateway only: it learns a new configuration only when a group
   * answers wrong-group — a client router that lags the one that moves shards.
   */
  constructor(
    private readonly sim: ShardedSim,
    private readonly o: { name: string; coordinate: boolean } = { name: 'c', coordinate: true },
  ) {
    this.sender = new GroupSender(sim, streamRng(sim.seed, SHARD_STREAM, 100, o.name.charCodeAt(0)));
    this.sessions = new ShardSessions(o.name, 256 * sim.scheme.shards);
    this.puller = new PagePuller(this.pullIo(), () => this.closed);
    this.configs = new ConfigCache(
      sim.scheme,
      (key) => this.readConfig(key),
      (c) => this.note('shard-config', { config: c.num, shards: c.shards }),
    );
  }

  /** start joins every group that is not a spare, then runs the coordinator every COORDINATE_MS until close (a gateway only reads the configuration). */
  async start(): Promise<void> {
    if (!this.o.coordinate) return this.refresh();
    const groups: Record<string, NodeId[]> = {};
    for (const g of this.sim.groups) if (!g.spare) groups[g.id] = [...g.nodes];
    for (let i = 0; i < 100 && !this.closed; i++) {
      const r = await this.controllerOp({ op: 'join', groups }, 3000);
      if (r.outcome === 'ok') break;
      await this.sim.sleep(50);
    }
    void this.loop();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      await this.coordinate();
      await this.sim.sleep(COORDINATE_MS);
    }
  }

  /** close stops the coordinator (requests in flight still end by their deadlines). */
  close(): void {
    this.closed = true;
  }

  // ----- client requests ------------------------------------------------------------------

  /** request sends one KV op to the group serving its key, following the configuration across wrong-group answers. */
  async request(op: KvOp, timeoutMs: number): Promise<ShardOutcome> {
    const t0 = this.sim.now;
    const process = ++this.processes;
    const key = 'key' in op ? op.key : op.name;
    const shape = historyShape(op);
    this.record(process, 'invoke', shape.f, key, shape.value);
    const shard = shardOf(this.sim.scheme, key);
    const session = op.op === 'get' ? null : this.sessions.take(shard);
    const lent = session ? { client: session.client, seq: session.seq + 1 } : null;
    const r = await this.route(op, shard, t0 + timeoutMs, lent);
    if (session) this.sessions.giveBack(shard, session, lent?.seq ?? 0, r.outcome, r.result);
    const out: ShardOutcome = {
      outcome: r.outcome,
      value: r.result?.value ?? null,
      node: r.node,
      latencyMs: this.sim.now - t0,
    };
    if (r.error !== undefined) out.error = r.error;
    const type = r.outcome === 'ok' ? 'ok' : r.outcome === 'fail' ? 'fail' : 'info';
    this.record(process, type, shape.f, key, op.op === 'get' && r.outcome === 'ok' ? out.value : shape.value);
    return out;
  }

  private async route(
    op: KvOp,
    shard: number,
    deadline: number,
    lent: { client: string; seq: number } | null,
  ): Promise<SendResult> {
    let mayHaveApplied = false;
    let last: SendResult | null = null;
    let wait = 5;
    while (deadline - this.sim.now > 0) {
      const g = this.sim.group(this.config.shards[shard] ?? '');
      if (g && g.id !== 'ctl') {
        last = await this.sender.send(g, op, deadline - this.sim.now, lent);
        if (last.result?.error !== 'wrong-group') break;
        // The group's answer is certainly "not applied here"; an earlier try elsewhere may have been.
        if (last.outcome === 'unknown') mayHaveApplied = true;
      }
      await this.refresh();
      await this.sim.sleep(Math.max(1, Math.min(wait, deadline - this.sim.now)));
      wait = Math.min(wait * 2, 100);
    }
    const r: SendResult = last ?? { outcome: 'fail', result: null, node: null };
    if (last === null || last.result?.error === 'wrong-group') {
      r.outcome = mayHaveApplied ? 'unknown' : 'fail';
      r.error = `timeout: shard ${shard} found no group serving it`;
    }
    if (mayHaveApplied && r.outcome === 'fail' && r.result === null) r.outcome = 'unknown';
    return r;
  }

  private record(process: number, type: HistoryOp['type'], f: string, key: string, value: unknown): void {
    this.history.push({
      index: this.history.length,
      time: Math.round(this.sim.now * NS_PER_MS),
      process,
      type,
      f,
      key,
      value,
    });
  }

  // ----- the controller ------------------------------------------------------------------

  private controllerOp(op: object, ms = ADMIN_TIMEOUT_MS): Promise<SendResult> {
    return this.sender.send(this.sim.controller, { op: 'put', key: ADMIN_KEY, value: JSON.stringify(op) }, ms, {
      client: `${this.o.name}-admin-${++this.processes}`,
      seq: 1,
    });
  }

  /** refresh reads the controller's newest configuration (one read at a time; callers share it). */
  refresh(): Promise<void> {
    return this.configs.refresh();
  }

  /** config is the newest configuration this layer knows. */
  get config(): ShardConfig {
    return this.configs.current;
  }

  private note(kind: string, detail: Record<string, unknown>): void {
    this.events.push({ t: this.sim.now, kind, detail });
  }

  private async readConfig(key: string): Promise<ShardConfig | null> {
    const r = await this.sender.send(this.sim.controller, { op: 'get', key }, ADMIN_TIMEOUT_MS, null);
    return r.outcome === 'ok' ? parseConfig(r.result?.value ?? null) : null;
  }

  /** change runs a move, join or leave on the controller; resolves with null once it made the configuration, else why not. */
  async change(op: ShardChangeOp): Promise<string | null> {
    const g = this.sim.group(op.group);
    if (!g || g.id === 'ctl') return `no group ${op.group}`;
    const body = controllerOpOf(op, g.nodes);
    const r = await this.controllerOp(body, 5000);
    if (r.outcome === 'ok') {
      this.configs.offer(parseConfig(r.result?.value ?? null));
      this.note('shard-change', { ...body, config: this.config.num });
      return null;
    }
    if (r.result?.error === 'controller-refused') return r.result.value ?? 'refused';
    return `the shard controller did not answer: ${r.error ?? r.outcome}`;
  }

  // ----- the coordinator ------------------------------------------------------------------

  private async coordinate(): Promise<void> {
    await this.refresh();
    const groups = this.sim.groups;
    const askedAt = this.sim.now;
    const read = await Promise.all(groups.map((g) => this.readStatus(g)));
    read.forEach((st, i) => {
      const id = groups[i]?.id;
      if (id === undefined) return;
      if (st) {
        this.statuses.set(id, st);
        this.statusAskedAt.set(id, askedAt);
      } else {
        this.statuses.delete(id);
        this.statusAskedAt.delete(id);
      }
    });
    await Promise.all(groups.map((g) => this.advance(g)));
  }

  private async readStatus(g: SimGroup): Promise<GroupShardStatus | null> {
    const r = await this.sender.send(g, { op: 'get', key: STATUS_KEY }, ADMIN_TIMEOUT_MS, null);
    return r.outcome === 'ok' ? groupStatus(r.result?.value ?? null) : null;
  }

  private async advance(g: SimGroup): Promise<void> {
    const st = this.statuses.get(g.id);
    if (!st || this.closed) return;
    for (const act of planGroup(st, this.config.num)) {
      if (act.a === 'config') {
        const next = await this.configs.at(act.num);
        if (next) await this.groupOp(g, { a: 'config', config: next });
      } else if (act.a === 'pull') {
        const held = st.shards.find((s) => s.shard === act.shard)?.parts ?? 0;
        const from = this.puller.start({ group: g.id, shard: act.shard, config: act.config, from: act.from }, held);
        if (from !== null) this.note('shard-pull', { shard: act.shard, config: act.config, to: g.id, part: from });
      } else await this.maybeCollect(g, act.shard, act.config);
    }
  }

  /** pullIo is the paged transfer's I/O in the simulator: the lab's steps over simulated groups and the network between them. */
  private pullIo(): PullIo {
    return {
      read: async (t, part) => {
        const src = this.sim.group(t.from);
        if (!src) return { ok: false };
        const r = await this.sender.send(
          src,
          { op: 'get', key: exportPageKey(t.shard, t.config, part) },
          ADMIN_TIMEOUT_MS,
          null,
        );
        const text = r.outcome === 'ok' ? (r.result?.value ?? null) : null;
        // Not frozen yet, or unreachable: next pass. Past the last page (a lagging status): start again from what it shows.
        if (text === null) return { ok: false, restart: r.outcome === 'ok' && part > 0 };
        const page = decodeExportPage(text);
        return typeof page === 'string' ? { ok: false } : { ok: true, value: page };
      },
      carry: (t, _part, page) => {
        const src = this.sim.group(t.from);
        const dst = this.sim.group(t.group);
        return this.carry(src ? this.sim.leaderOf(src) : null, dst ? this.sim.leaderOf(dst) : null, page.data.length);
      },
      propose: async (t, cmd) => {
        const g = this.sim.group(t.group);
        if (!g) return { ok: false };
        const r = await this.adminSend(g, cmd);
        if (r.outcome === 'ok') return { ok: true, value: r.result?.value ?? '' };
        return { ok: false, restart: r.result?.error === 'shard-stale' };
      },
      took: (t, part, page, answer) => {
        if (!answer.endsWith('already held'))
          this.note('shard-part', {
            shard: t.shard,
            config: t.config,
            from: t.from,
            to: t.group,
            part,
            pages: page.pages,
          });
        else this.note('shard-part-repeat', { shard: t.shard, config: t.config, to: t.group, part });
      },
      installed: (t, pages) =>
        this.note('shard-installed', { shard: t.shard, config: t.config, from: t.from, to: t.group, pages }),
    };
  }

  /** carry takes `bytes` from one leader to another over the network between groups; false if a cut or a loss stops it. */
  private async carry(from: NodeId | null, to: NodeId | null, bytes: number): Promise<boolean> {
    if (from === null || to === null) return false;
    await this.sim.sleep(CARRY_MS + bytes / 1024);
    return this.sim.cross.linkUp(from, to) && !this.sim.cross.drawDrop(from, to);
  }

  private async maybeCollect(g: SimGroup, shard: number, config: number): Promise<void> {
    const cfg = await this.configs.at(config);
    const owner = cfg?.shards[shard];
    if (!owner || !installedAt(this.statuses.get(owner), shard, config)) return;
    if (await this.groupOp(g, { a: 'gc', shard, config })) this.note('shard-collected', { shard, config, group: g.id });
  }

  private adminSend(g: SimGroup, cmd: GroupCommand): Promise<SendResult> {
    return this.sender.send(g, { op: 'put', key: ADMIN_KEY, value: JSON.stringify(cmd) }, ADMIN_TIMEOUT_MS, {
      client: `${this.o.name}-admin-${++this.processes}`,
      seq: 1,
    });
  }

  private async groupOp(g: SimGroup, cmd: GroupCommand): Promise<boolean> {
    const r = await this.adminSend(g, cmd);
    if (r.outcome === 'ok' && cmd.a === 'config')
      this.note('shard-group-config', { group: g.id, config: cmd.config.num });
    return r.outcome === 'ok';
  }
}
