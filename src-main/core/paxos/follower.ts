/**
 * What every member does as acceptor and learner, whatever its role ("Paxos Made Simple"
 * §2.2–§2.3): answer prepares and accepts of a high enough ballot (the answers leave only
 * once what they promise is durable), learn chosen slots from decides, heartbeats,
 * catch-ups and snapshots, and — as a follower — take forwarded read points and
 * leadership-transfer orders.
 */
import { assertNever } from '../types';
import { acceptRun, promiseBody } from './acceptor';
import { campaign } from './candidate';
import type {
  AcceptMsg,
  CatchupMsg,
  DecideMsg,
  HeartbeatAckMsg,
  HeartbeatMsg,
  LearnedMsg,
  PrepareMsg,
  SnapshotMsg,
} from './messages';
import type { Paxos, ProposerMsg } from './paxos';

/** inLease tells whether we still follow a live leader other than `from` (a leader counts as its own lease). */
function inLease(p: Paxos, from: string): boolean {
  const role = p.state.role;
  if (role === 'leader') return true;
  return role === 'follower' && p.leader !== null && p.leader !== from && p.electionElapsed < p.cfg.electionTicks;
}

/** handlePrepare answers phase 1a: a promise (after it is durable) or a nack. */
export function handlePrepare(p: Paxos, m: PrepareMsg): void {
  if (m.term < p.promised) {
    p.notePrepare(m, { kind: 'promised-higher', promised: p.promised });
    return p.nack(m);
  }
  // A recovering acceptor may have forgotten a higher promise or a value it accepted: it
  // promises nothing until it has caught up (core/recovery).
  if (p.recovering) return p.notePrepare(m, { kind: 'recovering' });
  // Leader lease (like Raft's check-quorum): while we hear from a live leader, a node that
  // was partitioned away cannot depose it by prepares with an inflated ballot.
  if (p.cfg.checkQuorum && inLease(p, m.from) && !m.force) {
    const lease = p.cfg.electionTicks;
    return p.notePrepare(m, { kind: 'in-lease', leader: p.leader, elapsed: p.electionElapsed, lease });
  }
  if (m.term > p.promised) {
    if (p.state.role !== 'follower') p.becomeFollower(null);
    p.promised = m.term;
    p.hsDirty = true;
    p.leader = null;
    p.electionElapsed = 0;
    // Promised to another proposer: an early campaign of ours would only depose it.
    p.early.cancel();
  }
  const { entries, snapshot } = promiseBody(p.log, m.fromIndex);
  const body = { fromIndex: m.fromIndex, commit: p.commit, entries, snapshot };
  p.sendAfterPersist({ type: 'promise', from: p.id, to: m.from, term: m.term, ...body });
  p.notePrepare(m, { kind: 'granted', cand: null, own: null });
}

/** handleAccept answers phase 2a: accepts the run (answered after it is durable) or a nack. */
export function handleAccept(p: Paxos, m: AcceptMsg): void {
  if (m.term < p.promised) return p.nack(m);
  if (m.term > p.promised) {
    p.promised = m.term;
    p.hsDirty = true;
  }
  p.heardFromLeader(m.from, m.term);
  p.learner.noteDecide(m.term, m.commit);
  const { lo, hi } = acceptRun(p.log, p.learner, m.entries, p.window);
  p.maybeAdvanceCommit();
  // A recovering acceptor keeps the values (a decide may then tell it they are chosen) but
  // does not count as having accepted them: it may have broken a promise it forgot.
  if (lo !== 0 && !p.recovering) {
    p.sendAfterPersist({ type: 'accepted', from: p.id, to: m.from, term: m.term, lo, hi, commit: p.commit });
  }
}

/** handleDecide learns that the leader's slots up to its commit are chosen. */
export function handleDecide(p: Paxos, m: DecideMsg): void {
  if (m.term >= p.promised) p.heardFromLeader(m.from, m.term);
  p.learner.noteDecide(m.term, m.commit);
  p.maybeAdvanceCommit();
}

/** handleHeartbeat follows a live leader, learns its commit and answers (echoing the read round). */
export function handleHeartbeat(p: Paxos, m: HeartbeatMsg): void {
  if (m.term < p.promised) return p.nack(m);
  p.heardFromLeader(m.from, m.term);
  p.learner.noteDecide(m.term, m.commit);
  p.maybeAdvanceCommit();
  p.send(
    p.flagged<HeartbeatAckMsg>({
      type: 'heartbeatAck',
      from: p.id,
      to: m.from,
      term: m.term,
      seq: m.seq,
      commit: p.commit,
      hbCommit: m.commit,
    }),
  );
}

/** handleCatchup learns chosen entries a leader sent us, and says how far we now are. */
export function handleCatchup(p: Paxos, m: CatchupMsg): void {
  if (m.term >= p.promised) p.heardFromLeader(m.from, m.term);
  p.learner.learn(m.entries, m.commit);
  p.maybeAdvanceCommit();
  p.sendAfterPersist(
    p.flagged<LearnedMsg>({ type: 'learned', from: p.id, to: m.from, term: m.term, commit: p.commit }),
  );
}

/** handleSnapshot installs a leader's snapshot past our chosen prefix, and says how far we now are. */
export function handleSnapshot(p: Paxos, m: SnapshotMsg): void {
  if (m.term >= p.promised) p.heardFromLeader(m.from, m.term);
  if (m.snapshot.index > p.commit) p.installSnapshot(m.snapshot);
  p.sendAfterPersist(
    p.flagged<LearnedMsg>({ type: 'learned', from: p.id, to: m.from, term: m.term, commit: p.commit }),
  );
}

/** stepFollower handles what a follower acts on besides acceptor and learner traffic. */
export function stepFollower(p: Paxos, m: ProposerMsg): void {
  switch (m.type) {
    case 'readIndexResp':
      p.reads.push({ ctx: m.ctx, index: m.index });
      return;
    case 'timeoutNow':
      // A leadership transfer: campaign at once, past the lease.
      if (m.term >= p.promised) {
        p.why = { kind: 'transfer', from: m.from };
        campaign(p, true);
      }
      return;
    case 'promise':
    case 'nack':
    case 'accepted':
    case 'heartbeatAck':
    case 'learned':
    case 'readIndex':
      // Promises, refusals, phase 2 answers and reads are for a proposer we are not (any more).
      return;
    default:
      assertNever(m, 'paxos message');
  }
}
