/**
 * WireOrder keeps the deliveries of a rate-limited link in the order their bytes left its
 * queue. Each delivery waits on a timer of its own, reckoned from the clock the router read
 * for the queue; on a loaded machine the router can lose the CPU between reading that clock
 * and setting the timer, so a timer set a few ms late fires after the next message's, and a
 * protocol message queued right behind a shard's page overtook it (router-carry.test). A
 * link's queue is a FIFO wire, so what leaves it second must arrive second; jitter (which
 * the user asks for to reorder) is the one thing allowed to change that, and the router
 * does not use WireOrder on a jittery link.
 */
import type { NodeId } from '../core/types';

interface Slot {
  due: boolean;
  run: () => void;
}

export class WireOrder {
  private readonly links = new Map<string, Slot[]>();

  /**
   * enter puts a delivery at the back of the link's line and returns the function its timer
   * calls: it marks the delivery due and runs every due one at the front, in line order.
   */
  enter(from: NodeId, to: NodeId, run: () => void): () => void {
    const key = from + '>' + to;
    let line = this.links.get(key);
    if (line === undefined) {
      line = [];
      this.links.set(key, line);
    }
    const slot: Slot = { due: false, run };
    line.push(slot);
    const own = line;
    return () => {
      slot.due = true;
      while (own.length > 0 && own[0]!.due) own.shift()!.run();
      if (own.length === 0 && this.links.get(key) === own) this.links.delete(key);
    };
  }

  /** clear forgets every waiting delivery (the router closes and clears its timers). */
  clear(): void {
    this.links.clear();
  }
}
