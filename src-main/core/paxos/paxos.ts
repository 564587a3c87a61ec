/**
 * Paxos is the protocol state machine behind PaxosNode: the promised ballot, the role
 * (follower, candidate running phase 1, leader running phase 2), the timers, and the
 * dispatch of every message to its handler — follower.ts (what every member does as
 * acceptor and learner), candidate.ts (phase 1) and leader.ts (phase 2, catch-up, reads).
 * It is pure: time arrives as tick(), randomness from the Rng in the config, and all
 * output is queued (msgs, msgsAfterPersist, reads) for PaxosNode.ready().
 *
 * Membership changes go through the log (see README.md, "Membership"): a configuration
 * entry chosen at slot j governs the slots after j, so the configuration in force is the
 * one the chosen prefix ends with (`confs`). A leader proposes nothing past an unchosen
 * configuration entry (`pendingConf`), and when one is chosen the leader (or a candidate
 * that learns of it) runs phase 1 again, in the new configuration, before it proposes
 * past it (`reconfigured`, handled at the next tick).
 */
import { causeOfMessage, NoteQueue, type RoleCause, type Stimulus, type VoteReason } from '../notes';
import { assertNever } from '../types';
import type { ConfState, Entry, NodeId, ProtocolConfig, ReadState, Ready, Role, Snapshot } from '../types';
import { EarlyCampaign } from '../peer-closed';
import { ConfTracker } from '../raft/conf';
import { parseConfChange } from '../raft/validate';
import { nodeNumbers } from './ballot';
import { campaign, campaignEarly, maybeCountOwnPromise, stepCandidate } from './candidate';
import { handleAccept, handleCatchup, handleDecide, handleHeartbeat, handlePrepare, handleSnapshot } from './follower';
import { stepFollower } from './follower';
import { LeaderRole, stepLeader, type LeaderHost } from './leader';
import { Learner } from './learner';
import { PaxosLog } from './log';
import type { HeartbeatAckMsg, LearnedMsg, PaxosMessage } from './messages';
import { PromiseSet } from './phase1';

/** CandidateState is a proposer running phase 1 for every slot from `fromIndex` under its ballot. */
export interface CandidateState {
  role: 'candidate';
  promises: PromiseSet;
  fromIndex: number;
  /** selfPromised: our own promise is durable and counted. */
  selfPromised: boolean;
  /** confIndex: the slot of the configuration in force when phase 1 began (a quorum is counted in it). */
  confIndex: number;
  /** voters: that configuration's voters. */
  voters: readonly NodeId[];
  /** force: a leadership transfer (prepares skip the acceptors' lease; a refusal is answered with a higher ballot). */
  force: boolean;
}

/** LeaderState is the distinguished proposer of one ballot (phase 1 done). */
export interface LeaderState {
  role: 'leader';
  lead: LeaderRole;
}

/** RoleState is the role and the state only that role has. */
export type RoleState = { role: 'follower' } | CandidateState | LeaderState;

/** ProposerMsg are the messages only a proposer's role decides what to do with. */
export type ProposerMsg = Extract<
  PaxosMessage,
  { type: 'promise' | 'nack' | 'accepted' | 'heartbeatAck' | 'learned' | 'readIndex' | 'readIndexResp' | 'timeoutNow' }
>;

/** Paxos is one member's protocol state. Fields are public to the paxos folder's handlers only. */
export class Paxos {
  readonly id: NodeId;
  readonly cfg: ProtocolConfig;
  /** confs: the configuration the chosen prefix ends with, and the history a snapshot needs (confAt). */
  readonly confs: ConfTracker;
  /** pendingConf: the slot of an unchosen configuration entry this leader proposed or adopted (0: none). */
  pendingConf = 0;
  /** reconfigured: a configuration was chosen while leading or campaigning; phase 1 runs again at the next tick. */
  reconfigured = false;
  /** num is this node's number in its ballots (ballot.ts). */
  readonly num: number;
  /** window: how far past its last slot an acceptor accepts (holes are padded with empty slots). */
  readonly window: number;
  /** maxOpen: how many unchosen slots a leader keeps open before propose says busy. */
  readonly maxOpen: number;

