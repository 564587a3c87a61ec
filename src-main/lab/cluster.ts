/**
 * One cluster of a run: its folder, token, Recorder, Router, Supervisor and Gateway, wired
 * together; plus the views LabService builds from them. LabService owns at most one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ClusterConfig, ClusterNode, ClusterSettings, ClusterView, RunLogRecord } from '../api/contract';
import { clusterLeader } from '../api/leader';
import { DEFAULT_MAX_STORE_BYTES } from '../core/kv/state-machine';
import type { NodeId, NodeStatus } from '../core/types';
import { UNSAFE_DEFAULTS, activeUnsafe } from '../core/unsafe';
import type { NodeConfig } from '../node/contract';
import { Gateway } from './gateway';
import { Recorder } from './recorder';
import { Router } from './router';
import type { Members } from './members-file';
import { RUN_FILES } from './run-files';
import type { NodeSlot } from './shard-layout';
import { withShardGroups } from './shard-view';
import type { RemoteNodes } from './remote-nodes';
import { Supervisor, type NodeHandle, type SpawnNode } from './supervisor';

/** Cluster is everything one running cluster is made of. */
export interface Cluster {
  settings: ClusterSettings;
  runDir: string;
  token: string;
  recorder: Recorder;
  router: Router;
  supervisor: Supervisor;
  gateway: Gateway;
  /** remote: the listener for nodes on other hosts, bound to this cluster (absent: every node is local). */
  remote?: RemoteNodes;
}

/** OpenClusterOptions say where and how to start a cluster. */
export interface OpenClusterOptions {
  settings: ClusterSettings;
  dataDir: string;
  /** runDir: the cluster's own folder (a kept cluster's, see cluster-store.ts); default a new run-… folder in dataDir. */
  runDir?: string;
  timeScale: number;
  spawnNode: SpawnNode;
  tickMs?: number;
  snapshotEvery?: number;
  /** maxStoreBytes: each node's state-machine byte limit (default DEFAULT_MAX_STORE_BYTES; the same on every node). */
  maxStoreBytes?: number;
  /** remote: nodes on other hosts fill its slots, members beside the `settings.nodes` local ones. */
  remote?: RemoteNodes;
  /** members: the nodes to run when the cluster's membership changed (members.json); default n1..n{settings.nodes}. */
  members?: Members | null;
  /** slots: a sharded cluster's nodes, each with its own group's peers and state machine (absent: one group of `settings.nodes`). */
  slots?: NodeSlot[];
  /** onRecord sees every run-log record (subscribed before the first one). */
  onRecord: (r: RunLogRecord) => void;
  /** onChange: something a cluster view shows changed. */
  onChange: () => void;
}

