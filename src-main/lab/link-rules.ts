/**
 * LinkRules is the Router's picture of the network it imposes: which nodes may connect
 * (`known`) or were taken out (`removed`), the partition groups, each directed link's
 * settings (latency ± jitter, loss, duplication, a one-way cut, a rate limit) and the
 * queues of the rate-limited links (core/link-queue.ts). It decides nothing about a
 * message by itself: for every frame the Router asks it which rule, if any, cuts a link
 * (`cutBy`), what the link's settings are (`linkOf`) and, on a rate-limited link, for its
 * queue (`queueOf`).
 */
import type { LinkBacklog, LinkRule } from '../api/contract';
import { LinkQueue, queueCapacityBytes } from '../core/link-queue';
import type { NodeId } from '../core/types';

/** LinkSettings is the non-partition part of a directed link's rule. */
export interface LinkSettings {
  latencyMs: number;
  jitterMs: number;
  loss: number;
  duplicate: number;
  blocked: boolean;
  /** bandwidth: bytes a second, 0 = unlimited. */
  bandwidth: number;
}

/** CLEAN is a link with no rule: no delay, no loss, no cut, no rate limit. */
export const CLEAN: LinkSettings = { latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, blocked: false, bandwidth: 0 };

/** isClean tells whether a link's settings are those of a link with no rule. */
export function isClean(s: LinkSettings): boolean {
  return s.latencyMs === 0 && s.jitterMs === 0 && s.loss === 0 && s.duplicate === 0 && !s.blocked && s.bandwidth === 0;
}

/** CutReason names the rule that cuts a link: a cut of that link, or a partition between its ends. */
export type CutReason = 'blocked' | 'partition';

/** LinkRules holds the cluster's membership as the router sees it, its partition and its link rules. */
export class LinkRules {
  /** known: the nodes that may connect and be addressed. */
  readonly known: Set<NodeId>;
  /** removed: nodes taken out of the cluster; messages to them are dropped as 'removed'. */
  readonly removed = new Set<NodeId>();
  private readonly links = new Map<string, LinkSettings>();
  /** queues: the rate-limited links' queues, by "from>to" (kept while their messages drain). */
  private readonly queues = new Map<string, LinkQueue>();
  /** groupOf maps a node to its partition group index; empty when healed. */
  private groupOf = new Map<NodeId, number>();
  private groups: NodeId[][];

  constructor(nodes: NodeId[]) {
    this.known = new Set(nodes);
    this.groups = [nodes.slice()];
  }

  /** linkOf is the directed link's settings (CLEAN without a rule). */
  linkOf(from: NodeId, to: NodeId): LinkSettings {
    return this.links.get(from + '>' + to) ?? CLEAN;
  }

  /** cutBy names the rule that cuts from → to now ('blocked' before 'partition'), or null when the link is open. */
  cutBy(from: NodeId, to: NodeId, l: LinkSettings): CutReason | null {
    if (l.blocked) return 'blocked';
    const gf = this.groupOf.get(from);
    const gt = this.groupOf.get(to);
    return gf !== undefined && gt !== undefined && gf !== gt ? 'partition' : null;
  }

  /** partition cuts every link between the groups; nodes not named form one more group. */
  partition(groups: NodeId[][]): void {
    const named = new Set(groups.flat());
    const rest = [...this.known].filter((n) => !named.has(n));
    this.groups = rest.length > 0 ? [...groups.map((g) => g.slice()), rest] : groups.map((g) => g.slice());
    this.groupOf = new Map();
    this.groups.forEach((g, i) => g.forEach((n) => this.groupOf.set(n, i)));
  }

  /** addNode lets a new node in; under a partition it joins the group of `near`, else the last group. */
  addNode(id: NodeId, near?: NodeId): void {
    this.known.add(id);
    this.removed.delete(id);
    if (this.groupOf.size === 0) {
      this.groups = [[...this.known]];
      return;
    }
    const g = (near !== undefined ? this.groupOf.get(near) : undefined) ?? this.groups.length - 1;
    this.groups[g]!.push(id);
    this.groupOf.set(id, g);
  }

