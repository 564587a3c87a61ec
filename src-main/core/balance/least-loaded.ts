/**
 * Load-aware balancers: least-connections (fewest requests in flight) and the power of
 * two random choices (Mitzenmacher): sample two, take the less loaded.
 */
import type { NodeId, Rng } from '../types';
import type { BackendState, Balancer } from './types';

/** LeastConnections sends to the up backend with the fewest inflight requests; ties rotate round-robin so idle backends share evenly. */
export class LeastConnections implements Balancer {
  readonly algorithm = 'least-connections';
  private next = 0;

  pick(backends: readonly BackendState[]): NodeId | null {
    const n = backends.length;
    let best: number | null = null;
    let bestLoad = Infinity;
    // Scan starting at the rotation cursor: among equals, the first one scanned wins.
    for (let i = 0; i < n; i++) {
      const idx = (this.next + i) % n;
      const b = backends[idx];
      if (b?.up && b.inflight < bestLoad) {
        best = idx;
        bestLoad = b.inflight;
      }
    }
    if (best === null) return null;
    this.next = (best + 1) % n;
    return (backends[best] as BackendState).id;
  }
}

/** PowerOfTwo samples two distinct up backends with the rng and sends to the one with fewer inflight requests. */
export class PowerOfTwo implements Balancer {
  readonly algorithm = 'power-of-two';
  constructor(private readonly rng: Rng) {}

  pick(backends: readonly BackendState[]): NodeId | null {
    const up = backends.filter((b) => b.up);
    if (up.length === 0) return null;
    if (up.length === 1) return (up[0] as BackendState).id;
    const i = this.rng.int(0, up.length - 1);
    // Draw the second from the others so the two candidates are distinct.
    let j = this.rng.int(0, up.length - 2);
    if (j >= i) j++;
    const a = up[i] as BackendState;
    const b = up[j] as BackendState;
    return b.inflight < a.inflight ? b.id : a.id;
  }
}
