/**
 * LabService implements LabApi (api/commands.ts): it owns one cluster at a time — its
 * node processes (Supervisor), the fault-injecting Router, the client Gateway and the
 * Recorder — and emits LabEvents. It knows nothing of HTTP or Electron: the web host and
 * the Electron IPC adapter both call it in-process, after validating input with
 * api/schemas.ts. Errors a user can cause (unknown node, a node already down, …) are
 * thrown as LabError with an HTTP-like status.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type {
  BalanceAlgorithm,
  CheckVerdict,
  ClusterSettings,
  ClusterView,
  DamageKind,
  DamageResult,
  ExportResult,
  FencedWriteRequest,
  HistoryOp,
  HistoryQuery,
  KvRequest,
  KvResponse,
  LabEvent,
  LinkRule,
  LoadRequest,
  LoadSummary,
  LockRequest,
  MessageBody,
  PauseOn,
  RenewRequest,
  RunLogRecord,
  SavedRun,
  UnlockRequest,
} from '../api/contract';
import type { LabApi, LabVersion } from '../api/commands';
import type { WhyAnswer } from '../api/explain/types';
import { PROTOCOLS } from '../core/protocols';
import { version as labVersion } from '../../package.json';
import type { NodeId } from '../core/types';
import type { NodeInspect } from '../node/contract';
import { clusterView, type Cluster } from './cluster';
import type { KeptCluster } from './cluster-store';
import type { ShardMove, ShardsView } from '../api/shards';
import type { CheckEngine } from './live-check';
import { PauseOnControl } from './pause-on';
import type { Recorder } from './recorder';
import { RemoteNodes, type RemoteNodesOptions } from './remote-nodes';
import type {
  PresetRequest,
  ScenarioAction,
  ScenarioInfo,
  ScenarioStartRequest,
  ScenarioState,
} from '../api/scenario-api';
import { listScenarios, ScenarioSession } from '../scenario/session';
import { TargetError } from '../scenario/target';
import type { NodeHandle } from './supervisor';
import { LabError } from './lab-error';
import { LabRequests } from './lab-requests';
import { LabFaults } from './lab-faults';
import { LabGroups } from './lab-groups';
import { LabRecord } from './lab-record';
import { LabControls } from './lab-controls';
import { exportRun as exportRunFiles, openRun as openRunFiles } from './lab-run-files';
import { LabClusters, type LabClusterOptions } from './lab-clusters';

/** LabError is re-exported here: the service's importers take it from lab-service.ts (see lab-error.ts). */
export { LabError } from './lab-error';

/** DEFAULT_SETTINGS are re-exported here for the service's importers (see lab-clusters.ts). */
export { DEFAULT_SETTINGS } from './lab-clusters';

/** LabServiceOptions configure the service (the cluster options are in lab-clusters.ts). */
export interface LabServiceOptions extends LabClusterOptions {
  /** dataDir: where exported runs go (default: a new temp dir). */
  dataDir?: string;
  /** clustersDir: where each cluster keeps its folder — node files, settings, run log (default dataDir/clusters; see cluster-store.ts). */
  clustersDir?: string;
  /** remote: listen for nodes on other hosts, which fill these slots beside the local nodes (lab/remote-nodes.ts). */
  remote?: RemoteNodesOptions;
}

/** LabListener receives every LabEvent. */
export type LabListener = (e: LabEvent) => void;

/** LabService is the lab (see the file comment). */
export class LabService implements LabApi {
  private readonly dataDir: string;
  private readonly clustersDir: string;
  private readonly listeners = new Set<LabListener>();
  private clusterTimer: NodeJS.Timeout | null = null;
  private readonly pauseOn = new PauseOnControl();
  /** ctx is what the helpers read of the lab; each declares the narrow part it needs (its *Deps interface). */
  private readonly ctx = {
    need: () => this.need(),
    node: (id: NodeId) => this.node(id),
    current: () => this.clusters.cur,
    sharded: () => this.clusters.sharded,
    members: () => this.clusters.members,
    checker: () => this.clusters.checker,
    checkIds: (ids: NodeId[]) => this.faults.checkIds(ids),
    readyTimeoutMs: () => this.opts.readyTimeoutMs ?? 60_000,
    pauseOn: this.pauseOn,
    emit: (e: LabEvent) => this.emit(e),
    clusterChanged: () => this.clusterChanged(),
    view: () => this.view(),
  };
  // The helpers: cluster lifecycle, faults, membership and shards, knobs, record reads, client requests.
  private readonly clusters: LabClusters;
  private readonly faults = new LabFaults(this.ctx);
  private readonly groups = new LabGroups(this.ctx);
  private readonly controls = new LabControls(this.ctx);
  private readonly record = new LabRecord(this.ctx);
  private readonly requests = new LabRequests(this.ctx);
  /** remote: the listener for nodes on other hosts (null: every node is a local process). */
  readonly remote: RemoteNodes | null;
  /** scenarios: the guided scenario playing in this lab (the app's Scenarios panel). */
  private readonly scenarioSession = new ScenarioSession(this, (scenario) => this.emit({ type: 'scenario', scenario }));

