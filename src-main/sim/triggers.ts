/**
 * Faults triggered by what the cluster does rather than by the clock: crash the leader
 * right after it is elected, or right after its commit index moves (its followers have not
 * heard yet), or pause it while it holds its lease (a leader that has led for a while), or
 * crash the leader right after a node whose store was damaged ends its recovery (the
 * moment its new vote starts to count). A schedule arms a trigger; the first matching
 * event fires it, and the node comes back `forMs` later.
 *
 * One composed fault, `strand`, stages a stale leader meeting freshly restarted nodes: the
 * leaseholder is paused and cut off while the others elect a new leader and commit; then a
 * minority of them crash (their stores maybe damaged: the term/vote record, the log's tail,
 * the whole file) and restart, and the old leader wakes up in a partition with just them.
 * Whatever their disks lost, they must not help it commit over what the new leader
 * committed.
 *
 * Another, `bounce`, is a query of death: when a follower forwards a client's read to the
 * leader it crashes at once and restarts within moments — and does so again on the next
 * read or two its new processes forward — while the leader's link to it turns jittery. The
 * answers meant for one process reach the next, late, while it waits on reads of its own.
 * Everything is decided by the seed, so a run replays.
 */
import { DAMAGE_KINDS, type DamageKind } from '../core/recovery';
import type { MessageBase, NodeId, NodeStatus, Rng } from '../core/types';
import type { Cluster } from './cluster';
import { pick, shuffle } from './random';
import type { SimNode } from './sim-node';

/** TriggerEvent names what fires a trigger. */
export type TriggerEvent = 'elected' | 'commit' | 'lease' | 'recovered' | 'read';

/** TRIGGER_EVENTS lists them. */
export const TRIGGER_EVENTS: readonly TriggerEvent[] = ['elected', 'commit', 'lease', 'recovered', 'read'];

/** TriggerAction is what a trigger does (strand, bounce: see the file comment). */
export type TriggerAction = 'crash' | 'pause' | 'strand' | 'bounce';

/** BOUNCES: how many of its forwarded reads in a row crash a node a 'read' trigger fired on. */
export const BOUNCES = 3;

/**
 * Trigger is one armed fault: on `event`, `action` the leader for `forMs` — or, for a
 * 'read' event, bounce the follower that forwarded the read (down for `forMs`).
 */
export interface Trigger {
  event: TriggerEvent;
  action: TriggerAction;
  forMs: number;
}

/** Triggers holds the armed triggers of a cluster and fires them. */
export class Triggers {
  private armed: Trigger[] = [];
  /** fired counts triggers that went off; firedBy, by 'event:action'. */
  fired = 0;
  readonly firedBy: Record<string, number> = {};
  /** epoch changes at the heal: the later steps of a fault already under way are dropped. */
  private epoch = 0;
  /** poisoned: nodes in a query-of-death crash loop, with the bounces left and how long each is down. */
  private readonly poisoned = new Map<NodeId, { left: number; downMs: number }>();

  constructor(
    private readonly c: Cluster,
    private readonly rng: Rng,
  ) {
    c.onStatus((n, st, prev) => {
      if (this.armed.length > 0 && st.role === 'leader') this.observe(n, st, prev);
    });
  }

  /** arm adds a trigger; it waits for its event. */
  arm(t: Trigger): void {
    this.armed.push(t);
    this.c.log.write(this.c.now, 'arm', { event: t.event, action: t.action, forMs: t.forMs });
  }

  /** disarm drops every armed trigger and the steps of faults under way (the heal). */
  disarm(): void {
    this.armed = [];
    this.poisoned.clear();
    this.epoch++;
  }

  private count(t: Trigger): void {
    this.fired++;
    const k = `${t.event}:${t.action}`;
    this.firedBy[k] = (this.firedBy[k] ?? 0) + 1;
  }

  /** later runs fn after ms unless the heal came first. */
  private later(ms: number, fn: () => void): void {
    const epoch = this.epoch;
    this.c.after(ms, () => {
      if (this.epoch === epoch) fn();
    });
  }

  /** recovered hears that a node ended its recovery: a 'recovered' trigger crashes (or pauses) the leader now. */
  recovered(node: SimNode): void {
    const i = this.armed.findIndex((t) => t.event === 'recovered');
    if (i < 0) return;
    const leader = this.c.nodes.find((n) => n.state === 'up' && n.lastStatus?.role === 'leader' && n !== node);
    if (!leader) return;
    this.fire(i, leader, leader.lastStatus!);
  }

  /** wantsReads tells whether forwarded reads matter now (a 'read' trigger armed, or a crash loop under way). */
  wantsReads(): boolean {
    return this.poisoned.size > 0 || this.armed.some((t) => t.event === 'read');
  }

