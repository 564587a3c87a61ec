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
  if (msgs.length < 2) return msgs;
  const out: RaftMessage[] = [];
  // Position in `out` of the last message to each peer: only that one may absorb the next.
  const lastTo = new Map<string, number>();
  for (const m of msgs) {
    const at = lastTo.get(m.to);
    const prev = at === undefined ? undefined : out[at];
    if (prev && m.type === 'append' && prev.type === 'append' && mergeable(prev, m, maxEntriesPerMsg)) {
      out[at!] = { ...prev, entries: prev.entries.concat(m.entries), commit: Math.max(prev.commit, m.commit) };
      continue;
    }
    if (prev && m.type === 'appendResp' && prev.type === 'appendResp' && subsumes(m, prev)) {
      out[at!] = m;
      continue;
    }
    lastTo.set(m.to, out.length);
    out.push(m);
  }
  return out;
}

/** mergeable: b continues a exactly (same term, b's prev is a's last entry) and the result fits one message. */
function mergeable(a: AppendMsg, b: AppendMsg, maxEntriesPerMsg: number): boolean {
  if (a.term !== b.term || a.entries.length === 0 || b.entries.length === 0) return false;
  if (a.entries.length + b.entries.length > maxEntriesPerMsg) return false;
  const last = a.entries[a.entries.length - 1]!;
  return b.prevIndex === last.index && b.prevTerm === last.term;
}

/** subsumes: later is a successful acknowledgement in the same term that covers at least what earlier did. */
function subsumes(later: AppendRespMsg, earlier: AppendRespMsg): boolean {
  return !later.reject && !earlier.reject && later.term === earlier.term && later.index >= earlier.index;
}