  constructor(private readonly opts: LabServiceOptions = {}) {
    this.remote = opts.remote ? new RemoteNodes(opts.remote) : null;
    this.dataDir = resolve(opts.dataDir ?? mkdtempSync(join(tmpdir(), 'quorum-lab-')));
    mkdirSync(this.dataDir, { recursive: true });
    this.clustersDir = resolve(opts.clustersDir ?? join(this.dataDir, 'clusters'));
    this.clusters = new LabClusters({
      ...this.ctx,
      dataDir: this.dataDir,
      clustersDir: this.clustersDir,
      opts,
      remote: this.remote,
      timeScale: () => this.controls.timeScale,
      hasListeners: () => this.listeners.size > 0,
    });
  }

  /** on subscribes to the event stream; returns the unsubscribe function. */
  on(fn: LabListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(e: LabEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        /* a broken listener must not break the lab */
      }
    }
  }

  /** clusterChanged emits a 'cluster' event, coalesced to at most one per 100 ms. */
  private clusterChanged(): void {
    if (this.clusterTimer || this.listeners.size === 0) return;
    this.clusterTimer = setTimeout(() => {
      this.clusterTimer = null;
      if (this.clusters.cur) this.emit({ type: 'cluster', cluster: this.view() });
    }, 100);
  }

  private need(): Cluster {
    if (!this.clusters.cur) throw new LabError(409, 'no cluster is running');
    return this.clusters.cur;
  }

  private node(id: NodeId): NodeHandle {
    const c = this.need();
    const h = c.supervisor.nodes.get(id);
    if (!h)
      throw new LabError(404, `unknown node ${id}: this cluster has ${[...c.supervisor.nodes.keys()].join(', ')}`);
    return h;
  }

  /** dataDirectory is where this lab keeps its runs. */
  get dataDirectory(): string {
    return this.dataDir;
  }

  /** runRecorder is the current run's Recorder (tests inject history through it), or null without a cluster. */
  get runRecorder(): Recorder | null {
    return this.clusters.cur?.recorder ?? null;
  }

  /** runDir is the current run's folder. */
  get runDir(): string | null {
    return this.clusters.cur?.runDir ?? null;
  }

  // ----- kept clusters and the cluster lifecycle: lab-clusters.ts ----------------------------

  /** clustersDirectory is where each cluster keeps its folder. */
  get clustersDirectory(): string {
    return this.clustersDir;
  }

  /** currentClusterName names the running cluster's folder (null when none runs). */
  get currentClusterName(): string | null {
    return this.clusters.currentName;
  }

  /** keptClusters lists the kept clusters, the most recently opened first, marking the running one. */
  async keptClusters(): Promise<(KeptCluster & { current: boolean })[]> {
    return this.clusters.keptClusters();
  }

  /** reopenCluster replaces the running cluster with the kept cluster `name`, its nodes on their own SQLite files. */
  async reopenCluster(name: string): Promise<ClusterView> {
    return this.clusters.reopen(name);
  }

  /** deleteCluster removes the kept cluster `name` with its files; the running one is refused (409). */
  async deleteCluster(name: string): Promise<void> {
    return this.clusters.remove(name);
  }

  /** start reopens the last cluster (with `resume`, when there is one) or creates the first one from the constructor's settings. */
  async start(): Promise<ClusterView> {
    return this.clusters.start();
  }

  /** createCluster replaces the running cluster with a new one from settings `s`. */
  async createCluster(s: Partial<ClusterSettings>): Promise<ClusterView> {
    return this.clusters.create(s);
  }

  /** stop ends the cluster: every node process, the router, the files. */
  async stop(): Promise<void> {
    this.clusters.refuse();
    if (this.clusterTimer) clearTimeout(this.clusterTimer);
    this.clusterTimer = null;
    await this.scenarioSession.stop();
    await this.clusters.creationDone();
    // Remote agents hear 'shutdown' (stop your node and exit) rather than the 'stop' of a closing cluster.
    await this.remote?.close();
    await this.clusters.teardown();
    this.listeners.clear();
  }

  /** endpoints tells where the router and each node's client port listen (diagnostics, tests). */
  endpoints(): { routerPort: number; nodes: { id: NodeId; pid: number | null; clientPort: number | null }[] } {
    return this.clusters.endpoints(this.need());
  }

  /** nodePids lists the running node processes' pids (tests check none outlives the host). */
  nodePids(): number[] {
    return this.clusters.nodePids();
  }

  // ----- views -------------------------------------------------------------------------

  async cluster(): Promise<ClusterView> {
    return this.view();
  }

  private view(): ClusterView {
    return {
      ...clusterView(this.need(), this.controls.timeScale, this.clusters.members?.config()),
      pauseOn: { ...this.pauseOn.on },
      frozen: this.pauseOn.frozen,
    };
  }

  // ----- membership and shards: lab-groups.ts ----------------------------------------------

  /** addNode starts a new node that joins as a learner; it is promoted to voter once caught up (config.pending shows how far). */
  async addNode(req: { id?: NodeId }): Promise<{ id: NodeId }> {
    return this.groups.addNode(req);
  }

  /** removeNode takes a node out of the configuration (a leader hands over first) and stops it. */
  async removeNode(id: NodeId): Promise<ClusterView> {
    return this.groups.removeNode(id);
  }

  /** transfer hands leadership to voter `to` and answers once it leads. */
  async transfer(to: NodeId): Promise<ClusterView> {
    return this.groups.transfer(to);
  }

  /** membershipSettled resolves when no membership change is in flight (tests). */
  async membershipSettled(): Promise<void> {
    return this.groups.membershipSettled();
  }

  /** shards is the sharded cluster's configuration, shards and groups (409 when not sharded). */
  async shards(): Promise<ShardsView> {
    return this.groups.shards();
  }

  /** moveShard moves a shard to another group. */
  async moveShard(req: ShardMove): Promise<ShardsView> {
    return this.groups.moveShard(req);
  }

  /** joinGroup adds a group to the shard configuration. */
  async joinGroup(group: string): Promise<ShardsView> {
    return this.groups.joinGroup(group);
  }

  /** leaveGroup takes a group out of the shard configuration. */
  async leaveGroup(group: string): Promise<ShardsView> {
    return this.groups.leaveGroup(group);
  }

  // ----- controls: lab-controls.ts --------------------------------------------------------

  /** setPauseOn says which events freeze the whole cluster (role changes, commits). */
  async setPauseOn(on: PauseOn): Promise<ClusterView> {
    return this.controls.setPauseOn(on);
  }

  /** continueRun lets a frozen cluster run on (until the next event it pauses on). */
  async continueRun(): Promise<ClusterView> {
    return this.controls.continueRun();
  }

  /** setTimeScale slows the whole run down (or speeds it up) by `scale`. */
  async setTimeScale(scale: number): Promise<ClusterView> {
    return this.controls.setTimeScale(scale);
  }

  /** setBalance picks the gateway's load-balancing algorithm. */
  async setBalance(algorithm: BalanceAlgorithm, weights?: Record<NodeId, number>): Promise<ClusterView> {
    return this.controls.setBalance(algorithm, weights);
  }

  // ----- faults: lab-faults.ts ------------------------------------------------------------

  /** crash SIGKILLs node `id`. */
  async crash(id: NodeId): Promise<ClusterView> {
    return this.faults.crash(id);
  }

  /** restart starts a crashed node again on its own SQLite file. */
  async restart(id: NodeId): Promise<ClusterView> {
    return this.faults.restart(id);
  }

  /** damage inflicts a disk fault on a stopped node's SQLite file. */
  async damage(id: NodeId, kind: DamageKind): Promise<DamageResult> {
    return this.faults.damage(id, kind);
  }

  /** pause SIGSTOPs a running node. */
  async pause(id: NodeId): Promise<ClusterView> {
    return this.faults.pause(id);
  }

  /** resume SIGCONTs a paused node. */
  async resume(id: NodeId): Promise<ClusterView> {
    return this.faults.resume(id);
  }

  /** inspect asks a running node for its state. */
  async inspect(id: NodeId): Promise<NodeInspect> {
    return this.faults.inspect(id);
  }

  /** partition cuts every link between the groups. */
  async partition(groups: NodeId[][]): Promise<ClusterView> {
    return this.faults.partition(groups);
  }

  /** heal removes every cut and link rule. */
  async heal(): Promise<ClusterView> {
    return this.faults.heal();
  }

  /** partitionPreset cuts the network into a named shape (scenario/presets.ts). */
  async partitionPreset(req: PresetRequest): Promise<ClusterView> {
    return this.faults.partitionPreset(req);
  }

  /** setLink sets one directed link's rule (or both directions'). */
  async setLink(rule: Partial<LinkRule> & { from: NodeId; to: NodeId; both?: boolean }): Promise<ClusterView> {
    return this.faults.setLink(rule);
  }

  // ----- guided scenarios (the panel): scenario/session.ts ---------------------------------

  /** scenarios lists the bundled scenarios. */
  async scenarios(): Promise<ScenarioInfo[]> {
    return listScenarios();
  }

  /** scenario is the scenario playing (or last played), or null. */
  async scenario(): Promise<ScenarioState | null> {
    return this.scenarioSession.current();
  }

  /** scenarioStart plays a bundled scenario on a fresh cluster (stopping any playing). */
  async scenarioStart(req: ScenarioStartRequest): Promise<ScenarioState> {
    try {
      return await this.scenarioSession.start(req);
    } catch (e) {
      if (e instanceof TargetError) throw new LabError(e.message.startsWith('no bundled') ? 404 : 409, e.message);
      throw e;
    }
  }

  /** scenarioControl steers the playing scenario: next, auto (do the user's step), stop. */
  async scenarioControl(action: ScenarioAction): Promise<ScenarioState | null> {
    return this.scenarioSession.control(action);
  }

  // ----- client requests: lab-requests.ts -----------------------------------------------

  /** kv runs one put, get, delete or cas through the gateway. */
  async kv(req: KvRequest): Promise<KvResponse> {
    return this.requests.kv(req);
  }

  /** lock asks for a lock (its answer carries the fencing token). */
  async lock(req: LockRequest): Promise<KvResponse> {
    return this.requests.lock(req);
  }

  /** renew extends a held lock's lease. */
  async renew(req: RenewRequest): Promise<KvResponse> {
    return this.requests.renew(req);
  }

  /** unlock releases a held lock. */
  async unlock(req: UnlockRequest): Promise<KvResponse> {
    return this.requests.unlock(req);
  }

  /** fencedWrite writes a key under a lock's fencing token. */
  async fencedWrite(req: FencedWriteRequest): Promise<KvResponse> {
    return this.requests.fencedWrite(req);
  }

  /** load runs a bounded load run (one at a time). */
  async load(req: LoadRequest): Promise<LoadSummary> {
    return this.requests.load(req);
  }

  /** stopLoad ends the running load run early and resolves with its partial summary (409 if none runs). */
  async stopLoad(): Promise<LoadSummary> {
    return this.requests.stopLoad();
  }

  // ----- the record: lab-record.ts -------------------------------------------------------

  /** log is the run log from `sinceSeq`, at most `limit` records. */
  async log(sinceSeq = 0, limit?: number): Promise<RunLogRecord[]> {
    return this.record.log(sinceSeq, limit);
  }

  /** version says which lab this is and what it runs on (GET /api/version). */
  async version(): Promise<LabVersion> {
    const electron = process.versions.electron ?? null;
    return { lab: labVersion, node: process.versions.node, electron, protocols: [...PROTOCOLS] };
  }

  /** why explains why an entry is (not) committed on `id`, or why `id` is in its role. */
  async why(id: NodeId, entry?: number): Promise<WhyAnswer> {
    return this.record.why(id, entry);
  }

  /** history is the client history in memory, or the window a query asks for (api/history-window.ts). */
  async history(q?: HistoryQuery): Promise<HistoryOp[]> {
    return this.record.history(q);
  }

  /** check is the live linearizability verdict of this run's client history (lab/live-check.ts). */
  async check(): Promise<CheckVerdict> {
    return this.record.check();
  }

  /** checkSettled waits until the live checker has caught up (tests, the bench); resolves with its verdict. */
  async checkSettled(timeoutMs = 10_000): Promise<CheckVerdict> {
    return this.record.checkSettled(timeoutMs);
  }

  /** checkEngine says where the live checker runs now (null without a cluster). */
  get checkEngine(): CheckEngine | null {
    return this.clusters.checker?.engineKind ?? null;
  }

  /** message returns a recent message's body by its run-log id (404 when the lab no longer keeps it). */
  async message(id: number): Promise<MessageBody> {
    return this.record.message(id);
  }

  /** exportRun writes the run to a new folder `name` inside the data folder (lab-run-files.ts). */
  async exportRun(name?: string): Promise<ExportResult> {
    return exportRunFiles(
      { dataDir: this.dataDir, need: () => this.need(), sharded: () => this.clusters.sharded },
      name,
    );
  }

  /** openRun reads the saved run `name` (or an export's absolute dir) from the data folder (lab-run-files.ts). */
  async openRun(name?: string): Promise<SavedRun> {
    return openRunFiles(this.dataDir, name);
  }
}
