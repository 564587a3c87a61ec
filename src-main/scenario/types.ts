/**
 * The scenario format's types: what a validated scenario file is (docs/scenario.schema.json
 * says the same for the file; docs/SCENARIOS.md explains it). A scenario is a title, what
 * it teaches, a setup and a list of steps; a step does one thing (a fault, a client action,
 * a wait, a narration, checks) and may carry checks about itself. Pure data: the runner
 * (runner.ts) plays it against a real lab or the simulator through a ScenarioTarget.
 */
import type { BalanceAlgorithm } from '../core/balance/types';
import type { DamageKind } from '../core/recovery/damage';
import type { ProtocolName } from '../core/protocols';
import type { NodeId } from '../core/types';

/**
 * NodeRef names a node in a step: an id (`n3`), `leader` (the cluster's leader when the
 * step runs), `follower` (the first running node, in id order, that is neither the leader
 * nor remembered by a label yet — so successive `follower`s are different nodes), `g2:leader`
 * (in a sharded cluster: the node leading replica group g2 now), or `@name` (the node a step
 * before remembered with `as: "name"`).
 */
export type NodeRef = string;

// The partition presets are part of the LabApi (the console and the topology offer the same ones).
export { PRESETS, type Preset } from '../api/scenario-api';
import type { Preset } from '../api/scenario-api';

/** LOOKS are the views a narration can point at. */
export const LOOKS = ['topology', 'log', 'timeline', 'history', 'messages', 'inspector', 'charts', 'console'] as const;

/** Look names a view of the app. */
export type Look = (typeof LOOKS)[number];

/** Setup is how the scenario's cluster is created. */
export interface Setup {
  /** protocols the scenario is written for (first = default); absent: both. */
  protocols: ProtocolName[];
  nodes: number;
  heartbeatMs?: number;
  electionMs?: number;
  /** unsafe: the cluster's unsafe modes (checked by the lab's unsafe-mode validator where it has one). */
  unsafe?: Record<string, unknown>;
  balancer?: { algorithm: BalanceAlgorithm; weights?: Record<NodeId, number> };
  /** seed: the default seed (every random choice of the run comes from it). */
  seed?: number;
  /** shards: a sharded cluster (a shard controller and `groups` replica groups of `nodes` each); absent: one group. */
  shards?: ShardSetup;
}

/** ShardSetup is a sharded scenario cluster, as POST /api/cluster's `shards` takes it. */
export interface ShardSetup {
  groups: number;
  /** spare: groups started but not joined at first (a join step brings one in). */
  spare?: number;
  scheme?: 'range' | 'ring';
  shards?: number;
  vnodes?: number;
}

/** Contrast is "run again with <unsafe mode>": the same steps with one safety rule broken. */
export interface Contrast {
  label: string;
  unsafe: Record<string, unknown>;
  /** say: what the user should see happen differently. */
  say: string;
  /** expect: whether the checks should fail (the anomaly shows) or still pass in this mode. */
  expect: 'fail' | 'pass';
}

/** Condition is a predicate over the cluster's state (waits, user steps, checks). */
export type Condition =
  | { is: 'leader'; node?: NodeRef }
  | { is: 'no-leader' }
  | { is: 'commit'; node?: NodeRef; atLeast: number }
  | { is: 'status'; node: NodeRef; status: 'up' | 'down' | 'paused' }
  | { is: 'isolated'; node: NodeRef }
  | { is: 'partitioned' }
  | { is: 'healed' }
  | { is: 'converged' }
  | { is: 'term'; atLeast: number }
  /** voter: the node votes in the configuration in force (an added node, once promoted). */
  | { is: 'voter'; node: NodeRef }
  | { is: 'role'; node: NodeRef; role: 'leader' | 'follower' | 'candidate' | 'precandidate' }
  /** shard: the configuration in force names `group` for `shard` and its data has arrived there (no move in flight). */
  | { is: 'shard'; shard: number; group: string }
  /** settled: every joined group has taken the newest shard configuration and no shard is moving. */
  | { is: 'settled' };

/** RequestOutcomeExpectation: what a request's outcome must be (`not-ok`: fail or unknown). */
export type Expectation = 'ok' | 'fail' | 'unknown' | 'not-ok';

/** Request is one client request of a step. */
export type Request =
  | { op: 'put'; key: string; value: string }
  | { op: 'get'; key: string }
  | { op: 'delete'; key: string }
  | { op: 'cas'; key: string; expected: string | null; value: string }
  | { op: 'lock'; name: string; owner: string; ttlMs: number }
  | { op: 'fenced'; key: string; value: string; token: number | string };

/** RequestOptions are a request's where and what-if. */
export interface RequestOptions {
  /** node: send to this node only (no redirects); absent: the gateway's balancer picks. */
  node?: NodeRef;
  timeoutMs?: number;
  expect?: Expectation;
  /** equals: a get must read this (null = absent). */
  equals?: string | null;
  /** as: a label for the request (checks and later steps refer to it; a lock's token is `@as`). */
  as?: string;
}

