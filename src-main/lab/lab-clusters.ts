/**
 * LabClusters is the lab's cluster lifecycle: it creates a cluster (one creation at a time),
 * reopens a kept one on its own files, tears the running one down, and lists and deletes
 * the kept clusters. It owns the running cluster and what lives as long as it does (the
 * live checker, the shard lab, the membership driver). LabService delegates here.
 */
import type { ClusterSettings, ClusterView, LabEvent } from '../api/contract';
import type { NodeId } from '../core/types';
import { UNSAFE_DEFAULTS, unsafeProtocolError } from '../core/unsafe';
import { closeCluster, openCluster, type Cluster } from './cluster';
import { createKept, deleteKept, findKept, listKept, reopenKept, type KeptCluster } from './cluster-store';
import { LabError } from './lab-error';
import { fileOp } from './lab-run-files';
import { checkRecorder, type CheckEngine, type LiveCheck } from './live-check';
import { readMembers } from './members-file';
import { Membership } from './membership';
import type { PauseOnControl } from './pause-on';
import type { RemoteNodes } from './remote-nodes';
import type { ShardLab } from './shard-lab';
import type { NodeSlot } from './shard-layout';
import { shardSlotsFor, startShardLab } from './shard-service';
import { defaultSpawnNode, type SpawnNode } from './supervisor';

/** DEFAULT_SETTINGS are a fresh lab's cluster settings (etcd's timer defaults). */
export const DEFAULT_SETTINGS: ClusterSettings = {
  nodes: 3,
  protocol: 'raft',
  heartbeatMs: 100,
  electionMs: 1000,
  seed: 1,
};

/** LabClusterOptions are the service options that shape each cluster it starts (see LabServiceOptions). */
export interface LabClusterOptions {
  /** resume: start() reopens the most recently opened cluster in clustersDir, if there is one, instead of creating one. */
  resume?: boolean;
  settings?: Partial<ClusterSettings>;
  /** spawnNode: how a node process is started (Electron starts nodes differently). */
  spawnNode?: SpawnNode;
  tickMs?: number;
  snapshotEvery?: number;
  /** maxStoreBytes: each node's state-machine byte limit (a write past it fails with 'store-full'). */
  maxStoreBytes?: number;
  /** readyTimeoutMs: how long createCluster waits for every node's 'ready'. */
  readyTimeoutMs?: number;
  /** checker: where the live linearizability checker runs (default: a worker thread; see lab/live-check.ts). */
  checker?: CheckEngine;
}

/** LabClustersDeps is what the lifecycle needs from the lab: its folders, options and how to report. */
export interface LabClustersDeps {
  dataDir: string;
  clustersDir: string;
  opts: LabClusterOptions;
  remote: RemoteNodes | null;
  pauseOn: PauseOnControl;
  timeScale(): number;
  emit(e: LabEvent): void;
  hasListeners(): boolean;
  clusterChanged(): void;
  /** view is the running cluster's view (LabService adds the pause-on state). */
  view(): ClusterView;
}

/** shardSlotsOr400 is the sharded cluster's node slots, or a 400 saying why the settings do not fit. */
function shardSlotsOr400(settings: ClusterSettings, remote: boolean): NodeSlot[] | undefined {
  try {
    return shardSlotsFor(settings, remote);
  } catch (e) {
    throw new LabError(400, (e as Error).message);
  }
}

/** LabClusters runs the lab's cluster lifecycle (see the file comment). */
export class LabClusters {
  private running: Cluster | null = null;
  /** folder: the kept folder of the current cluster (or of the one being opened). */
  private folder: KeptCluster | null = null;
  private creating: Promise<ClusterView> | null = null;
  private stopped = false;
  /** liveCheck: the live verdict of the current run's client history. */
  private liveCheck: LiveCheck | null = null;
  /** shardLab: the shard controller, routing and mover of a sharded cluster (null: one group). */
  private shardLab: ShardLab | null = null;
  /** membership drives the current cluster's membership changes (null without a cluster). */
  private membership: Membership | null = null;

  constructor(private readonly d: LabClustersDeps) {}

  /** cur is the running cluster, or null. */
  get cur(): Cluster | null {
    return this.running;
  }