  /** readForwarded hears that a follower forwarded a client's read to the leader (`m.to`). */
  readForwarded(node: SimNode, m: MessageBase): void {
    if (node.state !== 'up') return;
    const p = this.poisoned.get(node.id);
    if (p) {
      if (--p.left <= 0) this.poisoned.delete(node.id);
      this.bounce(node, m.to, p.downMs);
      return;
    }
    const i = this.armed.findIndex((t) => t.event === 'read');
    if (i < 0) return;
    const t = this.armed[i]!;
    this.armed.splice(i, 1);
    this.count(t);
    this.c.log.write(this.c.now, 'trigger', { node: node.id, event: t.event, action: t.action });
    this.poisoned.set(node.id, { left: BOUNCES - 1, downMs: t.forMs });
    this.bounce(node, m.to, t.forMs);
  }

  /** bounce crashes a node now and restarts it after downMs; its leader's link to it turns jittery meanwhile. */
  private bounce(n: SimNode, leader: NodeId, downMs: number): void {
    const c = this.c;
    const inc = n.incarnation;
    this.later(0, () => {
      if (n.incarnation !== inc || n.state !== 'up') return;
      c.jitter(leader, n.id, 2 * c.electionMs, 3 * c.electionMs);
      c.crash(n.id);
      this.later(downMs, () => c.restart(n.id));
    });
  }

  private observe(n: SimNode, st: NodeStatus, prev: NodeStatus | null): void {
    const i = this.armed.findIndex((t) => matches(t.event, st, prev));
    if (i >= 0) this.fire(i, n, st);
  }

  private fire(i: number, n: SimNode, st: NodeStatus): void {
    const t = this.armed[i]!;
    this.armed.splice(i, 1);
    this.count(t);
    const inc = n.incarnation;
    const c = this.c;
    // Right after this event, before anything else happens at this instant.
    this.later(0, () => {
      if (n.incarnation !== inc || n.state !== 'up') return;
      c.log.write(c.now, 'trigger', { node: n.id, event: t.event, action: t.action, term: st.term });
      switch (t.action) {
        case 'crash':
          c.crash(n.id);
          this.later(t.forMs, () => c.restart(n.id));
          return;
        case 'pause':
          c.pause(n.id);
          this.later(t.forMs, () => c.resume(n.id));
          return;
        case 'strand':
          this.strand(n, t.forMs);
          return;
        case 'bounce':
          // Fired by readForwarded(), which knows the leader.
          return;
      }
    });
  }

  /**
   * strand pauses the leader and cuts it off for `forMs`; then a minority of the others
   * crash, maybe lose part of their store, restart, and the leader resumes among them.
   */
  private strand(n: SimNode, forMs: number): void {
    const c = this.c;
    const others = c.ids.filter((id) => id !== n.id);
    c.pause(n.id);
    c.partition([[n.id], others]);
    this.later(forMs, () => {
      // The nodes to bounce: a minority of the cluster, not the new leader (it keeps its term).
      const minority = Math.floor((c.ids.length - 1) / 2);
      const leader = c.stableLeader();
      const picks = shuffle(
        this.rng,
        others.filter((id) => id !== leader && c.node(id).state === 'up'),
      ).slice(0, minority);
      for (const id of picks) {
        c.crash(id);
        // Cluster.damage keeps the one record of damaged nodes: past the run's budget (none
        // with disk faults off) it refuses, as it refuses the schedule's drawn damage.
        const kind: DamageKind | 'none' = pick(this.rng, ['none', ...DAMAGE_KINDS]);
        if (kind !== 'none') c.damage(id, kind);
      }
      this.later(1 + this.rng.next() * 10, () => {
        for (const id of picks) c.restart(id);
        const rest = others.filter((id) => !picks.includes(id));
        // Cuts add up: the stranding cuts go first, then the new grouping.
        c.healNetwork();
        c.partition(rest.length > 0 ? [[n.id, ...picks], rest] : [[n.id, ...picks]]);
        c.resume(n.id);
      });
    });
  }
}

function matches(e: TriggerEvent, st: NodeStatus, prev: NodeStatus | null): boolean {
  switch (e) {
    case 'elected':
      return !prev || prev.role !== 'leader' || prev.term !== st.term;
    case 'commit':
      return prev !== null && prev.role === 'leader' && prev.term === st.term && st.commitIndex > prev.commitIndex;
    case 'lease':
      return prev !== null && prev.role === 'leader' && prev.term === st.term;
    case 'recovered':
    case 'read':
      // Fired by recovered() and readForwarded(), not by a status.
      return false;
  }
}
