/**
 * Why a node that moved to a term cast no vote in it, as far as the run log tells: a term
 * row's "n4 did not vote" read as a refusal, when most often no answer reached the
 * candidate at all. NoVotes keeps, per term, who refused whom (its vote-answer record, or
 * its answer delivered to the candidate) and which vote requests and answers the network
 * dropped (with the rule that dropped them), so the row can say "n2 refused n3" or "no
 * answer from n4: the request was dropped (partition)" — and "no answer from n4" when the
 * log says nothing more. Pure; bounded to the newest terms.
 */
import type { RunLogRecord } from '../../../src-main/api/contract';
import { num, str } from './records';

/** NoVote is what the log tells of a node's missing vote in a term. */
export type NoVote =
  /** refused: it answered the candidate `to`, and the answer was no. */
  | { kind: 'refused'; to: string }
  /** request-dropped / answer-dropped: the network dropped the request to it, or its answer, by `rule`. */
  | { kind: 'request-dropped' | 'answer-dropped'; rule: string }
  /** unknown: nothing in the log: no answer reached the candidate. */
  | { kind: 'unknown' };

/** TERMS_KEPT bounds the terms remembered. */
const TERMS_KEPT = 64;

interface TermFacts {
  refused: Map<string, string>;
  requestDropped: Map<string, string>;
  answerDropped: Map<string, string>;
}

/** NoVotes remembers, per term, what the log says of missing votes (see the file comment). */
export class NoVotes {
  private terms = new Map<number, TermFacts>();

  private facts(term: number): TermFacts {
    let f = this.terms.get(term);
    if (!f) {
      f = { refused: new Map(), requestDropped: new Map(), answerDropped: new Map() };
      this.terms.set(term, f);
      if (this.terms.size > TERMS_KEPT) this.terms.delete(Math.min(...this.terms.keys()));
    }
    return f;
  }

  /**
   * take notes a record that tells of a vote request or answer (Raft's, not a pre-vote's) and
   * returns the term and the voter it concerns, or null for any other record.
   */
  take(r: RunLogRecord): { term: number; node: string } | null {
    const term = num(r, 'term');
    if (term === null) return null;
    if (r.kind === 'vote-answer') {
      const node = str(r, 'node');
      const cand = str(r, 'candidate');
      if (str(r, 'request') !== 'vote' || r.granted !== false || node === null || cand === null) return null;
      this.facts(term).refused.set(node, cand);
      return { term, node };
    }
    const type = str(r, 'type');
    const from = str(r, 'from');
    const to = str(r, 'to');
    if (from === null || to === null || (type !== 'vote' && type !== 'voteResp')) return null;
    if (r.kind === 'deliver' && type === 'voteResp') {
      // An answer came; if the voter's term record shows no vote, the answer was a refusal.
      this.facts(term).refused.set(from, to);
      return { term, node: from };
    }
    if (r.kind !== 'drop') return null;
    const rule = str(r, 'reason') ?? 'dropped';
    if (type === 'vote') this.facts(term).requestDropped.set(to, rule);
    else this.facts(term).answerDropped.set(from, rule);
    return { term, node: type === 'vote' ? to : from };
  }

  /** why says what the log tells of `node`'s missing vote in `term`. */
  why(term: number, node: string): NoVote {
    const f = this.terms.get(term);
    const to = f?.refused.get(node);
    if (to !== undefined) return { kind: 'refused', to };
    const req = f?.requestDropped.get(node);
    if (req !== undefined) return { kind: 'request-dropped', rule: req };
    const ans = f?.answerDropped.get(node);
    if (ans !== undefined) return { kind: 'answer-dropped', rule: ans };
    return { kind: 'unknown' };
  }
}
