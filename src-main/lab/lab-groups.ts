/**
 * LabGroups changes which nodes form which groups: membership changes of the running
 * cluster (add, remove, leadership transfer: lab/membership.ts) and, in a sharded
 * cluster, which group serves which shard (lab/shard-lab.ts). It turns their refusals
 * into LabErrors. LabService delegates its membership and shard calls here.
 */
import type { ClusterView } from '../api/contract';
import type { ShardMove, ShardsView } from '../api/shards';
import type { NodeId } from '../core/types';
import type { Cluster } from './cluster';
import { LabError } from './lab-error';
import { type Membership, MembershipError } from './membership';
import type { PauseOnControl } from './pause-on';
import { type ShardLab, ShardRefusal } from './shard-lab';
import { startGroup } from './shard-spawn';

/** LabGroupsDeps is what the group changes need from the lab: its running cluster and its drivers. */
export interface LabGroupsDeps {
  /** need is the running cluster, or a 409. */
  need(): Cluster;
  /** members is the running cluster's membership driver, or null. */
  members(): Membership | null;
  /** sharded is the running cluster's shard lab, or null for one group. */
  sharded(): ShardLab | null;
  pauseOn: PauseOnControl;
  view(): ClusterView;
  /** readyTimeoutMs: how long a new node process may take to start. */
  readyTimeoutMs(): number;
  /** clusterChanged: the cluster's view changed. */
  clusterChanged(): void;
}

/** LabGroups runs membership and shard changes (see the file comment). */
export class LabGroups {
  /** starting: a new group's processes are starting (one at a time). */
  private starting = false;

  constructor(private readonly d: LabGroupsDeps) {}

  /** membership runs one membership call, turning the driver's refusals into LabErrors. */
  private async membership<T>(fn: (m: Membership) => Promise<T>): Promise<T> {
    this.d.need();
    const m = this.d.members();
    if (!m) throw new LabError(409, 'no cluster is running');
    // Each group of a sharded cluster has its own members; the cluster grows by whole groups.
    if (this.d.sharded())
      throw new LabError(
        409,
        'a sharded cluster grows and shrinks by groups: join g<N> starts a new one, leave takes one out',
      );
    if (this.d.pauseOn.frozen !== null) throw new LabError(409, 'the cluster is frozen: continue it first');
    try {
      return await fn(m);
    } catch (e) {
      if (e instanceof MembershipError) throw new LabError(e.status, e.message);
      throw e;
    }
  }

  /** addNode starts a new node that joins as a learner; it is promoted to voter once caught up (config.pending shows how far). */
  async addNode(req: { id?: NodeId }): Promise<{ id: NodeId }> {
    return { id: await this.membership((m) => m.add(req.id)) };
  }

  /** removeNode takes a node out of the configuration (a leader hands over first) and stops it. */
  async removeNode(id: NodeId): Promise<ClusterView> {
    await this.membership((m) => m.remove(id));
    return this.d.view();
  }

  /** transfer hands leadership to voter `to` and answers once it leads. */
  async transfer(to: NodeId): Promise<ClusterView> {
    await this.membership((m) => m.transfer(to));
    return this.d.view();
  }

  /** membershipSettled resolves when no membership change is in flight (tests). */
  async membershipSettled(): Promise<void> {
    await this.d.members()?.settled();
  }

  /** shards is the sharded cluster's configuration, shards and groups. */
  async shards(): Promise<ShardsView> {
    return this.needSharded().view();
  }

  /** moveShard moves a shard to another group. */
  async moveShard(req: ShardMove): Promise<ShardsView> {
    return this.shardChange({ op: 'move', ...req });
  }

  /** joinGroup adds group `group` to the shard configuration, first starting its processes if the cluster does not run it yet. */
  async joinGroup(group: string): Promise<ShardsView> {
    const sh = this.needSharded();
    if (!sh.layout.groups.some((g) => g.id === group)) await this.startGroup(sh, group);
    return this.shardChange({ op: 'join', group });
  }

  /** startGroup starts a new group's processes and waits for its leader (lab/shard-spawn.ts). */
  private async startGroup(sh: ShardLab, group: string): Promise<void> {
    if (this.d.pauseOn.frozen !== null) throw new LabError(409, 'the cluster is frozen: continue it first');
    if (this.starting) throw new LabError(409, 'a new group is starting: wait until it has joined');
    this.starting = true;
    try {
      const c = this.d.need();
      const leaderMs = Math.max(10_000, c.settings.electionMs * 20);
      await startGroup(c, sh, group, {
        readyMs: this.d.readyTimeoutMs(),
        leaderMs,
        changed: () => this.d.clusterChanged(),
      });
    } catch (e) {
      throw e instanceof ShardRefusal ? new LabError(e.status, e.message) : e;
    } finally {
      this.starting = false;
    }
  }

  /** leaveGroup takes group `group` out of the shard configuration (its shards move first). */
  async leaveGroup(group: string): Promise<ShardsView> {
    return this.shardChange({ op: 'leave', group });
  }

  /** shardChange runs one shard configuration change, turning its refusal into a LabError. */
  private async shardChange(op: Parameters<ShardLab['change']>[0]): Promise<ShardsView> {
    const sh = this.needSharded();
    await sh.change(op).catch((e: unknown) => {
      throw e instanceof ShardRefusal ? new LabError(e.status, e.message) : e;
    });
    return sh.view();
  }

  /** needSharded is the running cluster's shard lab, or a 409 when it is not sharded. */
  private needSharded(): ShardLab {
    this.d.need();
    const sh = this.d.sharded();
    if (!sh) throw new LabError(409, 'this cluster is not sharded: create one with shards (serve --groups G)');
    return sh;
  }
}
