/**
 * The one path by which message records (send, deliver, drop, duplicate) reach the
 * topology's animation, kept out of Vue reactivity. Live records come from the timeline
 * store; while a saved run is open, its records come from the replay at the cursor's pace
 * instead, and live ones are held back so the two never mix on the graph.
 */
import type { RunLogRecord } from '../../../src-main/api/contract';

/** MessageSource says where animated messages come from now. */
export type MessageSource = 'live' | 'replay';

type MessageListener = (r: RunLogRecord) => void;
const listeners = new Set<MessageListener>();
let source: MessageSource = 'live';

/** onMessageRecord subscribes to animated message records; returns the unsubscribe function. */
export function onMessageRecord(cb: MessageListener): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

/** setMessageSource picks whose messages are animated (the replay while a run is open). */
export function setMessageSource(s: MessageSource): void {
  source = s;
}

/** feedMessage hands one message record from `from` to the animation, if `from` is the current source. */
export function feedMessage(r: RunLogRecord, from: MessageSource): void {
  if (from !== source) return;
  for (const cb of listeners) cb(r);
}
