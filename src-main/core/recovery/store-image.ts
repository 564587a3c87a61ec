/**
 * StoreImage is what a node's durable store holds, as plain data, and scanStore is the
 * load-time scan that decides what of it can be trusted: the part of a storage's check
 * that is logic, not I/O. The node process's SQLite storage (node/sqlite-storage.ts)
 * reads its rows into an image, checks each row's checksum (`intact`), runs scanStore and
 * writes the repair back; the simulator keeps its store as an image and runs the same scan,
 * so a damaged store is judged the same way in both.
 *
 * Rules (a problem found means the node restarts *recovering*, see recovery.ts):
 *  - every record must pass its checksum and hold well-formed values;
 *  - the log is contiguous after the snapshot; a bad row drops it and everything after;
 *  - Raft: terms never go down along the log, nor below the snapshot's (§5.3 Log
 *    Matching). Multi-Paxos: no such order — an empty slot (ballot 0) may sit below an
 *    accepted one, and re-proposed or learned values keep older ballots;
 *  - the saved term is at least every term (ballot) in the log and the snapshot: a node
 *    only writes an entry of a term once that term is saved (Raft §5.1: terms never go
 *    back; Paxos: accepting under b promises b). A term above the record means the record
 *    is stale: the term is raised to the highest one found, and the vote in it is unknown;
 *  - Raft: the commit index never passes the last log index.
 * A damaged term/vote record costs the vote: Raft restarts with its vote "cast" for itself
 * in the term found, so it can never grant a second vote in a term it may have voted in
 * (Figure 2: at most one vote per term).
 */
import type { ProtocolName } from '../protocols';
import type { Entry, EntryType, HardState, NodeId, Persisted, Snapshot } from '../types';

/** HardRecord is the saved term/vote/commit (`intact`: its checksum held). */
export interface HardRecord {
  term: number;
  vote: NodeId | null;
  commit: number;
  intact: boolean;
}

/** SnapshotRecord is the saved snapshot; `snapshot` is null when its contents cannot be read. */
export interface SnapshotRecord {
  index: number;
  snapshot: Snapshot | null;
  intact: boolean;
}

/** LogRecord is one saved log row. */
export interface LogRecord {
  entry: Entry;
  intact: boolean;
}

/** RecoveryMark is the store's own note that it is recovering (it survives restarts until the node caught up). */
export interface RecoveryMark {
  /** reason: why the store's contents cannot be vouched for; null = healthy. */
  reason: string | null;
  /** floor: the highest index the store showed signs of having held when it was damaged (0 = unknown). */
  floor: number;
  /** voteLost: the term/vote (promise) record was lost: the node may have voted in a term it no longer knows. */
  voteLost: boolean;
}

/** StoreImage is everything a store holds. */
export interface StoreImage {
  /** unreadable: the store could not be read at all (why), e.g. not a database: it starts empty. */
  unreadable: string | null;
  hard: HardRecord | null;
  snapshot: SnapshotRecord | null;
  /** log: the rows, by increasing index (rows at or below the snapshot's index are ignored). */
  log: LogRecord[];
  mark: RecoveryMark;
}

/** ScanOptions say whose store it is. */
export interface ScanOptions {
  protocol: ProtocolName;
  /** self: the node's id (a Raft node whose vote was lost counts it as cast for itself; '' = unknown). */
  self: NodeId;
}

/** StoreScan is what the scan found: what may be used, what is wrong and how to repair the store. */
export interface StoreScan {
  persisted: Persisted;
  problems: string[];
  /** firstBad: drop every log row from this index on (0 = all rows); null = keep them. */
  firstBad: number | null;
  dropSnapshot: boolean;
  /** rewriteHard: the saved term/vote/commit must be replaced by persisted.hardState. */
  rewriteHard: boolean;
  /** highWater: the highest index the store shows any sign of having held (commit, any row, snapshot). */
  highWater: number;
  voteLost: boolean;
}

const ENTRY_TYPES: readonly EntryType[] = ['normal', 'noop', 'config'];