  /** checker is the running cluster's live checker, or null. */
  get checker(): LiveCheck | null {
    return this.liveCheck;
  }

  /** sharded is the running cluster's shard lab, or null for one group. */
  get sharded(): ShardLab | null {
    return this.shardLab;
  }

  /** members is the running cluster's membership driver, or null. */
  get members(): Membership | null {
    return this.membership;
  }

  /** currentName names the running cluster's folder (null when none runs). */
  get currentName(): string | null {
    return this.running ? (this.folder?.name ?? null) : null;
  }

  /** keptClusters lists the kept clusters, the most recently opened first, marking the running one. */
  async keptClusters(): Promise<(KeptCluster & { current: boolean })[]> {
    const current = this.currentName;
    return (await listKept(this.d.clustersDir)).map((k) => ({ ...k, current: k.name === current }));
  }

  /** reopen replaces the running cluster with the kept cluster `name`, its nodes on their own SQLite files. */
  async reopen(name: string): Promise<ClusterView> {
    const k = await fileOp(() => findKept(this.d.clustersDir, name));
    return this.serialized(() => this.doCreate({}, k));
  }

  /** remove deletes the kept cluster `name` with its files; the running one is refused (409). */
  async remove(name: string): Promise<void> {
    if (name === this.currentName)
      throw new LabError(409, `${name} is the running cluster: open or create another one before deleting it`);
    await fileOp(() => deleteKept(this.d.clustersDir, name));
  }

  /** start reopens the last cluster (with `resume`, when there is one) or creates the first one from the options' settings. */
  async start(): Promise<ClusterView> {
    // Remote agents may connect as soon as the listener is up: they wait for a cluster (503) until one is bound.
    if (this.d.remote && !this.d.remote.address) await this.d.remote.listen();
    const last = this.d.opts.resume ? (await listKept(this.d.clustersDir))[0] : undefined;
    return last ? this.serialized(() => this.doCreate({}, last)) : this.create(this.d.opts.settings ?? {});
  }

  /** create replaces the running cluster with a new one from settings `s` (the rest from the cluster before). */
  async create(s: Partial<ClusterSettings>): Promise<ClusterView> {
    return this.serialized(() => this.doCreate(s));
  }

  /** endpoints tells where the router and each node's client port listen in the running cluster `c` (diagnostics, tests). */
  endpoints(c: Cluster): {
    routerPort: number;
    nodes: { id: NodeId; pid: number | null; clientPort: number | null }[];
  } {
    return {
      routerPort: c.router.port,
      nodes: [...c.supervisor.nodes.values()].map((h) => ({ id: h.id, pid: h.pid, clientPort: h.clientPort })),
    };
  }

  /** nodePids lists the running node processes' pids (tests check none outlives the host). */
  nodePids(): number[] {
    if (!this.running) return [];
    return [...this.running.supervisor.nodes.values()]
      .filter((h) => !h.remote)
      .map((h) => h.pid)
      .filter((p): p is number => p !== null);
  }

  /** refuse makes every later creation fail: the lab is shutting down. */
  refuse(): void {
    this.stopped = true;
  }

  /** creationDone resolves once the creation in progress, if any, has ended (either way). */
  async creationDone(): Promise<void> {
    if (this.creating) await this.creating.catch(() => undefined);
  }

  /** serialized runs one cluster creation at a time. */
  private async serialized(make: () => Promise<ClusterView>): Promise<ClusterView> {
    if (this.stopped) throw new LabError(409, 'the lab is shutting down');
    if (this.creating) await this.creating.catch(() => undefined);
    const p = make();
    this.creating = p;
    try {
      return await p;
    } finally {
      if (this.creating === p) this.creating = null;
    }
  }

