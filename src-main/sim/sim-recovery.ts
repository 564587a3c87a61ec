/**
 * Recovery: what a node whose store was found damaged may do until it has caught up from
 * its peers, and when it has — the node process's rules (node/node-host.ts: onMessage,
 * send, onTickTimer, maybeRecovered), applied by the simulated node.
 */
import type { MessageKind, NodeStatus } from '../core/types';
import type { ScanResult } from './disk-scan';
import type { SimStorage } from './sim-storage';

/** Recovery is one incarnation's damaged-store state. */
export class Recovery {
  /** active: the node neither votes nor campaigns nor serves until caught up. */
  active: boolean;
  private readonly floor: number;
  private installed = false;

  constructor(
    private readonly storage: SimStorage,
    opened: ScanResult | null,
    private readonly startCommit: number,
  ) {
    this.active = opened?.damaged != null;
    this.floor = opened?.floor ?? 0;
  }

  /** refusesIncoming: a recovering node ignores vote traffic and transfer orders. */
  refusesIncoming(kind: MessageKind, type: string): boolean {
    return this.active && (kind === 'vote' || type === 'timeoutNow');
  }

  /**
   * withholds: a recovering node may have forgotten votes, promises and accepted values: it
   * casts no vote and, in Multi-Paxos, does not count as an acceptor in phase 2. Raft's
   * append answers still flow: they are how its leader finds where the log diverges.
   */
  withholds(kind: MessageKind, type: string): boolean {
    return this.active && (kind === 'vote' || type === 'accepted');
  }

  /** snapshotInstalled: a snapshot from the leader counts as having learnt its commit. */
  snapshotInstalled(): void {
    this.installed = true;
  }

  /**
   * maybeEnd ends recovery once the node follows a leader, has learnt a commit index from
   * it at least as high as anything its damaged store held, and has applied it all;
   * returns whether it ended now.
   */
  maybeEnd(st: NodeStatus, applied: number): boolean {
    if (!this.active) return false;
    const floor = Math.max(1, this.floor);
    const learned = st.commitIndex > this.startCommit || this.installed;
    if (st.leader === null || st.leader === st.id || !learned) return false;
    if (st.commitIndex < floor || applied < st.commitIndex) return false;
    this.active = false;
    this.storage.markRecovered();
    return true;
  }
}
