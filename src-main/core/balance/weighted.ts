/**
 * The rotation family: round-robin, smooth weighted round-robin (nginx) and random
 * weighted choice. Each keeps only a little state of its own and skips down backends.
 */
import type { NodeId, Rng } from '../types';
import type { BackendState, Balancer } from './types';

/** effectiveWeights returns the weights of the up backends; bad weights count as 0, and if every weight is 0 all count as 1 (never strand a request). */
export function effectiveWeights(up: readonly BackendState[]): number[] {
  const w = up.map((b) => (Number.isFinite(b.weight) && b.weight > 0 ? b.weight : 0));
  return w.some((x) => x > 0) ? w : w.map(() => 1);
}

/** RoundRobin cycles through the backends in list order, skipping down ones. */
export class RoundRobin implements Balancer {
  readonly algorithm = 'round-robin';
  private next = 0;

  pick(backends: readonly BackendState[]): NodeId | null {
    const n = backends.length;
    for (let i = 0; i < n; i++) {
      const idx = (this.next + i) % n;
      const b = backends[idx];
      if (b?.up) {
        this.next = (idx + 1) % n;
        return b.id;
      }
    }
    return null;
  }
}

/**
 * SmoothWeightedRoundRobin is nginx's smooth weighted round-robin: each pick adds every
 * up backend's weight to its current value, takes the largest, and subtracts the total
 * from the winner. Over sum(weights) picks each backend gets exactly its weight, spread
 * out rather than bunched (1,2,3 → c b c a b c). Ties go to the heavier backend, then to
 * the earlier one in the list.
 */
export class SmoothWeightedRoundRobin implements Balancer {
  readonly algorithm = 'weighted-round-robin';
  private current = new Map<NodeId, number>();
  private shape = '';

  pick(backends: readonly BackendState[]): NodeId | null {
    const up = backends.filter((b) => b.up);
    if (up.length === 0) return null;
    const weights = effectiveWeights(up);
    // A change in who is up or in the weights starts a fresh cycle, so the exact proportions hold again from here.
    const shape = JSON.stringify(up.map((b, i) => [b.id, weights[i]]));
    if (shape !== this.shape) {
      this.shape = shape;
      this.current = new Map();
    }
    let total = 0;
    let best = -1;
    let bestCur = -Infinity;
    for (let i = 0; i < up.length; i++) {
      const b = up[i] as BackendState;
      const w = weights[i] as number;
      const cur = (this.current.get(b.id) ?? 0) + w;
      this.current.set(b.id, cur);
      total += w;
      if (cur > bestCur || (cur === bestCur && w > (weights[best] as number))) {
        best = i;
        bestCur = cur;
      }
    }
    const winner = up[best] as BackendState;
    this.current.set(winner.id, bestCur - total);
    return winner.id;
  }
}

/** RandomWeighted picks an up backend at random with probability proportional to its weight (the seed document's choice). */
export class RandomWeighted implements Balancer {
  readonly algorithm = 'random-weighted';
  constructor(private readonly rng: Rng) {}

  pick(backends: readonly BackendState[]): NodeId | null {
    const up = backends.filter((b) => b.up);
    if (up.length === 0) return null;
    const weights = effectiveWeights(up);
    const total = weights.reduce((a, b) => a + b, 0);
    let r = this.rng.next() * total;
    for (let i = 0; i < up.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return (up[i] as BackendState).id;
    }
    // Floating-point rounding can leave r at ~0 after the last weight.
    return (up[up.length - 1] as BackendState).id;
  }
}
