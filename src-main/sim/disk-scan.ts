/**
 * The storage layer's open-time rules, as the node process's SqliteStorage applies them to
 * its file (node/sqlite-storage.ts: scan, repair, recovery floor), over the simulator's
 * in-memory "file". A restarted simulated node reads its store through scanStore, so the
 * rules that decide what a damaged or healthy file yields — and whether the node must
 * recover before it votes again — are exercised by every seed, not bypassed.
 */
import type { ProtocolName } from '../core/protocols';
import type { Entry, HardState, Persisted, Snapshot } from '../core/types';

/** RawStore is what the "file" holds, damage included, before anything checks it. */
export interface RawStore {
  hardState: HardState | null;
  /** hardBad: the term/vote record fails its checksum. */
  hardBad: boolean;
  snapshot: Snapshot | null;
  entries: Entry[];
  /** badFrom: the first log row that fails its checksum (null: every row is intact). */
  badFrom: number | null;
  /** movedAside: the file was unreadable and moved aside; the node starts on an empty one. */
  movedAside: boolean;
  /** recovering: the file's own note that an earlier boot found damage and has not caught up. */
  recovering: string | null;
  recoverFloor: number;
}

/** ScanResult is what an open yields: the usable state, and why (if at all) it cannot be vouched for. */
export interface ScanResult {
  persisted: Persisted;
  /** problems found now (the store is rewritten to the good part). */
  problems: string[];
  /** damaged: why the node must recover before it votes (null = healthy). */
  damaged: string | null;
  /** floor: the highest index the node may have held or acknowledged before the damage (0 = unknown). */
  floor: number;
}

/** ScanRules are the protocol-dependent checks. */
export interface ScanRules {
  /** strictCommit: a commit beyond the last log index is damage (Raft's commit never passes its log). */
  strictCommit: boolean;
  /** monotonicTerms: log terms must not decrease along the log. */
  monotonicTerms: boolean;
}

/**
 * scanRules returns the checks for a protocol: Raft's log terms never go down; Multi-Paxos
 * ballots may (padding slots at ballot 0, re-proposals, values learnt by catch-up).
 */
export function scanRules(protocol: ProtocolName): ScanRules {
  return { strictCommit: protocol === 'raft', monotonicTerms: protocol === 'raft' };
}

/** scanStore checks a raw store the way SqliteStorage.scan does and returns the repaired contents. */
export function scanStore(raw: RawStore, rules: ScanRules): ScanResult {
  if (raw.movedAside) {
    // Nothing is known of what the lost file held: the recovery target is unknown (0).
    const persisted: Persisted = { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] };
    return { persisted, problems: ['file moved aside'], damaged: 'file moved aside', floor: 0 };
  }
  const problems: string[] = [];
  let hardState: HardState = raw.hardState ? { ...raw.hardState } : { term: 0, vote: null, commit: 0 };
  if (raw.hardBad) {
    problems.push('hard state checksum mismatch');
    hardState = { term: 0, vote: null, commit: 0 };
  }
  const snapshot = raw.snapshot;
  const lastRow = raw.entries.length > 0 ? raw.entries[raw.entries.length - 1]!.index : 0;
  const highWater = Math.max(lastRow, raw.hardBad ? 0 : (raw.hardState?.commit ?? 0), snapshot?.index ?? 0);
  const entries: Entry[] = [];
  let lastTerm = snapshot?.term ?? 0;
  let expect = (snapshot?.index ?? 0) + 1;
  let firstBad: number | null = null;
  for (const e of raw.entries) {
    if (e.index <= (snapshot?.index ?? 0)) continue;
    let bad: string | null = null;
    if (e.index !== expect) bad = `log is not contiguous: index ${expect} missing (next is ${e.index})`;
    else if (raw.badFrom !== null && e.index >= raw.badFrom) bad = `log entry ${e.index} fails its checksum`;
    else if (rules.monotonicTerms && e.term < lastTerm)
      bad = `log entry ${e.index} has term ${e.term} below its predecessor's ${lastTerm}`;
    if (bad) {
      problems.push(bad);
      firstBad = Math.min(e.index, expect);
      break;
    }
    entries.push(e);
    lastTerm = e.term;
    expect++;
  }
  const lastIndex = entries.length > 0 ? entries[entries.length - 1]!.index : (snapshot?.index ?? 0);
  if (hardState.commit > lastIndex && (rules.strictCommit || firstBad !== null)) {
    problems.push(`commit index ${hardState.commit} is beyond the last intact log index ${lastIndex} (log truncated)`);
    hardState = { ...hardState, commit: lastIndex };
  }
  const persisted: Persisted = { hardState, snapshot, entries };
  if (problems.length > 0) {
    return { persisted, problems, damaged: problems.join('; '), floor: Math.max(raw.recoverFloor, highWater) };
  }
  if (raw.recovering !== null) {
    return { persisted, problems, damaged: `still recovering: ${raw.recovering}`, floor: raw.recoverFloor };
  }
  return { persisted, problems, damaged: null, floor: 0 };
}
