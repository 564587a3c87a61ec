/**
 * RaftNode is the ProtocolNode face of Raft: the API the host, simulator and UI use, and
 * the Ready/advance hand-off (what to persist, send and apply, in that order).
 */
import type {
  ConfChange,
  ConfState,
  Entry,
  HardState,
  MessageKind,
  FollowerProgress,
  NodeId,
  NodeStatus,
  ProposeResult,
  ProtocolConfig,
  ProtocolNode,
  ReadResult,
  Ready,
  Role,
  Snapshot,
} from '../types';
import type { CoreNote } from '../notes';
import { copyConf } from '../types';
import { checkConfChange } from './conf';
import { bcastAppend, flushReadRound, leaderReadIndex, sendAppend, sendTimeoutNow } from './leader';
import { raftMessageKind } from './messages';
import type { RaftMessage } from './messages';
import type { Progress } from './progress';
import { Raft } from './raft';
import { ReadForward } from '../read-forward';
import { coalesceMessages } from './coalesce';
import { handlePeerClosed } from './election';

/** NONE is every empty list a Ready hands over: frozen, so no reader can add to another Ready's. */
const NONE: never[] = Object.freeze([]) as unknown as never[];

/** MAX_COMMITTED_PER_READY bounds the entries one Ready asks the host to apply (a restart may have many). */
const MAX_COMMITTED_PER_READY = 4096;

function checkConfig(cfg: ProtocolConfig): void {
  const positive = (n: number): boolean => Number.isSafeInteger(n) && n >= 1;
  if (!cfg.id) throw new Error('raft: config id must be a node id');
  if (!positive(cfg.electionTicks) || !positive(cfg.heartbeatTicks))
    throw new Error('raft: electionTicks and heartbeatTicks must be integers >= 1');
  if (cfg.heartbeatTicks >= cfg.electionTicks) throw new Error('raft: heartbeatTicks must be less than electionTicks');
  if (!positive(cfg.maxInflight) || !positive(cfg.maxEntriesPerMsg))
    throw new Error('raft: maxInflight and maxEntriesPerMsg must be integers >= 1');
  if (!cfg.restore?.snapshot && cfg.peers.length === 0) throw new Error('raft: peers must not be empty');
}

/** RaftNode is a complete Raft member (election, replication, PreVote, CheckQuorum, ReadIndex, snapshots, transfer, membership). */
export class RaftNode implements ProtocolNode<RaftMessage> {
  readonly id: NodeId;
  private readonly r: Raft;
  private prevHard: HardState;
  /** confOf/confView: status()'s copy of the membership, made once per membership (see status). */
  private confOf: ConfState | null = null;
  private confView: ConfState | null = null;
  /** lastStatus: the last status built, handed out again while unchanged (see status). */
  private lastStatus: NodeStatus | null = null;
  /** lastBare: the last status built without progress (status(false)), handed out again while its fields are unchanged. */
  private lastBare: NodeStatus | null = null;
  /** fwd: a follower's reads, forwarded to the leader a batch per request (read-forward.ts). */
  private readonly fwd: ReadForward;

  constructor(cfg: ProtocolConfig) {
    checkConfig(cfg);
    this.id = cfg.id;
    this.r = new Raft(cfg);
    this.prevHard = this.hardState();
    this.fwd = new ReadForward(cfg.heartbeatTicks);
  }

  tick(): void {
    this.r.tick();
    this.fwd.tick();
  }

  ticksToNextEvent(): number {
    return this.r.ticksToNextEvent();
  }

  step(msg: RaftMessage): void {
    this.r.step(msg);
  }

  propose(data: string): ProposeResult {
    return this.appendOnLeader('normal', data);
  }

  /** peerClosed: the connection to `peer` closed; a follower of it campaigns early (core/peer-closed.ts). */
  peerClosed(peer: NodeId): void {
    handlePeerClosed(this.r, peer);
  }

  proposeConfChange(cc: ConfChange): ProposeResult {
    const st = this.r.state;
    if (st.role !== 'leader') return { ok: false, reason: 'not-leader', leader: this.r.lead };
    // Single-server changes are safe only if the leader has committed an entry of its own
    // term (Ongaro's fix) and no earlier change is still unapplied.
    if (this.r.log.committed < st.termStart || this.r.conf.lastConfIndex() > this.r.log.applied) {
      return { ok: false, reason: 'busy', leader: this.id };
    }
    // An inapplicable change (e.g. promoting a non-learner) is refused rather than logged as a no-op.
    if (checkConfChange(this.r.conf.current(), cc) !== null) return { ok: false, reason: 'busy', leader: this.id };
    return this.appendOnLeader('config', JSON.stringify({ type: cc.type, node: cc.node }));
  }

