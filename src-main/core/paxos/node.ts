/**
 * PaxosNode: Multi-Paxos as a ProtocolNode ("Paxos Made Simple" §3; "Paxos Made Live").
 *
 * Every member is acceptor and learner; one at a time is the distinguished proposer. A
 * proposer whose election timeout fires picks a fresh ballot and runs phase 1 once for every
 * slot from its first unchosen one (role `candidate`); with a quorum of promises it adopts,
 * per slot, the value of the highest-numbered accepted proposal (or the chosen value), fills
 * holes with no-ops and becomes `leader`; afterwards each command costs only phase 2
 * (accept / accepted). Chosen slots are announced (decide, and the commit piggybacked on
 * accepts and heartbeats); lagging learners are sent chosen entries or a snapshot.
 *
 * Durable state (Storage, via Ready): HardState.term = promised ballot, HardState.commit =
 * the chosen prefix; Entry i with term b = the value accepted for slot i under ballot b.
 * Promises and accepted replies go in messagesAfterPersist; the proposer counts its own
 * promise and its own acceptances only in advance(), i.e. once they are durable.
 */
import type {
  ConfChange,
  ConfState,
  Entry,
  MessageKind,
  NodeId,
  NodeStatus,
  ProposeResult,
  ProtocolConfig,
  ProtocolNode,
  ReadResult,
  ReadState,
  Ready,
  Snapshot,
} from '../types';
import { assertNever, copyConf } from '../types';
import { nextBallot, nodeNumbers } from './ballot';
import { PaxosLog, sameValue } from './log';
import { acceptRun, promiseBody } from './acceptor';
import { Learner } from './learner';
import type * as M from './messages';
import { paxosMessageKind, type PaxosMessage } from './messages';
import { PromiseSet } from './phase1';
import { LeaderRole, type LeaderHost } from './leader';

type PaxosRole = 'follower' | 'candidate' | 'leader';

/** PaxosNode is one Multi-Paxos member (acceptor + learner + possible leader). */
export class PaxosNode implements ProtocolNode<PaxosMessage> {
  readonly id: NodeId;
  private readonly cfg: ProtocolConfig;
  private readonly conf: ConfState;
  private readonly others: NodeId[];
  private readonly quorum: number;
  private readonly num: number;
  /** window: how far past its last slot an acceptor accepts (holes are padded with empty slots). */
  private readonly window: number;
  /** maxOpen: how many unchosen slots a leader keeps open before propose says busy. */
  private readonly maxOpen: number;

  // Durable acceptor/learner state (mirrored to Storage through Ready).
  private promised: number;
  private readonly log: PaxosLog;
  private hsDirty = false;
  private pendingSnapshot: Snapshot | null = null;
  private applied: number;
  /** handedOut: highest slot given to the host to apply (committed or snapshot). */
  private handedOut: number;

  private role: PaxosRole = 'follower';
  private ballot = 0;
  private leader: NodeId | null = null;
  private maxSeen: number;
  private ticks = 0;
  private electionElapsed = 0;
  private randomizedTimeout = 0;

  private readonly learner: Learner;

  private phase1: PromiseSet | null = null;
  private phase1From = 0;
  private selfPromised = false;

  /** lead is the proposer state while this node leads (role 'leader'). */
  private lead: LeaderRole | null = null;
  private readonly leaderHost: LeaderHost;

  private msgs: PaxosMessage[] = [];
  private msgsAfter: PaxosMessage[] = [];
  private readStates: ReadState[] = [];

