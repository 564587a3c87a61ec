/**
 * The live checker's worker thread: it takes batches of history events from the lab
 * (`{type: 'events', events}`), checks them with a CheckCore in slices, and posts a report
 * (`{type: 'report', report}`) whenever where it stands has changed. When it checks is the
 * CheckPump's to say; between slices it yields, so a new batch is taken in while a long
 * search goes on.
 */
import { parentPort } from 'node:worker_threads';
import type { HistoryEvent } from '../check/types';
import type { CheckViolation } from '../api/contract';
import { CheckCore, explainViolation, type CoreReport } from '../api/check-core';
import { CheckPump } from './check-pump';

/** WORKER_SLICE_MS: one slice of search; only this thread waits on it, so it can be long enough to waste little on yielding. */
const WORKER_SLICE_MS = 25;
/** WORKER_EXPLAIN_MS bounds the whole-key check that explains a violation (explainViolation). */
export const WORKER_EXPLAIN_MS = 5000;

/** ToWorker is a message the lab sends the worker: history events, or one key's history to explain a violation with. */
export type ToWorker = { type: 'events'; events: HistoryEvent[] } | { type: 'explain'; events: HistoryEvent[] };
/** FromWorker is a message the worker sends the lab. */
export type FromWorker =
  { type: 'report'; report: CoreReport } | { type: 'explained'; violation: CheckViolation | null };

let sent = '';
const pump = new CheckPump(new CheckCore(), WORKER_SLICE_MS, post);

function post(report: CoreReport): void {
  const key = JSON.stringify([report.seen, report.checked, report.keys, report.linearizable, report.reason]);
  if (key === sent) return;
  sent = key;
  parentPort?.postMessage({ type: 'report', report } satisfies FromWorker);
}

parentPort?.on('message', (m: ToWorker) => {
  if (m.type === 'explain') {
    const clock = (): number => performance.now();
    const violation = explainViolation(m.events, clock() + WORKER_EXPLAIN_MS, clock);
    parentPort?.postMessage({ type: 'explained', violation } satisfies FromWorker);
    return;
  }
  pump.take(m.events);
});
