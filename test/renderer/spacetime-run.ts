/**
 * layoutTwoSeconds lays out 2 s of a 5-node run's message records (n1…n5) as the Messages
 * diagram does with heartbeats folded: the records are put in time order and numbered
 * first, as a run log has them. The space-time tests build their runs with it.
 */
import type { RunLogRecord } from '../../src-main/api/contract';
import { messageLogOf } from '../../src-main/report/message-log';
import { layoutDiagram, type Scene } from '../../src-main/report/spacetime';

/** MS is a millisecond in the run log's nanoseconds. */
export const MS = 1e6;

export function layoutTwoSeconds(
  recs: RunLogRecord[],
  width: number,
  height: number,
  orientation: 'horizontal' | 'vertical',
): Scene {
  recs.sort((a, b) => a.t - b.t);
  recs.forEach((r, i) => (r.seq = i + 1));
  return layoutDiagram(messageLogOf(recs), {
    from: 0,
    to: 2000 * MS,
    now: 2000 * MS,
    width,
    height,
    orientation,
    foldHeartbeats: true,
    cursor: null,
    nodes: ['n1', 'n2', 'n3', 'n4', 'n5'],
  });
}
