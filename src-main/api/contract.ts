/**
 * The data of the LabApi contract: what its commands take and answer, and every event the
 * lab emits. The commands themselves (LabApi) are derived from the one command table in
 * ./commands.ts, which the headless host (HTTP + WebSocket), the Electron IPC adapter and
 * the renderer's LabClient all read. Inputs are validated by the schemas in ./schemas.ts
 * before they reach LabService. Everything the renderer shares with the backend lives in
 * src-main/api, so the renderer never imports node/, lab/ or electron/.
 */
import type { KvOp, LockInfo } from '../core/kv/types';
import type { Entry, MessageKind, NodeId, NodeStatus, Role } from '../core/types';
import type { ProtocolName } from '../core/protocols';
import type { DamageKind } from '../core/recovery/damage';
import type { UnsafeSettings } from '../core/unsafe';
import type { Violation } from '../check/types';
import type { ScenarioState } from './scenario-api';
import type { LinkBacklog } from '../core/link-queue';
export type { ProtocolName, DamageKind, LinkBacklog, UnsafeSettings };

/** ClientOutcome: ok = took effect; fail = certainly did not; unknown = may have. */
export type ClientOutcome = 'ok' | 'fail' | 'unknown';

/** NodeInspect is what the node inspector shows. */
export interface NodeInspect {
  status: NodeStatus;
  lastApplied: number;
  /** entries: the last entries of the log (newest last). */
  entries: Entry[];
  dataFile: string;
  /** dataFileBytes: the database and its WAL on disk, walPreallocBytes of zeros included. */
  dataFileBytes: number;
  /** walPreallocBytes: how much of the WAL is zeros written ahead at open (wal-prealloc.ts), not data; absent: none. */
  walPreallocBytes?: number;
  damaged: boolean;
  keys: number;
  locks: LockInfo[];
}

/** DamageResult answers POST /api/nodes/:id/damage: what the disk fault did to the stopped node's file. */
export interface DamageResult {
  node: NodeId;
  kind: DamageKind;
  /** what: e.g. "garbled log entries 93..100". */
  what: string;
}

/** NodeRunState is the OS process's state. */
export type NodeRunState = 'up' | 'down' | 'paused';

/** ClusterNode is one row of GET /api/cluster. */
export interface ClusterNode {
  id: NodeId;
  status: NodeRunState;
  role: Role | null;
  /** term (Raft) or ballot (Paxos). */
  term: number;
  commitIndex: number;
  lastApplied: number;
  lastIndex: number;
  leader: NodeId | null;
  vote: NodeId | null;
  pid: number | null;
  /**
   * damaged: the node found its store damaged and is recovering (the UI says "recovering"):
   * it neither serves nor votes until it has caught up from its peers.
   */
  damaged: boolean;
  /** served / inflight: client requests this node was picked for by the balancer. */
  served: number;
  inflight: number;
  weight: number;
  /** remote: the node runs on another host (`quorum-lab node --join`); absent for the lab's own processes. */
  remote?: boolean;
  /** host: the host name a remote node's agent reported (null until one attached). */
  host?: string | null;
}

/** LinkRule is one directed link's rule; absent fields mean "clean". */
export interface LinkRule {
  from: NodeId;
  to: NodeId;
  latencyMs: number;
  jitterMs: number;
  /** probabilities in 0..1 */
  loss: number;
  duplicate: number;
  blocked: boolean;
  /** bandwidth: the link's rate limit in bytes a second; 0 or absent = unlimited. */
  bandwidth?: number;
  /** queue: in views of a rate-limited link, what waits for the wire right now. */
  queue?: LinkBacklog;
}

import type { BalanceAlgorithm } from '../core/balance/types';
import type { ShardSettings } from './shards';
export type { BalanceAlgorithm };

