/**
 * The simulated network: which directed links are cut, and the loss / duplication / delay
 * model every message goes through. Pure bookkeeping; the Cluster asks it at send time
 * and again at delivery time (a partition that starts while a message is in flight
 * drops it, as a real cut would).
 */
import { LinkQueue, type LinkBacklog } from '../core/link-queue';
import type { NodeId, Rng } from '../core/types';

/** DelayModel is the latency distribution of one message, in virtual ms. */
export interface DelayModel {
  /** minMs..maxMs: the usual one-way latency, uniform. */
  minMs: number;
  maxMs: number;
  /** reorder: probability that a message instead takes a long path (reordering it past many others). */
  reorder: number;
  /** reorderMinMs..reorderMaxMs: latency of a long path, min + U(0, U(0, max - min)) — labrpc's shape, skewed short. */
  reorderMinMs: number;
  reorderMaxMs: number;
}

/** NetworkFaults is the probabilistic part of the network at one moment. */
export interface NetworkFaults {
  /** drop: probability a message is lost (0..1). */
  drop: number;
  /** duplicate: probability a message is delivered twice (0..1). */
  duplicate: number;
  delay: DelayModel;
}

/** RELIABLE is a clean LAN: no loss, 1–3 ms latency. */
export const RELIABLE: NetworkFaults = {
  drop: 0,
  duplicate: 0,
  delay: { minMs: 1, maxMs: 3, reorder: 0, reorderMinMs: 0, reorderMaxMs: 0 },
};

/**
 * MIT_UNRELIABLE is the MIT 6.5840 labrpc "unreliable" network: about 10% of requests and
 * 10% of replies lost, short random delays (0–27 ms).
 */
export const MIT_UNRELIABLE: NetworkFaults = {
  drop: 0.1,
  duplicate: 0,
  delay: { minMs: 0, maxMs: 27, reorder: 0, reorderMinMs: 0, reorderMaxMs: 0 },
};

/**
 * withLongReordering adds labrpc's long reordering. labrpc delays 2/3 of RPC replies by
 * 200 + rand(1 + rand(2000)) ms and never the requests; messages here have no request /
 * reply distinction, so 1/3 of all messages are delayed, which keeps the share of slow
 * round trips about the same.
 */
export function withLongReordering(f: NetworkFaults): NetworkFaults {
  return { ...f, delay: { ...f.delay, reorder: 1 / 3, reorderMinMs: 200, reorderMaxMs: 2200 } };
}

/** validateFaults throws a clear error for a fault model outside its ranges. */
export function validateFaults(f: NetworkFaults): void {
  const prob = (name: string, x: number): void => {
    if (!Number.isFinite(x) || x < 0 || x > 1) throw new Error(`${name} must be a probability in 0..1, got ${x}`);
  };
  prob('drop', f.drop);
  prob('duplicate', f.duplicate);
  prob('reorder', f.delay.reorder);
  const d = f.delay;
  if (!(d.minMs >= 0 && d.maxMs >= d.minMs))
    throw new Error(`delay must satisfy 0 <= minMs <= maxMs, got ${d.minMs}..${d.maxMs}`);
  if (d.reorder > 0 && !(d.reorderMinMs >= 0 && d.reorderMaxMs >= d.reorderMinMs)) {
    throw new Error(`reorder delay must satisfy 0 <= min <= max, got ${d.reorderMinMs}..${d.reorderMaxMs}`);
  }
}

/** SimNetwork tracks cuts and isolation and draws each message's fate from its Rng. */
export class SimNetwork {
  /** faults is the current loss / duplication / delay model. */
  faults: NetworkFaults;
  /** cuts: from → the nodes it may not send to (nested, so checking a message builds no key string). */
  private readonly cuts = new Map<NodeId, Set<NodeId>>();
  private nCuts = 0;
  private readonly isolated = new Set<NodeId>();
  /** jittery: directed links that add U(0, maxMs) to each message sent before `until` (virtual ms). */
  private readonly jittery = new Map<string, { maxMs: number; until: number }>();
  /** links: per directed link ("from>to"), a fault model that replaces `faults` on it (scenarios' link rules). */
  private readonly links = new Map<string, NetworkFaults>();
  /** limits: rate limits (bytes/s) of the links that have one, by "from>to"; queues keep draining after a limit is lifted. */
  private readonly limits = new Map<string, number>();
  private readonly queues = new Map<string, LinkQueue>();

  constructor(
    private readonly rng: Rng,
    faults: NetworkFaults = RELIABLE,
  ) {
    validateFaults(faults);
    this.faults = faults;
  }

  /** linkUp tells whether a message may travel from → to right now. */
  linkUp(from: NodeId, to: NodeId): boolean {
    if (from === to) return true;
    if (this.isolated.size > 0 && (this.isolated.has(from) || this.isolated.has(to))) return false;
    if (this.nCuts === 0) return true;
    const s = this.cuts.get(from);
    return s === undefined || !s.has(to);
  }

  /** cut blocks the directed link from → to (a one-way cut). */
  cut(from: NodeId, to: NodeId): void {
    if (from === to) return;
    let s = this.cuts.get(from);
    if (s === undefined) {
      s = new Set();
      this.cuts.set(from, s);
    }
    if (!s.has(to)) {
      s.add(to);
      this.nCuts++;
    }
  }

  /** uncut unblocks the directed link from → to. */
  uncut(from: NodeId, to: NodeId): void {
    if (this.cuts.get(from)?.delete(to) === true) this.nCuts--;
  }

