/**
 * The deterministic simulator's public API: runSimulation for whole seeded runs, the
 * Cluster harness for scripted scenarios, MitConfig (the MIT 6.5840 lab harness), and
 * the invariant checker. Everything is protocol-agnostic (only ProtocolNode is used):
 *
 *   runSimulation({ seed: 7, nodes: 5, protocol: 'paxos' }).violations   // [] when safe and live
 *   const c = new Cluster({ seed: 1, nodes: 3, protocol: 'paxos' });
 *   c.runUntilTrue(() => c.stableLeader() !== null, 10 * c.electionMs);
 *   c.partition([['n1'], ['n2', 'n3']]); c.runFor(2000); c.healNetwork(); c.violations;
 *   const cfg = new MitConfig({ servers: 5, unreliable: true, snapshot: false, seed: 1, protocol: 'paxos' });
 *   cfg.one(101, 5, true); cfg.checkSafety();
 */
export { Cluster, MAX_NODES, type ClusterOptions, type ClusterStats, type ApplyListener } from './cluster';
export { ClientWorkload, DEFAULT_WORKLOAD, type AckedCommand, type HistoryOp, type WorkloadOptions } from './clients';
export { InvariantChecker, MAX_VIOLATIONS, type Violation } from './invariants';
export {
  MIT_UNRELIABLE,
  RELIABLE,
  SimNetwork,
  withLongReordering,
  type DelayModel,
  type NetworkFaults,
} from './network';
export { RunLog, NS_PER_MS, type LogSink } from './run-log';
export { runSimulation, checkFinalState, convergedIndex, type SimOptions, type SimResult, type SimStats } from './run';
export {
  applyFault,
  healAll,
  randomSchedule,
  type FaultAction,
  type TimedFault,
  type ScheduleOptions,
} from './schedule';
export { SimNode, type CoreSettings, type NodeFactory, type SimNodeState } from './sim-node';
export { mixSeed, streamRng, Stream } from './random';
export {
  MitConfig,
  MitFailure,
  OneTask,
  RAFT_ELECTION_TIMEOUT_MS,
  SNAPSHOT_INTERVAL,
  MAX_LOG_ENTRIES,
  type MitOptions,
} from './mit';
