/**
 * LabFaults are the faults a user injects into the running cluster: node crashes, restarts,
 * pauses and disk damage, and network cuts and link rules. Each is recorded in the run log
 * before or as it happens. LabService delegates its fault calls here.
 */
import type { ClusterView, DamageKind, DamageResult, LinkRule } from '../api/contract';
import type { PresetRequest } from '../api/scenario-api';
import type { NodeId } from '../core/types';
import type { NodeInspect } from '../node/contract';
import { presetCuts } from '../scenario/presets';
import type { Cluster } from './cluster';
import { LabError } from './lab-error';
import type { ShardLab } from './shard-lab';
import type { NodeHandle } from './supervisor';

/** REMOTE_CONFIRM_MS: how long a remote node's agent may take to confirm a command (its SIGKILL) before the call fails. */
const REMOTE_CONFIRM_MS = 5000;

/** confirmed waits for `p`, or fails with a 504 saying `what` after REMOTE_CONFIRM_MS (a remote agent may never answer). */
async function confirmed(p: Promise<void>, what: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new LabError(504, `${what} within ${REMOTE_CONFIRM_MS} ms`)), REMOTE_CONFIRM_MS);
  });
  try {
    await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** LabFaultsDeps is what the faults need from the lab: its running cluster and how to report a change. */
export interface LabFaultsDeps {
  /** need is the running cluster, or a 409. */
  need(): Cluster;
  /** node is the running cluster's node `id`, or a 404. */
  node(id: NodeId): NodeHandle;
  /** sharded is the running cluster's shard lab, or null for one group. */
  sharded(): ShardLab | null;
  /** readyTimeoutMs is how long a restarted node may take to be ready. */
  readyTimeoutMs(): number;
  clusterChanged(): void;
  view(): ClusterView;
}

/** LabFaults injects the user's faults (see the file comment). */
export class LabFaults {
  constructor(private readonly d: LabFaultsDeps) {}

  /** crash SIGKILLs node `id` (a remote node's agent must confirm it) and forgets its client connections. */
  async crash(id: NodeId): Promise<ClusterView> {
    const h = this.d.node(id);
    if (h.state === 'down') throw new LabError(409, `${id} is already down`);
    const c = this.d.need();
    c.recorder.record('crash', { node: id, pid: h.pid });
    const exited = c.supervisor.waitExit(id);
    c.supervisor.crash(id);
    if (h.remote) await confirmed(exited, `${id}'s agent on ${h.remote.host ?? 'its host'} did not confirm the crash`);
    else await exited;
    c.gateway.dropConn(id);
    this.d.sharded()?.dropConn(id);
    this.d.clusterChanged();
    return this.d.view();
  }

  /** restart starts a crashed node again on its own SQLite file and waits until it is ready. */
  async restart(id: NodeId): Promise<ClusterView> {
    const h = this.d.node(id);
    if (h.state !== 'down') throw new LabError(409, `${id} is ${h.state}; crash it before restarting it`);
    if (h.damaging) throw new LabError(409, `${id}'s file is being damaged; restart it when that is done`);
    if (h.remote && !h.remote.control)
      throw new LabError(
        409,
        `${id} runs on another host and no agent is connected for it: start \`quorum-lab node --join …\` there (or wait until its link is back)`,
      );
    const c = this.d.need();
    c.recorder.record('restart', { node: id });
    h.status = null;
    c.supervisor.start(id);
    await c.supervisor.waitReady(id, this.d.readyTimeoutMs()).catch((e: Error) => {
      throw new LabError(500, e.message);
    });
    this.d.clusterChanged();
    return this.d.view();
  }

  /**
   * damage inflicts a disk fault (core/recovery/damage.ts) on a stopped node's SQLite file,
   * the way the simulator damages its stores. Restarted, the node finds the damage, says so
   * and recovers from its peers (it votes again only once it has caught up).
   */
  async damage(id: NodeId, kind: DamageKind): Promise<DamageResult> {
    const h = this.d.node(id);
    if (h.state !== 'down')
      throw new LabError(409, `${id} is ${h.state}; crash it first: a disk is damaged while its node is down`);
    if (h.damaging) throw new LabError(409, `${id}'s file is already being damaged`);
    if (h.remote) throw new LabError(409, `${id} runs on another host: its file is not on this machine to damage`);
    const c = this.d.need();
    let what: string | null;
    try {
      what = await c.supervisor.damage(id, kind);
    } catch (e) {
      throw new LabError(500, `could not damage ${id}'s file: ${(e as Error).message}`);
    }
    if (what === null) throw new LabError(409, `${id}'s file holds nothing a ${kind} fault could damage yet`);
    c.recorder.record('damage', { node: id, fault: kind, what });
    h.damaged = true;
    this.d.clusterChanged();
    return { node: id, kind, what };
  }

  /** pause SIGSTOPs a running node. */
  async pause(id: NodeId): Promise<ClusterView> {
    const h = this.d.node(id);
    if (h.state !== 'up') throw new LabError(409, `${id} is ${h.state}; only a running node can be paused`);
    const c = this.d.need();
    c.supervisor.pause(id);
    c.recorder.record('pause', { node: id, pid: h.pid });
    this.d.clusterChanged();
    return this.d.view();
  }

  /** resume SIGCONTs a paused node. */
  async resume(id: NodeId): Promise<ClusterView> {
    const h = this.d.node(id);
    if (h.state !== 'paused') throw new LabError(409, `${id} is ${h.state}; only a paused node can be resumed`);
    const c = this.d.need();
    c.supervisor.resume(id);
    c.recorder.record('resume', { node: id, pid: h.pid });
    this.d.clusterChanged();
    return this.d.view();
  }

  /** inspect asks a running node for its state and its last log entries. */
  async inspect(id: NodeId): Promise<NodeInspect> {
    const h = this.d.node(id);
    if (h.state === 'down') throw new LabError(409, `${id} is down; restart it to inspect it`);
    if (h.state === 'paused') throw new LabError(409, `${id} is paused; resume it to inspect it`);
    try {
      return await this.d.need().supervisor.inspect(id, 50);
    } catch (e) {
      throw new LabError(503, (e as Error).message);
    }
  }

  /** checkIds checks that every id is one of the cluster's nodes (404 otherwise). */
  checkIds(ids: NodeId[]): void {
    for (const id of ids) this.d.node(id);
  }

  /** partition cuts every link between the groups. */
  async partition(groups: NodeId[][]): Promise<ClusterView> {
    const c = this.d.need();
    this.checkIds(groups.flat());
    c.router.partition(groups);
    c.recorder.record('partition', { groups: c.router.partitionGroups() });
    this.d.clusterChanged();
    return this.d.view();
  }

  /** heal removes every cut and link rule. */
  async heal(): Promise<ClusterView> {
    const c = this.d.need();
    c.router.heal();
    c.recorder.record('heal', {});
    this.d.clusterChanged();
    return this.d.view();
  }

  /** partitionPreset cuts the network into a named shape (scenario/presets.ts): groups, or one-way cuts of links. */
  async partitionPreset(req: PresetRequest): Promise<ClusterView> {
    const c = this.d.need();
    this.checkIds([req.node, req.from, req.to].filter((x): x is NodeId => x !== undefined));
    const v = this.d.view();
    let cuts;
    try {
      cuts = presetCuts(req.preset, [...c.supervisor.nodes.keys()], { leader: v.leader, ...req });
    } catch (e) {
      throw new LabError(409, (e as Error).message);
    }
    c.recorder.record('partition-preset', { ...req });
    if ('groups' in cuts) return this.partition(cuts.groups);
    for (const [from, to] of cuts.cuts) c.router.setLink({ from, to, blocked: true });
    c.recorder.record('link-rule', { cuts: cuts.cuts.map(([f, t]) => `${f}>${t}`), blocked: true });
    this.d.clusterChanged();
    return this.d.view();
  }

  /** setLink sets one directed link's rule (or both directions' with `both`). */
  async setLink(rule: Partial<LinkRule> & { from: NodeId; to: NodeId; both?: boolean }): Promise<ClusterView> {
    const c = this.d.need();
    this.checkIds([rule.from, rule.to]);
    const { both, ...r } = rule;
    c.router.setLink(r);
    if (both) c.router.setLink({ ...r, from: r.to, to: r.from });
    c.recorder.record('link-rule', { ...r, both: both === true });
    this.d.clusterChanged();
    return this.d.view();
  }
}