  /** recovering: the store was damaged (ProtocolConfig.recovering): no promises, no acceptances sent, no campaigns. */
  recovering: boolean;

  // Durable acceptor/learner state (mirrored to Storage through Ready).
  promised: number;
  readonly log: PaxosLog;
  readonly learner: Learner;
  hsDirty = false;
  pendingSnapshot: Snapshot | null = null;

  state: RoleState = { role: 'follower' };
  leader: NodeId | null = null;
  /** maxSeen is the highest ballot seen in any message (a new ballot goes above it). */
  maxSeen: number;
  ticks = 0;
  electionElapsed = 0;
  randomizedTimeout = 0;
  /** early: a campaign due before the timeout because our leader's connection closed (core/peer-closed.ts). */
  readonly early = new EarlyCampaign();
  readonly leaderHost: LeaderHost;

  msgs: PaxosMessage[] = [];
  msgsAfterPersist: PaxosMessage[] = [];
  reads: ReadState[] = [];

  /** notes: why roles changed and prepares were answered, for the host to drain (core/notes.ts). */
  readonly notes = new NoteQueue();
  /** why: the cause of the role change about to happen, set by the code that decides it; become* takes it. */
  why: RoleCause | null = null;
  /** stim: the message being stepped, so a role change it causes names it. */
  private stim: Stimulus | null = null;

  constructor(cfg: ProtocolConfig) {
    this.cfg = cfg;
    this.id = cfg.id;
    const r = cfg.restore;
    this.confs = new ConfTracker(
      r?.snapshot?.conf ?? { voters: [...new Set(cfg.peers)], learners: [], votersOutgoing: [] },
    );
    // A node that joins later is not among the first peers; "n<k>" ids keep k either way.
    const num = nodeNumbers([...new Set([...cfg.peers, cfg.id])]).get(cfg.id);
    if (num === undefined) throw new Error(`paxos: no ballot number for ${cfg.id}`);
    this.num = num;
    const batch = Math.max(1, cfg.maxEntriesPerMsg) * Math.max(1, cfg.maxInflight);
    this.maxOpen = Math.max(256, batch);
    this.window = 4 * this.maxOpen;

    this.recovering = cfg.recovering === true;
    this.log = new PaxosLog(r?.snapshot ?? null, r?.entries ?? []);
    // Accepting under ballot b promised b: the promise is at least every ballot in the log,
    // whatever a damaged record says.
    this.promised = Math.max(r?.hardState.term ?? 0, topBallot(r?.snapshot ?? null, r?.entries ?? []));
    if (this.promised > (r?.hardState.term ?? 0)) this.hsDirty = true;
    const snapIndex = r?.snapshot?.index ?? 0;
    this.learner = new Learner(this.log, Math.min(Math.max(r?.hardState.commit ?? 0, snapIndex), this.log.lastIndex()));
    // The configuration in force is the snapshot's (or the first peers') changed by every chosen config entry.
    this.trackChosenConf(snapIndex, this.commit);
    this.maxSeen = this.promised;
    this.resetElectionTimeout();
    this.leaderHost = {
      id: this.id,
      members: () => this.others(),
      voters: () => [...this.conf.voters],
      cfg,
      log: this.log,
      commitIndex: () => this.commit,
      now: () => this.ticks,
      send: (m) => this.send(m),
      readReady: (rs) => this.reads.push(rs),
      chosen: (s) => this.learner.markChosen(s),
    };
    this.notes.push({
      type: 'role',
      role: 'follower',
      prev: 'follower',
      term: this.promised,
      prevTerm: this.promised,
      cause: { kind: 'start' },
    });
  }

  /** commit is the chosen prefix (kept by the learner). */
  get commit(): number {
    return this.learner.commit;
  }

