/**
 * The node process's contracts: its start-up config, the frames it speaks on sockets,
 * and the IPC messages it exchanges with the lab host (child_process.fork channel).
 *
 * Sockets: every frame is a 4-byte big-endian length followed by that many bytes: UTF-8
 * JSON, except the protocol messages between a node and the router, which are a binary
 * header and the message's JSON (msg-frame.ts). The first frame on every connection is a Hello carrying the cluster's
 * token; a connection whose first frame is not a valid Hello with the right token, or
 * that sends a malformed or oversized frame, is closed (and the event logged).
 */
import type { ClientOutcome, NodeInspect } from '../api/contract';
import type { KvOp, KvResult } from '../core/kv/types';
import type { ShardScheme } from '../core/shard/config';
import type { DamageKind } from '../core/recovery';
import type { ConfChange, NodeId, NodeStatus } from '../core/types';
import type { UnsafeSettings } from '../core/unsafe';

/** MAX_FRAME_BYTES bounds one frame (a snapshot of a large store must fit). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024;

import type { ProtocolName } from '../core/protocols';
export type { ProtocolName };

/**
 * NodeConfig is what a node process runs with. Everything but `token` reaches it on the
 * command line (--config <json>, see NodeLaunchConfig); the token comes over the fork IPC
 * channel (HostToNode 'token', asked for with NodeToHost 'token-request'), because any
 * local user can read another process's command line and environment.
 */
export interface NodeConfig {
  id: NodeId;
  /** peers: every member at cluster creation, including id (not including it when joining). */
  peers: NodeId[];
  /**
   * joining: the lab started this node to join a running cluster. It begins as nobody's
   * voter (peers are the first members, without it) and learns its place — learner,
   * then voter — from the configuration entries the leader replicates to it.
   */
  joining?: boolean;
  protocol: ProtocolName;
  /** dataFile: the node's SQLite file. */
  dataFile: string;
  routerHost: string;
  routerPort: number;
  /** clientPort: 0 = pick a free port (reported in NodeReady). */
  clientPort: number;
  /** token: the cluster's secret, carried by every Hello; never on argv, in env or on disk. */
  token: string;
  heartbeatMs: number;
  electionMs: number;
  /** tickMs: one core tick in ms of wall time (timers are expressed in ticks of this). */
  tickMs: number;
  /** timeScale: 1 = real time; 0.1 = ten times slower (slow motion). */
  timeScale: number;
  seed: number;
  /** snapshotEvery: take a snapshot after this many applied entries (0 = never). */
  snapshotEvery: number;
  /**
   * maxStoreBytes bounds the replicated state machine's memory (KvStateMachine maxBytes):
   * a write that would pass it fails with 'store-full'. Every member of a cluster must use
   * the same value, because the limit is applied when an entry is applied.
   */
  maxStoreBytes: number;
  /**
   * damage: run as a one-shot tool instead of a node: inflict this disk fault on dataFile
   * (the node must be stopped), report 'damage-done' and exit. The lab's damage command
   * runs it this way so the file is opened by the same runtime and SQLite build as the node.
   */
  damage?: DamageKind;
  /** unsafe: the safety rules this cluster breaks on purpose (core/unsafe.ts); absent = none. Every member gets the same. */
  unsafe?: UnsafeSettings;
  /** machine: what the log is applied to in a sharded cluster (node/machines.ts); absent = the plain KV store. */
  machine?: NodeMachine;
}

/** NodeMachine names a sharded cluster's state machine: a replica group's shard layer, or the shard controller. */
export type NodeMachine = { kind: 'shard-group'; group: string } | { kind: 'shard-controller'; scheme: ShardScheme };

/** NodeLaunchConfig is the part of NodeConfig that may go on a command line: all but the token. */
export type NodeLaunchConfig = Omit<NodeConfig, 'token'>;

/** Hello opens every socket connection. */
export interface HelloFrame {
  t: 'hello';
  token: string;
  /** who is connecting: a node id (to the router), 'gateway' or another node id (to a client port). */
  from: string;
  /**
   * batch: on a client port, the connection reads ClientResponseBatchFrames: the node may
   * answer several requests in one frame. Absent or false: one ClientResponseFrame each.
   */
  batch?: boolean;
}

/** ClientRequest is a request on a node's client port. `read` is a linearizable get via ReadIndex. */
export interface ClientRequestFrame {
  t: 'req';
  id: number;
  client: string;
  seq: number;
  op: KvOp;
  /** allowFollowerRead: a follower may answer a get itself through ReadIndex. */
  allowFollowerRead?: boolean;
  timeoutMs: number;
}

/**
 * ClientRequestBatchFrame carries several requests in one frame (the gateway's requests of
 * one event-loop turn): 1..MAX_BATCH_ITEMS of them (frames.ts), each checked as a
 * ClientRequestFrame of its own and answered by its own id. A client port accepts it on any
 * connection, so a writer may mix it with single ClientRequestFrames.
 */
export interface ClientRequestBatchFrame {
  t: 'reqs';
  reqs: ClientRequestFrame[];
}

// ClientOutcome and NodeInspect cross to the renderer, so they live in api/contract.ts.
export type { ClientOutcome, NodeInspect };

