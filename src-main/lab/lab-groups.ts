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
}

/** LabGroups runs membership and shard changes (see the file comment). */
export class LabGroups {
  constructor(private readonly d: LabGroupsDeps) {}

  /** membership runs one membership call, turning the driver's refusals into LabErrors. */
  private async membership<T>(fn: (m: Membership) => Promise<T>): Promise<T> {
    this.d.need();
    const m = this.d.members();
    if (!m) throw new LabError(409, 'no cluster is running');
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

  /** joinGroup adds group `group` to the shard configuration. */
  async joinGroup(group: string): Promise<ShardsView> {
    return this.shardChange({ op: 'join', group });
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