  /** conf is the configuration in force: the one the chosen prefix ends with. */
  get conf(): ConfState {
    return this.confs.current();
  }

  /** others lists every other member, voter or learner (whom a leader replicates to). */
  others(): NodeId[] {
    return this.confs.members().filter((id) => id !== this.id);
  }

  /** otherVoters lists the other voters (whom a candidate asks for promises). */
  otherVoters(): NodeId[] {
    return this.conf.voters.filter((id) => id !== this.id);
  }

  /** isVoter tells whether this node may campaign and count in the configuration in force. */
  isVoter(): boolean {
    return this.confs.isVoter(this.id);
  }

  /** trackChosenConf applies the configuration entries of slots (from, to] (now chosen), in order. */
  private trackChosenConf(from: number, to: number): boolean {
    let changed = false;
    for (const e of this.log.slice(from + 1, to + 1)) {
      if (e.type !== 'config') continue;
      const cc = parseConfChange(e.data);
      // Entries are checked when proposed; a bad one changes nothing, on every node alike.
      if (typeof cc === 'string') continue;
      this.confs.appended(e.index, cc);
      changed = true;
    }
    return changed;
  }

  // ---- time ----

  tick(): void {
    this.ticks++;
    this.stim = null;
    const st = this.state;
    switch (st.role) {
      case 'leader':
        this.tickLeader(st);
        return;
      case 'follower':
      case 'candidate':
        this.tickElection();
        return;
      default:
        assertNever(st, 'role');
    }
  }

  private tickLeader(st: LeaderState): void {
    if (this.reconfigured) return this.afterReconfiguration();
    if (st.lead.tick()) return;
    this.why = { kind: 'check-quorum', active: [...st.lead.lastActive], voters: [...this.conf.voters] };
    this.becomeFollower(null);
  }

  private tickElection(): void {
    if (this.reconfigured) return this.afterReconfiguration();
    // A learner (or a node the cluster removed, or one that has not joined yet) never
    // campaigns. Its timer still runs: the lease it grants the leader it follows must run
    // out when that leader goes silent, or it would ignore every prepare for good — and a
    // node that was promoted while it could not hear of it is a voter the others need.
    if (!this.isVoter()) {
      if (this.electionElapsed < 2 * this.cfg.electionTicks) this.electionElapsed++;
      return;
    }
    const closed = this.early.due();
    if (closed !== null && !this.recovering) return campaignEarly(this, closed, this.early.rank);
    // A candidate that has not gathered a quorum by its (randomized) timeout retries
    // with a higher ballot; the randomness is what stops dueling proposers livelocking.
    // A recovering node may have forgotten promises and acceptances: it does not lead.
    if (++this.electionElapsed >= this.randomizedTimeout && !this.recovering) {
      this.why = {
        kind: 'election-timeout',
        elapsed: this.electionElapsed,
        timeout: this.randomizedTimeout,
        leader: this.leader,
      };
      campaign(this, false);
    }
  }

  /**
   * flagged marks an answer sent while recovering (see HeartbeatAckMsg.recovering) on the
   * answer itself, as Raft.flagged does: no flag object spread into every answer.
   */
  flagged<M extends HeartbeatAckMsg | LearnedMsg>(m: M): M {
    if (this.recovering) m.recovering = true;
    return m;
  }

  /**
   * afterReconfiguration: a configuration was chosen while we led or campaigned. Our
   * phase 1 was run in the old one, which governs no slot past the configuration entry, so
   * a voter of the new configuration runs phase 1 again in it; anyone else stands down.
   */
  private afterReconfiguration(): void {
    this.reconfigured = false;
    this.pendingConf = 0;
    if (this.state.role === 'follower') return;
    this.why = this.isVoter() ? { kind: 'reconfigured', voters: [...this.conf.voters] } : { kind: 'removed' };
    if (this.isVoter()) campaign(this, false);
    else this.becomeFollower(null);
  }

