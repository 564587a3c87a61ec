/**
 * The follower's side: AppendEntries with conflict hints (§5.3), heartbeats,
 * InstallSnapshot (§7), TimeoutNow (dissertation §3.10) and ReadIndex answers.
 */
import type { AppendMsg, HeartbeatMsg, ReadIndexRespMsg, SnapshotMsg } from './messages';
import type { Raft } from './raft';

/** ack accepts an append or snapshot sent in `epoch` (echoed: AppendMsg.epoch), or tells a stale leader our term (index 0). */
export function ack(r: Raft, to: string, index: number, epoch: number): void {
  r.send(
    r.flagged({
      type: 'appendResp',
      from: r.id,
      to,
      term: r.term,
      index,
      reject: false,
      rejectHint: 0,
      logTerm: 0,
      epoch,
    }),
  );
}

/** handleAppend appends the leader's entries if our log matches at prevIndex, else rejects with a hint. */
export function handleAppend(r: Raft, m: AppendMsg): void {
  const epoch = m.epoch ?? 0;
  if (m.prevIndex < r.log.committed) {
    // Everything up to our commit index matches the leader already; say how far we are.
    ack(r, m.from, r.log.committed, epoch);
    return;
  }
  const last = r.log.maybeAppend(m.prevIndex, m.prevTerm, m.commit, m.entries);
  if (last !== null) {
    ack(r, m.from, last, epoch);
    return;
  }
  // Fast backup hint: the largest index <= prevIndex whose term <= prevTerm, so the leader
  // can skip a whole conflicting term in one round trip instead of one entry at a time.
  const hint = r.log.findConflictByTerm(Math.min(m.prevIndex, r.log.lastIndex()), m.prevTerm);
  r.send(
    r.flagged({
      type: 'appendResp',
      from: r.id,
      to: m.from,
      term: r.term,
      index: m.prevIndex,
      reject: true,
      rejectHint: hint.index,
      logTerm: hint.term,
      epoch,
    }),
  );
}

/** handleHeartbeat takes the leader's (safe) commit index and answers, echoing a read round's ctx. */
export function handleHeartbeat(r: Raft, m: HeartbeatMsg): void {
  // The commit a heartbeat carries is capped by what the leader believes we match; a
  // recovering node may have lost those entries and taken others since (from a deposed
  // leader), so only an append, which checks that the logs match, moves its commit index.
  if (!r.recovering) r.log.commitTo(m.commit);
  r.send(r.flagged({ type: 'heartbeatResp', from: r.id, to: m.from, term: r.term, ctx: m.ctx }));
}

/** handleSnapshot installs a leader's snapshot unless our log already covers it. */
export function handleSnapshot(r: Raft, m: SnapshotMsg): void {
  const s = m.snapshot;
  const epoch = m.epoch ?? 0;
  if (s.index <= r.log.committed) {
    ack(r, m.from, r.log.committed, epoch);
    return;
  }
  if (r.log.matchTerm(s.index, s.term)) {
    // Our log already holds the snapshot's last entry, hence everything before it: just commit.
    r.log.commitTo(s.index);
    ack(r, m.from, r.log.committed, epoch);
    return;
  }
  r.log.restore(s);
  r.conf.reset(s.conf);
  ack(r, m.from, s.index, epoch);
}

/** handleTimeoutNow campaigns at once for a leadership transfer, skipping PreVote and the lease. */
export function handleTimeoutNow(r: Raft): void {
  r.hup(true);
}

/** handleReadIndexResp hands a forwarded read's point to the host. */
export function handleReadIndexResp(r: Raft, m: ReadIndexRespMsg): void {
  r.reads.push({ ctx: m.ctx, index: m.index });
}
