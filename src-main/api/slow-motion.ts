/**
 * Slow motion: how long the router holds a message at a time scale, so that at 0.1× a
 * learner sees the vote exchange as well as the timers. The router delays every delivery
 * by this amount and the graph animates each message over the same time. Pure, shared by
 * the lab and the renderer.
 */

/**
 * SLOW_MOTION_BASE_MS is the delay every message gets in slow motion before scaling: on
 * loopback a message takes ~0.1 ms, which no scale makes visible, so in slow motion each
 * delivery is treated as if the link took this long. At 0.1× a delivery takes 300 ms; at
 * 0.01×, 3 s. At 1× (and faster) it is not added: real time stays real.
 */
export const SLOW_MOTION_BASE_MS = 30;

/**
 * deliveryDelayMs is the wall time one message spends in the router: at scale 1 (or
 * faster) its link's latency divided by the scale; in slow motion (scale < 1)
 * (latency + SLOW_MOTION_BASE_MS) / scale.
 */
export function deliveryDelayMs(latencyMs: number, scale: number): number {
  const s = Number.isFinite(scale) && scale > 0 ? scale : 1;
  const base = s < 1 ? SLOW_MOTION_BASE_MS : 0;
  return (Math.max(0, latencyMs) + base) / s;
}