/** Check is one verdict a step asks for. */
export type Check =
  | { check: 'invariants' }
  | { check: 'linearizable' }
  | { check: 'durable' }
  | { check: 'no-ack' }
  | { check: 'leader-within'; ms: number; new?: boolean }
  | { check: 'requests-fail' }
  | { check: 'requests-ok' }
  | { check: 'commit-stalled'; node?: NodeRef }
  | { check: 'log-grew'; node: NodeRef }
  | { check: 'split-vote' }
  | { check: 'term-stable' }
  | { check: 'leader-stable' }
  | { check: 'contested' }
  | { check: 'holds'; condition: Condition };

/** StepCommon: the fields every step may carry. */
export interface StepCommon {
  /** say: the narration shown while this step runs. */
  say?: string;
  look?: Look;
  /** pause: in the app, wait for Next after this step. */
  pause?: boolean;
  checks?: Check[];
  /** as: remember the node this step resolved (crash leader as "old" → "@old"). */
  as?: string;
  /** only: run this step only on this target (real processes or the simulator). */
  only?: 'lab' | 'sim';
}

/** LinkStep sets a link rule; `*` means every node. */
export interface LinkFields {
  from: NodeRef;
  to: NodeRef;
  both?: boolean;
  latencyMs?: number;
  jitterMs?: number;
  loss?: number;
  duplicate?: number;
  blocked?: boolean;
  /** bandwidth: the link's rate limit in bytes a second (0 lifts it). */
  bandwidth?: number;
}

/** FaultStep is a step that changes the cluster or its network. */
export type FaultStep =
  /** groups: node references, and at most one group ["*"]: every node not named in another group. */
  | { do: 'partition'; preset?: Preset; node?: NodeRef; from?: NodeRef; to?: NodeRef; groups?: NodeRef[][] }
  | ({ do: 'link' } & LinkFields)
  | { do: 'crash' | 'restart' | 'pause' | 'resume'; node: NodeRef }
  | { do: 'damage'; node: NodeRef; damage?: DamageKind }
  | { do: 'clear'; nodes?: boolean };

/** FAULT_STEP_KINDS are the `do` values of a FaultStep. */
export const FAULT_STEP_KINDS: readonly FaultStep['do'][] = [
  'partition',
  'link',
  'crash',
  'restart',
  'pause',
  'resume',
  'damage',
  'clear',
];

/** isFaultStep tells whether a step is a FaultStep (the runner and the validator hand those to one place). */
export function isFaultStep<S extends { do: string }>(st: S): st is S & FaultStep {
  return (FAULT_STEP_KINDS as readonly string[]).includes(st.do);
}

/** ChurnFields shape a seeded storm of faults. */
export interface ChurnFields {
  ms: number;
  meanGapMs?: number;
  crash?: boolean;
  pause?: boolean;
  partition?: boolean;
  loss?: number;
  duplicate?: number;
  /** jitterMs: extra random latency per message, which reorders messages. */
  jitterMs?: number;
}

/** Step is one step of a scenario. */
export type Step = StepCommon &
  (
    | FaultStep
    | { do: 'say' }
    | { do: 'mark'; node: NodeRef; as: string }
    | ({ do: 'request' } & RequestOptions & { request: Request; background?: boolean })
    | { do: 'requests'; requests: (RequestOptions & { request: Request })[] }
    | { do: 'await'; timeoutMs?: number }
    | { do: 'load'; op: 'put' | 'get'; count: number; clients: number; keys?: number; background?: boolean }
    /** add: a new node joins while the cluster serves (a learner, promoted once caught up); `as` names it. */
    | { do: 'add' }
    /** move: shard `shard` moves to group `group` while the cluster serves (a sharded cluster). */
    | { do: 'move'; shard: number; group: string }
    /** join / leave: a replica group enters or leaves the shard configuration (its shards rebalance). */
    | { do: 'join' | 'leave'; group: string }
    | { do: 'balance'; algorithm: BalanceAlgorithm; weights?: Record<NodeId, number> }
    | { do: 'spread'; algorithms: BalanceAlgorithm[]; weights: Record<NodeId, number>; requests: number[] }
    | { do: 'wait'; ms?: number; until?: Condition; withinMs?: number }
    | { do: 'user'; until: Condition; withinMs?: number; auto: FaultStep }
    | ({ do: 'churn' } & ChurnFields)
    | { do: 'check' }
    | { do: 'trace'; style: 'paxos-round'; key: string; value: string }
  );

/** StepKind names a step's `do`. */
export type StepKind = Step['do'];

/** Scenario is one validated scenario file. */
export interface Scenario {
  name: string;
  title: string;
  teaches: string;
  /** number orders the bundled scenarios in lists. */
  number?: number;
  setup: Setup;
  contrast: Contrast[];
  steps: Step[];
}
