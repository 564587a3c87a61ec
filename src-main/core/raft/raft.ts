/**
 * Raft is the protocol state machine behind RaftNode: terms, roles, timers and the
 * dispatch of every message to its handler (election.ts, leader.ts, follower.ts).
 * It is pure: time arrives as tick(), randomness from the Rng in the config, and all
 * output is queued (msgs, msgsAfterPersist, reads) for RaftNode.ready().
 */
import { causeOfMessage, NoteQueue, type RoleCause, type Stimulus, type VoteReason } from '../notes';
import { assertNever } from '../types';
import type { ConfState, Entry, NodeId, ProtocolConfig, ReadState, Role, Rng } from '../types';
import { ConfTracker, quorumActive } from './conf';
import { EarlyCampaign } from '../peer-closed';
import { campaign, campaignEarly, handleVoteRequest, handlePreVoteResp, handleVoteResp } from './election';
import { ack, handleAppend, handleHeartbeat, handleReadIndexResp, handleSnapshot, handleTimeoutNow } from './follower';
import {
  bcastCommit,
  bcastHeartbeat,
  handleAppendResp,
  handleHeartbeatResp,
  leaderReadIndex,
  maybeCommitLeader,
  syncProgress,
} from './leader';
import { withMessage, type AppendRespMsg, type HeartbeatRespMsg, type RaftMessage } from './messages';
import { RaftLog } from './raft-log';
import { ReadOnly } from './read-only';
import type { LeaderState, RoleState } from './role-state';
import { parseConfChange } from './validate';

export type { LeaderState, RoleState } from './role-state';

/** AFTER_PERSIST lists the message types that reveal durable state (votes, acknowledged entries). */
const AFTER_PERSIST: ReadonlySet<RaftMessage['type']> = new Set(['vote', 'voteResp', 'preVoteResp', 'appendResp']);

/** Raft is one node's protocol state. Fields are public to the raft folder's handlers only. */
export class Raft {
  readonly id: NodeId;
  readonly electionTicks: number;
  readonly heartbeatTicks: number;
  readonly maxInflight: number;
  readonly maxEntriesPerMsg: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  /** leaseReads, countOldTerms: unsafe modes (core/unsafe.ts), off unless a cluster asks for them. */
  readonly leaseReads: boolean;
  readonly countOldTerms: boolean;
  private readonly rng: Rng;
  /** recovering: the store was damaged (ProtocolConfig.recovering) and the node has not caught up yet. */
  recovering: boolean;
  /** boot: this boot's nonce (ProtocolConfig.boot), carried by a recovering node's answers. */
  readonly boot: string;

  term = 0;
  vote: NodeId | null = null;
  lead: NodeId | null = null;
  state: RoleState = { role: 'follower' };
  readonly log = new RaftLog();
  readonly conf: ConfTracker;

  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  /** early: a campaign due before the timeout because our leader's connection closed (core/peer-closed.ts). */
  readonly early = new EarlyCampaign();

  msgs: RaftMessage[] = [];
  msgsAfterPersist: RaftMessage[] = [];
  reads: ReadState[] = [];

  /** notes: why roles changed and votes were answered, for the host to drain (core/notes.ts). */
  readonly notes = new NoteQueue();
  /** why: the cause of the role change about to happen, set by the code that decides it; become* takes it. */
  why: RoleCause | null = null;
  /** stim: the message being stepped, so a role change it causes names it. */
  private stim: Stimulus | null = null;