/** openCluster creates the run folder, starts the router and every node process (not waiting for them). */
export async function openCluster(o: OpenClusterOptions): Promise<Cluster> {
  const { settings } = o;
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const runDir = o.runDir ?? join(o.dataDir, `run-${stamp}-${randomBytes(3).toString('hex')}`);
  await mkdir(runDir, { recursive: true });
  const token = randomBytes(16).toString('hex');
  const localIds = o.slots?.map((x) => x.id) ?? Array.from({ length: settings.nodes }, (_, i) => `n${i + 1}`);
  const slotOf = new Map(o.slots?.map((x) => [x.id, x]));
  const remoteIds = o.remote?.slots ?? [];
  // A cluster whose membership changed runs the nodes members.json names (never with remote slots).
  const first = o.members?.first ?? [...localIds, ...remoteIds];
  const ids = o.members?.nodes.map((n) => n.id) ?? first;
  const joining = new Set(o.members?.nodes.filter((n) => n.joining).map((n) => n.id) ?? []);
  const recorder = new Recorder({ logFile: join(runDir, RUN_FILES.log), historyFile: join(runDir, RUN_FILES.history) });
  recorder.onRecord(o.onRecord);
  const router = new Router({
    token,
    nodes: [...ids],
    recorder,
    seed: settings.seed,
    protocol: settings.protocol,
    onQueue: o.onChange,
  });
  const routerPort = await router.listen();
  router.setTimeScale(o.timeScale);
  const tickMs = o.tickMs ?? Math.max(1, Math.min(10, Math.floor(settings.heartbeatMs / 5)));
  const configs: NodeConfig[] = ids.map((id) => ({
    id,
    // A node added after the cluster was made starts again as a joining one (see NodeConfig.joining);
    // a sharded cluster's node knows only its own group.
    peers: slotOf.get(id)?.peers ?? first,
    ...(joining.has(id) ? { joining: true } : {}),
    protocol: settings.protocol,
    dataFile: join(runDir, `${id}.sqlite`),
    routerHost: '127.0.0.1',
    routerPort,
    clientPort: 0,
    token,
    heartbeatMs: settings.heartbeatMs,
    electionMs: settings.electionMs,
    tickMs,
    timeScale: o.timeScale,
    seed: settings.seed,
    snapshotEvery: o.snapshotEvery ?? 10_000,
    maxStoreBytes: o.maxStoreBytes ?? DEFAULT_MAX_STORE_BYTES,
    unsafe: settings.unsafe ?? { ...UNSAFE_DEFAULTS },
    ...(slotOf.get(id) ? { machine: slotOf.get(id)?.machine } : {}),
  }));
  let gateway: Gateway | null = null;
  // The latest role-reason each node sent: its 'role' record says why (the note comes first).
  const reasons = new Map<NodeId, RoleReason>();
  const supervisor = new Supervisor(
    configs,
    o.spawnNode,
    {
      onReady: (h) => {
        recorder.record('node-ready', { node: h.id, pid: h.pid, clientPort: h.clientPort });
        o.onChange();
      },
      onStatus: (h, prev) => {
        recordStatus(recorder, h, prev, reasons.get(h.id));
        // Requests waiting for a leader go to the new one now rather than when their back-off ends.
        if (h.status?.role === 'leader' && prev?.role !== 'leader') gateway?.leaderChanged();
        o.onChange();
      },
      onEvent: (h, kind, detail) => {
        const r = recorder.record(kind, { node: h.id, ...detail });
        if (kind === 'role-reason' && typeof detail.role === 'string' && typeof detail.reason === 'string')
          reasons.set(h.id, { role: detail.role, reason: detail.reason, seq: r.seq });
      },
      onExit: (h, code, signal, expected, fatal) => {
        gateway?.dropConn(h.id);
        router.nodeExited(h.id);
        // A node that died of an error nobody caught said which (node/fatal.ts): the event log shows it.
        const why = fatal ? { error: fatal.message, stack: fatal.stack, origin: fatal.origin } : {};
        recorder.record(expected ? 'node-exit' : 'node-died', { node: h.id, code, signal, ...why });
        o.onChange();
      },
    },
    remoteIds,
  );
  gateway = new Gateway({
    token,
    nodes: [...ids],
    // Session names end up in every node's log and snapshots (SQLite): an independent random
    // id, never a piece of the token.
    clientPrefix: `gw${randomBytes(3).toString('hex')}`,
    portOf: (id) => {
      const h = supervisor.nodes.get(id);
      return h && h.state !== 'down' && h.clientPort !== null ? h.clientPort : null;
    },
    isUp: (id) => supervisor.nodes.get(id)?.state === 'up',
    leader: () => believedLeader(supervisor),
    seed: settings.seed,
  });
  recorder.record('cluster-created', {
    ...settings,
    runDir,
    nodes: [...ids],
    protocol: settings.protocol,
    nodeCount: settings.nodes,
  });
  // A broken rule gets a record of its own, so a reader of run.jsonl cannot miss it.
  const broken = activeUnsafe(settings.unsafe);
  if (broken.length > 0) recorder.record('unsafe', { modes: broken, unsafe: settings.unsafe });
  await writeFile(join(runDir, RUN_FILES.settings), JSON.stringify(settings, null, 2) + '\n');
  if (o.remote) {
    await o.remote.bind({ supervisor, routerPort, token, clusterName: basename(runDir), recorder });
    recorder.record('remote-slots', { slots: remoteIds, listen: o.remote.address });
  }
  // Every node but the remote slots' (their own hosts start those), the ones added later included.
  for (const id of ids) if (!remoteIds.includes(id)) supervisor.start(id);
  return { settings, runDir, token, recorder, router, supervisor, gateway, ...(o.remote ? { remote: o.remote } : {}) };
}

/** closeCluster stops every node, the router and the gateway, and closes the run's files. */
export async function closeCluster(c: Cluster): Promise<void> {
  c.recorder.record('cluster-stopped', {});
  c.gateway.close();
  c.remote?.unbind('the cluster was closed');
  await c.supervisor.stopAll();
  await c.router.close();
  await c.recorder.close();
}

