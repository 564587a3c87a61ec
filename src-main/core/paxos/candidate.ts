/**
 * Phase 1 ("Paxos Made Simple" §2.2, §3): a proposer whose election timeout fired (or that
 * was handed leadership) picks a fresh ballot and prepares every slot above its chosen
 * prefix at once; with a quorum of promises it adopts, per slot, the chosen value or the
 * value of the highest-numbered accepted proposal (P2c), fills holes with no-ops, and leads.
 */
import { earlyRank } from '../peer-closed';
import { assertNever, type NodeId, type Ready } from '../types';
import { nextBallot } from './ballot';
import { sameValue } from './log';
import type { NackMsg, PaxosMessage, PromiseMsg } from './messages';
import type { CandidateState, Paxos, ProposerMsg } from './paxos';

/** campaign starts phase 1 under a ballot above every ballot seen (force: a leadership transfer). */
export function campaign(p: Paxos, force: boolean): void {
  // A recovering node may have forgotten promises and acceptances: it must not lead until it caught up.
  if (p.recovering) return;
  // Only a voter of the configuration in force may lead (a learner, a removed node, one not yet joined).
  if (!p.isVoter()) {
    if (p.state.role !== 'follower') p.becomeFollower(null);
    return;
  }
  const st = p.becomeCandidate(nextBallot(Math.max(p.promised, p.maxSeen), p.num));
  st.force = force;
  bcastPrepare(p, st, force);
}

/**
 * handlePeerClosed: the connection to `peer` closed, its process is gone (core/peer-closed.ts
 * says why acting on it is safe). If it is the leader we follow, we forget it — our lease
 * for it ends, so we promise the early prepares of the others who saw the close — and
 * campaign early, after the survivors ranked before us had a heartbeat interval each.
 */
export function handlePeerClosed(p: Paxos, peer: NodeId): void {
  // Only the close of the leader we follow counts: a late close, once we follow another, changes nothing.
  if (p.state.role !== 'follower' || p.leader !== peer) return;
  // Forgetting it ends our lease (inLease needs a leader), so we promise the others' early
  // ballots. Safe: a ballot still needs a quorum of promises and adopts what they accepted
  // (P2c); a wrong close costs one phase 1, and the peer's next message cancels ours.
  p.leader = null;
  if (!p.isVoter() || p.recovering) return;
  const rank = earlyRank(p.conf.voters, peer, p.id);
  if (rank === 0) campaignEarly(p, peer, 0);
  else p.early.arm(peer, rank, rank * p.cfg.heartbeatTicks);
}

/** campaignEarly starts the phase 1 an early campaign scheduled, naming the closed leader as its cause. */
export function campaignEarly(p: Paxos, peer: NodeId, rank: number): void {
  p.early.cancel();
  p.why = { kind: 'leader-closed', leader: peer, rank };
  campaign(p, false);
  p.why = null;
}

/**
 * bcastPrepare asks every other acceptor to promise. Prepares leave only after our promise
 * of this ballot is durable: a restarted node must never reuse a ballot it may already
 * have proposed values under.
 */
function bcastPrepare(p: Paxos, st: CandidateState, force: boolean): void {
  const ballot = st.promises.ballot;
  for (const to of p.otherVoters()) {
    p.sendAfterPersist({ type: 'prepare', from: p.id, to, term: ballot, fromIndex: st.fromIndex, force });
  }
}

/** stepCandidate handles the messages a candidate acts on (promises, refusals, a transfer). */
export function stepCandidate(p: Paxos, st: CandidateState, m: ProposerMsg): void {
  switch (m.type) {
    case 'promise':
      return handlePromise(p, st, m);
    case 'nack':
      return handleNack(p, st, m);
    case 'timeoutNow':
      if (m.term >= p.promised) {
        p.why = { kind: 'transfer', from: m.from };
        campaign(p, true);
      }
      return;
    case 'accepted':
    case 'heartbeatAck':
    case 'learned':
    case 'readIndex':
    case 'readIndexResp':
      // Phase 2 answers and reads are for a leader, or a follower; a candidate has none outstanding.
      return;
    default:
      assertNever(m, 'paxos message');
  }
}