/** ClientResponseFrame answers one ClientRequestFrame. */
export interface ClientResponseFrame {
  t: 'res';
  id: number;
  outcome: ClientOutcome;
  result: KvResult | null;
  /** node: who answered. */
  node: NodeId;
  /** leader: the leader this node believes in (a redirect when error = 'not-leader'). */
  leader: NodeId | null;
  /**
   * error says why, when outcome is not 'ok'. fail: 'not-leader' (see leader), 'busy',
   * 'recovering' (the node's file was damaged and it has not caught up), 'superseded' (another
   * command took the slot), 'leadership-lost' or 'timeout' for a get, 'bad-request: …', or the
   * KvError of a command that was applied and refused (e.g. 'cas-mismatch', with `result`; 'store-full' when
   * the write would pass the store's byte limit).
   * unknown: 'timeout', 'leadership-lost', 'snapshot-installed', 'shutdown', 'not-applied',
   * 'stale-seq' (an older copy of the client's command; the first copy may have applied),
   * 'session-expired' (the client's session was evicted: this copy did not apply, an
   * earlier one may have; the client must start a new session).
   */
  error?: string;
}

/**
 * ClientResponseBatchFrame carries several answers in one frame (the answers one pass of a
 * node gives on a connection whose Hello said `batch`): 1..MAX_BATCH_ITEMS of them.
 */
export interface ClientResponseBatchFrame {
  t: 'ress';
  ress: ClientResponseFrame[];
}

/** RETRYABLE_ERRORS are `fail` answers that certainly did not apply and may succeed at another node. */
export const RETRYABLE_ERRORS: ReadonlySet<string> = new Set([
  'not-leader',
  'no-leader',
  'recovering',
  'busy',
  'leadership-lost-before-propose',
]);

/**
 * retryableFail tells whether a client may ask another node again after a `fail` answer
 * `error` to `op`: the answer certainly did not apply (RETRYABLE_ERRORS), or it is a get
 * whose leader lost its leadership before confirming the read — a read changes nothing,
 * so the next leader may serve it. The lab's gateway, the simulator's clients and the
 * sharded simulator's group sender all follow this one rule.
 */
export function retryableFail(op: KvOp, error: string): boolean {
  return RETRYABLE_ERRORS.has(error) || (op.op === 'get' && error === 'leadership-lost');
}

/** Frame is any frame on a socket. */
export type Frame =
  HelloFrame | ClientRequestFrame | ClientRequestBatchFrame | ClientResponseFrame | ClientResponseBatchFrame;

/** NodeToHost is an IPC message from a node process to the lab host. */
export type NodeToHost =
  | { t: 'ready'; id: NodeId; clientPort: number; pid: number }
  | { t: 'status'; status: NodeStatus; lastApplied: number; damaged: boolean }
  /**
   * event: something for the run log; detail always has `node`. Kinds sent by node/main.ts:
   * 'storage-damaged' {reason, recoveryFloor, voteLost, movedAside}, 'recovered' {source: 'disk'
   * (restarted from its file) | 'peers' (caught up after damage; votes again: leader, commit,
   * target)}, 'recovery-held' {type} (a message a recovering node may not send, held back),
   * 'frame-rejected' {where: 'client'|'router', reason, remote}, 'snapshot-taken' and
   * 'snapshot-installed' {index, term, bytes}, 'router-disconnected' {reason},
   * 'ipc-rejected' {reason}.
   */
  | { t: 'event'; kind: string; detail: Record<string, unknown> }
  | { t: 'inspect-reply'; reqId: number; inspect: NodeInspect }
  /** control-reply answers 'conf-change' and 'transfer': whether the core took it (index: a change's log index), else why not. */
  | { t: 'control-reply'; reqId: number; reply: ControlReply }
  /** token-request: the node has started listening on its IPC channel and asks for the cluster token. */
  | { t: 'token-request' }
  /** damage-done: a damage run (NodeConfig.damage) finished: what it damaged (null: nothing of that kind), or why it could not. */
  | { t: 'damage-done'; what: string | null; error?: string }
  /** fatal: the node is about to exit (code 1) of an error nobody caught (fatal.ts). */
  | { t: 'fatal'; fatal: NodeFatal };

/** NodeFatalOrigin says how an error went uncaught. */
export type NodeFatalOrigin = 'uncaught-exception' | 'unhandled-rejection';

/** NodeFatal is the error that kills a node process: its name and message, and its stack (both bounded, fatal.ts). */
export interface NodeFatal {
  origin: NodeFatalOrigin;
  message: string;
  stack: string | null;
}

/** HostToNode is an IPC message from the lab host to a node process. */
export type HostToNode =
  /** inspect: `lastN` entries, the last ones or (with `from`) those from index `from` on. */
  | { t: 'inspect'; reqId: number; lastN: number; from?: number }
  | { t: 'time-scale'; scale: number }
  /** conf-change: propose a membership change (the node must lead). */
  | { t: 'conf-change'; reqId: number; change: ConfChange }
  /** transfer: hand leadership to `to` (the node must lead). */
  | { t: 'transfer'; reqId: number; to: NodeId }
  | { t: 'shutdown' }
  /** token: the answer to 'token-request'. */
  | { t: 'token'; token: string };

/**
 * ControlReply is a node's answer to a membership or transfer order: ok with the change's
 * log index (0 for a transfer), or refused with the reason (not-leader, busy, recovering,
 * or the core's own words such as "n4 is already a member") and the leader it knows of.
 */
export type ControlReply = { ok: true; index: number } | { ok: false; error: string; leader: NodeId | null };