  constructor(cfg: ProtocolConfig) {
    this.id = cfg.id;
    this.electionTicks = cfg.electionTicks;
    this.heartbeatTicks = cfg.heartbeatTicks;
    this.maxInflight = cfg.maxInflight;
    this.maxEntriesPerMsg = cfg.maxEntriesPerMsg;
    this.preVote = cfg.preVote;
    this.checkQuorum = cfg.checkQuorum;
    this.leaseReads = cfg.leaseReads === true;
    this.countOldTerms = cfg.countOldTerms === true;
    this.rng = cfg.rng;
    this.recovering = cfg.recovering === true;
    this.boot = cfg.boot ?? '';

    const p = cfg.restore;
    const initial: ConfState = { voters: [...cfg.peers], learners: [], votersOutgoing: [] };
    this.conf = new ConfTracker(p?.snapshot?.conf ?? initial);
    if (p) {
      this.term = p.hardState.term;
      this.vote = p.hardState.vote;
      this.log.restoreFrom(p.snapshot, p.entries, p.hardState.commit);
      // The configuration in force is the latest config entry in the log, else the snapshot's, else the peers.
      for (const e of this.log.slice(this.log.firstIndex(), this.log.lastIndex() + 1)) this.trackConf(e);
      this.restoreTermFloor();
    }
    if (cfg.applied !== undefined) {
      // The host's state machine already holds entries up to cfg.applied: they were committed.
      this.log.commitTo(cfg.applied);
      const applied = Math.min(Math.max(cfg.applied, this.log.offset), this.log.committed);
      this.log.applied = applied;
      this.log.applying = applied;
    }
    this.log.onAppend = (e) => this.trackConf(e);
    this.log.onTruncate = (from) => {
      this.conf.truncate(from);
      this.confChanged();
    };
    this.why = { kind: 'start' };
    this.becomeFollower(this.term, null);
  }

  /**
   * restoreTermFloor: the term is at least the last log term. A node writes an entry of a
   * term only once it is in that term (§5.1: a server's term never goes back), so a lower
   * saved term means the record was damaged. Going back would let it accept a deposed
   * leader's appends and truncate entries it committed in the later term. Whom it voted for
   * in that term is unknown: it counts as a vote for itself, so it never grants a second one.
   */
  private restoreTermFloor(): void {
    const floor = this.log.lastTerm();
    if (floor <= this.term) return;
    this.term = floor;
    this.vote = this.id;
  }

  /**
   * flagged marks an answer sent while recovering (AppendRespMsg.recovering), with this boot's
   * nonce (AppendRespMsg.boot), and no flag object per answer.
   */
  flagged(m: AppendRespMsg | HeartbeatRespMsg): RaftMessage {
    if (this.recovering) {
      m.recovering = true;
      m.boot = this.boot;
    }
    return m;
  }

  private trackConf(e: Entry): void {
    if (e.type !== 'config') return;
    const cc = parseConfChange(e.data);
    // Entries are validated on the wire and by proposeConfChange; a bad one changes nothing.
    if (typeof cc === 'string') return;
    this.conf.appended(e.index, cc);
    this.confChanged();
  }

  /** confChanged keeps a leader's progress set equal to the membership. */
  confChanged(): void {
    if (this.state.role === 'leader') syncProgress(this, this.state);
  }

  /** send queues m: messages revealing durable state wait until the Ready carrying that state is persisted. */
  send(m: RaftMessage): void {
    if (m.to === this.id) return;
    if (AFTER_PERSIST.has(m.type)) this.msgsAfterPersist = withMessage(this.msgsAfterPersist, m);
    else this.msgs = withMessage(this.msgs, m);
  }

  /**
   * promotable tells whether this node may campaign: it votes in its latest configuration —
   * or it removed itself by an entry not committed yet and voted in the committed one. That
   * node (typically a leader that lost its office before its removal committed) may hold the
   * longest log, which the others' pre-votes and votes then refuse: if it could not
   * campaign either, no one could ever be elected. Elected, it counts votes in its latest
   * configuration like anyone, commits its removal and steps down (tickHeartbeat).
   */
  promotable(): boolean {
    if (this.conf.isVoter(this.id)) return true;
    const committed = this.log.committed;
    return committed < this.conf.lastConfIndex() && this.conf.confAt(committed).voters.includes(this.id);
  }

