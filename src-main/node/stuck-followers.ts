/**
 * StuckFollowers spots, on a leader, a follower that answers but whose match index does
 * not move while it is being probed. That is what a follower looks like after it lost
 * entries it had acknowledged (a damaged file): the leader will not probe below what it
 * believes the follower holds, so the log alone can never repair it. Taking a snapshot on
 * the leader moves its first log index past the follower's next index, and the leader
 * then sends the snapshot instead — the follower catches up and may vote again.
 */
import type { NodeId, NodeStatus } from '../core/types';

/** StuckFollowers tracks, per follower, since when its match index has not moved. */
export class StuckFollowers {
  private readonly since = new Map<NodeId, { match: number; at: number }>();

  /**
   * check returns a follower stuck for at least `stuckMs` (then forgets it, so one snapshot
   * per episode), or null. `now` is a monotonic time in ms.
   */
  check(st: NodeStatus, now: number, stuckMs: number): NodeId | null {
    if (st.role !== 'leader' || !st.progress) {
      this.since.clear();
      return null;
    }
    let found: NodeId | null = null;
    for (const p of st.progress) {
      if (p.id === st.id) continue;
      const lagging = p.state === 'probe' && p.recentActive && p.match < st.lastIndex;
      if (!lagging) {
        this.since.delete(p.id);
        continue;
      }
      const s = this.since.get(p.id);
      if (!s || s.match !== p.match) {
        this.since.set(p.id, { match: p.match, at: now });
        continue;
      }
      if (found === null && now - s.at >= stuckMs) {
        found = p.id;
        this.since.delete(p.id);
      }
    }
    return found;
  }

  /** matchOf is the match index the stuck follower was last seen at (for the run log). */
  matchOf(id: NodeId, st: NodeStatus): number {
    return st.progress?.find((p) => p.id === id)?.match ?? 0;
  }
}
