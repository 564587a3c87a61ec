/**
 * Elections (§5.2, §5.4.1) and pre-elections (dissertation §9.6): campaigning, answering
 * vote requests, counting answers.
 */
import type { VoteReason } from '../notes';
import { earlyRank } from '../peer-closed';
import { voteResult } from './conf';
import type { PreVoteMsg, PreVoteRespMsg, VoteMsg, VoteRespMsg } from './messages';
import type { Raft } from './raft';
import { bcastAppend } from './leader';
import type { NodeId } from '../types';

/** campaign starts a (pre-)election: vote for ourselves, then ask every other voter. */
export function campaign(r: Raft, kind: 'preVote' | 'vote', transfer: boolean): void {
  let voteTerm: number;
  if (kind === 'preVote') {
    r.becomePreCandidate();
    // Ask about the term we would campaign in, without moving to it.
    voteTerm = r.term + 1;
  } else {
    r.becomeCandidate();
    voteTerm = r.term;
  }
  const st = r.state;
  if (st.role !== 'precandidate' && st.role !== 'candidate') return;
  st.votes.set(r.id, true);
  if (countVotes(r, st.votes, kind)) return;
  const c = r.conf.current();
  const lastIndex = r.log.lastIndex();
  const lastTerm = r.log.lastTerm();
  for (const to of new Set([...c.voters, ...c.votersOutgoing])) {
    if (to === r.id) continue;
    if (kind === 'preVote') r.send({ type: 'preVote', from: r.id, to, term: voteTerm, lastIndex, lastTerm });
    else r.send({ type: 'vote', from: r.id, to, term: voteTerm, lastIndex, lastTerm, transfer });
  }
}

/** countVotes acts on the votes so far; returns whether the (pre-)election is decided. */
function countVotes(r: Raft, votes: Map<NodeId, boolean>, kind: 'preVote' | 'vote'): boolean {
  const res = voteResult(r.conf.current(), votes);
  if (res === 'won') {
    const granted = [...votes].filter(([, yes]) => yes).map(([id]) => id);
    r.why = { kind: kind === 'preVote' ? 'pre-vote-won' : 'vote-won', granted };
    if (kind === 'preVote') {
      campaign(r, 'vote', false);
    } else {
      r.becomeLeader();
      const st = r.state;
      if (st.role === 'leader') bcastAppend(r, st);
    }
    return true;
  }
  if (res === 'lost') {
    // Lost: wait as a follower for a new leader or the next timeout.
    const refused = [...votes].filter(([, yes]) => !yes).map(([id]) => id);
    r.why = { kind: 'election-lost', refused, pre: kind === 'preVote' };
    r.becomeFollower(r.term, null);
    return true;
  }
  return false;
}

/**
 * handleVoteRequest answers a vote or pre-vote whose term is >= ours (the term rules ran
 * first). A vote is granted once per term and only to a candidate whose log is at least
 * as up-to-date as ours (§5.4.1). A granted vote is recorded before the answer, and the
 * answer leaves only after the Ready carrying the vote is persisted.
 */
export function handleVoteRequest(r: Raft, m: VoteMsg | PreVoteMsg): void {
  // A recovering node may have lost entries it acknowledged, or the vote it cast: it grants
  // nothing until it has caught up (core/recovery).
  const canVote =
    !r.recovering &&
    (r.vote === m.from ||
      // No vote yet in this term, and no leader we know of in it.
      (r.vote === null && r.lead === null) ||
      // A pre-vote is about a future term, where we have not voted yet.
      (m.type === 'preVote' && m.term > r.term));
  const respType = m.type === 'vote' ? 'voteResp' : 'preVoteResp';
  const reason = voteReason(r, m, canVote);
  if (reason.kind === 'granted') {
    r.send({ type: respType, from: r.id, to: m.from, term: m.term, reject: false });
    if (m.type === 'vote') {
      r.electionElapsed = 0;
      r.vote = m.from;
    }
  } else {
    r.send({ type: respType, from: r.id, to: m.from, term: r.term, reject: true });
  }
  r.noteVote(m, reason);
}

/** voteReason decides a vote request whose term rules passed: granted, or the first rule that refuses it. */
function voteReason(r: Raft, m: VoteMsg | PreVoteMsg, canVote: boolean): VoteReason {
  const cand = { index: m.lastIndex, term: m.lastTerm };
  const own = { index: r.log.lastIndex(), term: r.log.lastTerm() };
  if (!canVote) {
    if (r.recovering) return { kind: 'recovering' };
    return r.vote !== null ? { kind: 'already-voted', for: r.vote } : { kind: 'leader-known', leader: r.lead ?? '?' };
  }
  return r.log.isUpToDate(m.lastIndex, m.lastTerm) ? { kind: 'granted', cand, own } : { kind: 'log-behind', cand, own };
}

/** handleVoteResp counts a vote answer in our term. */
export function handleVoteResp(r: Raft, votes: Map<NodeId, boolean>, m: VoteRespMsg): void {
  votes.set(m.from, !m.reject);
  countVotes(r, votes, 'vote');
}

/** handlePreVoteResp counts a pre-vote answer (a grant carries term + 1, a rejection our term). */
export function handlePreVoteResp(r: Raft, votes: Map<NodeId, boolean>, m: PreVoteRespMsg): void {
  votes.set(m.from, !m.reject);
  countVotes(r, votes, 'preVote');
}

/**
 * handlePeerClosed: the connection to `peer` closed, its process is gone (core/peer-closed.ts
 * says why acting on it is safe). If it is the leader we follow, we forget it — our lease on
 * votes for it ends, so we grant the early pre-votes of the others who saw the close — and
 * campaign early, after the survivors ranked before us had a heartbeat interval each.
 */
export function handlePeerClosed(r: Raft, peer: NodeId): void {
  // Only the close of the leader we follow counts: a late close, once we follow another, changes nothing.
  if (r.state.role !== 'follower' || r.lead !== peer) return;
  // Forgetting it ends our lease (stepTerm's in-lease check needs a leader), so we grant the
  // others' early pre-votes. Safe: a vote still goes once per term, durably, to an
  // up-to-date log (§5.2, §5.4.1); a wrong close costs one election, and the peer's next
  // message cancels our early campaign and restores the lease (Raft.step, stepFollower).
  r.lead = null;
  // A learner, or a node that lost entries it acknowledged, does not campaign (hup would refuse too).
  if (!r.promotable() || r.recovering) return;
  const c = r.conf.current();
  const rank = earlyRank([...c.voters, ...c.votersOutgoing], peer, r.id);
  if (rank === 0) campaignEarly(r, peer, 0);
  else r.early.arm(peer, rank, rank * r.heartbeatTicks);
}

/** campaignEarly starts the (pre-)election an early campaign scheduled, naming the closed leader as its cause. */
export function campaignEarly(r: Raft, peer: NodeId, rank: number): void {
  r.early.cancel();
  r.why = { kind: 'leader-closed', leader: peer, rank };
  r.hup(false);
  r.why = null;
}
