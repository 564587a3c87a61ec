/**
 * The acceptor's two answers ("Paxos Made Simple" §2.2): what it reports in a promise, and
 * which slots of a phase 2a run it accepts. The ballot checks (P1a) are the caller's; these
 * work on the log once the ballot is known to be acceptable.
 */
import type { Entry, Snapshot } from '../types';
import type { Learner } from './learner';
import { sameValue, type PaxosLog } from './log';

/** promiseBody lists the accepted values for slots >= fromIndex, and the snapshot if it covers any of them. */
export function promiseBody(log: PaxosLog, fromIndex: number): { entries: Entry[]; snapshot: Snapshot | null } {
  const from = Math.max(fromIndex, log.firstIndex());
  return {
    // Empty slots carry no proposal, so they are not reported.
    entries: log.slice(from, log.lastIndex() + 1).filter((e) => e.term !== 0),
    snapshot: log.snapshot && log.snapshot.index >= fromIndex ? log.snapshot : null,
  };
}

/**
 * acceptRun stores a contiguous run of proposals of an acceptable ballot and returns the
 * slots [lo, hi] it accepted (lo = 0: none). Slots already chosen here are acknowledged only
 * if they carry the chosen value: a stale leader's other value must not be counted as
 * accepted by us. Runs starting further than `window` past our last slot are ignored (the
 * leader catches us up first), which bounds the empty slots we pad.
 */
export function acceptRun(
  log: PaxosLog,
  learner: Learner,
  entries: readonly Entry[],
  window: number,
): { lo: number; hi: number } {
  let lo = 0;
  let hi = 0;
  const first = entries[0];
  if (!first || first.index > log.lastIndex() + 1 + window) return { lo, hi };
  for (const e of entries) {
    if (e.index < log.firstIndex()) {
      if (lo === 0) continue;
      break;
    }
    const cur = log.get(e.index);
    if (learner.isChosen(e.index)) {
      if (!cur || !sameValue(cur, e)) break;
    } else if (!cur || cur.term !== e.term || !sameValue(cur, e)) {
      log.set(e);
    }
    if (lo === 0) lo = e.index;
    hi = e.index;
  }
  return { lo, hi };
}
