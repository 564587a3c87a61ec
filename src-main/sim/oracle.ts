/**
 * CommitOracle: the commit rules checked at the moment a commit index moves, not only once
 * entries are applied.
 *
 *  - The commit rule (Raft §5.4.2, Figure 8): a leader's commit index may only advance onto
 *    an entry of its own term; older entries commit indirectly, below it. (Multi-Paxos has
 *    no such rule: a slot known chosen under an older ballot — learnt from a promise — is
 *    committed as it is, so its leaders are held to the two rules below.)
 *  - Commit agreement: every node that commits index i commits the same entry there.
 *  - Leader completeness (§5.4.1): every entry committed so far is in the log of every
 *    later leader, at the same index (Raft: same term; Multi-Paxos: same value, since a
 *    new leader re-proposes it under its own ballot).
 *
 * It reads only what any ProtocolNode exposes (status() and entries()), so both cores are
 * held to it. Entries a node has compacted into a snapshot are not looked at; the
 * end-of-run replay covers them.
 */
import type { ProtocolName } from '../core/protocols';
import type { Entry, NodeId, NodeStatus } from '../core/types';
import type { InvariantChecker } from './invariants';
import type { SimNode } from './sim-node';

interface CommittedEntry {
  term: number;
  type: Entry['type'];
  data: string;
  node: NodeId;
  /**
   * bound: a term by which the entry was surely committed — the term of the node that first
   * reported it committed (Raft), or the ballot it was accepted under there (Multi-Paxos).
   * Only a leader of a later term (ballot) must hold it: a stale candidate that finishes its
   * election late (a paused node, say) may lead an older term that cannot commit anything.
   */
  bound: number;
}

/** CommitOracle watches every observed status change (see the file comment). */
export class CommitOracle {
  /** committed: the entry first seen committed at each index (an array: indexes are dense from 1). */
  private readonly committed: (CommittedEntry | undefined)[] = [];
  /** count: how many indexes `committed` holds. */
  private count = 0;
  /** maxCommitted: the highest index any node has committed. */
  private maxCommitted = 0;
  /** checkedLeader: per node, the term it was last checked as a new leader in. */
  private readonly checkedLeader = new Map<NodeId, number>();
  /** byTerm: Raft identifies an entry by (index, term); Multi-Paxos by its value. */
  private readonly byTerm: boolean;

  constructor(
    private readonly protocol: ProtocolName,
    private readonly checker: InvariantChecker,
  ) {
    this.byTerm = protocol === 'raft';
  }

  /** observe checks one node's new status against the one before (null after a (re)start). */
  observe(n: SimNode, st: NodeStatus, prev: NodeStatus | null): void {
    const from = prev ? prev.commitIndex : 0;
    if (st.role === 'leader' && this.checkedLeader.get(n.id) !== st.term) {
      this.checkedLeader.set(n.id, st.term);
      this.checkLeaderLog(n, st);
    }
    if (st.commitIndex <= from) return;
    if (this.byTerm && st.role === 'leader' && prev && prev.role === 'leader' && prev.term === st.term) {
      this.checkCommitRule(n, st);
    }
    this.record(n, st, from);
  }

  /** checkCommitRule: a Raft leader's new commit point is an entry of its own term (see the file comment). */
  private checkCommitRule(n: SimNode, st: NodeStatus): void {
    const core = n.core!;
    const e = core.entryAt ? core.entryAt(st.commitIndex) : core.entries(st.commitIndex, st.commitIndex + 1)[0];
    if (!e || e.term === st.term) return;
    this.checker.report(
      'commit-rule',
      n.id,
      `${n.id}, leader of term ${st.term}, advanced its commit index to ${st.commitIndex}, an entry of term ${e.term}`,
    );
  }

  /** record registers the entries (from, st.commitIndex] as committed, checking them against earlier records. */
  private record(n: SimNode, st: NodeStatus, from: number): void {
    const lo = Math.max(from + 1, st.firstIndex);
    const core = n.core!;
    if (core.entryAt) {
      // Entry by entry where the core lets the oracle read its log in place: no slice per look.
      for (let i = lo; i <= st.commitIndex; i++) {
        const e = core.entryAt(i);
        if (e && !this.recordOne(n, st, e)) return;
      }
    } else {
      const entries = lo <= st.commitIndex ? core.entries(lo, st.commitIndex + 1) : [];
      for (const e of entries) if (!this.recordOne(n, st, e)) return;
    }
    if (st.commitIndex > this.maxCommitted) this.maxCommitted = st.commitIndex;
  }

  /** recordOne registers one committed entry, or reports that it disagrees with an earlier record (false). */
  private recordOne(n: SimNode, st: NodeStatus, e: Entry): boolean {
    const seen = this.committed[e.index];
    if (!seen) {
      const bound = this.byTerm ? st.term : e.term;
      this.committed[e.index] = { term: e.term, type: e.type, data: e.data, node: n.id, bound };
      this.count++;
      return true;
    }
    if (this.same(seen, e)) return true;
    this.checker.report(
      'commit-agreement',
      n.id,
      `${n.id} committed index ${e.index} as ${describe(e)}, but ${seen.node} committed ${describe(seen)} there`,
    );
    return false;
  }

  /** checkLeaderLog: a new leader holds every entry committed before its term (Leader Completeness). */
  private checkLeaderLog(n: SimNode, st: NodeStatus): void {
    const lo = st.firstIndex;
    const hi = Math.min(this.maxCommitted, st.lastIndex);
    const core = n.core!;
    const entries = core.entryAt || lo > hi ? null : core.entries(lo, hi + 1);
    const count = entries ? entries.length : Math.max(0, hi - lo + 1);
    for (let k = 0; k < count; k++) {
      const e = entries ? entries[k]! : core.entryAt!(lo + k);
      if (!e) continue;
      const c = this.committed[e.index];
      if (c && c.bound < st.term && !this.same(c, e)) {
        return this.reportIncomplete(n, st, e.index, `holding ${describe(e)} where ${describe(c)} was committed`);
      }
    }
    for (let i = Math.max(lo, st.lastIndex + 1); i <= this.maxCommitted; i++) {
      const c = this.committed[i];
      if (c && c.bound < st.term) {
        return this.reportIncomplete(
          n,
          st,
          i,
          `with its log ending at ${st.lastIndex}, but ${describe(c)} was committed`,
        );
      }
    }
  }

  private reportIncomplete(n: SimNode, st: NodeStatus, index: number, what: string): void {
    this.checker.report('leader-completeness', n.id, `${n.id} became leader of term ${st.term} ${what} at ${index}`);
  }

  private same(c: CommittedEntry, e: Entry): boolean {
    if (this.byTerm) return c.term === e.term && c.data === e.data;
    return c.type === e.type && c.data === e.data;
  }

  /** committedCount is how many indexes the oracle has seen committed (for tests and stats). */
  get committedCount(): number {
    return this.count;
  }
}

function describe(e: { term: number; type: Entry['type']; data: string }): string {
  const d = e.data.length > 60 ? e.data.slice(0, 57) + '...' : e.data;
  return `${e.type === 'normal' ? '' : e.type + ' '}${JSON.stringify(d)} (term ${e.term})`;
}