/** believedLeader is the leader with the highest term among running nodes that claim to lead. */
export function believedLeader(sup: Supervisor): NodeId | null {
  let best: NodeStatus | null = null;
  for (const h of sup.nodes.values()) {
    const s = h.status;
    if (h.state !== 'up' || !s || s.role !== 'leader') continue;
    if (!best || s.term > best.term) best = s;
  }
  return best?.id ?? null;
}

/** RoleReason is the last role-reason record a node sent: the role it names, the reason in words, its seq. */
export interface RoleReason {
  role: string;
  reason: string;
  seq: number;
}

/**
 * recordStatus writes role/term/leader/commit changes of a node's status report to the run
 * log. A role record carries the reason the node gave for that role (`reason`, and the seq
 * of its role-reason record); a leader's commit record carries its term and the nodes its
 * progress shows holding the committed index (`quorum`).
 */
export function recordStatus(rec: Recorder, h: NodeHandle, prev: NodeStatus | null, why?: RoleReason): void {
  const s = h.status;
  if (!s) return;
  if (!prev || prev.role !== s.role) {
    // Raft reports a learner as such; its core notes it as a follower.
    const same = why && (why.role === s.role || (s.role === 'learner' && why.role === 'follower'));
    const reason = same ? { reason: why.reason, reasonSeq: why.seq } : {};
    rec.record('role', { node: h.id, role: s.role, term: s.term, from: prev?.role ?? null, ...reason });
  }
  if (!prev || prev.term !== s.term) rec.record('term', { node: h.id, term: s.term, vote: s.vote });
  if (!prev || prev.leader !== s.leader) rec.record('leader', { node: h.id, leader: s.leader, term: s.term });
  if (!prev || prev.commitIndex !== s.commitIndex) {
    const quorum = s.role === 'leader' && s.progress ? { term: s.term, quorum: holders(s) } : {};
    rec.record('commit', { node: h.id, commitIndex: s.commitIndex, ...quorum });
  }
}

/** holders lists the nodes a leader's progress shows holding its commit index (itself included). */
function holders(s: NodeStatus): NodeId[] {
  const progress = s.progress ?? [];
  const out = progress.filter((p) => p.match >= s.commitIndex).map((p) => p.id);
  // Multi-Paxos tracks only the other acceptors: the leader holds what it proposed.
  if (!progress.some((p) => p.id === s.id)) out.unshift(s.id);
  return out;
}

/** clusterView is GET /api/cluster for a cluster (config: the membership in force, which decides whose votes count). */
export function clusterView(c: Cluster, timeScale: number, config?: ClusterConfig): ClusterView {
  const nodes: ClusterNode[] = [...c.supervisor.nodes.values()].map((h) => {
    const s = h.status;
    return {
      id: h.id,
      status: h.state,
      // A new node learns it is a learner only when its own log reaches that entry; the
      // configuration in force (the leader's) says so from the start of its catch-up.
      role:
        h.state === 'down'
          ? null
          : s?.role === 'follower' && config?.learners.includes(h.id)
            ? 'learner'
            : (s?.role ?? null),
      term: s?.term ?? 0,
      commitIndex: s?.commitIndex ?? 0,
      lastApplied: h.lastApplied,
      lastIndex: s?.lastIndex ?? 0,
      leader: h.state === 'down' ? null : (s?.leader ?? null),
      vote: s?.vote ?? null,
      pid: h.pid,
      damaged: h.damaged,
      served: c.gateway.served[h.id] ?? 0,
      inflight: c.gateway.inflight[h.id] ?? 0,
      weight: c.gateway.weights[h.id] ?? 1,
      ...(h.remote ? { remote: true, host: h.remote.host } : {}),
    };
  });
  const groups = c.router.partitionGroups();
  // A sharded cluster says leader and membership per group (lab/shard-view.ts).
  return withShardGroups(c.supervisor, {
    protocol: c.settings.protocol,
    settings: { ...c.settings },
    nodes,
    links: c.router.rules(),
    groups,
    balance: { algorithm: c.gateway.algorithm, weights: { ...c.gateway.weights } },
    timeScale,
    runStartedAt: c.recorder.runStartedAt,
    leader: clusterLeader({ nodes, groups, ...(config ? { config } : {}) }),
    ...(config ? { config } : {}),
    unsafe: { ...(c.settings.unsafe ?? UNSAFE_DEFAULTS) },
  });
}