  /** partition cuts every link between different groups, both ways (nodes in no group keep their links). */
  partition(groups: NodeId[][]): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        if (i === j) continue;
        for (const a of groups[i]!) for (const b of groups[j]!) this.cut(a, b);
      }
    }
  }

  /**
   * jitter makes the directed link from → to jittery until `until`: each message sent on it
   * meanwhile takes up to maxMs more, at random — a congested path through the router, on
   * which answers overtake each other and arrive long after they were sent.
   */
  jitter(from: NodeId, to: NodeId, maxMs: number, until: number): void {
    if (from !== to) this.jittery.set(from + '>' + to, { maxMs, until });
  }

  /** extraDelay is the jitter one message from → to sent at `now` takes on top of drawDelay(). */
  extraDelay(from: NodeId, to: NodeId, now: number): number {
    if (this.jittery.size === 0) return 0;
    const key = from + '>' + to;
    const j = this.jittery.get(key);
    if (!j) return 0;
    if (now >= j.until) {
      this.jittery.delete(key);
      return 0;
    }
    return this.rng.next() * j.maxMs;
  }

  /** isolate disconnects a node from everyone (MIT's disconnect). */
  isolate(id: NodeId): void {
    this.isolated.add(id);
  }

  /** connect undoes isolate (cuts set by partition/cut stay). */
  connect(id: NodeId): void {
    this.isolated.delete(id);
  }

  /** isConnected tells whether a node is not isolated. */
  isConnected(id: NodeId): boolean {
    return !this.isolated.has(id);
  }

  /** heal removes every cut, isolation and jittery link (the fault model is left alone). */
  heal(): void {
    this.cuts.clear();
    this.nCuts = 0;
    this.isolated.clear();
    this.jittery.clear();
  }

  /** setBandwidth limits the directed link from → to to `rate` bytes a second (0 lifts the limit). */
  setBandwidth(from: NodeId, to: NodeId, rate: number): void {
    if (!(Number.isFinite(rate) && rate >= 0)) throw new Error(`bandwidth must be >= 0 bytes/s, got ${rate}`);
    const key = from + '>' + to;
    if (rate === 0) {
      this.limits.delete(key);
      return;
    }
    this.limits.set(key, rate);
    const q = this.queues.get(key);
    if (q) q.setRate(rate);
    else this.queues.set(key, new LinkQueue(rate));
  }

  /** clearBandwidth lifts every rate limit. */
  clearBandwidth(): void {
    this.limits.clear();
  }

  /** bandwidth is the link's rate limit in bytes a second (0 = none). */
  bandwidth(from: NodeId, to: NodeId): number {
    return this.limits.size === 0 ? 0 : (this.limits.get(from + '>' + to) ?? 0);
  }

  /**
   * wireMs queues a message of `bytes` on a rate-limited link at time `now` (core/link-queue.ts,
   * the lab router's model) and returns how long until it has left the link, or null when
   * the link's queue is full (the message is dropped).
   */
  wireMs(now: number, from: NodeId, to: NodeId, bytes: number): number | null {
    const q = this.limits.has(from + '>' + to) ? this.queues.get(from + '>' + to) : undefined;
    if (!q) return 0;
    const done = q.offer(now, bytes);
    return done === null ? null : done - now;
  }

  /** backlog says what waits on the link from → to at time `now`. */
  backlog(now: number, from: NodeId, to: NodeId): LinkBacklog {
    return this.queues.get(from + '>' + to)?.backlog(now) ?? { bytes: 0, messages: 0 };
  }

  /** cutList returns the current cuts as [from, to] pairs, sorted (for logs and views). */
  cutList(): [NodeId, NodeId][] {
    const keys: string[] = [];
    for (const [from, tos] of this.cuts) for (const to of tos) keys.push(from + '>' + to);
    return keys.sort().map((k) => k.split('>') as [NodeId, NodeId]);
  }

  /** setLink gives the directed link from → to its own fault model (null: back to the network's). */
  setLink(from: NodeId, to: NodeId, f: NetworkFaults | null): void {
    if (f) {
      validateFaults(f);
      this.links.set(from + '>' + to, f);
    } else this.links.delete(from + '>' + to);
  }

  /** clearLinks drops every per-link model. */
  clearLinks(): void {
    this.links.clear();
  }

  /** model is the fault model of one link (the network's unless the link has its own). */
  private model(from?: NodeId, to?: NodeId): NetworkFaults {
    if (this.links.size === 0 || from === undefined || to === undefined) return this.faults;
    return this.links.get(from + '>' + to) ?? this.faults;
  }

  /** drawDrop decides whether one message (on from → to, when given) is lost. */
  drawDrop(from?: NodeId, to?: NodeId): boolean {
    const f = this.model(from, to);
    return f.drop > 0 && this.rng.next() < f.drop;
  }

  /** drawDuplicate decides whether one message is delivered twice. */
  drawDuplicate(from?: NodeId, to?: NodeId): boolean {
    const f = this.model(from, to);
    return f.duplicate > 0 && this.rng.next() < f.duplicate;
  }

  /** drawDelay returns one message's latency in ms. */
  drawDelay(from?: NodeId, to?: NodeId): number {
    const d = this.model(from, to).delay;
    if (d.reorder > 0 && this.rng.next() < d.reorder) {
      return d.reorderMinMs + this.rng.next() * this.rng.next() * (d.reorderMaxMs - d.reorderMinMs);
    }
    return d.minMs + this.rng.next() * (d.maxMs - d.minMs);
  }
}
