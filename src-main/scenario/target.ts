/**
 * ScenarioTarget is what the scenario runner drives: a real lab (lab-target.ts: LabApi on
 * OS processes, wall-clock time) or the simulator (sim-target.ts: the same protocol cores
 * in virtual time). The runner only ever speaks this interface, so one scenario file plays
 * the same way on both; where a target cannot do a step (a link rule the simulator has no
 * model for, an unsafe mode the lab does not have yet) it says so with a TargetError and
 * the runner reports it.
 *
 * Time is ms since the run began: wall ms on the lab, virtual ms in the simulator. Requests
 * are submitted (not awaited) and settled together, because the simulator only moves
 * when asked to: a request in flight there is answered while the runner sleeps or settles.
 */
import type { HistoryOp } from '../api/contract';
import type { ShardsView } from '../api/shards';
import type { BalanceAlgorithm } from '../core/balance/types';
import type { DamageKind } from '../core/recovery/damage';
import type { KvOp } from '../core/kv/types';
import type { ProtocolName } from '../core/protocols';
import type { NodeId, Role } from '../core/types';
import type { UnsafeModes } from './unsafe';

/** TargetError is a step the target cannot do (the runner reports it as the step's failure). */
export class TargetError extends Error {}

/** NodeView is one node as a scenario sees it. */
export interface NodeView {
  id: NodeId;
  status: 'up' | 'down' | 'paused';
  role: Role | null;
  term: number;
  commitIndex: number;
  lastIndex: number;
  leader: NodeId | null;
}

/** TargetView is the cluster at one moment. */
export interface TargetView {
  nodes: NodeView[];
  /** leader: the node leading a majority now (null in an election, or without a quorum); sharded: the controller group's. */
  leader: NodeId | null;
  /** cuts: the directed links that lose every message now, as "from>to". */
  cuts: string[];
  /** voters: the voters of the configuration in force (the leader's, else the first nodes'); sharded: the controller group's. */
  voters: NodeId[];
  /** shards: a sharded cluster's configuration, shards and groups (GET /api/shards); absent: one group. */
  shards?: ShardsView;
}

/** ShardChange is a move, join or leave a scenario asks of a sharded cluster. */
export type ShardChange = { op: 'move'; shard: number; group: string } | { op: 'join' | 'leave'; group: string };

/** Outcome is how a client request ended. */
export interface Outcome {
  outcome: 'ok' | 'fail' | 'unknown';
  value: string | null;
  node: NodeId | null;
  error?: string;
  /** token: a granted lock's fencing token. */
  token?: number;
  latencyMs: number;
}

/** PendingRequest is a submitted request; `result` is set when it settles. */
export interface PendingRequest {
  readonly op: KvOp;
  readonly startedAt: number;
  result: Outcome | null;
}

/** Sample is one node's state as observed at time t (one is recorded per change). */
export interface Sample {
  t: number;
  node: NodeId;
  status: 'up' | 'down' | 'paused';
  role: Role | null;
  term: number;
  commit: number;
}

/** Traced is one protocol message as the trace step narrates it. */
export interface Traced {
  t: number;
  /** event: sent or delivered. */
  event: 'send' | 'deliver';
  from: NodeId;
  to: NodeId;
  type: string;
  term: number;
  /** body: the message's fields beyond the header, when the target can see them. */
  body: Record<string, unknown> | null;
}

/** LinkChange is one directed link's rule (fields absent: unchanged). */
export interface LinkChange {
  from: NodeId;
  to: NodeId;
  latencyMs?: number;
  jitterMs?: number;
  loss?: number;
  duplicate?: number;
  blocked?: boolean;
  /** bandwidth: bytes a second, 0 = unlimited. */
  bandwidth?: number;
}

/** LoadResult summarises a load burst. */
export interface LoadResult {
  count: number;
  ok: number;
  fail: number;
  unknown: number;
}