  private resetRandomizedElectionTimeout(): void {
    // Randomized in [electionTicks, 2*electionTicks) so split votes are rare (§5.2).
    this.randomizedElectionTimeout = this.electionTicks + this.rng.int(0, this.electionTicks - 1);
  }

  private reset(term: number): void {
    if (term !== this.term) {
      this.term = term;
      this.vote = null;
    }
    this.lead = null;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.resetRandomizedElectionTimeout();
    this.early.cancel();
  }

  becomeFollower(term: number, lead: NodeId | null): void {
    const [prev, prevTerm] = [this.state.role, this.term];
    this.reset(term);
    this.lead = lead;
    this.state = { role: 'follower' };
    this.noteRole(prev, prevTerm);
  }

  becomePreCandidate(): void {
    const [prev, prevTerm] = [this.state.role, this.term];
    // A pre-candidate changes neither term nor vote, so a failed pre-election disturbs no one.
    this.lead = null;
    this.early.cancel();
    this.state = { role: 'precandidate', votes: new Map() };
    this.noteRole(prev, prevTerm);
  }

  becomeCandidate(): void {
    const [prev, prevTerm] = [this.state.role, this.term];
    this.reset(this.term + 1);
    this.vote = this.id;
    this.state = { role: 'candidate', votes: new Map() };
    this.noteRole(prev, prevTerm);
  }

  /** noteRole queues why the role just changed: the cause set by the decider, else the message being stepped. */
  private noteRole(prev: Role, prevTerm: number): void {
    const cause = this.why ?? causeOfMessage(this.stim, prevTerm);
    this.why = null;
    this.notes.pushRole({ type: 'role', role: this.state.role, prev, term: this.term, prevTerm, cause });
  }

  /** noteVote queues how a vote or pre-vote request was answered, and why. */
  noteVote(m: { type: 'vote' | 'preVote'; from: NodeId; term: number }, reason: VoteReason): void {
    const request = m.type === 'vote' ? 'vote' : 'pre-vote';
    this.notes.push({
      type: 'vote',
      request,
      candidate: m.from,
      term: m.term,
      granted: reason.kind === 'granted',
      reason,
    });
  }

  becomeLeader(): void {
    const [prev, prevTerm] = [this.state.role, this.term];
    this.reset(this.term);
    this.lead = this.id;
    const st: LeaderState = {
      role: 'leader',
      progress: new Map(),
      readOnly: new ReadOnly(this.term),
      pendingReads: [],
      transferee: null,
      termStart: this.log.lastIndex() + 1,
    };
    this.state = st;
    syncProgress(this, st);
    // A new leader commits a no-op of its term: it cannot count replicas of older entries (§5.4.2, §8).
    this.log.append([{ index: st.termStart, term: this.term, type: 'noop', data: '' }]);
    this.noteRole(prev, prevTerm);
  }

  /** hup starts an election (a pre-election first when PreVote is on, unless it is a transfer). */
  hup(transfer: boolean): void {
    // A recovering node may have lost entries it acknowledged: it must not lead (nor vote) until it caught up.
    if (this.state.role === 'leader' || !this.promotable() || this.recovering) return;
    campaign(this, this.preVote && !transfer ? 'preVote' : 'vote', transfer);
  }

  tick(): void {
    this.stim = null;
    if (this.state.role === 'leader') this.tickHeartbeat(this.state);
    else this.tickElection();
  }

  private tickElection(): void {
    this.electionElapsed++;
    const closed = this.early.due();
    if (closed !== null) return campaignEarly(this, closed, this.early.rank);
    if (this.promotable() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.why = {
        kind: 'election-timeout',
        elapsed: this.electionElapsed,
        timeout: this.randomizedElectionTimeout,
        leader: this.lead,
      };
      this.electionElapsed = 0;
      this.hup(false);
      this.why = null;
    }
  }