/** ClusterSettings are the knobs of a cluster (cluster setup panel, POST /api/cluster). */
export interface ClusterSettings {
  nodes: number;
  protocol: ProtocolName;
  heartbeatMs: number;
  electionMs: number;
  seed: number;
  /**
   * unsafe: the safety rules the cluster breaks on purpose (core/unsafe.ts). POST /api/cluster
   * takes any subset (omitted fields, or no `unsafe`, are safe; never inherited from the
   * previous cluster); a cluster's settings hold the complete object. Absent in runs saved
   * before unsafe modes existed: safe.
   */
  unsafe?: UnsafeSettings;
  /** shards: a sharded cluster (a shard controller and `groups` replica groups of `nodes` each); absent: one group. */
  shards?: ShardSettings;
}

/** MembershipStep is where a membership change in flight is. */
export type MembershipStep =
  'starting' | 'adding-learner' | 'catching-up' | 'promoting' | 'transferring' | 'removing' | 'stopping';

/** MembershipChange is the membership change in flight (at most one at a time). */
export interface MembershipChange {
  op: 'add' | 'remove' | 'transfer';
  node: NodeId;
  step: MembershipStep;
  /** index: the log index (Raft) or slot (Multi-Paxos) of the configuration entry in flight, once proposed. */
  index?: number;
  /** sinceMs: wall-clock ms when the change began. */
  sinceMs: number;
}

/**
 * MembershipMethod says how the protocol changes membership: 'single-server' (Raft: one
 * server added or removed at a time, each configuration in force as soon as its entry is
 * in a log) or 'log-window' (Multi-Paxos: the configuration chosen at slot i governs slots
 * after i, and the leader proposes nothing past an unchosen configuration).
 */
export type MembershipMethod = 'single-server' | 'log-window';

/** ClusterConfig is the configuration in force (as the leader, else the most advanced node, has it) and the change in flight. */
export interface ClusterConfig {
  voters: NodeId[];
  learners: NodeId[];
  pending: MembershipChange | null;
  method: MembershipMethod;
}

/** ClusterView is GET /api/cluster. */
export interface ClusterView {
  protocol: ProtocolName;
  settings: ClusterSettings;
  nodes: ClusterNode[];
  /** links: only links with a non-clean rule (partition cuts show as blocked). */
  links: LinkRule[];
  /** groups: the partition groups; one group holding every node when healed. */
  groups: NodeId[][];
  balance: { algorithm: BalanceAlgorithm; weights: Record<NodeId, number> };
  timeScale: number;
  /** runStartedAt: wall-clock ms when the run (and its log's t=0) began. */
  runStartedAt: number;
  /**
   * leader: the node that leads the cluster now, or null (defined by clusterLeader in
   * ./leader.ts). In a sharded cluster, which has no one leader, the shard controller's
   * group's leader; every group's own is in `shardGroups`.
   */
  leader: NodeId | null;
  /** unsafe: the rules this cluster breaks (settings.unsafe, complete); always set by the live lab, absent in an old replay. */
  unsafe?: UnsafeSettings;
  /** pauseOn: what freezes the whole cluster when it happens (absent: nothing). */
  pauseOn?: PauseOn;
  /** frozen: why the whole cluster is frozen now ("n3 became leader (term 4)"), or null/absent when it runs. */
  frozen?: string | null;
  /**
   * config: the membership in force and the change in flight (absent in views rebuilt
   * without it, e.g. old saved runs). In a sharded cluster, the shard controller's group's;
   * every group's own is in `shardGroups`.
   */
  config?: ClusterConfig;
  /** shardGroups: a sharded cluster's groups, the controller's first, each with its own leader and membership (absent: not sharded). */
  shardGroups?: ClusterGroup[];
}