/** isNat: a safe non-negative integer. */
export function isNat(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

/** emptyImage is the image of a store that has never been written. */
export function emptyImage(): StoreImage {
  return { unreadable: null, hard: null, snapshot: null, log: [], mark: { reason: null, floor: 0, voteLost: false } };
}

/** scanStore checks an image (see the file comment) and returns what may be used and how to repair it. */
export function scanStore(img: StoreImage, o: ScanOptions): StoreScan {
  if (img.unreadable !== null) {
    return {
      persisted: { hardState: { term: 0, vote: null, commit: 0 }, snapshot: null, entries: [] },
      problems: [img.unreadable],
      firstBad: 0,
      dropSnapshot: true,
      rewriteHard: false,
      highWater: 0,
      voteLost: true,
    };
  }
  const problems: string[] = [];
  const h = img.hard;
  const hardBad = h !== null && (!h.intact || !isNat(h.term) || !isNat(h.commit));
  if (hardBad) problems.push('the term/vote record fails its checksum');
  const s = img.snapshot;
  const snapshotBad = s !== null && (!s.intact || s.snapshot === null || !isNat(s.index) || !isNat(s.snapshot.term));
  if (snapshotBad) problems.push(`snapshot at ${s.index} fails its checksum`);
  const snapshot = s && !snapshotBad ? s.snapshot : null;
  const log = snapshotBad ? { entries: [], firstBad: 0, problem: null } : scanLog(img.log, snapshot, o.protocol);
  if (log.problem) problems.push(log.problem);
  const entries = log.entries;
  const lastIndex = entries.length > 0 ? entries[entries.length - 1]!.index : (snapshot?.index ?? 0);

  let hardState: HardState = h && !hardBad ? { term: h.term, vote: h.vote, commit: h.commit } : zeroHard();
  const topTerm = entries.reduce((t, e) => Math.max(t, e.term), snapshot?.term ?? 0);
  const stale = !hardBad && topTerm > hardState.term;
  if (stale) problems.push(`the log holds term ${topTerm} above the saved term ${hardState.term}`);
  const voteLost = hardBad || stale;
  if (voteLost) {
    // The term is at least the highest one the node wrote an entry in; whom it voted for
    // there is unknown, so (Raft) it counts as a vote for itself: no second vote in it.
    const term = Math.max(hardState.term, topTerm);
    const vote = o.protocol === 'raft' && term > 0 && o.self !== '' ? o.self : null;
    hardState = { term, vote, commit: hardBad ? 0 : hardState.commit };
  }
  let commitClamped = false;
  if (hardState.commit > lastIndex && (o.protocol === 'raft' || log.firstBad !== null)) {
    commitClamped = true;
    problems.push(`commit index ${hardState.commit} is beyond the last intact log index ${lastIndex} (log truncated)`);
    hardState = { ...hardState, commit: lastIndex };
  }
  return {
    persisted: { hardState, snapshot, entries },
    problems,
    firstBad: log.firstBad,
    dropSnapshot: snapshotBad,
    rewriteHard: voteLost || commitClamped,
    highWater: highWater(img),
    voteLost,
  };
}

function zeroHard(): HardState {
  return { term: 0, vote: null, commit: 0 };
}

/** highWater: the highest index an image shows any sign of having held. */
function highWater(img: StoreImage): number {
  let hw = 0;
  for (const r of img.log) if (isNat(r.entry.index) && r.entry.index > hw) hw = r.entry.index;
  if (img.hard && isNat(img.hard.commit)) hw = Math.max(hw, img.hard.commit);
  if (img.snapshot && isNat(img.snapshot.index)) hw = Math.max(hw, img.snapshot.index);
  return hw;
}

/** scanLog keeps the good prefix of the rows after the snapshot (see the rules in the file comment). */
function scanLog(
  rows: readonly LogRecord[],
  snapshot: Snapshot | null,
  protocol: ProtocolName,
): { entries: Entry[]; firstBad: number | null; problem: string | null } {
  const base = snapshot?.index ?? 0;
  const entries: Entry[] = [];
  let expect = base + 1;
  let lastTerm = snapshot?.term ?? 0;
  for (const r of rows) {
    const e = r.entry;
    if (isNat(e.index) && e.index <= base) continue;
    let bad: string | null = null;
    if (e.index !== expect) bad = `log is not contiguous: index ${expect} missing (next is ${e.index})`;
    else if (!r.intact) bad = `log entry ${e.index} fails its checksum`;
    else if (!ENTRY_TYPES.includes(e.type) || !isNat(e.term) || typeof e.data !== 'string')
      bad = `log entry ${e.index} is malformed`;
    else if (protocol === 'raft' && e.term < lastTerm)
      bad = `log entry ${e.index} has term ${e.term} below its predecessor's ${lastTerm}`;
    if (bad) return { entries, firstBad: isNat(e.index) ? Math.min(e.index, expect) : expect, problem: bad };
    entries.push({ index: e.index, term: e.term, type: e.type, data: e.data });
    lastTerm = e.term;
    expect++;
  }
  return { entries, firstBad: null, problem: null };
}

/**
 * markAfterScan is the store's recovery mark after a scan: problems found now join any
 * earlier reason, and the floor is the highest index the store showed signs of holding.
 */
export function markAfterScan(prior: RecoveryMark, scan: StoreScan): RecoveryMark {
  if (scan.problems.length === 0) return prior;
  const why = scan.problems.join('; ');
  return {
    reason: prior.reason !== null ? `${prior.reason}; ${why}` : why,
    floor: Math.max(prior.floor, scan.highWater),
    voteLost: prior.voteLost || scan.voteLost,
  };
}

/** repairImage is the image after the scan's repair: the good prefix kept, the term/vote record rewritten. */
export function repairImage(img: StoreImage, scan: StoreScan): StoreImage {
  if (img.unreadable !== null) return { ...emptyImage(), mark: markAfterScan(img.mark, scan) };
  const log = scan.firstBad === null ? img.log : img.log.filter((r) => r.entry.index < scan.firstBad!);
  const hs = scan.persisted.hardState;
  return {
    unreadable: null,
    hard: scan.rewriteHard ? { ...hs, intact: true } : img.hard,
    snapshot: scan.dropSnapshot ? null : img.snapshot,
    log,
    mark: markAfterScan(img.mark, scan),
  };
}