function handlePromise(p: Paxos, st: CandidateState, m: PromiseMsg): void {
  if (m.term !== st.promises.ballot) return;
  st.promises.add(m.from, m.commit, m.entries, m.snapshot);
  maybeBecomeLeader(p, st);
}

function handleNack(p: Paxos, st: CandidateState, m: NackMsg): void {
  const ballot = st.promises.ballot;
  if (m.ballot !== ballot || m.term <= ballot) return;
  // A leadership transfer: the old leader has stood down for us, so rather than back off,
  // go again above the ballot that refused us (step() has raised maxSeen to it).
  if (st.force) {
    p.why = { kind: 'transfer', from: null };
    return campaign(p, true);
  }
  // A higher ballot holds the acceptors. Back off for a random timeout so dueling
  // proposers do not keep preempting each other.
  p.why = { kind: 'nack', from: m.from, ballot, promised: m.term };
  p.becomeFollower(null);
}

/** maybeCountOwnPromise counts our own promise once the Ready carrying it is durable. */
export function maybeCountOwnPromise(p: Paxos, st: CandidateState, rd: Ready<PaxosMessage>): boolean {
  if (st.selfPromised || rd.hardState?.term !== st.promises.ballot) return false;
  st.selfPromised = true;
  st.promises.add(p.id, p.commit, p.log.slice(st.fromIndex, p.log.lastIndex() + 1), null);
  maybeBecomeLeader(p, st);
  return true;
}

/** maybeBecomeLeader leads once a quorum of the voters phase 1 began with promised; returns whether it did. */
function maybeBecomeLeader(p: Paxos, st: CandidateState): boolean {
  if (st.promises.countAmong(st.voters) < Math.floor(st.voters.length / 2) + 1) return false;
  becomeLeader(p, st);
  return true;
}

/**
 * becomeLeader finishes phase 1: learn known-chosen slots, re-propose adopted values, fill
 * holes with no-ops. Two membership rules: if what the promises taught us chose a new
 * configuration, this phase 1 (run in the old one) is void past it, so phase 1 runs again;
 * and nothing is proposed past a configuration entry until it is chosen.
 */
function becomeLeader(p: Paxos, st: CandidateState): void {
  const promises = st.promises;
  // Install a promiser's newer snapshot first, while still a candidate: the decide its
  // commit would trigger goes out with the first heartbeat anyway.
  if (promises.snapshot && promises.snapshot.index > p.commit) p.installSnapshot(promises.snapshot);
  const top = Math.max(promises.maxSlot, p.log.lastIndex());
  for (let s = p.commit + 1; s <= top; s++) {
    const k = promises.slots.get(s);
    if (!k?.chosen || p.learner.isChosen(s)) continue;
    const cur = p.log.get(s);
    if (!cur || !sameValue(cur, k.entry)) p.log.set(k.entry);
    p.learner.markChosen(s);
  }
  p.maybeAdvanceCommit();
  if (p.confs.lastConfIndex() !== st.confIndex) {
    p.reconfigured = false;
    p.why = p.isVoter() ? { kind: 'reconfigured', voters: [...p.conf.voters] } : { kind: 'removed' };
    if (p.isVoter()) campaign(p, false);
    else p.becomeFollower(null);
    return;
  }
  p.why = { kind: 'vote-won', granted: promises.members() };
  const { lead } = p.becomeLeader(promises.ballot);
  for (let s = p.commit + 1; s <= top; s++) {
    if (p.learner.isChosen(s)) continue;
    // P2c: the highest-ballot value among the promises, else a no-op for the hole. The
    // unsafe ignoreAccepted mode drops the value, so a value already chosen can be replaced.
    const v = p.cfg.ignoreAccepted === true ? undefined : promises.slots.get(s)?.entry;
    p.openSlot(lead, { index: s, term: lead.ballot, type: v ? v.type : 'noop', data: v ? v.data : '' });
    if (v?.type === 'config') {
      p.pendingConf = s;
      break;
    }
  }
  p.learner.noteDecide(lead.ballot, p.commit);
  p.maybeAdvanceCommit();
  lead.broadcastHeartbeat();
}