  resetElectionTimeout(): void {
    this.early.cancel();
    this.electionElapsed = 0;
    const e = Math.max(1, this.cfg.electionTicks);
    this.randomizedTimeout = e + this.cfg.rng.int(0, e - 1);
  }

  // ---- messages ----

  /** step handles one message from a peer: acceptor and learner messages first, then the role's. */
  step(m: PaxosMessage): void {
    // Anyone may address an acceptor (a proposer's right to a slot is its ballot, not its
    // membership); only voters' promises and acceptances are counted (phase1.ts, leader.ts).
    if (m.to !== this.id || m.from === this.id) return;
    this.early.heard(m.from);
    this.stim = { from: m.from, type: m.type, term: m.term };
    try {
      this.stepMessage(m);
    } finally {
      this.stim = null;
    }
  }

  private stepMessage(m: PaxosMessage): void {
    if (m.term > this.maxSeen) this.maxSeen = m.term;
    switch (m.type) {
      case 'prepare':
        return handlePrepare(this, m);
      case 'accept':
        return handleAccept(this, m);
      case 'decide':
        return handleDecide(this, m);
      case 'heartbeat':
        return handleHeartbeat(this, m);
      case 'catchup':
        return handleCatchup(this, m);
      case 'snapshot':
        return handleSnapshot(this, m);
      case 'promise':
      case 'nack':
      case 'accepted':
      case 'heartbeatAck':
      case 'learned':
      case 'readIndex':
      case 'readIndexResp':
      case 'timeoutNow':
        return this.stepRole(m);
      default:
        assertNever(m, 'paxos message');
    }
  }

  private stepRole(m: ProposerMsg): void {
    const st = this.state;
    switch (st.role) {
      case 'leader':
        return stepLeader(this, st, m);
      case 'candidate':
        return stepCandidate(this, st, m);
      case 'follower':
        return stepFollower(this, m);
      default:
        assertNever(st, 'role');
    }
  }

  /** send queues a message that may leave at once. */
  send(m: PaxosMessage): void {
    this.msgs.push(m);
  }

  /** sendAfterPersist queues a message that may leave only once this Ready's write is durable. */
  sendAfterPersist(m: PaxosMessage): void {
    this.msgsAfterPersist.push(m);
  }

  /** nack refuses m: we promised a higher ballot. */
  nack(m: PaxosMessage): void {
    this.send({ type: 'nack', from: this.id, to: m.from, term: this.promised, ballot: m.term, commit: this.commit });
  }

  // ---- roles ----

  /** ownBallot is the ballot a candidate or leader runs under (0 for a follower). */
  ownBallot(): number {
    const st = this.state;
    switch (st.role) {
      case 'follower':
        return 0;
      case 'candidate':
        return st.promises.ballot;
      case 'leader':
        return st.lead.ballot;
      default:
        return assertNever(st, 'role');
    }
  }

  becomeFollower(leader: NodeId | null): void {
    const [prev, prevTerm] = [this.state.role, this.promised];
    this.state = { role: 'follower' };
    this.leader = leader;
    this.resetElectionTimeout();
    this.noteRole(prev, prevTerm, Math.max(this.promised, this.stim?.term ?? 0));
  }

  /** noteRole queues why the role just changed: the cause set by the decider, else the message being stepped. */
  private noteRole(prev: Role, prevTerm: number, term: number): void {
    const cause = this.why ?? causeOfMessage(this.stim, prevTerm);
    this.why = null;
    this.notes.pushRole({ type: 'role', role: this.state.role, prev, term, prevTerm, cause });
  }

  /** notePrepare queues how a prepare was answered (a promise is Multi-Paxos's vote), and why. */
  notePrepare(m: { from: NodeId; term: number }, reason: VoteReason): void {
    const granted = reason.kind === 'granted';
    this.notes.push({ type: 'vote', request: 'prepare', candidate: m.from, term: m.term, granted, reason });
  }