/** ClusterGroup is one consensus group of a sharded cluster: it elects its own leader in its own terms, with its own members. */
export interface ClusterGroup {
  /** id: 'controller' (the shard controller's group) or 'g1', 'g2', … (as shardGroupOf in ./shards.ts names them). */
  id: string;
  /** nodes: the group's node processes in the view. */
  nodes: NodeId[];
  /** leader: the group's leader now (clusterLeader over the group's nodes alone), or null. */
  leader: NodeId | null;
  /** term: the leader's term (or ballot), or null without a leader. */
  term: number | null;
  /** config: the group's membership, read from its leader (else its most advanced running node). */
  config: ClusterConfig;
}

/** PauseOn says which events freeze the cluster (every node SIGSTOPped, the router holding messages) until continued. */
export interface PauseOn {
  /** role: any node's role changes (follower → pre-candidate → candidate → leader, or back). */
  role: boolean;
  /** commit: the cluster's commit index advances. */
  commit: boolean;
}

/** KvRequest is POST /api/kv. */
export interface KvRequest {
  op: 'put' | 'get' | 'delete' | 'cas';
  key: string;
  value?: string;
  expected?: string | null;
  timeoutMs?: number;
  /** node: send to this node only (no redirects, no retries elsewhere); absent = the balancer picks. */
  node?: NodeId;
}

/** KvResponse answers a KvRequest (and lock calls). */
export interface KvResponse {
  outcome: ClientOutcome;
  value: string | null;
  node: NodeId | null;
  latencyMs: number;
  error?: string;
  /** token: a lock's fencing token; for a refused lock the holder's; for a stale-token refusal the newest the resource has seen. */
  token?: number;
  /** expiresInMs: lock calls: how long the grant (a refused lock: the holder's) still runs, in ms. */
  expiresInMs?: number;
}

/** LockRequest is POST /api/lock; RenewRequest /api/lock/renew; UnlockRequest /api/unlock. */
export interface LockRequest {
  name: string;
  ttlMs: number;
  owner: string;
  timeoutMs?: number;
}
export interface RenewRequest {
  name: string;
  ttlMs: number;
  owner: string;
  token: number;
  timeoutMs?: number;
}
export interface UnlockRequest {
  name: string;
  token: number;
  timeoutMs?: number;
}
/** FencedWriteRequest is POST /api/fenced: a write to the demo resource guarded by a token. */
export interface FencedWriteRequest {
  key: string;
  value: string;
  token: number;
  timeoutMs?: number;
}

/** LoadRequest starts a bounded load run through the gateway. */
export interface LoadRequest {
  op: 'put' | 'get';
  count: number;
  clients: number;
  valueBytes?: number;
  keys?: number;
}

/** LoadSummary is the outcome of a load run. */
export interface LoadSummary {
  /** count: operations performed (fewer than asked when the run was stopped). */
  count: number;
  ok: number;
  fail: number;
  unknown: number;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** stopped: the run was ended early (LabService.stopLoad); the numbers cover what was done. */
  stopped?: boolean;
}

/** RunLogRecord is one line of the run log: t in ns since the run began, seq increasing. */
export interface RunLogRecord {
  t: number;
  seq: number;
  kind: string;
  [field: string]: unknown;
}

/** HistoryOp is one line of the client history, Jepsen-style. */
export interface HistoryOp {
  index: number;
  /** time: ns since the run began. */
  time: number;
  process: number;
  type: 'invoke' | 'ok' | 'fail' | 'info';
  f: string;
  key: string;
  value: unknown;
}

/**
 * HistoryQuery is GET /api/history's window (every field optional; none: the whole history in
 * memory): the operations on `key` whose span from invoke to completion meets [from, to] (ns
 * since the run began), at most `limit` of them, oldest invoke first, both events of each.
 */
export interface HistoryQuery {
  key?: string;
  from?: number;
  to?: number;
  limit?: number;
}