  constructor(cfg: ProtocolConfig) {
    this.cfg = cfg;
    this.id = cfg.id;
    const r = cfg.restore;
    this.conf = r?.snapshot?.conf
      ? copyConf(r.snapshot.conf)
      : { voters: [...new Set(cfg.peers)], learners: [], votersOutgoing: [] };
    if (!this.conf.voters.includes(cfg.id)) throw new Error(`paxos: ${cfg.id} is not among the peers`);
    this.others = this.conf.voters.filter((p) => p !== cfg.id);
    this.quorum = Math.floor(this.conf.voters.length / 2) + 1;
    this.num = nodeNumbers(this.conf.voters).get(cfg.id)!;
    const batch = Math.max(1, cfg.maxEntriesPerMsg) * Math.max(1, cfg.maxInflight);
    this.maxOpen = Math.max(256, batch);
    this.window = 4 * this.maxOpen;

    this.log = new PaxosLog(r?.snapshot ?? null, r?.entries ?? []);
    this.promised = r?.hardState.term ?? 0;
    const snapIndex = r?.snapshot?.index ?? 0;
    this.learner = new Learner(this.log, Math.min(Math.max(r?.hardState.commit ?? 0, snapIndex), this.log.lastIndex()));
    this.applied = Math.max(cfg.applied ?? snapIndex, snapIndex);
    this.handedOut = this.applied;
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
      readReady: (r) => this.readStates.push(r),
      chosen: (s) => this.learner.markChosen(s),
    };
  }

  /** commit is the chosen prefix (kept by the learner). */
  private get commit(): number {
    return this.learner.commit;
  }

  // ---- ProtocolNode ----

  tick(): void {
    this.ticks++;
    switch (this.role) {
      case 'leader':
        if (this.lead && !this.lead.tick()) this.becomeFollower(null);
        return;
      case 'follower':
      case 'candidate':
        // A candidate that has not gathered a quorum by its (randomized) timeout retries
        // with a higher ballot; the randomness is what stops dueling proposers livelocking.
        if (++this.electionElapsed >= this.randomizedTimeout) this.campaign(false);
        return;
      default:
        assertNever(this.role, 'role');
    }
  }

  step(m: PaxosMessage): void {
    if (m.to !== this.id || m.from === this.id || !this.others.includes(m.from)) return;
    if (m.term > this.maxSeen) this.maxSeen = m.term;
    switch (m.type) {
      case 'prepare':
        return this.handlePrepare(m);
      case 'promise':
        return this.handlePromise(m);
      case 'accept':
        return this.handleAccept(m);
      case 'accepted':
        if (this.lead && m.term === this.lead.ballot) {
          this.lead.onAccepted(m);
          this.maybeAdvanceCommit();
        }
        return;
      case 'nack':
        return this.handleNack(m);
      case 'decide':
        return this.handleDecide(m);
      case 'heartbeat':
        return this.handleHeartbeat(m);
      case 'heartbeatAck':
        if (this.lead && m.term === this.lead.ballot) this.lead.onHeartbeatAck(m);
        return;
      case 'catchup':
        return this.handleCatchup(m);
      case 'snapshot':
        return this.handleSnapshot(m);
      case 'learned':
        if (this.lead && m.term === this.lead.ballot) this.lead.onLearned(m);
        return;
      case 'readIndex':
        return this.handleReadIndex(m);
      case 'readIndexResp':
        if (this.role === 'follower') this.readStates.push({ ctx: m.ctx, index: m.index });
        return;
      case 'timeoutNow':
        if (this.role !== 'leader' && m.term >= this.promised) this.campaign(true);
        return;
      default:
        assertNever(m, 'paxos message');
    }
  }

  propose(data: string): ProposeResult {
    if (this.role !== 'leader') return { ok: false, reason: 'not-leader', leader: this.leader };
    if (this.log.lastIndex() - this.commit >= this.maxOpen) {
      return { ok: false, reason: 'busy', leader: this.id };
    }
    const index = this.log.lastIndex() + 1;
    this.openSlot({ index, term: this.ballot, type: 'normal', data });
    return { ok: true, index, term: this.ballot };
  }

  /** proposeConfChange is refused: this Multi-Paxos runs a fixed membership ('busy' = not supported). */
  proposeConfChange(_cc: ConfChange): ProposeResult {
    return { ok: false, reason: 'busy', leader: this.leader };
  }

  readIndex(ctx: string): ReadResult {
    if (this.role === 'leader') {
      this.lead?.addRead(ctx, null);
      return { ok: true };
    }
    if (this.role === 'follower' && this.leader !== null) {
      this.send({ type: 'readIndex', from: this.id, to: this.leader, term: this.promised, ctx });
      return { ok: true };
    }
    return { ok: false, reason: 'not-leader', leader: this.leader };
  }

  transferLeadership(to: NodeId): boolean {
    if (this.role !== 'leader' || !this.others.includes(to)) return false;
    this.send({ type: 'timeoutNow', from: this.id, to, term: this.ballot });
    return true;
  }

  compact(index: number, data: string): void {
    if (index <= (this.log.snapshot?.index ?? 0) || index > this.handedOut || index > this.log.lastIndex()) return;
    this.log.compact({ index, term: this.log.termAt(index), conf: copyConf(this.conf), data });
  }

  hasReady(): boolean {
    return (
      this.hsDirty ||
      this.log.hasDirty() ||
      this.pendingSnapshot !== null ||
      this.msgs.length > 0 ||
      this.msgsAfter.length > 0 ||
      this.readStates.length > 0 ||
      this.commit > this.handedOut ||
      (this.lead !== null && this.lead.hasWork())
    );
  }

  ready(): Ready<PaxosMessage> {
    this.lead?.flush();
    const snapshot = this.pendingSnapshot;
    if (snapshot && snapshot.index > this.handedOut) this.handedOut = snapshot.index;
    const committed = this.commit > this.handedOut ? this.log.slice(this.handedOut + 1, this.commit + 1) : [];
    if (this.commit > this.handedOut) this.handedOut = this.commit;
    const rd: Ready<PaxosMessage> = {
      hardState: this.hsDirty ? { term: this.promised, vote: null, commit: this.commit } : null,
      entries: this.log.takeDirty(),
      snapshot,
      messages: this.msgs,
      messagesAfterPersist: this.msgsAfter,
      committed,
      reads: this.readStates,
    };
    this.hsDirty = false;
    this.pendingSnapshot = null;
    this.msgs = [];
    this.msgsAfter = [];
    this.readStates = [];
    return rd;
  }

  advance(rd: Ready<PaxosMessage>): void {
    if (rd.snapshot && rd.snapshot.index > this.applied) this.applied = rd.snapshot.index;
    const last = rd.committed[rd.committed.length - 1];
    if (last && last.index > this.applied) this.applied = last.index;
    // Our own promise and acceptances count only now that they are on disk.
    if (this.role === 'candidate' && this.phase1 && !this.selfPromised && rd.hardState?.term === this.ballot) {
      this.selfPromised = true;
      this.phase1.add(this.id, this.commit, this.log.slice(this.phase1From, this.log.lastIndex() + 1), null);
      this.maybeBecomeLeader();
    }
    if (this.lead) {
      for (const e of rd.entries) if (e.term === this.lead.ballot) this.lead.ack(e.index, this.id);
      this.maybeAdvanceCommit();
    }
  }

  status(): NodeStatus {
    const lastIndex = this.log.lastIndex();
    return {
      id: this.id,
      role: this.role,
      term: this.promised,
      vote: null,
      leader: this.leader,
      commitIndex: this.commit,
      lastIndex,
      lastTerm: this.log.termAt(lastIndex),
      firstIndex: this.log.firstIndex(),
      conf: copyConf(this.conf),
      progress: this.lead ? this.lead.progress() : null,
    };
  }

  entries(lo: number, hi: number): Entry[] {
    return this.log.slice(lo, hi);
  }

  messageKind(msg: PaxosMessage): MessageKind {
    return paxosMessageKind(msg);
  }

  // ---- roles ----

  private resetElectionTimeout(): void {
    this.electionElapsed = 0;
    const e = Math.max(1, this.cfg.electionTicks);
    this.randomizedTimeout = e + this.cfg.rng.int(0, e - 1);
  }

  private becomeFollower(leader: NodeId | null): void {
    this.role = 'follower';
    this.leader = leader;
    this.phase1 = null;
    this.lead = null;
    this.resetElectionTimeout();
  }

  /** campaign starts phase 1 under a ballot above every ballot seen, for all slots > commit. */
  private campaign(force: boolean): void {
    this.becomeFollower(null);
    this.role = 'candidate';
    this.ballot = nextBallot(Math.max(this.promised, this.maxSeen), this.num);
    this.maxSeen = this.ballot;
    this.promised = this.ballot;
    this.hsDirty = true;
    this.phase1 = new PromiseSet(this.ballot);
    this.phase1From = this.commit + 1;
    this.selfPromised = false;
    // Prepares leave only after our promise of this ballot is durable: a restarted node
    // must never reuse a ballot it may already have proposed values under.
    for (const to of this.others) {
      this.msgsAfter.push({ type: 'prepare', from: this.id, to, term: this.ballot, fromIndex: this.phase1From, force });
    }
  }

  private maybeBecomeLeader(): void {
    if (this.role === 'candidate' && this.phase1 && this.phase1.size() >= this.quorum) this.becomeLeader();
  }

  /** becomeLeader finishes phase 1: learn known-chosen slots, re-propose adopted values, fill holes with no-ops. */
  private becomeLeader(): void {
    const p = this.phase1!;
    this.phase1 = null;
    this.role = 'leader';
    this.leader = this.id;
    if (p.snapshot && p.snapshot.index > this.commit) this.installSnapshot(p.snapshot);
    const top = Math.max(p.maxSlot, this.log.lastIndex());
    this.lead = new LeaderRole(this.leaderHost, this.ballot);
    for (let s = this.commit + 1; s <= top; s++) {
      if (this.learner.isChosen(s)) continue;
      const k = p.slots.get(s);
      const cur = this.log.get(s);
      if (k?.chosen) {
        if (!cur || !sameValue(cur, k.entry)) this.log.set(k.entry);
        this.learner.markChosen(s);
        continue;
      }
      // P2c: the highest-ballot value among the promises, else a no-op for the hole.
      const v = k?.entry;
      this.openSlot({ index: s, term: this.ballot, type: v ? v.type : 'noop', data: v ? v.data : '' });
    }
    this.learner.noteDecide(this.ballot, this.commit);
    this.maybeAdvanceCommit();
    this.lead.broadcastHeartbeat();
  }

  private openSlot(e: Entry): void {
    this.log.set(e);
    this.lead?.open(e);
  }

  // ---- learner ----

  private maybeAdvanceCommit(): void {
    if (!this.learner.advance()) return;
    this.hsDirty = true;
    if (this.lead) this.lead.decidePending = true;
  }

  private installSnapshot(snap: Snapshot): void {
    this.learner.install(snap);
    this.pendingSnapshot = snap;
    this.hsDirty = true;
    this.maybeAdvanceCommit();
  }

  private send(m: PaxosMessage): void {
    this.msgs.push(m);
  }

  private nack(m: PaxosMessage): void {
    this.send({ type: 'nack', from: this.id, to: m.from, term: this.promised, ballot: m.term, commit: this.commit });
  }

  /** heardFromLeader notes a live leader of ballot b (>= our promise): follow it, reset the election timer. */
  private heardFromLeader(from: NodeId, b: number): void {
    if (this.role !== 'follower' && b > this.ballot) this.becomeFollower(from);
    // Following a leader is promising it: refuse lower ballots from now on (one durable
    // write per leader change), and show the same ballot as the rest of the cluster.
    if (b > this.promised) {
      this.promised = b;
      this.hsDirty = true;
    }
    this.leader = from;
    this.electionElapsed = 0;
  }

  // ---- handlers ----

  private handlePrepare(m: M.PrepareMsg): void {
    if (m.term < this.promised) return this.nack(m);
    // Leader lease (like Raft's check-quorum): while we hear from a live leader, a node that
    // was partitioned away cannot depose it by prepares with an inflated ballot.
    const inLease =
      this.role === 'leader' ||
      (this.role === 'follower' &&
        this.leader !== null &&
        this.leader !== m.from &&
        this.electionElapsed < this.cfg.electionTicks);
    if (this.cfg.checkQuorum && inLease && !m.force) return;
    if (m.term > this.promised) {
      if (this.role !== 'follower') this.becomeFollower(null);
      this.promised = m.term;
      this.hsDirty = true;
      this.leader = null;
      this.electionElapsed = 0;
    }
    const { entries, snapshot } = promiseBody(this.log, m.fromIndex);
    const body = { fromIndex: m.fromIndex, commit: this.commit, entries, snapshot };
    this.msgsAfter.push({ type: 'promise', from: this.id, to: m.from, term: m.term, ...body });
  }

  private handlePromise(m: M.PromiseMsg): void {
    if (this.role !== 'candidate' || !this.phase1 || m.term !== this.ballot) return;
    this.phase1.add(m.from, m.commit, m.entries, m.snapshot);
    this.maybeBecomeLeader();
  }

  private handleAccept(m: M.AcceptMsg): void {
    if (m.term < this.promised) return this.nack(m);
    if (m.term > this.promised) {
      this.promised = m.term;
      this.hsDirty = true;
    }
    this.heardFromLeader(m.from, m.term);
    this.learner.noteDecide(m.term, m.commit);
    const { lo, hi } = acceptRun(this.log, this.learner, m.entries, this.window);
    this.maybeAdvanceCommit();
    if (lo !== 0) {
      this.msgsAfter.push({ type: 'accepted', from: this.id, to: m.from, term: m.term, lo, hi, commit: this.commit });
    }
  }

  private handleNack(m: M.NackMsg): void {
    if (this.role === 'follower' || m.ballot !== this.ballot || m.term <= this.ballot) return;
    if (this.role === 'leader') {
      // Usually a node that was cut off and kept raising its ballot. Our followers still
      // hold us in their lease and will promise us a higher ballot, so run phase 1 again
      // rather than leave the cluster leaderless; a genuinely newer leader's followers
      // ignore that prepare and we fall back to following it.
      this.campaign(false);
      return;
    }
    // A candidate: a higher ballot holds the acceptors. Back off for a random timeout so
    // dueling proposers do not keep preempting each other.
    this.becomeFollower(null);
  }

  private handleDecide(m: M.DecideMsg): void {
    if (m.term >= this.promised) this.heardFromLeader(m.from, m.term);
    this.learner.noteDecide(m.term, m.commit);
    this.maybeAdvanceCommit();
  }

  private handleHeartbeat(m: M.HeartbeatMsg): void {
    if (m.term < this.promised) return this.nack(m);
    this.heardFromLeader(m.from, m.term);
    this.learner.noteDecide(m.term, m.commit);
    this.maybeAdvanceCommit();
    this.send({
      type: 'heartbeatAck',
      from: this.id,
      to: m.from,
      term: m.term,
      seq: m.seq,
      commit: this.commit,
      hbCommit: m.commit,
    });
  }

  private handleCatchup(m: M.CatchupMsg): void {
    if (m.term >= this.promised) this.heardFromLeader(m.from, m.term);
    this.learner.learn(m.entries, m.commit);
    this.maybeAdvanceCommit();
    this.msgsAfter.push({ type: 'learned', from: this.id, to: m.from, term: m.term, commit: this.commit });
  }

  private handleSnapshot(m: M.SnapshotMsg): void {
    if (m.term >= this.promised) this.heardFromLeader(m.from, m.term);
    if (m.snapshot.index > this.commit) this.installSnapshot(m.snapshot);
    this.msgsAfter.push({ type: 'learned', from: this.id, to: m.from, term: m.term, commit: this.commit });
  }

  private handleReadIndex(m: M.ReadIndexMsg): void {
    // A read forwarded by a follower; if we are not leader it is dropped and times out there.
    this.lead?.addRead(m.ctx, m.from);
  }
}
