/**
 * What a simulated Cluster hands each of its SimNodes (sim-node.ts NodeHooks): where the
 * node's messages, timers, disk writes, applied entries and host events go. Kept apart
 * from cluster.ts, which is about time, observation and faults.
 */
import type { HardState, NodeId, Snapshot } from '../core/types';
import type { Rng } from '../core/types';
import type { Cluster } from './cluster';
import type { ApplyListener } from './cluster-options';
import type { NodeHooks, SimNode } from './sim-node';
import type { Wire } from './wire';

/** DiskModel draws how long persisting one Ready takes on each node (a slow disk per node, or the cluster's range). */
export class DiskModel {
  /** slow: per node, a [min, max] that replaces the cluster's range while its disk is slow. */
  private readonly slow = new Map<NodeId, [number, number]>();

  constructor(
    private readonly rng: Rng,
    private readonly ms: [number, number],
  ) {}

  /** delay draws one write's time on `node` (0 = at once). */
  delay(node: SimNode): number {
    // Indexing, not destructuring: this runs once per Ready.
    const range = this.slow.size > 0 ? (this.slow.get(node.id) ?? this.ms) : this.ms;
    const lo = range[0];
    const hi = range[1];
    return hi <= 0 ? 0 : lo + this.rng.next() * (hi - lo);
  }

  /** setSlow makes a node's disk slow, or with null normal again; returns whether anything changed. */
  setSlow(id: NodeId, ms: [number, number] | null): boolean {
    if (ms) {
      this.slow.set(id, ms);
      return true;
    }
    return this.slow.delete(id);
  }
}

/** HookParts are the cluster's private pieces its node hooks reach. */
export interface HookParts {
  /** wire: the cluster's wire (read when a node sends: it is built after the nodes). */
  wire: () => Wire;
  disk: DiskModel;
  applyListeners: readonly ApplyListener[];
}

/** nodeHooks builds the hooks every node of cluster `c` shares. */
export function nodeHooks(c: Cluster, p: HookParts): NodeHooks {
  const disk = p.disk;
  const applyListeners = p.applyListeners;
  return {
    send: (from, msgs) => {
      const wire = p.wire();
      // An index loop: a Ready's lists are plain or (empty) shared frozen arrays.
      for (let i = 0; i < msgs.length; i++) wire.send(from, msgs[i]!);
    },
    diskDelay: (node) => disk.delay(node),
    later: (node, ms, fn) => c.forNode(node, ms, fn),
    laterCall: (node, ms, fn, arg) => c.forNodeCall(node, ms, fn, arg),
    now: () => c.now,
    event: (node, kind, detail) => {
      c.log.write(c.now, kind, { node: node.id, ...detail });
      if (kind === 'recovered') c.triggers.recovered(node);
    },
    // The cores send nothing a recovering node may not: one that does has a bug the host only masks.
    heldBack: (node, m) =>
      c.checker.report('recovery-rules', node.id, `${node.id}, recovering, tried to send ${m.type} to ${m.to}`),
    persisted: (node, hs: HardState) => c.checker.observePersistedCommit(node.id, hs.commit),
    applied: (node, e, result) => {
      c.checker.observeApply(node.id, e.index, e.type, e.data);
      for (const l of applyListeners) l(node, e, result);
    },
    snapshotRestored: (node, snap: Snapshot) => {
      c.stats.snapshotsInstalled++;
      c.checker.observeSnapshotRestore(node.id, snap.index);
      if (c.log.enabled) c.log.write(c.now, 'snapshot', { node: node.id, index: snap.index, term: snap.term });
    },
    snapshotSkipped: (node, snap: Snapshot) => c.checker.observeSnapshotRestore(node.id, snap.index),
  };
}

/**
 * stableLeaderOf returns a leader that a majority of the voters (itself included) follows
 * in its term, judged by each node's last observed status, or null.
 */
export function stableLeaderOf(nodes: readonly SimNode[]): NodeId | null {
  for (const n of nodes) {
    if (n.state !== 'up') continue;
    const s = n.lastStatus;
    if (!s || s.role !== 'leader') continue;
    // A majority of the voters of the leader's configuration (every node without membership changes).
    const voters = s.conf.voters;
    const majority = Math.floor(voters.length / 2) + 1;
    let follows = 0;
    for (const m of nodes) {
      if (m.state !== 'up' || !voters.includes(m.id)) continue;
      const t = m.lastStatus;
      if (t && t.term === s.term && (t.leader === s.id || m.id === s.id)) follows++;
    }
    if (follows >= majority) return s.id;
  }
  return null;
}