  /** doCreate starts a new cluster from settings `s`, or reopens the kept cluster `reopen` on its own files. */
  private async doCreate(s: Partial<ClusterSettings>, reopen?: KeptCluster): Promise<ClusterView> {
    const settings: ClusterSettings = reopen
      ? { ...reopen.settings }
      : { ...DEFAULT_SETTINGS, ...(this.running?.settings ?? this.d.opts.settings ?? {}), ...s };
    if (!reopen && s.seed === undefined && this.running) settings.seed = this.running.settings.seed + 1;
    // Unsafe modes are never inherited from the cluster before: omitted means safe. A
    // reopened cluster keeps its own (its files were written under them).
    settings.unsafe = { ...UNSAFE_DEFAULTS, ...(reopen ? reopen.settings.unsafe : s.unsafe) };
    // Sharding is never inherited from the cluster before: a new cluster is sharded only when asked.
    const shards = reopen
      ? reopen.settings.shards
      : (s.shards ?? (this.running ? undefined : this.d.opts.settings?.shards));
    if (shards) settings.shards = shards;
    else delete settings.shards;
    const slots = shardSlotsOr400(settings, this.d.remote !== null);
    const misfit = unsafeProtocolError(settings.protocol, settings.unsafe);
    if (misfit) throw new LabError(400, misfit);
    await this.teardown();
    this.folder = reopen ? await reopenKept(reopen) : await createKept(this.d.clustersDir, settings);
    const members = reopen ? await readMembers(this.folder.dir) : null;
    const cluster = await openCluster({
      settings,
      members,
      dataDir: this.d.dataDir,
      runDir: this.folder.dir,
      timeScale: this.d.timeScale(),
      spawnNode: this.d.opts.spawnNode ?? defaultSpawnNode,
      ...(this.d.remote ? { remote: this.d.remote } : {}),
      ...(slots ? { slots } : {}),
      ...(this.d.opts.tickMs !== undefined ? { tickMs: this.d.opts.tickMs } : {}),
      ...(this.d.opts.snapshotEvery !== undefined ? { snapshotEvery: this.d.opts.snapshotEvery } : {}),
      ...(this.d.opts.maxStoreBytes !== undefined ? { maxStoreBytes: this.d.opts.maxStoreBytes } : {}),
      onRecord: (r) => {
        if (this.d.hasListeners()) this.d.emit({ type: 'log', record: r });
        if (this.running && this.d.pauseOn.observe(this.running, r)) this.d.clusterChanged();
      },
      onChange: () => this.d.clusterChanged(),
    });
    this.running = cluster;
    this.startChecker(cluster);
    this.membership = new Membership({
      cluster,
      used: members?.used ?? [],
      readyTimeoutMs: this.d.opts.readyTimeoutMs ?? 60_000,
      timeScale: () => this.d.timeScale(),
      changed: () => this.d.clusterChanged(),
    });
    const readyMs = this.d.opts.readyTimeoutMs ?? 60_000;
    // Remote slots fill when their agents connect; the cluster does not wait for them.
    const local = [...cluster.supervisor.nodes.values()].filter((h) => !h.remote).map((h) => h.id);
    await Promise.all(local.map((id) => cluster.supervisor.waitReady(id, readyMs))).catch((e: Error) => {
      throw new LabError(500, `the cluster did not start: ${e.message}`);
    });
    this.shardLab = await startShardLab(cluster, readyMs);
    this.d.clusterChanged();
    return this.d.view();
  }

  /** startChecker feeds every client-history event of the new run to a fresh live checker. */
  private startChecker(c: Cluster): void {
    const checker: LiveCheck = checkRecorder(c.recorder, this.d.opts.checker, (v) => {
      if (this.liveCheck === checker) this.d.emit({ type: 'check', check: v });
    });
    this.liveCheck = checker;
    // A new run starts with a clean verdict: say so, or the header would keep the old run's.
    this.d.emit({ type: 'check', check: checker.verdict() });
  }

  /** teardown closes the running cluster (its checker, shard lab, membership driver, processes and files). */
  async teardown(): Promise<void> {
    const checker = this.liveCheck;
    this.liveCheck = null;
    await checker?.close();
    this.shardLab?.close();
    this.shardLab = null;
    const c = this.running;
    if (!c) return;
    // Frozen nodes must run again to hear the shutdown.
    this.d.pauseOn.thaw(c);
    this.d.pauseOn.reset();
    this.membership?.close();
    this.membership = null;
    this.running = null;
    await closeCluster(c);
  }
}