  /** checkConfChange says why cc cannot be applied to the current membership, or null if it can. */
  checkConfChange(cc: ConfChange): string | null {
    return checkConfChange(this.r.conf.current(), cc);
  }

  private appendOnLeader(type: 'normal' | 'config', data: string): ProposeResult {
    const st = this.r.state;
    if (st.role !== 'leader') return { ok: false, reason: 'not-leader', leader: this.r.lead };
    // New proposals would only delay the transfer's catch-up; the client retries at the new leader.
    if (st.transferee !== null) return { ok: false, reason: 'busy', leader: this.id };
    const index = this.r.log.lastIndex() + 1;
    this.r.log.append([{ index, term: this.r.term, type, data }]);
    bcastAppend(this.r, st);
    return { ok: true, index, term: this.r.term };
  }

  readIndex(ctx: string): ReadResult {
    const st = this.r.state;
    if (st.role === 'leader') {
      leaderReadIndex(this.r, st, ctx, this.id);
      return { ok: true };
    }
    if (st.role === 'follower' && this.r.lead !== null) {
      // Forwarded with the other reads of this Ready, in one request (flushForward).
      this.fwd.add(ctx);
      return { ok: true };
    }
    return { ok: false, reason: 'not-leader', leader: this.r.lead };
  }

  transferLeadership(to: NodeId): boolean {
    const st = this.r.state;
    if (st.role !== 'leader' || to === this.id || !this.r.conf.isVoter(to)) return false;
    if (st.transferee === to) return true;
    st.transferee = to;
    // The transfer must finish within an election timeout (checked in the leader's tick).
    this.r.electionElapsed = 0;
    const pr = st.progress.get(to);
    if (!pr) return false;
    if (pr.match === this.r.log.lastIndex()) sendTimeoutNow(this.r, to);
    else sendAppend(this.r, to, pr);
    return true;
  }

  compact(index: number, data: string): void {
    const log = this.r.log;
    if (index <= log.offset) return;
    if (index > log.applied) throw new Error(`raft: cannot compact to ${index}: only ${log.applied} is applied`);
    const term = log.term(index);
    if (term === undefined) throw new Error(`raft: cannot compact to ${index}: no such entry`);
    const snap: Snapshot = { index, term, conf: this.r.conf.confAt(index), data };
    log.compact(snap);
    this.r.conf.compactTo(index);
  }

  /** snapshot returns the latest snapshot (the one compact() made or a leader sent), for the host's storage. */
  snapshot(): Snapshot | null {
    return this.r.log.snapshot;
  }

  private hardState(): HardState {
    return { term: this.r.term, vote: this.r.vote, commit: this.r.log.committed };
  }

  private hardChanged(): boolean {
    const p = this.prevHard;
    return p.term !== this.r.term || p.vote !== this.r.vote || p.commit !== this.r.log.committed;
  }

  hasReady(): boolean {
    const r = this.r;
    const log = r.log;
    return (
      r.msgs.length > 0 ||
      (r.state.role === 'leader' && r.state.readOnly.due()) ||
      (r.state.role === 'follower' && this.fwd.due(r.term, r.lead)) ||
      r.msgsAfterPersist.length > 0 ||
      r.reads.length > 0 ||
      this.hardChanged() ||
      log.lastIndex() > Math.max(log.stable, log.handed) ||
      (log.pendingSnapshot !== null && !log.snapshotHanded) ||
      log.committed > Math.max(log.applied, log.applying)
    );
  }