  private tickHeartbeat(st: LeaderState): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.electionTicks) {
      this.electionElapsed = 0;
      if (this.checkQuorum) {
        const active = (id: NodeId): boolean => id === this.id || st.progress.get(id)?.recentActive === true;
        // CheckQuorum: a leader cut off from a quorum steps down rather than serve stale reads forever.
        if (!quorumActive(this.conf.current(), active)) {
          const voters = this.conf.members().filter((id) => this.conf.isVoter(id));
          this.why = { kind: 'check-quorum', active: voters.filter(active), voters };
          this.becomeFollower(this.term, null);
          return;
        }
        for (const pr of st.progress.values()) pr.recentActive = pr.id === this.id;
      }
      // A transfer that has not finished within an election timeout is abandoned.
      st.transferee = null;
    }
    // A leader removed from the configuration steps down once the removal has committed (§4.2.2).
    if (!this.promotable() && this.log.committed >= this.conf.lastConfIndex()) {
      this.why = { kind: 'removed' };
      this.becomeFollower(this.term, null);
      return;
    }
    if (this.heartbeatElapsed >= this.heartbeatTicks) {
      this.heartbeatElapsed = 0;
      for (const pr of st.progress.values()) {
        // A snapshot unanswered for an election timeout was probably lost: probe again (which resends it).
        if (pr.state === 'snapshot' && ++pr.snapshotWait * this.heartbeatTicks >= this.electionTicks) pr.becomeProbe();
      }
      bcastHeartbeat(this, st, st.readOnly.heartbeatKey(this.id));
    }
  }

  /**
   * ticksToNextEvent is how many tick() calls from now this node acts on its own: a
   * leader's next heartbeat or quorum check (tickHeartbeat), anyone else's election
   * timeout or early campaign (tickElection). A node that may not campaign does nothing on
   * its own; its election clock matters when a message arrives, and the host replays it then.
   */
  ticksToNextEvent(): number {
    if (this.state.role === 'leader') {
      // A leader whose removal has committed steps down on its next tick.
      if (!this.promotable()) return 1;
      const beat = this.heartbeatTicks - this.heartbeatElapsed;
      return Math.max(1, Math.min(beat, this.electionTicks - this.electionElapsed));
    }
    if (!this.promotable()) return Number.MAX_SAFE_INTEGER;
    // An early campaign (our leader's connection closed) counts down on its own, before the timeout.
    return Math.max(1, Math.min(this.early.ticksLeft(), this.randomizedElectionTimeout - this.electionElapsed));
  }

  /** step handles one message from a peer: the term rules first (§5.1), then the role's handler. */
  step(m: RaftMessage): void {
    if (m.to !== this.id || m.from === this.id) return;
    this.early.heard(m.from);
    this.stim = { from: m.from, type: m.type, term: m.term };
    try {
      this.stepTerm(m);
    } finally {
      this.stim = null;
    }
  }

  private stepTerm(m: RaftMessage): void {
    if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'preVote') {
        const force = m.type === 'vote' && m.transfer;
        // Leader lease (CheckQuorum): while we hear from a live leader, ignore disruptive candidates.
        const inLease = this.checkQuorum && this.lead !== null && this.electionElapsed < this.electionTicks;
        if (!force && inLease) {
          this.noteVote(m, {
            kind: 'in-lease',
            leader: this.lead,
            elapsed: this.electionElapsed,
            lease: this.electionTicks,
          });
          return;
        }
      }
      if (m.type === 'preVote') {
        // A pre-vote never changes our term.
      } else if (m.type === 'preVoteResp' && !m.reject) {
        // A pre-vote grant carries the future term; the term moves when we really campaign.
      } else if (m.type === 'append' || m.type === 'heartbeat' || m.type === 'snapshot') {
        this.becomeFollower(m.term, m.from);
      } else if (m.type === 'vote') {
        // Take the term but keep the election timer running: it restarts only when we grant
        // the vote (Figure 2). Otherwise a node that keeps losing (e.g. a removed server,
        // §4.2.3) would hold everyone's timer back and no one else could ever be elected.
        const elapsed = this.electionElapsed;
        const timeout = this.randomizedElectionTimeout;
        this.becomeFollower(m.term, null);
        this.electionElapsed = elapsed;
        this.randomizedElectionTimeout = timeout;
      } else {
        this.becomeFollower(m.term, null);
      }
    } else if (m.term < this.term) {
      if ((this.checkQuorum || this.preVote) && (m.type === 'append' || m.type === 'heartbeat')) {
        // A stale leader (e.g. back from a partition, whose term nobody bumps when PreVote is on)
        // learns our term from this answer and steps down.
        ack(this, m.from, 0, 0);
      } else if (m.type === 'preVote') {
        this.send({ type: 'preVoteResp', from: this.id, to: m.from, term: this.term, reject: true });
      }
      if (m.type === 'vote' || m.type === 'preVote') this.noteVote(m, { kind: 'stale-term', ours: this.term });
      return;
    }
    if (m.type === 'vote' || m.type === 'preVote') {
      handleVoteRequest(this, m);
      return;
    }
    const st = this.state;
    switch (st.role) {
      case 'leader':
        this.stepLeader(st, m);
        return;
      case 'candidate':
      case 'precandidate':
        this.stepCandidate(st, m);
        return;
      case 'follower':
        this.stepFollower(m);
        return;
      default:
        assertNever(st, 'role');
    }
  }

  private stepLeader(st: LeaderState, m: RaftMessage): void {
    const pr = st.progress.get(m.from);
    switch (m.type) {
      case 'appendResp':
        if (pr) handleAppendResp(this, st, pr, m);
        return;
      case 'heartbeatResp':
        if (pr) handleHeartbeatResp(this, st, pr, m);
        return;
      case 'readIndex':
        if (pr) leaderReadIndex(this, st, m.ctx, m.from);
        return;
      default:
        // Nothing else is meant for a leader in its own term (another leader cannot exist in it).
        return;
    }
  }

  private stepCandidate(st: { role: 'candidate' | 'precandidate'; votes: Map<NodeId, boolean> }, m: RaftMessage): void {
    switch (m.type) {
      case 'append':
      case 'heartbeat':
      case 'snapshot':
        // Someone won this term (§5.2): follow it.
        this.becomeFollower(m.term, m.from);
        this.stepFollower(m);
        return;
      case 'voteResp':
        if (st.role === 'candidate') handleVoteResp(this, st.votes, m);
        return;
      case 'preVoteResp':
        if (st.role === 'precandidate') handlePreVoteResp(this, st.votes, m);
        return;
      default:
        return;
    }
  }

  private stepFollower(m: RaftMessage): void {
    switch (m.type) {
      case 'append':
        this.electionElapsed = 0;
        this.lead = m.from;
        handleAppend(this, m);
        return;
      case 'heartbeat':
        this.electionElapsed = 0;
        this.lead = m.from;
        handleHeartbeat(this, m);
        return;
      case 'snapshot':
        this.electionElapsed = 0;
        this.lead = m.from;
        handleSnapshot(this, m);
        return;
      case 'timeoutNow':
        this.why = { kind: 'transfer', from: m.from };
        handleTimeoutNow(this);
        this.why = null;
        return;
      case 'readIndexResp':
        handleReadIndexResp(this, m);
        return;
      default:
        return;
    }
  }

  /** onPersisted runs after a Ready's entries are durable: a leader may now count its own copy. */
  onPersisted(): void {
    const st = this.state;
    if (st.role !== 'leader') return;
    const self = st.progress.get(this.id);
    if (self && self.maybeUpdate(this.log.stable)) bcastIfCommitted(this, st);
  }
}

/** bcastIfCommitted advances commit after a match moved and, if it did, sends peers their pending entries (which carry it). */
export function bcastIfCommitted(r: Raft, st: LeaderState): void {
  if (maybeCommitLeader(r, st)) bcastCommit(r, st, null);
}
