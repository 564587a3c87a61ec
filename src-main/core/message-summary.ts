/**
 * What the run log says about one protocol message besides its type: a short label a
 * person reads on the space-time diagram (`AppendEntries t3 [5..7] c=4`, `Prepare b=2.n3`,
 * `Vote t4 → granted`) and, for an answer, whether it granted what was asked. Each core
 * has a pure describer (raft/describe.ts, paxos/describe.ts) reached through
 * PROTOCOL_CORES, so the router stays protocol-blind.
 */

/** MessageSummary is one message's label and, for an answer (vote, promise, append ack, nack), whether it granted. */
export interface MessageSummary {
  label: string;
  /** granted: set on answers only — true when the request was granted or accepted, false when refused. */
  granted?: boolean;
}

/** MAX_LABEL_CHARS bounds a label: the run log carries one per message. */
export const MAX_LABEL_CHARS = 96;

/** indexRange renders the indexes a list of entries covers: `[5..7]`, `[5]` or `[]`. */
export function indexRange(entries: readonly { index: number }[]): string {
  const first = entries[0];
  const last = entries[entries.length - 1];
  if (!first || !last) return '[]';
  return first.index === last.index ? `[${first.index}]` : `[${first.index}..${last.index}]`;
}

/** boundLabel cuts a label to MAX_LABEL_CHARS (with an ellipsis), so no message can grow the log. */
export function boundLabel(s: string): string {
  return s.length <= MAX_LABEL_CHARS ? s : s.slice(0, MAX_LABEL_CHARS - 1) + '…';
}
