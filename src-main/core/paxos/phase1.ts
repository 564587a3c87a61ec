/**
 * Phase 1 bookkeeping of a candidate (a proposer running prepare for all open slots):
 * which acceptors promised, and for each slot the value it must propose — the value of
 * the highest-numbered accepted proposal among the promises ("Paxos Made Simple" §2.2,
 * P2c), or the chosen value when a promiser already knows it.
 */
import type { Entry, NodeId, Snapshot } from '../types';

/** SlotKnowledge is what the promises say about one slot. */
export interface SlotKnowledge {
  entry: Entry;
  /** chosen: some promiser had this slot in its chosen prefix, so entry is the chosen value. */
  chosen: boolean;
}

/** PromiseSet gathers the promises for one ballot. */
export class PromiseSet {
  readonly ballot: number;
  private readonly from = new Set<NodeId>();
  /** slots maps slot → the value to adopt so far. */
  readonly slots = new Map<number, SlotKnowledge>();
  maxSlot = 0;
  /** snapshot: the newest snapshot a promiser sent (it compacted slots we have not learned). */
  snapshot: Snapshot | null = null;

  constructor(ballot: number) {
    this.ballot = ballot;
  }

  /** members lists the acceptors that promised, in the order they did. */
  members(): NodeId[] {
    return [...this.from];
  }

  /** size is how many acceptors promised. */
  size(): number {
    return this.from.size;
  }

  /** countAmong is how many of `voters` promised (a learner's promise is no vote). */
  countAmong(voters: readonly NodeId[]): number {
    let n = 0;
    for (const v of voters) if (this.from.has(v)) n++;
    return n;
  }

  /** add merges one promise; a repeated promise from the same acceptor is ignored. */
  add(from: NodeId, commit: number, entries: readonly Entry[], snapshot: Snapshot | null): boolean {
    if (this.from.has(from)) return false;
    this.from.add(from);
    if (snapshot && (!this.snapshot || snapshot.index > this.snapshot.index)) this.snapshot = snapshot;
    for (const e of entries) {
      if (e.term === 0) continue; // an empty slot carries no proposal
      const chosen = e.index <= commit;
      const cur = this.slots.get(e.index);
      if (!cur || (!cur.chosen && (chosen || e.term > cur.entry.term))) {
        this.slots.set(e.index, { entry: { ...e }, chosen });
      }
      if (e.index > this.maxSlot) this.maxSlot = e.index;
    }
    return true;
  }
}
