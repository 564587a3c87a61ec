/**
 * The leader's side: replication with probe/replicate/snapshot progress and bounded
 * pipelining (§5.3, etcd's tracker), the commit rule (§5.4.2), ReadIndex (§6.4) and
 * leadership transfer (dissertation §3.10).
 */
import type { NodeId } from '../types';
import { committedIndex, quorumActive } from './conf';
import type { AppendRespMsg, HeartbeatRespMsg } from './messages';
import { Progress } from './progress';
import type { LeaderState, Raft } from './raft';

/** syncProgress makes the leader track exactly the current members (after a config entry enters or leaves the log). */
export function syncProgress(r: Raft, st: LeaderState): void {
  const members = new Set(r.conf.members());
  for (const id of st.progress.keys()) if (!members.has(id)) st.progress.delete(id);
  for (const id of members) {
    if (st.progress.has(id)) continue;
    const pr = new Progress(id, r.log.lastIndex() + 1, r.maxInflight);
    if (id === r.id) {
      // The leader's own copy counts only once persisted (advance moves it on).
      pr.match = r.log.stable;
      pr.becomeReplicate();
      pr.recentActive = true;
    }
    st.progress.set(id, pr);
  }
  // Removing a voter can lower the quorum and so commit entries waiting for it.
  if (st.progress.size > 0) maybeCommitLeader(r, st);
}

/**
 * maybeCommitLeader commits the largest index a quorum has, but only if that entry is of
 * the current term: counting replicas of an older term's entry is unsafe (§5.4.2, Figure 8);
 * such entries commit indirectly when a current-term entry after them does. The unsafe
 * count-old-terms mode skips the term check, which is exactly the Figure 8 bug.
 */
/**
 * countedMatch is how far peer `id`'s log counts towards a commit quorum: its match index,
 * except that a recovering peer's copy does not count — it may lose it again, or have
 * acknowledged while its own term or log had gone back (core/recovery).
 */
export function countedMatch(st: LeaderState, id: NodeId): number {
  const pr = st.progress.get(id);
  return pr && !pr.recovering ? pr.match : 0;
}

export function maybeCommitLeader(r: Raft, st: LeaderState): boolean {
  // One function per term (made on first use), not a closure per acknowledgement.
  const idx = committedIndex(r.conf.current(), (st.countedMatch ??= (id) => countedMatch(st, id)));
  if (!r.log.maybeCommit(idx, r.countOldTerms ? null : r.term)) return false;
  if (st.pendingReads.length > 0 && committedOwnTerm(r, st)) {
    const waiting = st.pendingReads;
    st.pendingReads = [];
    for (const p of waiting) leaderReadIndex(r, st, p.ctx, p.from);
  }
  return true;
}

function committedOwnTerm(r: Raft, st: LeaderState): boolean {
  return r.log.committed >= st.termStart;
}

/**
 * sendAppend sends `to` the next entries it needs (or a snapshot if they are compacted
 * away), unless its progress is paused; returns whether it sent something. With
 * sendIfEmpty false it sends only if there are entries to carry. How many entries one
 * append carries is the progress's call (Progress.entriesPerAppend: more while the pipe
 * is narrow).
 */
