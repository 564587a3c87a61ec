/**
 * LabControls are the knobs of the running cluster that are not faults: the time scale
 * (slow motion), the gateway's load balancing, and pausing on an event (freeze on a role
 * change or a commit, then continue). LabService delegates its control calls here.
 */
import type { BalanceAlgorithm, ClusterView, PauseOn } from '../api/contract';
import type { NodeId } from '../core/types';
import type { Cluster } from './cluster';
import { LabError } from './lab-error';
import type { PauseOnControl } from './pause-on';

/** LabControlsDeps is what the controls need from the lab: its running cluster and how to report a change. */
export interface LabControlsDeps {
  /** need is the running cluster, or a 409. */
  need(): Cluster;
  /** checkIds checks that every id is one of the cluster's nodes (404 otherwise). */
  checkIds(ids: NodeId[]): void;
  pauseOn: PauseOnControl;
  clusterChanged(): void;
  view(): ClusterView;
}

/** LabControls sets the run's knobs (see the file comment). */
export class LabControls {
  /** scale: the time scale the lab runs at (it outlives a cluster: the next one starts at it). */
  private scale = 1;

  constructor(private readonly d: LabControlsDeps) {}

  /** timeScale is the time scale the lab runs at. */
  get timeScale(): number {
    return this.scale;
  }

  /** setPauseOn says which events freeze the whole cluster (role changes, commits); turning both off continues a frozen one. */
  async setPauseOn(on: PauseOn): Promise<ClusterView> {
    const c = this.d.need();
    this.d.pauseOn.on = { role: on.role, commit: on.commit };
    c.recorder.record('pause-on', { ...this.d.pauseOn.on });
    if (!on.role && !on.commit) this.d.pauseOn.thaw(c);
    this.d.clusterChanged();
    return this.d.view();
  }

  /** continueRun lets a frozen cluster run on (until the next event it pauses on). */
  async continueRun(): Promise<ClusterView> {
    const c = this.d.need();
    if (this.d.pauseOn.frozen === null) throw new LabError(409, 'the cluster is not frozen: nothing to continue');
    this.d.pauseOn.thaw(c);
    this.d.clusterChanged();
    return this.d.view();
  }

  /** setTimeScale slows the whole run down (or speeds it up) by `scale`: router delays and node timers alike. */
  async setTimeScale(scale: number): Promise<ClusterView> {
    const c = this.d.need();
    this.scale = scale;
    c.router.setTimeScale(scale);
    c.supervisor.setTimeScale(scale);
    c.recorder.record('time-scale', { scale });
    this.d.clusterChanged();
    return this.d.view();
  }

  /** setBalance picks the gateway's load-balancing algorithm (with weights for the weighted ones). */
  async setBalance(algorithm: BalanceAlgorithm, weights?: Record<NodeId, number>): Promise<ClusterView> {
    const c = this.d.need();
    if (weights) this.d.checkIds(Object.keys(weights));
    c.gateway.setBalance(algorithm, weights);
    c.recorder.record('balance', { algorithm, weights: { ...c.gateway.weights } });
    this.d.clusterChanged();
    return this.d.view();
  }
}
