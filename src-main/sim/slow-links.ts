/**
 * Slow links in the simulator: a rate limit on one directed link, with the lab router's
 * bounded queue (core/link-queue.ts; the wire applies it, sim/wire.ts). Set by scripted
 * tests and by the fault mix (ScheduleOptions.slowLinks); heal lifts every limit.
 */
import type { NodeId } from '../core/types';
import type { Cluster } from './cluster';

/** setBandwidth limits the link from → to to `rate` bytes a second (0 lifts it), as the lab's link rule does. */
export function setBandwidth(c: Cluster, from: NodeId, to: NodeId, rate: number): void {
  c.node(from);
  c.node(to);
  c.net.setBandwidth(from, to, rate);
  c.log.write(c.now, 'bandwidth', { from, to, rate });
}