  /** removeNode takes a node out: its rules and queues go, and it leaves its partition group. */
  removeNode(id: NodeId): void {
    this.known.delete(id);
    this.removed.add(id);
    for (const key of [...this.links.keys()]) {
      const [a, b] = key.split('>');
      if (a === id || b === id) this.links.delete(key);
    }
    for (const key of [...this.queues.keys()]) if (key.split('>').includes(id)) this.queues.delete(key);
    this.groups = this.groups.map((g) => g.filter((n) => n !== id)).filter((g) => g.length > 0);
    if (this.groups.length === 0) this.groups = [[...this.known]];
    this.groupOf = new Map();
    if (this.groups.length > 1) this.groups.forEach((g, i) => g.forEach((n) => this.groupOf.set(n, i)));
  }

  /** heal removes the partition and every link rule. */
  heal(): void {
    this.groupOf = new Map();
    this.groups = [[...this.known]];
    this.links.clear();
  }

  /** setLink sets one directed link's rule (fields not given keep their current value). */
  setLink(rule: Partial<LinkRule> & { from: NodeId; to: NodeId }): void {
    const key = rule.from + '>' + rule.to;
    const cur = this.links.get(key) ?? CLEAN;
    const next: LinkSettings = {
      latencyMs: rule.latencyMs ?? cur.latencyMs,
      jitterMs: rule.jitterMs ?? cur.jitterMs,
      loss: rule.loss ?? cur.loss,
      duplicate: rule.duplicate ?? cur.duplicate,
      blocked: rule.blocked ?? cur.blocked,
      bandwidth: rule.bandwidth ?? cur.bandwidth,
    };
    if (isClean(next)) this.links.delete(key);
    else this.links.set(key, next);
  }

  /**
   * queueOf returns the queue of a rate-limited link. In slow motion (`timeScale` < 1) the
   * link is slower in wall time by the same factor as everything else; the queue's byte
   * bound stays the nominal rate's.
   */
  queueOf(from: NodeId, to: NodeId, bandwidth: number, timeScale: number): LinkQueue {
    const key = from + '>' + to;
    const rate = bandwidth * Math.min(1, timeScale > 0 ? timeScale : 1);
    let q = this.queues.get(key);
    if (!q) {
      q = new LinkQueue(rate, queueCapacityBytes(bandwidth));
      this.queues.set(key, q);
    } else q.setRate(rate, queueCapacityBytes(bandwidth));
    return q;
  }

  /** backlog says what waits on the link from → to now (nothing on a link without a rate limit). */
  backlog(from: NodeId, to: NodeId): LinkBacklog {
    return this.queues.get(from + '>' + to)?.backlog(performance.now()) ?? { bytes: 0, messages: 0 };
  }

  /** rules lists the non-clean links, partition cuts included (shown as blocked), a rate-limited one with its backlog. */
  rules(): LinkRule[] {
    const out: LinkRule[] = [];
    const nodes = [...this.known];
    for (const from of nodes) {
      for (const to of nodes) {
        if (from === to) continue;
        const l = this.linkOf(from, to);
        const blocked = this.cutBy(from, to, l) !== null;
        if (isClean(l) && !blocked) continue;
        out.push({
          from,
          to,
          latencyMs: l.latencyMs,
          jitterMs: l.jitterMs,
          loss: l.loss,
          duplicate: l.duplicate,
          blocked,
          bandwidth: l.bandwidth,
          ...(l.bandwidth > 0 ? { queue: this.backlog(from, to) } : {}),
        });
      }
    }
    return out;
  }

  /** partitionGroups returns the current groups (one group of every node when healed). */
  partitionGroups(): NodeId[][] {
    return this.groups.map((g) => g.slice());
  }
}
