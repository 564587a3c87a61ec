/**
 * The LabApi contract: every command the lab accepts and every event it emits. The
 * headless host (HTTP + WebSocket) and the Electron IPC adapter both carry exactly
 * these; the renderer's LabClient implements LabApi over either transport.
 * Inputs are validated by the schemas in ./schemas.ts before they reach LabService.
 */
import type { KvOp } from '../core/kv/types';
import type { MessageKind, NodeId, Role } from '../core/types';
import type { ClientOutcome, NodeInspect, ProtocolName } from '../node/contract';

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
  damaged: boolean;
  /** served / inflight: client requests this node was picked for by the balancer. */
  served: number;
  inflight: number;
  weight: number;
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
}

import type { BalanceAlgorithm } from '../core/balance/types';
export type { BalanceAlgorithm };

/** ClusterSettings are the knobs of a cluster (cluster setup panel, POST /api/cluster). */
export interface ClusterSettings {
  nodes: number;
  protocol: ProtocolName;
  heartbeatMs: number;
  electionMs: number;
  seed: number;
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
  /** leader: the node that leads the cluster now, or null (defined by clusterLeader in ./leader.ts). */
  leader: NodeId | null;
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
  token?: number;
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
  count: number;
  ok: number;
  fail: number;
  unknown: number;
  seconds: number;
  opsPerSec: number;
  p50Ms: number;
  p99Ms: number;
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

/** LabEvent is one item of the live event stream (WebSocket /api/events, IPC 'lab:event'). */
export type LabEvent =
  | { type: 'log'; record: RunLogRecord }
  | { type: 'cluster'; cluster: ClusterView }
  | { type: 'load-progress'; done: number; total: number }
  | { type: 'load-done'; summary: LoadSummary };

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
}

/** ExportResult says where a run was written. */
export interface ExportResult {
  dir: string;
  files: string[];
}

/** SavedRun is what Open run… loads: enough to replay with no live cluster. */
export interface SavedRun {
  settings: ClusterSettings;
  log: RunLogRecord[];
  history: HistoryOp[];
}

/** LabApi is the whole control surface of the lab. */
export interface LabApi {
  cluster(): Promise<ClusterView>;
  createCluster(s: Partial<ClusterSettings>): Promise<ClusterView>;
  crash(id: NodeId): Promise<ClusterView>;
  restart(id: NodeId): Promise<ClusterView>;
  pause(id: NodeId): Promise<ClusterView>;
  resume(id: NodeId): Promise<ClusterView>;
  inspect(id: NodeId): Promise<NodeInspect>;
  partition(groups: NodeId[][]): Promise<ClusterView>;
  heal(): Promise<ClusterView>;
  setLink(rule: Partial<LinkRule> & { from: NodeId; to: NodeId; both?: boolean }): Promise<ClusterView>;
  setTimeScale(scale: number): Promise<ClusterView>;
  setBalance(algorithm: BalanceAlgorithm, weights?: Record<NodeId, number>): Promise<ClusterView>;
  kv(req: KvRequest): Promise<KvResponse>;
  lock(req: LockRequest): Promise<KvResponse>;
  renew(req: RenewRequest): Promise<KvResponse>;
  unlock(req: UnlockRequest): Promise<KvResponse>;
  fencedWrite(req: FencedWriteRequest): Promise<KvResponse>;
  load(req: LoadRequest): Promise<LoadSummary>;
  log(sinceSeq?: number): Promise<RunLogRecord[]>;
  history(): Promise<HistoryOp[]>;
  exportRun(dir?: string): Promise<ExportResult>;
  openRun(dir: string): Promise<SavedRun>;
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
