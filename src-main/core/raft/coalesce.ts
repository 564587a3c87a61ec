/**
 * Coalescing of one Ready's outgoing messages. Under load a leader proposes many commands
 * between two Readies and, with pipelining, sends one append per proposal per follower;
 * a follower likewise answers each with its own acknowledgement. Both are wasteful on the
 * wire (each message crosses the router and wakes the peer), so before a Ready leaves the
 * core, consecutive appends to one peer that continue each other become one append, and a
 * successful acknowledgement that a later one to the same peer subsumes is dropped.
 * Neither changes what a peer learns: a merged append carries the same entries in order
 * with the newest commit index, and the leader frees every in-flight append up to an
 * acknowledged index (Inflights.freeLE), so one acknowledgement stands for several.
 * Dropping a subsumed acknowledgement is no different from the network losing it.
 */
import type { AppendMsg, AppendRespMsg, RaftMessage } from './messages';

/** coalesceMessages returns msgs with mergeable appends merged and subsumed acknowledgements dropped; order per peer is kept. */
export function coalesceMessages(msgs: RaftMessage[], maxEntriesPerMsg: number): RaftMessage[] {
  if (msgs.length < 2 || nothingToCoalesce(msgs, maxEntriesPerMsg)) return msgs;
  const out: RaftMessage[] = [];
  // Position in `out` of the last message to each peer: only that one may absorb the next.
  // A Ready usually holds a few messages, and a backward scan over those costs less than
  // a Map built per Ready; past SCAN_MAX the Map takes over, so a big Ready stays linear.
  let lastTo: Map<string, number> | null = null;
  // Appends this call built by merging: theirs to extend in place (a merge of k proposals
  // is then O(k), not a new message and a copy of the entries so far for each one).
  let merged: Set<AppendMsg> | null = null;
  for (const m of msgs) {
    if (lastTo === null && out.length > SCAN_MAX) lastTo = positions(out);
    const at = lastTo === null ? lastIndexTo(out, m.to) : (lastTo.get(m.to) ?? -1);
    const prev = at < 0 ? undefined : out[at];
    if (prev && m.type === 'append' && prev.type === 'append' && mergeable(prev, m, maxEntriesPerMsg)) {
      if (merged?.has(prev)) {
        for (const e of m.entries) prev.entries.push(e);
        if (m.commit > prev.commit) prev.commit = m.commit;
      } else {
        const fresh: AppendMsg = {
          ...prev,
          entries: prev.entries.concat(m.entries),
          commit: Math.max(prev.commit, m.commit),
        };
        (merged ??= new Set()).add(fresh);
        out[at] = fresh;
      }
      continue;
    }
    if (prev && m.type === 'appendResp' && prev.type === 'appendResp' && subsumes(m, prev)) {
      out[at] = m;
      continue;
    }
    lastTo?.set(m.to, out.length);
    out.push(m);
  }
  return out;
}

/**
 * nothingToCoalesce tells, without allocating, that no message of a short list would merge
 * into or replace the one before it to the same peer: then coalescing would copy the list
 * unchanged, and the list itself is the answer (a leader's broadcast, one message per
 * follower, is the usual case). Past SCAN_MAX it says no and the full pass decides.
 */
function nothingToCoalesce(msgs: readonly RaftMessage[], maxEntriesPerMsg: number): boolean {
  if (msgs.length > SCAN_MAX) return false;
  for (let i = 1; i < msgs.length; i++) {
    const m = msgs[i]!;
    if (m.type !== 'append' && m.type !== 'appendResp') continue;
    // While nothing merged, the list so far is what the full pass would have built.
    let j = i - 1;
    while (j >= 0 && msgs[j]!.to !== m.to) j--;
    if (j < 0) continue;
    const prev = msgs[j]!;
    if (m.type === 'append' && prev.type === 'append' && mergeable(prev, m, maxEntriesPerMsg)) return false;
    if (m.type === 'appendResp' && prev.type === 'appendResp' && subsumes(m, prev)) return false;
  }
  return true;
}

/** SCAN_MAX: up to this many coalesced messages, the last one to a peer is found by scanning. */
const SCAN_MAX = 16;

/** lastIndexTo is the position of the last message in `out` addressed to `to`, or -1. */
function lastIndexTo(out: readonly RaftMessage[], to: string): number {
  for (let i = out.length - 1; i >= 0; i--) if (out[i]!.to === to) return i;
  return -1;
}

/** positions maps each peer to the position of the last message in `out` addressed to it. */
function positions(out: readonly RaftMessage[]): Map<string, number> {
  const m = new Map<string, number>();
  for (let i = 0; i < out.length; i++) m.set(out[i]!.to, i);
  return m;
}

/** mergeable: b continues a exactly (same term and epoch, b's prev is a's last entry) and the result fits one message. */
function mergeable(a: AppendMsg, b: AppendMsg, maxEntriesPerMsg: number): boolean {
  // Same epoch too: an append sent after the pipe was reset must not take an older epoch's number.
  if (a.term !== b.term || a.epoch !== b.epoch || a.entries.length === 0 || b.entries.length === 0) return false;
  if (a.entries.length + b.entries.length > maxEntriesPerMsg) return false;
  const last = a.entries[a.entries.length - 1]!;
  return b.prevIndex === last.index && b.prevTerm === last.term;
}

/** subsumes: later is a successful acknowledgement in the same term that covers at least what earlier did. */
function subsumes(later: AppendRespMsg, earlier: AppendRespMsg): boolean {
  return !later.reject && !earlier.reject && later.term === earlier.term && later.index >= earlier.index;
}