  ready(): Ready<RaftMessage> {
    const r = this.r;
    const log = r.log;
    // The reads registered since the last Ready share one heartbeat round (a leader) or one
    // request to the leader (a follower), sent now.
    if (r.state.role === 'leader') flushReadRound(r, r.state);
    else this.flushForward();
    const hardState = this.hardChanged() ? this.hardState() : null;
    if (hardState) this.prevHard = hardState;
    const handed = Math.max(log.stable, log.handed);
    // A Ready's empty lists are one shared frozen array (most Readies leave several empty).
    const entries = handed < log.lastIndex() ? log.unstableFrom(handed) : NONE;
    log.handed = log.lastIndex();
    let snapshot: Snapshot | null = null;
    if (log.pendingSnapshot && !log.snapshotHanded) {
      snapshot = log.pendingSnapshot;
      log.snapshotHanded = true;
    }
    const from = Math.max(log.applied, log.applying);
    const committed =
      log.committed > from ? log.slice(from + 1, Math.min(log.committed, from + MAX_COMMITTED_PER_READY) + 1) : NONE;
    if (committed.length > 0) log.applying = committed[committed.length - 1]!.index;
    const rd: Ready<RaftMessage> = {
      hardState,
      entries,
      snapshot,
      messages: r.msgs.length > 0 ? coalesceMessages(r.msgs, r.maxEntriesPerMsg) : NONE,
      messagesAfterPersist:
        r.msgsAfterPersist.length > 0 ? coalesceMessages(r.msgsAfterPersist, r.maxEntriesPerMsg) : NONE,
      committed,
      reads: r.reads.length > 0 ? this.fwd.expand(r.reads) : NONE,
    };
    // The core's lists start afresh only if they were handed over (the Ready now owns them).
    // send() replaces an empty list rather than pushing to it, so the shared frozen one will do.
    if (r.msgs.length > 0) r.msgs = NONE;
    if (r.msgsAfterPersist.length > 0) r.msgsAfterPersist = NONE;
    if (r.reads.length > 0) r.reads = [];
    return rd;
  }

  /** flushForward sends the leader one request for the reads waiting, if one is due; a node not following drops them (the host fails them). */
  private flushForward(): void {
    const r = this.r;
    if (r.state.role !== 'follower') {
      this.fwd.dropWaiting();
      return;
    }
    if (r.lead === null || !this.fwd.due(r.term, r.lead)) return;
    r.send({ type: 'readIndex', from: this.id, to: r.lead, term: r.term, ctx: this.fwd.take(r.term, r.lead) });
  }

  advance(rd: Ready<RaftMessage>): void {
    const log = this.r.log;
    if (rd.snapshot) {
      if (log.pendingSnapshot === rd.snapshot) {
        log.pendingSnapshot = null;
        log.snapshotHanded = false;
      }
      log.applied = Math.max(log.applied, rd.snapshot.index);
    }
    const last = rd.entries[rd.entries.length - 1];
    if (last) {
      log.stableTo(last.index, last.term);
      this.r.onPersisted();
    }
    const applied = rd.committed[rd.committed.length - 1];
    if (applied) log.applied = Math.max(log.applied, applied.index);
    log.applying = Math.max(log.applying, log.applied);
  }

  status(withProgress = true): NodeStatus {
    const st = this.r.state;
    const role = this.shownRole();
    const conf = this.confCopy(this.r.conf.current());
    if (!withProgress) return this.bareStatus(role, conf);
    // The last status is handed out again while nothing in it changed: hosts read status
    // after every Ready, on every request and (a leader) on every applied proposal, and
    // often find the node as it was.
    const c = this.lastStatus;
    const progress = st.role === 'leader' ? st.progress : null;
    const shown = c === null ? null : c.progress;
    const sameViews = c !== null && sameProgress(shown, progress);
    if (c !== null && sameViews && this.sameFields(c, role, conf)) return c;
    // A leader's views are shared with the last status where its followers did not move:
    // an acknowledgement moves one follower, and a new commit index none.
    const views = progress === null ? null : sameViews ? shown : progressViews(progress, shown);
    // Frozen, as it is shared: no reader can change what the next one sees.
    this.lastStatus = Object.freeze(this.buildStatus(role, conf, views));
    return this.lastStatus;
  }

  /**
   * bareStatus is status(false): the last status of either kind while its fields are
   * unchanged, else a fresh one whose progress is left out (null). It is kept apart from
   * lastStatus, so a host that also reads the full status still finds its follower views
   * there to share.
   */
  private bareStatus(role: Role, conf: ConfState): NodeStatus {
    const c = this.lastStatus;
    if (c !== null && this.sameFields(c, role, conf)) return c;
    const b = this.lastBare;
    if (b !== null && this.sameFields(b, role, conf)) return b;
    this.lastBare = Object.freeze(this.buildStatus(role, conf, null));
    return this.lastBare;
  }

