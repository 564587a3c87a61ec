/**
 * The load-balancer contract used by the gateway. Algorithms are pure: no clock, no
 * Math.random (a seeded Rng is passed where randomness is needed).
 */
import type { NodeId, Rng } from '../types';

/** BALANCE_ALGORITHMS lists every algorithm the gateway offers (validation, console, UI). */
export const BALANCE_ALGORITHMS = [
  'round-robin',
  'weighted-round-robin',
  'random-weighted',
  'least-connections',
  'power-of-two',
  'consistent-hash',
  'leader-only',
] as const;

/** BalanceAlgorithm names a load-balancing algorithm of the gateway. */
export type BalanceAlgorithm = (typeof BALANCE_ALGORITHMS)[number];

/** BackendState is what the gateway tells a balancer about one node right now. */
export interface BackendState {
  id: NodeId;
  /** up: the node's process is running and not known unreachable. */
  up: boolean;
  /** inflight: requests sent to it and not answered yet. */
  inflight: number;
  weight: number;
  /** leader: this node is the leader the cluster reports now (used by leader-only; absent = not known to be). */
  leader?: boolean;
}

/** Balancer picks the node for the next request. */
export interface Balancer {
  readonly algorithm: string;
  /** pick returns the node for a request on `key` among the up backends, or null if none is up. */
  pick(backends: readonly BackendState[], key: string): NodeId | null;
}

/** BalancerOptions configure a balancer. */
export interface BalancerOptions {
  rng: Rng;
  /** virtualNodes: points per node on the consistent-hash ring. */
  virtualNodes?: number;
}
