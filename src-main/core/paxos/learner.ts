/**
 * The learner's side of Multi-Paxos ("Paxos Made Simple" §2.3): which slots this node knows
 * are chosen. The chosen prefix (commit) grows when a slot is marked chosen — by a quorum
 * of accepted replies, a promise, or a catch-up — or when the leader of ballot b announces
 * slots up to c chosen and our entry for the slot was accepted under b: one ballot proposes
 * one value per slot, so that entry is the chosen value.
 */
import type { Entry, Snapshot } from '../types';
import { sameValue, type PaxosLog } from './log';

/** Learner tracks the chosen prefix of one node's log. */
export class Learner {
  /** commit: every slot <= commit is chosen and its log entry (or the snapshot) holds the value. */
  commit: number;
  private readonly log: PaxosLog;
  /** decideBallot/decideCommit: the newest leader's word that its slots <= commit are chosen. */
  private decideBallot = 0;
  private decideCommit = 0;
  /** chosenAhead: slots above commit known chosen (their log entry is the chosen value). */
  private readonly chosenAhead = new Set<number>();

  constructor(log: PaxosLog, commit: number) {
    this.log = log;
    this.commit = commit;
  }

  /** noteDecide records that the leader of `ballot` has every slot <= commit chosen. */
  noteDecide(ballot: number, commit: number): void {
    if (ballot > this.decideBallot) {
      this.decideBallot = ballot;
      this.decideCommit = commit;
    } else if (ballot === this.decideBallot && commit > this.decideCommit) {
      this.decideCommit = commit;
    }
  }

  /** markChosen records that the log entry at s is the chosen value. */
  markChosen(s: number): void {
    if (s > this.commit) this.chosenAhead.add(s);
  }

  /** isChosen tells whether slot s is known chosen. */
  isChosen(s: number): boolean {
    return s <= this.commit || this.chosenAhead.has(s);
  }

  /** advance extends the chosen prefix as far as it can; it returns whether it grew. */
  advance(): boolean {
    const before = this.commit;
    for (;;) {
      const s = this.commit + 1;
      if (this.chosenAhead.delete(s)) {
        this.commit = s;
        continue;
      }
      if (this.decideBallot !== 0 && s <= this.decideCommit && this.log.get(s)?.term === this.decideBallot) {
        this.commit = s;
        continue;
      }
      return this.commit > before;
    }
  }

  /** learn stores chosen entries sent by a leader (catch-up); values already held are not rewritten. */
  learn(entries: readonly Entry[], upTo: number): void {
    for (const e of entries) {
      if (e.index <= this.commit || e.index < this.log.firstIndex() || e.index > upTo) continue;
      const cur = this.log.get(e.index);
      if (!cur || !sameValue(cur, e)) this.log.set(e);
      this.chosenAhead.add(e.index);
    }
  }

  /** install makes a received snapshot the chosen prefix. */
  install(snap: Snapshot): void {
    this.log.install(snap);
    this.commit = snap.index;
    for (const s of this.chosenAhead) if (s <= snap.index) this.chosenAhead.delete(s);
  }
}