  /** becomeCandidate starts phase 1 under a ballot above every ballot seen, for all slots > commit. */
  becomeCandidate(ballot: number): CandidateState {
    const [prev, prevTerm] = [this.state.role, this.promised];
    this.state = { role: 'follower' };
    this.leader = null;
    this.resetElectionTimeout();
    this.maxSeen = ballot;
    this.promised = ballot;
    this.hsDirty = true;
    const st: CandidateState = {
      role: 'candidate',
      promises: new PromiseSet(ballot),
      fromIndex: this.commit + 1,
      selfPromised: false,
      confIndex: this.confs.lastConfIndex(),
      voters: [...this.conf.voters],
      force: false,
    };
    this.state = st;
    this.noteRole(prev, prevTerm, ballot);
    return st;
  }

  /** becomeLeader makes us the distinguished proposer of ballot (phase 1 won). */
  becomeLeader(ballot: number): LeaderState {
    const prev = this.state.role;
    // A configuration entry pending under an earlier leadership of ours is settled by this
    // phase 1: re-proposed (and pending again) if a promise carries it, else gone. Kept, it
    // would refuse every proposal for good once another leader chose a value in its slot.
    this.pendingConf = 0;
    const st: LeaderState = { role: 'leader', lead: new LeaderRole(this.leaderHost, ballot) };
    this.state = st;
    this.leader = this.id;
    this.noteRole(prev, this.promised, ballot);
    return st;
  }

  /** heardFromLeader notes a live leader of ballot b (>= our promise): follow it, reset the election timer. */
  heardFromLeader(from: NodeId, b: number): void {
    if (this.state.role !== 'follower' && b > this.ownBallot()) this.becomeFollower(from);
    // Following a leader is promising it: refuse lower ballots from now on (one durable
    // write per leader change), and show the same ballot as the rest of the cluster.
    if (b > this.promised) {
      this.promised = b;
      this.hsDirty = true;
    }
    this.leader = from;
    this.electionElapsed = 0;
    this.early.cancel();
  }

  // ---- learner ----

  /** maybeAdvanceCommit extends the chosen prefix (and the configuration with it); returns whether it grew. */
  maybeAdvanceCommit(): boolean {
    const before = this.commit;
    if (!this.learner.advance()) return false;
    this.hsDirty = true;
    if (this.state.role === 'leader') this.state.lead.decidePending = true;
    if (this.trackChosenConf(before, this.commit)) this.confChosen();
    // The pending slot was chosen, with another proposer's value maybe: nothing waits on it now.
    if (this.pendingConf !== 0 && this.pendingConf <= this.commit) this.pendingConf = 0;
    return true;
  }

  /** confChosen: the configuration in force changed; a proposer must run phase 1 again in it. */
  private confChosen(): void {
    if (this.pendingConf !== 0 && this.pendingConf <= this.commit) this.pendingConf = 0;
    if (this.state.role !== 'follower') this.reconfigured = true;
  }

  installSnapshot(snap: Snapshot): void {
    this.learner.install(snap);
    this.confs.reset(snap.conf);
    this.pendingSnapshot = snap;
    this.hsDirty = true;
    this.confChosen();
    this.maybeAdvanceCommit();
  }

  /** openSlot writes a proposal of the leader's ballot and starts phase 2 for it. */
  openSlot(lead: LeaderRole, e: Entry): void {
    this.log.set(e);
    lead.open(e);
  }

  /** onPersisted runs once a Ready is durable: our own promise and acceptances count only now. */
  onPersisted(rd: Ready<PaxosMessage>): void {
    const st = this.state;
    if (st.role === 'candidate') maybeCountOwnPromise(this, st, rd);
    const now = this.state;
    if (now.role !== 'leader') return;
    for (const e of rd.entries) if (e.term === now.lead.ballot) now.lead.ack(e.index, this.id);
    this.maybeAdvanceCommit();
  }
}

/** topBallot is the highest ballot among a snapshot and the entries after it. */
function topBallot(snap: Snapshot | null, entries: readonly Entry[]): number {
  let b = snap?.term ?? 0;
  for (const e of entries) if (e.term > b) b = e.term;
  return b;
}