export function sendAppend(r: Raft, to: NodeId, pr: Progress, sendIfEmpty = true): boolean {
  if (pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  if (prevTerm === undefined) return sendSnapshot(r, to, pr);
  const entries = r.log.slice(pr.next, pr.next + pr.entriesPerAppend(r.maxEntriesPerMsg));
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({
    type: 'append',
    from: r.id,
    to,
    term: r.term,
    prevIndex,
    prevTerm,
    entries,
    commit: r.log.committed,
    epoch: pr.epoch,
  });
  pr.sentEntries(prevIndex + entries.length, entries.length);
  return true;
}

function sendSnapshot(r: Raft, to: NodeId, pr: Progress): boolean {
  const snap = r.log.snapshot;
  // The log's offset is only ever moved by a snapshot, so one exists here.
  if (!snap) return false;
  // The snapshot belongs to the epoch becomeSnapshot starts (its answer is no rejection anyway).
  pr.becomeSnapshot(snap.index);
  r.send({ type: 'snapshot', from: r.id, to, term: r.term, snapshot: snap, epoch: pr.epoch });
  return true;
}

/** bcastAppend sends every peer what it is missing (or at least the new commit index). */
export function bcastAppend(r: Raft, st: LeaderState): void {
  // values(), not entries: no [id, progress] pair per peer (this runs per proposal).
  for (const pr of st.progress.values()) if (pr.id !== r.id) sendAppend(r, pr.id, pr);
}

/**
 * bcastCommit follows a commit advance. Only peers with entries still to send get an
 * append now (it carries the new commit index); the others learn it from the next append
 * or, at the latest, the next heartbeat. An empty append just to announce the commit
 * would double the messages per command, and the leader answers clients at once anyway.
 */
export function bcastCommit(r: Raft, st: LeaderState, except: NodeId | null): void {
  for (const pr of st.progress.values()) if (pr.id !== r.id && pr.id !== except) sendAppend(r, pr.id, pr, false);
}

/** bcastHeartbeat sends every peer a heartbeat, tagged with ctx when it confirms reads. */
export function bcastHeartbeat(r: Raft, st: LeaderState, ctx: string | null): void {
  for (const pr of st.progress.values()) {
    if (pr.id === r.id) continue;
    // Never tell a follower to commit past what it is known to match: its tail may still differ.
    const commit = Math.min(pr.match, r.log.committed);
    r.send({ type: 'heartbeat', from: r.id, to: pr.id, term: r.term, commit, ctx });
  }
}

/**
 * noteAnswer records what an answer says of its sender: whether it recovers, and (if not)
 * that it is alive. An answer from a boot of a damaged store other than the one the
 * progress describes makes the leader forget the sender's log (Progress.forget); it returns
 * whether it did.
 */
function noteAnswer(r: Raft, pr: Progress, m: AppendRespMsg | HeartbeatRespMsg): boolean {
  pr.recovering = m.recovering === true;
  // CheckQuorum counts only peers that could stand in a quorum now.
  if (!pr.recovering) {
    pr.recentActive = true;
    pr.boot = null;
    return false;
  }
  const boot = m.boot ?? '';
  if (pr.boot === boot) return false;
  pr.forget(boot, r.log.lastIndex() + 1);
  return true;
}

/** handleAppendResp moves a peer's progress on an append (or snapshot) answer. */
export function handleAppendResp(r: Raft, st: LeaderState, pr: Progress, m: AppendRespMsg): void {
  const forgot = noteAnswer(r, pr, m);
  if (m.reject) {
    // Fast backup: jump over the whole conflicting term the follower reported, not one entry a round trip.
    let probe = m.rejectHint;
    if (m.logTerm > 0) probe = r.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (forgot) {
      // The first word of a new boot: probe where its rejection points (this answers an older epoch).
      pr.next = Math.max(1, Math.min(m.index, probe + 1));
      sendAppend(r, m.from, pr);
    } else if (pr.maybeDecrTo(m.index, probe, m.epoch ?? 0)) {
      sendAppend(r, m.from, pr);
    }
    return;
  }
  const wasPaused = pr.isPaused();
  if (pr.maybeUpdate(m.index) || (pr.match === m.index && pr.state === 'probe')) {
    if (pr.state === 'probe') {
      pr.becomeReplicate();
    } else if (pr.state === 'snapshot' && pr.match + 1 >= r.log.firstIndex()) {
      // The snapshot landed (or the follower caught up otherwise): resume from the log.
      pr.becomeProbe();
      pr.becomeReplicate();
    } else if (pr.state === 'replicate') {
      pr.inflights.freeLE(m.index);
    }
    // The sender itself is served below (its pipe is filled; a paused one gets at least an append).
    if (maybeCommitLeader(r, st)) bcastCommit(r, st, m.from);
    if (wasPaused) sendAppend(r, m.from, pr);
    // Fill the pipe: keep sending while there are entries and room for them.
    while (sendAppend(r, m.from, pr, false)) {
      /* each call sends one batch */
    }
    if (m.from === st.transferee && pr.match === r.log.lastIndex()) sendTimeoutNow(r, m.from);
  }
}

/** handleHeartbeatResp resumes a paused peer and counts a ReadIndex confirmation. */
export function handleHeartbeatResp(r: Raft, st: LeaderState, pr: Progress, m: HeartbeatRespMsg): void {
  noteAnswer(r, pr, m);
  pr.probeSent = false;
  // The peer is alive but the pipe is full: an append was probably lost, so free a slot to retry.
  if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirstOne();
  // A recovering peer may lack entries up to its match: an append (empty if need be) finds out.
  if (pr.match < r.log.lastIndex() || pr.recovering) sendAppend(r, m.from, pr);
  // Only a healthy peer's answer confirms leadership for a read (§6.4).
  if (m.ctx === null || pr.recovering) return;
  const acks = st.readOnly.recvAck(m.ctx, m.from);
  if (!acks || !quorumActive(r.conf.current(), (id) => acks.has(id))) return;
  for (const req of st.readOnly.advance(m.ctx)) respondRead(r, req.ctx, req.from, req.index);
  // Reads that arrived while this round was in flight now get theirs, when this Ready leaves.
}

function respondRead(r: Raft, ctx: string, from: NodeId, index: number): void {
  if (from === r.id) r.reads.push({ ctx, index });
  else r.send({ type: 'readIndexResp', from: r.id, to: from, term: r.term, ctx, index });
}

/**
 * leaderReadIndex registers a linearizable read (§6.4): wait for a commit in this term,
 * note the commit index, confirm leadership with a heartbeat round sent after the read
 * arrived and answered by a quorum in this term, then hand out the read point. A leader deposed meanwhile drops its queue
 * with its LeaderState, so it never answers a read it could not confirm.
 */
export function leaderReadIndex(r: Raft, st: LeaderState, ctx: string, from: NodeId): void {
  if (!committedOwnTerm(r, st)) {
    st.pendingReads.push({ ctx, from });
    return;
  }
  if (quorumActive(r.conf.current(), (id) => id === r.id)) {
    // A single voter is its own quorum: nothing to confirm.
    respondRead(r, ctx, from, r.log.committed);
    return;
  }
  if (r.leaseReads) {
    // Unsafe lease read (etcd's ReadOnlyLeaseBased): trust that no one else can lead yet, so
    // skip the heartbeat round. Wrong when this leader's clock stalled (a pause) or drifted.
    respondRead(r, ctx, from, r.log.committed);
    return;
  }
  // The read waits for the next round to leave (flushReadRound, when the Ready is taken),
  // together with every other read that arrives before then (read-only.ts says why a round
  // already in flight cannot confirm it).
  st.readOnly.add(ctx, from, r.log.committed);
}

/**
 * flushReadRound sends the heartbeat round the waiting reads need, if one is due (reads
 * wait and no round is in flight); RaftNode.ready calls it before handing out messages, so
 * every read registered since the last Ready shares this one round.
 */
export function flushReadRound(r: Raft, st: LeaderState): void {
  if (st.readOnly.due()) bcastHeartbeat(r, st, st.readOnly.startRound(r.id));
}

/** sendTimeoutNow tells the transfer target to campaign now. */
export function sendTimeoutNow(r: Raft, to: NodeId): void {
  r.send({ type: 'timeoutNow', from: r.id, to, term: r.term });
}
