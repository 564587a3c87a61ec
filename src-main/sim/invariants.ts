/**
 * Safety and liveness checks that run while a simulation runs. The checker sees only what
 * any protocol exposes (NodeStatus, applied entries, persisted hard state), so Raft and
 * Multi-Paxos are held to the same rules. It is fed plain observations, which is also how
 * the tests prove it catches fabricated violations.
 */
import type { EntryType, NodeId, NodeStatus } from '../core/types';

/** Violation is one broken invariant, with where and when it was seen. */
export interface Violation {
  /** invariant names the rule: 'election-safety', 'state-machine-safety', ... */
  invariant: string;
  /** timeMs is the virtual time it was detected. */
  timeMs: number;
  node: NodeId | null;
  description: string;
}

interface AppliedSlot {
  type: EntryType;
  data: string;
  node: NodeId;
}

/** MAX_VIOLATIONS bounds what one run records; after a broken invariant the rest is noise. */
export const MAX_VIOLATIONS = 20;

/** InvariantChecker accumulates observations and records each violation once seen. */
export class InvariantChecker {
  readonly violations: Violation[] = [];
  /** leaderOfTerm: the node seen as leader in each term (election safety). */
  private readonly leaderOfTerm = new Map<number, NodeId>();
  /**
   * applied: the first (type, data) applied at each index by any node. An array: log
   * indexes are dense from 1, and this is read and written on every apply of every node.
   */
  private readonly applied: (AppliedSlot | undefined)[] = [];
  /** maxContiguous: every index in 1..maxContiguous has been applied by someone. */
  private maxContiguousIndex = 0;
  /** commitSeen: the highest commit index each node reported since it (re)started. */
  private readonly commitSeen = new Map<NodeId, number>();
  /** persistedCommit: the highest commit each node made durable (survives restarts). */
  private readonly persistedCommit = new Map<NodeId, number>();
  /** appliedIndex: each node's state machine position (for in-order application). */
  private readonly appliedIndex = new Map<NodeId, number>();
  /** onViolation is called once per recorded violation (the Cluster logs it). */
  onViolation: ((v: Violation) => void) | null = null;

  constructor(private readonly clock: () => number = () => 0) {}

  /** ok tells whether nothing has been violated so far. */
  get ok(): boolean {
    return this.violations.length === 0;
  }

  /** report records a violation (bounded by MAX_VIOLATIONS). */
  report(invariant: string, node: NodeId | null, description: string): void {
    if (this.violations.length >= MAX_VIOLATIONS) return;
    const v: Violation = { invariant, timeMs: this.clock(), node, description };
    this.violations.push(v);
    this.onViolation?.(v);
  }

  /**
   * observeStatus checks a node's view: at most one leader per term (Raft §5.2, Figure 3
   * "Election Safety") and a commit index that never goes down.
   */
  observeStatus(s: NodeStatus): void {
    if (s.role === 'leader') {
      const prev = this.leaderOfTerm.get(s.term);
      if (prev === undefined) this.leaderOfTerm.set(s.term, s.id);
      else if (prev !== s.id) {
        this.report('election-safety', s.id, `two leaders in term ${s.term}: ${prev} and ${s.id}`);
      }
    }
    const seen = this.commitSeen.get(s.id) ?? 0;
    if (s.commitIndex < seen) {
      this.report('commit-monotonic', s.id, `${s.id} commit index went down from ${seen} to ${s.commitIndex}`);
    } else {
      this.commitSeen.set(s.id, s.commitIndex);
    }
  }

  /** observePersistedCommit checks a durable commit index never goes down, across restarts too. */
  observePersistedCommit(node: NodeId, commit: number): void {
    const prev = this.persistedCommit.get(node) ?? 0;
    if (commit < prev) {
      this.report('commit-monotonic', node, `${node} persisted commit index ${commit} below its earlier ${prev}`);
    } else {
      this.persistedCommit.set(node, commit);
    }
  }

  /**
   * observeRestart starts a node's in-memory view afresh. Its commit index may restart
   * from what it persisted, but never below that.
   */
  observeRestart(node: NodeId, status: NodeStatus, restoredApplied: number): void {
    const durable = this.persistedCommit.get(node) ?? 0;
    if (status.commitIndex < durable) {
      this.report(
        'commit-monotonic',
        node,
        `${node} restarted with commit index ${status.commitIndex} below its persisted ${durable}`,
      );
    }
    this.commitSeen.set(node, status.commitIndex);
    this.appliedIndex.set(node, restoredApplied);
  }

  /** observeDamage: a node's store was damaged, so its durable commit index may legitimately go back. */
  observeDamage(node: NodeId): void {
    this.persistedCommit.delete(node);
  }

  /**
   * observeApply checks State Machine Safety (Raft §5.4.3): no two nodes apply different
   * commands at one index; and that each node applies indexes in order without gaps.
   */
  observeApply(node: NodeId, index: number, type: EntryType, data: string): void {
    const at = this.appliedIndex.get(node) ?? 0;
    if (index !== at + 1) {
      this.report('apply-order', node, `${node} applied index ${index} after ${at} (expected ${at + 1})`);
    }
    this.appliedIndex.set(node, Math.max(at, index));
    const slot = this.applied[index];
    if (!slot) {
      this.applied[index] = { type, data, node };
      while (this.applied[this.maxContiguousIndex + 1] !== undefined) this.maxContiguousIndex++;
    } else if (slot.type !== type || slot.data !== data) {
      this.report(
        'state-machine-safety',
        node,
        `index ${index} applied as ${describe(type, data)} on ${node} but as ${describe(slot.type, slot.data)} on ${slot.node}`,
      );
    }
  }

  /** observeSnapshotRestore checks a node's state machine does not move backwards by a snapshot. */
  observeSnapshotRestore(node: NodeId, index: number): void {
    const at = this.appliedIndex.get(node) ?? 0;
    if (index < at) {
      this.report('apply-order', node, `${node} restored a snapshot at ${index} after applying up to ${at}`);
    }
    this.appliedIndex.set(node, Math.max(at, index));
  }

  /** appliedAt returns what was applied at index (by the first node to apply it). */
  appliedAt(index: number): { type: EntryType; data: string } | undefined {
    return this.applied[index];
  }

  /** appliedThrough is the highest index such that every index up to it was applied by some node. */
  get appliedThrough(): number {
    return this.maxContiguousIndex;
  }

  /** nodeApplied is a node's applied index as the checker tracks it. */
  nodeApplied(node: NodeId): number {
    return this.appliedIndex.get(node) ?? 0;
  }

  /** leaders returns the leader seen in each term, by term (for reports and tests). */
  leaders(): [number, NodeId][] {
    return [...this.leaderOfTerm.entries()].sort((a, b) => a[0] - b[0]);
  }
}

function describe(type: EntryType, data: string): string {
  const d = data.length > 80 ? data.slice(0, 77) + '...' : data;
  return type === 'normal' ? JSON.stringify(d) : `${type}(${JSON.stringify(d)})`;
}
