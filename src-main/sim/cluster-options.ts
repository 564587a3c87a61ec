/**
 * The options, statistics and listener types of a simulated Cluster, and the check that
 * turns options into settings (with a clear error for an impossible cluster).
 */
import type { KvStateMachineOptions } from '../core/kv/state-machine';
import type { KvResult } from '../core/kv/types';
import type { ReplicatedKv } from '../core/shard/machine';
import type { ProtocolName } from '../core/protocols';
import type { Entry, NodeId, NodeStatus } from '../core/types';
import { UNSAFE_DEFAULTS, type UnsafeSettings } from '../core/unsafe';
import type { NetworkFaults } from './network';
import type { RunLog } from './run-log';
import type { CoreSettings, NodeFactory, SimNode } from './sim-node';

/** MAX_NODES bounds a simulated cluster. */
export const MAX_NODES = 9;

/** ClusterOptions configure a simulated cluster; everything but seed and nodes has a default. */
export interface ClusterOptions extends Partial<CoreSettings> {
  seed: number;
  nodes: number;
  protocol?: ProtocolName;
  /** tickMs: virtual ms per core tick (the log shows ms = ticks × tickMs). */
  tickMs?: number;
  /** snapshotEvery: compact after this many applied entries (0 = never). */
  snapshotEvery?: number;
  /** diskMs: [min, max] virtual ms to persist one Ready; [0, 0] persists at once. */
  diskMs?: [number, number];
  /** kv: the state machine's limits on every node (session eviction, byte limit). */
  kv?: KvStateMachineOptions;
  network?: NetworkFaults;
  log?: RunLog;
  /**
   * damageBudget: at most this many distinct nodes ever get a damaged store (default: a
   * minority). Past it damage() does nothing: a majority of damaged stores can lose a
   * committed entry for good, which no protocol survives.
   */
  damageBudget?: number;
  /**
   * spares: nodes beyond `nodes` that start switched off and outside the configuration, to
   * be added by membership changes (sim/membership.ts); every node's peers are the first members.
   */
  spares?: number;
  /** names: the node ids (default n1 … nN); a sharded run numbers its groups' nodes as the lab does. */
  names?: NodeId[];
  /** machine: the state machine each node applies its log to (default: the plain KV store). */
  machine?: (node: NodeId) => ReplicatedKv;
  /** countBytes: measure each message's JSON size (for byte budgets; costs time). */
  countBytes?: boolean;
  /**
   * messages: how a message crosses the wire. 'share' (the default) hands the receiver the
   * object its sender built: no core writes to a message it sent or received, and 'freeze'
   * proves it — every message is deep-frozen when sent, so a core that writes to one throws
   * (the sweep tests run this way). 'copy' gives every delivery its own deep copy.
   */
  messages?: MessagePassing;
  factory?: NodeFactory;
  /**
   * unsafe: safety rules broken on purpose (core/unsafe.ts), honoured wherever the simulator
   * runs the lab's own code: the cores (commitRule, prevote, checkQuorum, lease reads,
   * adoptHighestAccepted), the state machine (sessions, fencing), the request layer (local
   * reads) and the write path (fsync: false acknowledges before the write is durable, and a
   * crash loses it). Explicit preVote, checkQuorum and kv options win over it.
   */
  unsafe?: Partial<UnsafeSettings>;
}

/** MessagePassing is how the wire hands a message over (ClusterOptions.messages). */
export type MessagePassing = 'share' | 'freeze' | 'copy';

/** ClusterStats counts what crossed the simulated network. */
export interface ClusterStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  bytes: number;
  /** snapshotsInstalled counts snapshots a node received from a peer and restored. */
  snapshotsInstalled: number;
  /** digestMismatches counts end states equal in content whose digest() differed. */
  digestMismatches: number;
  /** sentBy: messages sent by each node (MIT's per-server RPC counts). */
  sentBy: Record<NodeId, number>;
}

/** emptyStats are a fresh cluster's counters; `sentBy` is read from the nodes' own counts when asked. */
export function emptyStats(sentBy: () => Record<NodeId, number> = () => ({})): ClusterStats {
  return {
    sent: 0,
    delivered: 0,
    dropped: 0,
    duplicated: 0,
    bytes: 0,
    snapshotsInstalled: 0,
    digestMismatches: 0,
    get sentBy() {
      return sentBy();
    },
  };
}

/** StatusListener hears every status the cluster observes (prev: the one before, null after a restart). */
export type StatusListener = (node: SimNode, st: NodeStatus, prev: NodeStatus | null) => void;

/** ApplyListener hears every entry any node applies. */
export type ApplyListener = (node: SimNode, e: Entry, result: KvResult | null) => void;

/** ValidOptions are a cluster's settings with their defaults filled in. */
export interface ValidOptions {
  protocol: ProtocolName;
  tickMs: number;
  settings: CoreSettings;
  diskMs: [number, number];
  unsafe: UnsafeSettings;
  /** kv: the state machine's options, with an unsafe mode's sessions or fencing off. */
  kv: KvStateMachineOptions;
}

/** validOptions fills in the defaults and throws a clear error for an impossible cluster. */
export function validOptions(opts: ClusterOptions): ValidOptions {
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > MAX_NODES) {
    throw new Error(`nodes must be an integer in 1..${MAX_NODES}, got ${opts.nodes}`);
  }
  if (!Number.isInteger(opts.seed)) throw new Error(`seed must be an integer, got ${opts.seed}`);
  const spares = opts.spares ?? 0;
  if (!Number.isInteger(spares) || spares < 0 || opts.nodes + spares > MAX_NODES)
    throw new Error(`spares must be an integer with nodes + spares <= ${MAX_NODES}, got ${spares}`);
  const names = opts.names;
  if (names && (names.length !== opts.nodes + spares || new Set(names).size !== names.length))
    throw new Error(`names must list ${opts.nodes + spares} different node ids`);
  const tickMs = opts.tickMs ?? 10;
  const unsafe: UnsafeSettings = { ...UNSAFE_DEFAULTS, ...opts.unsafe };
  const settings: CoreSettings = {
    electionTicks: opts.electionTicks ?? 30,
    heartbeatTicks: opts.heartbeatTicks ?? 10,
    maxInflight: opts.maxInflight ?? 64,
    maxEntriesPerMsg: opts.maxEntriesPerMsg ?? 64,
    preVote: opts.preVote ?? unsafe.prevote,
    checkQuorum: opts.checkQuorum ?? unsafe.checkQuorum,
  };
  if (!(tickMs > 0)) throw new Error(`tickMs must be positive, got ${tickMs}`);
  if (!(settings.heartbeatTicks >= 1 && settings.electionTicks > settings.heartbeatTicks)) {
    throw new Error('need 1 <= heartbeatTicks < electionTicks');
  }
  const diskMs = opts.diskMs ?? [0, 0];
  if (!(diskMs[0] >= 0 && diskMs[1] >= diskMs[0])) throw new Error('diskMs must be [min, max] with 0 <= min <= max');
  // Only a broken rule adds an option, so a safe cluster's state machine is configured as it always was.
  const kv: KvStateMachineOptions = {
    ...(unsafe.sessions ? {} : { sessions: false }),
    ...(unsafe.fencing ? {} : { fencing: false }),
    ...opts.kv,
  };
  return { protocol: opts.protocol ?? 'raft', tickMs, settings, diskMs, unsafe, kv };
}
