/**
 * createBalancer: the gateway's load-balancing algorithms behind one Balancer interface.
 * All are deterministic: state of their own plus the Rng passed in, never a clock.
 */
import type { BalanceAlgorithm } from './types';
import { assertNever } from '../types';
import type { NodeId } from '../types';
import { ConsistentHash, DEFAULT_VIRTUAL_NODES } from './consistent-hash';
import { LeastConnections, PowerOfTwo } from './least-loaded';
import type { BackendState, Balancer, BalancerOptions } from './types';
import { RandomWeighted, RoundRobin, SmoothWeightedRoundRobin } from './weighted';

export type { BackendState, Balancer, BalancerOptions } from './types';
export { HashRing, hashKey, keyMovement, DEFAULT_VIRTUAL_NODES } from './consistent-hash';
export type { KeyMovement } from './consistent-hash';

export { BALANCE_ALGORITHMS } from './types';

/**
 * LeaderOnly always sends to the node marked leader. With no leader known (an election is
 * on) it rotates over the up nodes, whose not-leader answers then redirect the gateway.
 */
class LeaderOnly implements Balancer {
  readonly algorithm = 'leader-only';
  private readonly fallback = new RoundRobin();

  pick(backends: readonly BackendState[]): NodeId | null {
    const leader = backends.find((b) => b.up && b.leader === true);
    return leader ? leader.id : this.fallback.pick(backends);
  }
}

/** createBalancer returns a fresh balancer running `algorithm`. */
export function createBalancer(algorithm: BalanceAlgorithm, opts: BalancerOptions): Balancer {
  switch (algorithm) {
    case 'round-robin':
      return new RoundRobin();
    case 'weighted-round-robin':
      return new SmoothWeightedRoundRobin();
    case 'random-weighted':
      return new RandomWeighted(opts.rng);
    case 'least-connections':
      return new LeastConnections();
    case 'power-of-two':
      return new PowerOfTwo(opts.rng);
    case 'consistent-hash':
      return new ConsistentHash(opts.virtualNodes ?? DEFAULT_VIRTUAL_NODES);
    case 'leader-only':
      return new LeaderOnly();
    default:
      return assertNever(algorithm, 'balance algorithm');
  }
}