/** LoadRun is a load burst started in the background; `result` is set when its last request settles. */
export interface LoadRun {
  result: LoadResult | null;
}

/** TargetInfo describes a target's cluster. */
export interface TargetInfo {
  kind: 'lab' | 'sim';
  ids: NodeId[];
  protocol: ProtocolName;
  seed: number;
}

/** WaitOptions qualify which views a wait may end on. */
export interface WaitOptions {
  /**
   * commits: the view must show the commit index each running node holds at that moment.
   * A lab's view is built from status reports, which trail the nodes (a report waits for
   * a held write, at most one goes out per 20 ms): right after a write was acknowledged,
   * every node may still read commit 0 — equal, but not converged on the write. A
   * simulator's view is always current.
   */
  commits?: boolean;
}

/** ScenarioTarget is a cluster a scenario can drive (see the file comment). */
export interface ScenarioTarget {
  readonly info: TargetInfo;
  now(): number;
  sleep(ms: number): Promise<void>;
  view(): Promise<TargetView>;
  /** waitUntil resolves with the first view where pred holds, or null after timeoutMs. */
  waitUntil(pred: (v: TargetView) => boolean, timeoutMs: number, opts?: WaitOptions): Promise<TargetView | null>;
  crash(id: NodeId): Promise<void>;
  restart(id: NodeId): Promise<void>;
  pause(id: NodeId): Promise<void>;
  resume(id: NodeId): Promise<void>;
  /** damage breaks a crashed node's store (kind: the damage; absent: the whole file). */
  damage(id: NodeId, kind: DamageKind | undefined): Promise<void>;
  partition(groups: NodeId[][]): Promise<void>;
  link(change: LinkChange): Promise<void>;
  /** clear removes every cut and link rule; with nodes, also restarts and resumes every node. */
  clear(nodes: boolean): Promise<void>;
  balance(algorithm: BalanceAlgorithm, weights?: Record<NodeId, number>): Promise<void>;
  submit(op: KvOp, opts: { node?: NodeId; timeoutMs: number }): PendingRequest;
  /** settle waits until every request has a result (or timeoutMs passed; the rest stay null). */
  settle(reqs: PendingRequest[], timeoutMs: number): Promise<void>;
  load(op: 'put' | 'get', count: number, clients: number, keys: number): Promise<LoadResult>;
  /** startLoad starts the same burst and returns at once; the cluster serves it while later steps run. */
  startLoad(op: 'put' | 'get', count: number, clients: number, keys: number): LoadRun;
  /** waitFor waits until pred holds (true) or timeoutMs passed (false); the cluster runs meanwhile. */
  waitFor(pred: () => boolean, timeoutMs: number): Promise<boolean>;
  /**
   * addNode adds a node while the cluster serves: a learner on an empty store, promoted to
   * voter once caught up (the lab's membership rules). Resolves with its id once it is a
   * learner; TargetError when the cluster refuses (no leader, a change in flight).
   */
  addNode(): Promise<NodeId>;
  /** shardChange runs a move, join or leave on the shard controller; resolves once the controller made the new configuration (TargetError when refused). */
  shardChange(change: ShardChange): Promise<void>;
  /** spread sends n reads through `algorithm` and counts which node each went to. */
  spread(algorithm: BalanceAlgorithm, weights: Record<NodeId, number>, n: number): Promise<Record<NodeId, number>>;
  history(): Promise<HistoryOp[]>;
  /** violations lists the safety invariants broken so far, in words. */
  violations(): Promise<string[]>;
  /** samples returns the node-state changes observed since t (inclusive). */
  samples(sinceMs: number): Sample[];
  /** messages returns the protocol messages seen since t (for the trace step). */
  messages(sinceMs: number): Traced[];
  /** unsupported says why the target cannot run with these unsafe modes (null: it can). */
  unsupported(unsafe: UnsafeModes): string | null;
  close(): Promise<void>;
}