/** CheckViolation is a violation as the live verdict reports it: the checker's witness, and when it happened. */
export interface CheckViolation extends Violation {
  /** time: when the operation that could not be placed completed (ns since the run began). */
  time: number;
  /** omitted: window operations left out of this answer (the window is cut to its first MAX_VERDICT_WINDOW). */
  omitted: number;
  /**
   * scope: what the witness was found in — 'window': the live checker's window, whose start
   * stands for the history before it (it comes at once); 'key': the key's whole history in
   * memory (it follows within seconds and replaces it, with writes named rather than summed up).
   */
  scope: 'window' | 'key';
}

/** CheckVerdict is GET /api/check and the 'check' event: the live linearizability verdict of the run's client history. */
export interface CheckVerdict {
  /** linearizable: true (every operation checked so far has a legal order), false (a violation), null (undecided: see reason). */
  linearizable: boolean | null;
  /** ops: client operations completed (ok or unknown; failed ones certainly did not happen). */
  ops: number;
  /** keys: keys (and lock names) seen. */
  keys: number;
  /** lagOps: completed operations the checker has not covered yet. */
  lagOps: number;
  violation: CheckViolation | null;
  /** reason: why linearizable is null (in words), else null. */
  reason: string | null;
}

/** LabEvent is one item of the live event stream (WebSocket /api/events, IPC 'lab:event'). */
export type LabEvent =
  | { type: 'log'; record: RunLogRecord }
  | { type: 'cluster'; cluster: ClusterView }
  | { type: 'load-progress'; done: number; total: number }
  | { type: 'load-done'; summary: LoadSummary }
  | { type: 'check'; check: CheckVerdict }
  | { type: 'scenario'; scenario: ScenarioState };

/** MessageEvent is the shape of send/deliver/drop/duplicate run-log records. */
export interface MessageRecord extends RunLogRecord {
  kind: 'send' | 'deliver' | 'drop' | 'duplicate';
  from: NodeId;
  to: NodeId;
  type: string;
  msgKind: MessageKind;
  term: number;
  /** id links a send to its deliver/drop; sentT/deliverT let the UI draw messages in flight. */
  id: number;
  /** label (send records): the protocol's short description, e.g. `AppendEntries t3 [5..7] c=4`, `Prepare b=2.n3 from 5`. */
  label?: string;
  /** granted (send records of answers): true when the answer grants the request (a vote, a promise, an append ack), false when it refuses. */
  granted?: boolean;
  /** reason (drop records): the rule that dropped it — partition, blocked, loss, down, too-large, held-overflow, queue-full. */
  reason?: string;
  /** loss (drops for loss): the link's loss probability. */
  loss?: number;
  /** inFlight (drops): the rule came into force while the message was on its way. */
  inFlight?: boolean;
}

/** MessageBody is GET /api/messages/:id: one recent message as it crossed the router. */
export interface MessageBody {
  id: number;
  /** bytes: the size of its frame on the wire. */
  bytes: number;
  /** message: the protocol message itself (type, from, to, term and the protocol's fields). */
  message: Record<string, unknown>;
}

/** ExportResult says where a run was written. */
export interface ExportResult {
  dir: string;
  files: string[];
  /** check: check.json's verdict (ok, and its one-line summary). */
  check?: { ok: boolean; summary: string };
}

/** SavedRun is what Open run… loads: enough to replay with no live cluster. */
export interface SavedRun {
  settings: ClusterSettings;
  log: RunLogRecord[];
  history: HistoryOp[];
}

/** KV_OPS lists the ops POST /api/kv accepts. */
export const KV_OPS = ['put', 'get', 'delete', 'cas'] as const;

/** kvOpOf turns a validated KvRequest into the state machine's command. */
export function kvOpOf(r: KvRequest): KvOp {
  switch (r.op) {
    case 'put':
      return { op: 'put', key: r.key, value: r.value ?? '' };
    case 'get':
      return { op: 'get', key: r.key };
    case 'delete':
      return { op: 'delete', key: r.key };
    case 'cas':
      return { op: 'cas', key: r.key, expected: r.expected ?? null, value: r.value ?? '' };
  }
}
