/**
 * Faults triggered by what the cluster does rather than by the clock: crash the leader
 * right after it is elected, or right after its commit index moves (its followers have not
 * heard yet), or pause it while it holds its lease (a leader that has led for a while). A
 * schedule arms a trigger; the first matching status the cluster observes fires it, and the
 * node comes back `forMs` later. Everything is decided by the seed, so a run replays.
 */
import type { NodeStatus } from '../core/types';
import type { Cluster } from './cluster';
import type { SimNode } from './sim-node';

/** TriggerEvent names what fires a trigger. */
export type TriggerEvent = 'elected' | 'commit' | 'lease';

/** TRIGGER_EVENTS lists them. */
export const TRIGGER_EVENTS: readonly TriggerEvent[] = ['elected', 'commit', 'lease'];

/** Trigger is one armed fault: on `event`, `action` the leader for `forMs`. */
export interface Trigger {
  event: TriggerEvent;
  action: 'crash' | 'pause';
  forMs: number;
}

/** Triggers holds the armed triggers of a cluster and fires them. */
export class Triggers {
  private armed: Trigger[] = [];
  /** fired counts triggers that went off. */
  fired = 0;

  constructor(private readonly c: Cluster) {
    c.onStatus((n, st, prev) => {
      if (this.armed.length > 0 && st.role === 'leader') this.observe(n, st, prev);
    });
  }

  /** arm adds a trigger; it waits for its event. */
  arm(t: Trigger): void {
    this.armed.push(t);
    this.c.log.write(this.c.now, 'arm', { event: t.event, action: t.action, forMs: t.forMs });
  }

  /** disarm drops every armed trigger (the heal). */
  disarm(): void {
    this.armed = [];
  }

  private observe(n: SimNode, st: NodeStatus, prev: NodeStatus | null): void {
    const i = this.armed.findIndex((t) => matches(t.event, st, prev));
    if (i < 0) return;
    const t = this.armed[i]!;
    this.armed.splice(i, 1);
    this.fired++;
    const inc = n.incarnation;
    // Right after this event, before anything else happens at this instant.
    this.c.after(0, () => {
      if (n.incarnation !== inc || n.state !== 'up') return;
      this.c.log.write(this.c.now, 'trigger', { node: n.id, event: t.event, action: t.action, term: st.term });
      if (t.action === 'crash') {
        this.c.crash(n.id);
        this.c.after(t.forMs, () => this.c.restart(n.id));
      } else {
        this.c.pause(n.id);
        this.c.after(t.forMs, () => this.c.resume(n.id));
      }
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
  }
}
