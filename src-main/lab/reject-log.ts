/**
 * RejectLog: how the router writes refused connections and frames to the run log without
 * letting a flood push real events out — at most a few records a second, then one summary.
 */
import type { NodeId } from '../core/types';
import type { Recorder } from './recorder';

/**
 * RejectLog writes refused connections to the run log, at most `perSec` a second; the rest
 * are counted and summed up in one record when the second is over.
 */
export class RejectLog {
  private windowStart = 0;
  private logged = 0;
  private suppressed = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly recorder: Recorder,
    private readonly perSec: number,
  ) {}

  note(node: NodeId | null, reason: string): void {
    const now = performance.now();
    if (now - this.windowStart >= 1000) {
      this.summarize();
      this.windowStart = now;
      this.logged = 0;
    }
    if (this.logged < this.perSec) {
      this.logged++;
      this.recorder.record('frame-rejected', { at: 'router', node, reason });
      return;
    }
    this.suppressed++;
    // The summary must come even if the flood stops now.
    this.timer ??= setTimeout(() => {
      this.timer = null;
      this.summarize();
    }, 1000);
    this.timer.unref();
  }

  private summarize(): void {
    if (this.suppressed === 0) return;
    const n = this.suppressed;
    this.suppressed = 0;
    this.recorder.record('frame-rejected', {
      at: 'router',
      node: null,
      reason: `${n} more rejected connections not logged`,
      suppressed: n,
    });
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.summarize();
  }
}