  /**
   * sameStatus tells whether status() would show what `s` (a status this core handed out)
   * shows in every field but `progress`, without building one: a host that reads only
   * those fields after every Ready (the simulator's checks) skips the build, and with it
   * the leader's follower views an acknowledgement would freeze.
   */
  sameStatus(s: NodeStatus): boolean {
    const r = this.r;
    const log = r.log;
    // The fields a Ready moves most are compared first: most calls that say no stop there.
    return (
      s.commitIndex === log.committed &&
      s.lastIndex === log.lastIndex() &&
      s.term === r.term &&
      this.sameFields(s, this.shownRole(), this.confCopy(r.conf.current()))
    );
  }

  /** shownRole is the role status() shows (a follower without a vote is a learner). */
  private shownRole(): Role {
    const role = this.r.state.role;
    return role === 'follower' && this.r.conf.isLearner(this.id) ? 'learner' : role;
  }

  /**
   * sameFields: `c` shows `role`, `conf` and the node's term, vote, leader and log
   * positions. Every field of NodeStatus but id (which never changes) and progress is
   * compared here: a field added to it must be added to this test too.
   */
  private sameFields(c: NodeStatus, role: Role, conf: ConfState): boolean {
    const r = this.r;
    const log = r.log;
    return (
      c.role === role &&
      c.term === r.term &&
      c.vote === r.vote &&
      c.leader === r.lead &&
      c.commitIndex === log.committed &&
      c.lastIndex === log.lastIndex() &&
      c.lastTerm === log.lastTerm() &&
      c.firstIndex === log.firstIndex() &&
      c.conf === conf
    );
  }

  /** buildStatus is a fresh status with every field of NodeStatus (status() compares each but progress). */
  private buildStatus(role: Role, conf: ConfState, progress: FollowerProgress[] | null): NodeStatus {
    const r = this.r;
    return {
      id: this.id,
      role,
      term: r.term,
      vote: r.vote,
      leader: r.lead,
      commitIndex: r.log.committed,
      lastIndex: r.log.lastIndex(),
      lastTerm: r.log.lastTerm(),
      firstIndex: r.log.firstIndex(),
      conf,
      progress,
    };
  }

  /**
   * confCopy is status()'s copy of the membership `c`. A membership is never changed in
   * place (a change makes a new one: conf.ts), so one frozen copy serves every status
   * until it changes: the host reads status after every Ready, and a copy each time was
   * the largest allocation of a simulated run. Frozen, so no reader can change what the
   * next one sees.
   */
  private confCopy(c: ConfState): ConfState {
    if (c !== this.confOf || this.confView === null) {
      const v = copyConf(c);
      Object.freeze(v.voters);
      Object.freeze(v.learners);
      Object.freeze(v.votersOutgoing);
      this.confView = Object.freeze(v);
      this.confOf = c;
    }
    return this.confView;
  }

  /** applied is the index the host has applied up to (as acknowledged through advance). */
  applied(): number {
    return this.r.log.applied;
  }

  entries(lo: number, hi: number): Entry[] {
    return this.r.log.slice(lo, hi);
  }

  entryAt(i: number): Entry | undefined {
    return this.r.log.at(i);
  }

  messageKind(msg: RaftMessage): MessageKind {
    return raftMessageKind(msg);
  }

  /** endRecovery: the host's recovery rules (core/recovery) say the node has caught up; it may vote and campaign again. */
  endRecovery(): void {
    this.r.recovering = false;
  }

  /** takeNotes drains why roles changed and votes were answered since the last call (core/notes.ts). */
  takeNotes(): CoreNote[] {
    return this.r.notes.take();
  }
}

/**
 * progressViews lists a leader's follower progress, frozen (a status is shared: see
 * RaftNode.status). A view in `shown` (the last status's) that still shows its follower is
 * taken over as it is: freezing a fresh view per follower on every status was most of
 * what a leader's status cost, and an acknowledgement moves one follower only.
 */
function progressViews(progress: Map<NodeId, Progress>, shown: FollowerProgress[] | null): FollowerProgress[] {
  const out: FollowerProgress[] = [];
  let i = 0;
  for (const p of progress.values()) {
    const v = shown === null ? undefined : shown[i];
    out.push(v !== undefined && p.shows(v) ? v : Object.freeze(p.view()));
    i++;
  }
  return Object.freeze(out) as FollowerProgress[];
}

/** sameProgress: the views show exactly this progress (both null for a non-leader). */
function sameProgress(views: FollowerProgress[] | null, progress: Map<NodeId, Progress> | null): boolean {
  if (views === null || progress === null) return views === progress;
  if (views.length !== progress.size) return false;
  let i = 0;
  for (const p of progress.values()) if (!p.shows(views[i++]!)) return false;
  return true;
}
