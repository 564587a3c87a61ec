/**
 * Pause on an event: a learner asks the lab to stop the world when a node's role changes
 * or the cluster commits, looks at the picture, and continues. Freezing is the whole
 * cluster at once: every running node is SIGSTOPped (it keeps its state and its sockets;
 * its timers resume where they were, see node-host's catch-up bound) and the router holds
 * every message until Continue. The freeze is not a user's pause: the nodes keep showing
 * as up, with the role they had, because that is the moment the learner wants to read.
 */
import type { PauseOn, RunLogRecord } from '../api/contract';
import type { NodeId } from '../core/types';
import type { Cluster } from './cluster';
import type { GatewayResult } from './gateway';

/** PAUSE_NONE pauses on nothing. */
export const PAUSE_NONE: PauseOn = { role: false, commit: false };

/** pauseReason says why record `r` should freeze the cluster under `on`, or null. `maxCommit` is the highest commit seen so far. */
export function pauseReason(on: PauseOn, r: RunLogRecord, maxCommit: number): string | null {
  const node = typeof r.node === 'string' ? r.node : null;
  if (node === null) return null;
  // A role record with no previous role is a node's first report (start or restart), not a change.
  if (on.role && r.kind === 'role' && typeof r.role === 'string' && typeof r.from === 'string') {
    const term = typeof r.term === 'number' ? ` (term ${r.term})` : '';
    return `${node} became ${r.role}${term}`;
  }
  if (on.commit && r.kind === 'commit' && typeof r.commitIndex === 'number' && r.commitIndex > maxCommit)
    return `${node} committed index ${r.commitIndex}`;
  return null;
}

/** PauseOnControl freezes and thaws one cluster (see the file comment). */
export class PauseOnControl {
  on: PauseOn = { ...PAUSE_NONE };
  /** frozen: why the cluster is frozen now, or null. */
  frozen: string | null = null;
  private readonly stopped = new Set<NodeId>();
  private maxCommit = 0;

  /** observe looks at one run-log record; true when it froze the cluster. */
  observe(c: Cluster, r: RunLogRecord): boolean {
    const reason = this.frozen === null ? pauseReason(this.on, r, this.maxCommit) : null;
    if (r.kind === 'commit' && typeof r.commitIndex === 'number')
      this.maxCommit = Math.max(this.maxCommit, r.commitIndex);
    if (reason === null) return false;
    this.freeze(c, reason);
    return true;
  }

  /** freeze SIGSTOPs every running node and holds the router's messages. */
  freeze(c: Cluster, reason: string): void {
    this.frozen = reason;
    c.router.hold(true);
    for (const h of c.supervisor.nodes.values()) {
      if (h.state !== 'up') continue;
      // A node on another host is stopped by its agent there (one link delay later).
      if (h.proc) h.proc.kill('SIGSTOP');
      else if (!h.remote?.control?.send({ t: 'pause' })) continue;
      this.stopped.add(h.id);
    }
    c.recorder.record('frozen', { reason, nodes: [...this.stopped] });
  }

  /** thaw SIGCONTs the nodes the freeze stopped (those still running as frozen) and lets the held messages go. */
  thaw(c: Cluster | null): void {
    if (this.frozen === null) return;
    this.frozen = null;
    if (c) {
      for (const id of this.stopped) {
        const h = c.supervisor.nodes.get(id);
        // A node crashed or paused by the user meanwhile is left as the user made it.
        if (h?.state === 'up' && h.proc) h.proc.kill('SIGCONT');
        else if (h?.state === 'up') h.remote?.control?.send({ t: 'resume' });
      }
      c.recorder.record('continued', { nodes: [...this.stopped] });
      c.router.hold(false);
    }
    this.stopped.clear();
  }

  /**
   * refusal answers a client request sent while frozen: every node is stopped, so say so
   * at once rather than after the timeout (it is never sent, so it certainly did not apply).
   */
  refusal(): GatewayResult | null {
    if (this.frozen === null) return null;
    const error = `the cluster is frozen (paused on: ${this.frozen}) — continue it first`;
    return { outcome: 'fail', result: null, node: null, latencyMs: 0, error };
  }

  /** reset forgets a finished cluster's freeze and commit high-water mark (settings stay). */
  reset(): void {
    this.frozen = null;
    this.stopped.clear();
    this.maxCommit = 0;
  }
}
