/**
 * The deterministic simulator's public API: runSimulation for whole seeded runs, the
 * Cluster harness for scripted scenarios, and the invariant checker.
 */
export { Cluster, MAX_NODES, type ClusterOptions, type ClusterStats, type ApplyListener } from './cluster';
export { ClientWorkload, DEFAULT_WORKLOAD, type AckedCommand, type HistoryOp, type WorkloadOptions } from './clients';
export { InvariantChecker, MAX_VIOLATIONS, type Violation } from './invariants';
export { MIT_UNRELIABLE, RELIABLE, SimNetwork, withLongReordering, type DelayModel, type NetworkFaults } from './network';
export { RunLog, NS_PER_MS, type LogSink } from './run-log';
export { runSimulation, checkFinalState, convergedIndex, type SimOptions, type SimResult, type SimStats } from './run';
export { applyFault, healAll, randomSchedule, type FaultAction, type TimedFault, type ScheduleOptions } from './schedule';
export { SimNode, type CoreSettings, type NodeFactory, type SimNodeState } from './sim-node';
export { mixSeed, streamRng, Stream } from './random';
