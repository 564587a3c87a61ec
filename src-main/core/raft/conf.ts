/**
 * Membership: the configuration history of the log and quorum arithmetic.
 *
 * Changes are one server at a time (addLearner, promote, remove), and a configuration
 * takes effect as soon as its entry is appended to a log, not when it commits (Raft
 * dissertation §4.1). Why: a server then always uses the latest configuration it has,
 * so a leader never needs to know whether the previous change committed to pick its
 * majorities, and a restarted node rebuilds its configuration from its log alone. The
 * price is that a configuration entry removed by a log conflict must roll the
 * configuration back, which ConfTracker.truncate does. Safety of single-server changes
 * additionally needs the leader to have committed an entry of its own term before it
 * proposes a change, and at most one change pending at a time (Ongaro's 2015 fix);
 * the leader enforces both (see proposeConfChange).
 */
import { assertNever, copyConf } from '../types';
import type { ConfChange, ConfState, NodeId } from '../types';

/** checkConfChange says why cc cannot be applied to c, or returns null if it can. */
export function checkConfChange(c: ConfState, cc: ConfChange): string | null {
  const isVoter = c.voters.includes(cc.node);
  const isLearner = c.learners.includes(cc.node);
  switch (cc.type) {
    case 'addLearner':
      return isVoter || isLearner ? `${cc.node} is already a member` : null;
    case 'promote':
      return isLearner ? null : `${cc.node} is not a learner`;
    case 'remove':
      if (!isVoter && !isLearner) return `${cc.node} is not a member`;
      return isVoter && c.voters.length === 1 ? 'cannot remove the last voter' : null;
    default:
      return assertNever(cc.type, 'conf change type');
  }
}

/** applyConfChange returns c changed by cc; an inapplicable change leaves it as it was. */
export function applyConfChange(c: ConfState, cc: ConfChange): ConfState {
  if (checkConfChange(c, cc) !== null) return c;
  const voters = c.voters.filter((v) => v !== cc.node);
  const learners = c.learners.filter((v) => v !== cc.node);
  switch (cc.type) {
    case 'addLearner':
      learners.push(cc.node);
      break;
    case 'promote':
      voters.push(cc.node);
      break;
    case 'remove':
      break;
    default:
      return assertNever(cc.type, 'conf change type');
  }
  return { voters, learners, votersOutgoing: [...c.votersOutgoing] };
}

/** ConfTracker is the configuration in force plus the config entries still in the log (to roll back on truncation). */
export class ConfTracker {
  /** base is the configuration at the snapshot (or the initial peers). */
  private base: ConfState;
  /** history holds, for each config entry in the log after the snapshot, the configuration it produced. */
  private history: { index: number; conf: ConfState }[] = [];

  constructor(base: ConfState) {
    this.base = copyConf(base);
  }

  /** current is the configuration in force: the latest config entry in the log, else the base. */
  current(): ConfState {
    return this.history.length > 0 ? this.history[this.history.length - 1]!.conf : this.base;
  }

  /** lastConfIndex is the index of the latest config entry in the log (0 if none after the snapshot). */
  lastConfIndex(): number {
    return this.history.length > 0 ? this.history[this.history.length - 1]!.index : 0;
  }

  /** appended records a config entry at index. */
  appended(index: number, cc: ConfChange): void {
    this.history.push({ index, conf: applyConfChange(this.current(), cc) });
  }

  /** truncate forgets config entries at index >= from (they were overwritten). */
  truncate(from: number): void {
    while (this.history.length > 0 && this.history[this.history.length - 1]!.index >= from) this.history.pop();
  }

  /** confAt returns the configuration in force at index (for a snapshot taken there). */
  confAt(index: number): ConfState {
    let c = this.base;
    for (const h of this.history) {
      if (h.index > index) break;
      c = h.conf;
    }
    return copyConf(c);
  }

  /** compactTo drops history up to index: the snapshot there now carries the configuration. */
  compactTo(index: number): void {
    this.base = this.confAt(index);
    this.history = this.history.filter((h) => h.index > index);
  }

  /** reset replaces everything with a snapshot's configuration. */
  reset(conf: ConfState): void {
    this.base = copyConf(conf);
    this.history = [];
  }

  isVoter(id: NodeId): boolean {
    const c = this.current();
    return c.voters.includes(id) || c.votersOutgoing.includes(id);
  }

  isLearner(id: NodeId): boolean {
    return this.current().learners.includes(id);
  }

  /** members lists every voter and learner (the peers a leader replicates to). */
  members(): NodeId[] {
    const c = this.current();
    return [...new Set([...c.voters, ...c.votersOutgoing, ...c.learners])];
  }
}

/** sortScratch is majorityIndex's sort buffer; only its first voters.length slots mean anything. */
const sortScratch: number[] = [];

/** majorityIndex returns the largest index acknowledged by a majority of `voters` (match(id) each). */
function majorityIndex(voters: NodeId[], match: (id: NodeId) => number): number {
  const n = voters.length;
  if (n === 0) return Number.MAX_SAFE_INTEGER;
  // Insertion sort, descending: the leader runs this on every acknowledgement, and for a
  // handful of voters it is several times cheaper than map() + sort() with a comparator.
  // Into one buffer for all calls (nothing keeps it, and a call never runs inside another):
  // a fresh array filled from empty made room for 17 numbers on every acknowledgement.
  const m = sortScratch;
  for (let i = 0; i < n; i++) {
    const x = match(voters[i]!);
    let j = i;
    while (j > 0 && m[j - 1]! < x) {
      m[j] = m[j - 1]!;
      j--;
    }
    m[j] = x;
  }
  return m[n >> 1]!;
}

/** committedIndex is the index a quorum of c has (both halves of a joint configuration). */
export function committedIndex(c: ConfState, match: (id: NodeId) => number): number {
  return Math.min(majorityIndex(c.voters, match), majorityIndex(c.votersOutgoing, match));
}

/** VoteResult is the outcome of an election so far. */
export type VoteResult = 'won' | 'lost' | 'pending';

function majorityVote(voters: NodeId[], votes: Map<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let yes = 0;
  let no = 0;
  for (const v of voters) {
    const g = votes.get(v);
    if (g === true) yes++;
    else if (g === false) no++;
  }
  const q = Math.floor(voters.length / 2) + 1;
  if (yes >= q) return 'won';
  if (voters.length - no < q) return 'lost';
  return 'pending';
}

/** voteResult counts votes against c (a joint configuration needs both majorities). */
export function voteResult(c: ConfState, votes: Map<NodeId, boolean>): VoteResult {
  const a = majorityVote(c.voters, votes);
  const b = majorityVote(c.votersOutgoing, votes);
  if (a === 'won' && b === 'won') return 'won';
  if (a === 'lost' || b === 'lost') return 'lost';
  return 'pending';
}

/**
 * quorumActive tells whether a quorum of c is in `active` (CheckQuorum, a read's
 * confirmation): a majority of each half, as voteResult counts one. Counted in place, with
 * no Map of votes: a leader asks on every heartbeat answer that confirms reads.
 */
export function quorumActive(c: ConfState, active: (id: NodeId) => boolean): boolean {
  return activeMajority(c.voters, active) && activeMajority(c.votersOutgoing, active);
}

function activeMajority(voters: NodeId[], active: (id: NodeId) => boolean): boolean {
  if (voters.length === 0) return true;
  let yes = 0;
  for (let i = 0; i < voters.length; i++) if (active(voters[i]!)) yes++;
  return yes >= Math.floor(voters.length / 2) + 1;
}
