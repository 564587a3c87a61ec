/**
 * Paxos is the protocol state machine behind PaxosNode: the promised ballot, the role
 * (follower, candidate running phase 1, leader running phase 2), the timers, and the
 * dispatch of every message to its handler — follower.ts (what every member does as
 * acceptor and learner), candidate.ts (phase 1) and leader.ts (phase 2, catch-up, reads).
 * It is pure: time arrives as tick(), randomness from the Rng in the config, and all
 * output is queued (msgs, msgsAfterPersist, reads) for PaxosNode.ready().
 */
import { causeOfMessage, NoteQueue, type RoleCause, type Stimulus, type VoteReason } from '../notes';
import { assertNever, copyConf } from '../types';
import type { ConfState, Entry, NodeId, ProtocolConfig, ReadState, Ready, Role, Snapshot } from '../types';
import { nodeNumbers } from './ballot';
import { campaign, maybeCountOwnPromise, stepCandidate } from './candidate';
import { handleAccept, handleCatchup, handleDecide, handleHeartbeat, handlePrepare, handleSnapshot } from './follower';
import { stepFollower } from './follower';
import { LeaderRole, stepLeader, type LeaderHost } from './leader';
import { Learner } from './learner';
import { PaxosLog } from './log';
import type { PaxosMessage } from './messages';
import { PromiseSet } from './phase1';

/** CandidateState is a proposer running phase 1 for every slot from `fromIndex` under its ballot. */
export interface CandidateState {
  role: 'candidate';
  promises: PromiseSet;
  fromIndex: number;
  /** selfPromised: our own promise is durable and counted. */
  selfPromised: boolean;
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
  readonly conf: ConfState;
  readonly others: NodeId[];
  readonly quorum: number;
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
    this.conf = r?.snapshot?.conf
      ? copyConf(r.snapshot.conf)
      : { voters: [...new Set(cfg.peers)], learners: [], votersOutgoing: [] };
    const num = nodeNumbers(this.conf.voters).get(cfg.id);
    if (num === undefined) throw new Error(`paxos: ${cfg.id} is not among the peers`);
    this.num = num;
    this.others = this.conf.voters.filter((p) => p !== cfg.id);
    this.quorum = Math.floor(this.conf.voters.length / 2) + 1;
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
    this.maxSeen = this.promised;
    this.resetElectionTimeout();
    this.leaderHost = {
      id: this.id,
      others: this.others,
      quorum: this.quorum,
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
    if (st.lead.tick()) return;
    this.why = { kind: 'check-quorum', active: [this.id, ...st.lead.lastActive], voters: [...this.conf.voters] };
    this.becomeFollower(null);
  }

  private tickElection(): void {
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

  /** flag marks an answer sent while recovering (see HeartbeatAckMsg.recovering). */
  flag(): { recovering?: true } {
    return this.recovering ? { recovering: true } : {};
  }

  resetElectionTimeout(): void {
    this.electionElapsed = 0;
    const e = Math.max(1, this.cfg.electionTicks);
    this.randomizedTimeout = e + this.cfg.rng.int(0, e - 1);
  }

  // ---- messages ----

  /** step handles one message from a peer: acceptor and learner messages first, then the role's. */
  step(m: PaxosMessage): void {
    if (m.to !== this.id || m.from === this.id || !this.others.includes(m.from)) return;
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
    };
    this.state = st;
    this.noteRole(prev, prevTerm, ballot);
    return st;
  }

  /** becomeLeader makes us the distinguished proposer of ballot (phase 1 won). */
  becomeLeader(ballot: number): LeaderState {
    const prev = this.state.role;
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
  }

  // ---- learner ----

  /** maybeAdvanceCommit extends the chosen prefix; returns whether it grew. */
  maybeAdvanceCommit(): boolean {
    if (!this.learner.advance()) return false;
    this.hsDirty = true;
    if (this.state.role === 'leader') this.state.lead.decidePending = true;
    return true;
  }

  installSnapshot(snap: Snapshot): void {
    this.learner.install(snap);
    this.pendingSnapshot = snap;
    this.hsDirty = true;
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
