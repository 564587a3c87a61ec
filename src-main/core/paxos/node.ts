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
  Role,
  Snapshot,
} from '../types';
import { assertNever } from '../types';
import { nextBallot, nodeNumbers } from './ballot';
import { PaxosLog, sameValue } from './log';
import type * as M from './messages';
import { paxosMessageKind } from './messages';
import type { PaxosMessage } from './messages';
import { PromiseSet } from './phase1';
import { ReadQueue } from './reads';

type PaxosRole = 'follower' | 'candidate' | 'leader';

/** Proposal is one open slot of the leader: who accepted it under the leader's ballot. */
interface Proposal {
  acks: Set<NodeId>;
  sentTick: number;
}

/** PeerState is what the leader knows of one acceptor. */
interface PeerState {
  commit: number;
  match: number;
  active: boolean;
  ackedSeq: number;
  catchupUntil: number;
  catchupTarget: number;
  sentSnapshot: boolean;
}

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
  private commit: number;
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
  private heartbeatElapsed = 0;
  private quorumElapsed = 0;

  /** decideBallot/decideCommit: the newest leader's word that its slots <= commit are chosen. */
  private decideBallot = 0;
  private decideCommit = 0;
  /** chosenAhead: slots above commit known chosen (their log entry is the chosen value). */
  private readonly chosenAhead = new Set<number>();

  private phase1: PromiseSet | null = null;
  private phase1From = 0;
  private selfPromised = false;

  private readonly proposals = new Map<number, Proposal>();
  private readonly peerState = new Map<NodeId, PeerState>();
  private unsentFrom = Infinity;
  private decidePending = false;
  private readonly reads = new ReadQueue();

  private msgs: PaxosMessage[] = [];
  private msgsAfter: PaxosMessage[] = [];
  private readStates: ReadState[] = [];

  constructor(cfg: ProtocolConfig) {
    this.cfg = cfg;
    this.id = cfg.id;
    const r = cfg.restore;
    this.conf = r?.snapshot?.conf
      ? structuredClone(r.snapshot.conf)
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
    this.commit = Math.min(Math.max(r?.hardState.commit ?? 0, snapIndex), this.log.lastIndex());
    this.applied = Math.max(cfg.applied ?? snapIndex, snapIndex);
    this.handedOut = this.applied;
    this.maxSeen = this.promised;
    this.resetElectionTimeout();
  }

  // ---- ProtocolNode ----

  tick(): void {
    this.ticks++;
    switch (this.role) {
      case 'leader':
        this.tickLeader();
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
        return this.handleAccepted(m);
      case 'nack':
        return this.handleNack(m);
      case 'decide':
        return this.handleDecide(m);
      case 'heartbeat':
        return this.handleHeartbeat(m);
      case 'heartbeatAck':
        return this.handleHeartbeatAck(m);
      case 'catchup':
        return this.handleCatchup(m);
      case 'snapshot':
        return this.handleSnapshot(m);
      case 'learned':
        return this.handleLearned(m);
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
      this.reads.add(ctx, this.log.lastIndex(), null);
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
    this.log.compact({ index, term: this.log.termAt(index), conf: structuredClone(this.conf), data });
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
      (this.role === 'leader' && (this.unsentFrom !== Infinity || this.decidePending || this.reads.roundPending))
    );
  }

  ready(): Ready<PaxosMessage> {
    this.flush();
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
    if (this.role === 'leader') {
      for (const e of rd.entries) if (e.term === this.ballot) this.ack(e.index, this.id);
      this.maybeAdvanceCommit();
    }
  }

  status(): NodeStatus {
    const lastIndex = this.log.lastIndex();
    return {
      id: this.id,
      role: this.statusRole(),
      term: this.promised,
      vote: null,
      leader: this.leader,
      commitIndex: this.commit,
      lastIndex,
      lastTerm: this.log.termAt(lastIndex),
      firstIndex: this.log.firstIndex(),
      conf: structuredClone(this.conf),
      progress:
        this.role === 'leader'
          ? this.others.map((id) => {
              const ps = this.peer(id);
              return {
                id,
                match: ps.match,
                next: ps.match + 1,
                state: ps.sentSnapshot ? 'snapshot' : 'replicate',
                inflight: 0,
                recentActive: ps.active,
              };
            })
          : null,
    };
  }

  entries(lo: number, hi: number): Entry[] {
    return this.log.slice(lo, hi);
  }

  messageKind(msg: PaxosMessage): MessageKind {
    return paxosMessageKind(msg);
  }

  /** ballotNow is the proposer's own ballot (0 if it never campaigned since start). */
  ballotNow(): number {
    return this.ballot;
  }

  // ---- roles ----

  private statusRole(): Role {
    switch (this.role) {
      case 'leader':
        return 'leader';
      case 'candidate':
        return 'candidate';
      case 'follower':
        return 'follower';
      default:
        return assertNever(this.role, 'role');
    }
  }

  private resetElectionTimeout(): void {
    this.electionElapsed = 0;
    const e = Math.max(1, this.cfg.electionTicks);
    this.randomizedTimeout = e + this.cfg.rng.int(0, e - 1);
  }

  private becomeFollower(leader: NodeId | null): void {
    this.role = 'follower';
    this.leader = leader;
    this.phase1 = null;
    this.proposals.clear();
    this.reads.clear();
    this.unsentFrom = Infinity;
    this.decidePending = false;
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
    this.proposals.clear();
    for (let s = this.commit + 1; s <= top; s++) {
      if (this.chosenAhead.has(s)) continue;
      const k = p.slots.get(s);
      const cur = this.log.get(s);
      if (k?.chosen) {
        if (!cur || !sameValue(cur, k.entry)) this.log.set(k.entry);
        this.chosenAhead.add(s);
        continue;
      }
      // P2c: the highest-ballot value among the promises, else a no-op for the hole.
      const v = k?.entry;
      this.openSlot({ index: s, term: this.ballot, type: v ? v.type : 'noop', data: v ? v.data : '' });
    }
    this.decideBallot = this.ballot;
    this.decideCommit = this.commit;
    this.peerState.clear();
    this.heartbeatElapsed = 0;
    this.quorumElapsed = 0;
    this.maybeAdvanceCommit();
    this.broadcastHeartbeat();
  }

  private openSlot(e: Entry): void {
    this.log.set(e);
    this.proposals.set(e.index, { acks: new Set(), sentTick: this.ticks });
    if (e.index < this.unsentFrom) this.unsentFrom = e.index;
  }

  // ---- leader ----

  private tickLeader(): void {
    if (++this.heartbeatElapsed >= Math.max(1, this.cfg.heartbeatTicks)) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
      this.retransmit();
    }
    if (this.cfg.checkQuorum && ++this.quorumElapsed >= this.cfg.electionTicks) {
      this.quorumElapsed = 0;
      let active = 1;
      for (const id of this.others) {
        const ps = this.peer(id);
        if (ps.active) active++;
        ps.active = false;
      }
      // A leader cut off from a quorum steps down, so clients stop waiting on it.
      if (active < this.quorum) this.becomeFollower(null);
    }
  }

  private peer(id: NodeId): PeerState {
    let ps = this.peerState.get(id);
    if (!ps) {
      ps = { commit: 0, match: 0, active: true, ackedSeq: 0, catchupUntil: 0, catchupTarget: 0, sentSnapshot: false };
      this.peerState.set(id, ps);
    }
    return ps;
  }

  /** flush sends what the leader batched since the last Ready: new accepts, a read round, a decide. */
  private flush(): void {
    if (this.role !== 'leader') return;
    let carried = false;
    if (this.unsentFrom !== Infinity) {
      const slots: number[] = [];
      for (let s = this.unsentFrom; s <= this.log.lastIndex(); s++) if (this.proposals.has(s)) slots.push(s);
      this.unsentFrom = Infinity;
      for (const to of this.others) this.sendAccepts(to, slots);
      carried = slots.length > 0;
    }
    if (this.reads.roundPending) {
      this.reads.startRound();
      this.broadcastHeartbeat();
      this.confirmReads();
      carried = true;
    }
    if (this.decidePending && !carried) {
      for (const to of this.others) this.send({ type: 'decide', from: this.id, to, term: this.ballot, commit: this.commit });
    }
    this.decidePending = false;
  }

  /** sendAccepts sends phase 2a for `slots` (increasing) to one acceptor, one message per contiguous run. */
  private sendAccepts(to: NodeId, slots: readonly number[]): void {
    const max = Math.max(1, this.cfg.maxEntriesPerMsg);
    let run: Entry[] = [];
    const emit = (): void => {
      if (run.length > 0) this.send({ type: 'accept', from: this.id, to, term: this.ballot, entries: run, commit: this.commit });
      run = [];
    };
    for (const s of slots) {
      const e = this.log.get(s);
      if (!e) continue;
      const prev = run[run.length - 1];
      if ((prev && prev.index + 1 !== s) || run.length >= max) emit();
      run.push(e);
    }
    emit();
  }

  /** retransmit re-sends accepts for open slots that some acceptor has not answered for a while. */
  private retransmit(): void {
    const stale: number[] = [];
    const limit = Math.max(1, this.cfg.maxEntriesPerMsg) * 4;
    for (let s = this.commit + 1; s <= this.log.lastIndex() && stale.length < limit; s++) {
      const p = this.proposals.get(s);
      if (p && this.ticks - p.sentTick >= 2 * Math.max(1, this.cfg.heartbeatTicks)) {
        stale.push(s);
        p.sentTick = this.ticks;
      }
    }
    if (stale.length === 0) return;
    for (const to of this.others) {
      this.sendAccepts(to, stale.filter((s) => !this.proposals.get(s)!.acks.has(to)));
    }
  }

  private broadcastHeartbeat(): void {
    for (const to of this.others) {
      this.send({ type: 'heartbeat', from: this.id, to, term: this.ballot, commit: this.commit, seq: this.reads.seq });
    }
  }

  /** ack records that `from` accepted slot s under our ballot; a quorum makes it chosen. */
  private ack(s: number, from: NodeId): void {
    const p = this.proposals.get(s);
    if (!p) return;
    p.acks.add(from);
    if (p.acks.size >= this.quorum) {
      this.proposals.delete(s);
      this.chosenAhead.add(s);
    }
  }

  private confirmReads(): void {
    const done = this.reads.confirm((seq) => {
      let n = 1;
      for (const id of this.others) if (this.peer(id).ackedSeq >= seq) n++;
      return n >= this.quorum;
    });
    for (const r of done) {
      if (r.from === null) this.readStates.push({ ctx: r.ctx, index: r.index });
      else this.send({ type: 'readIndexResp', from: this.id, to: r.from, term: this.ballot, ctx: r.ctx, index: r.index });
    }
  }

  /** sendCatchup sends a lagging learner the next chosen entries it lacks (or the snapshot). */
  private sendCatchup(to: NodeId, ps: PeerState): void {
    if (ps.commit >= this.commit || this.ticks < ps.catchupUntil) return;
    ps.catchupUntil = this.ticks + Math.max(1, this.cfg.electionTicks);
    ps.catchupTarget = this.commit;
    const next = ps.commit + 1;
    if (next < this.log.firstIndex() && this.log.snapshot) {
      ps.sentSnapshot = true;
      this.send({ type: 'snapshot', from: this.id, to, term: this.ballot, snapshot: this.log.snapshot });
      return;
    }
    const hi = Math.min(this.commit, next + Math.max(1, this.cfg.maxEntriesPerMsg) - 1);
    this.send({ type: 'catchup', from: this.id, to, term: this.ballot, entries: this.log.slice(next, hi + 1), commit: this.commit });
  }

  // ---- learner ----

  private noteDecide(ballot: number, commit: number): void {
    if (ballot > this.decideBallot) {
      this.decideBallot = ballot;
      this.decideCommit = commit;
    } else if (ballot === this.decideBallot && commit > this.decideCommit) {
      this.decideCommit = commit;
    }
  }

  /**
   * maybeAdvanceCommit extends the chosen prefix. A slot is known chosen if it was marked so,
   * or if the leader of ballot b says it is chosen and our entry was accepted under b: one
   * ballot proposes one value per slot, so that entry is the chosen value.
   */
  private maybeAdvanceCommit(): void {
    const before = this.commit;
    for (;;) {
      const s = this.commit + 1;
      if (this.chosenAhead.delete(s)) {
        this.commit = s;
        continue;
      }
      if (this.decideBallot !== 0 && s <= this.decideCommit && this.log.get(s)?.term === this.decideBallot) {
        this.commit = s;
        continue;
      }
      break;
    }
    if (this.commit > before) {
      this.hsDirty = true;
      if (this.role === 'leader') this.decidePending = true;
    }
  }

  private installSnapshot(snap: Snapshot): void {
    this.log.install(snap);
    this.commit = snap.index;
    this.pendingSnapshot = snap;
    this.hsDirty = true;
    for (const s of this.chosenAhead) if (s <= snap.index) this.chosenAhead.delete(s);
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
      (this.role === 'follower' && this.leader !== null && this.leader !== m.from && this.electionElapsed < this.cfg.electionTicks);
    if (this.cfg.checkQuorum && inLease && !m.force) return;
    if (m.term > this.promised) {
      if (this.role !== 'follower') this.becomeFollower(null);
      this.promised = m.term;
      this.hsDirty = true;
      this.leader = null;
      this.electionElapsed = 0;
    }
    const from = Math.max(m.fromIndex, this.log.firstIndex());
    const entries = this.log.slice(from, this.log.lastIndex() + 1).filter((e) => e.term !== 0);
    const snap = this.log.snapshot && this.log.snapshot.index >= m.fromIndex ? this.log.snapshot : null;
    this.msgsAfter.push({
      type: 'promise',
      from: this.id,
      to: m.from,
      term: m.term,
      fromIndex: m.fromIndex,
      commit: this.commit,
      entries,
      snapshot: snap,
    });
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
    this.noteDecide(m.term, m.commit);
    const first = m.entries[0];
    let lo = 0;
    let hi = 0;
    if (first && first.index <= this.log.lastIndex() + 1 + this.window) {
      for (const e of m.entries) {
        if (e.index < this.log.firstIndex()) {
          if (lo === 0) continue;
          break;
        }
        const cur = this.log.get(e.index);
        if (e.index <= this.commit || this.chosenAhead.has(e.index)) {
          // Already chosen here: acknowledge only the same value (a stale leader's other
          // value must not be counted as accepted by us).
          if (!cur || !sameValue(cur, e)) break;
        } else if (!cur || cur.term !== e.term || !sameValue(cur, e)) {
          this.log.set(e);
        }
        if (lo === 0) lo = e.index;
        hi = e.index;
      }
    }
    this.maybeAdvanceCommit();
    if (lo !== 0) {
      this.msgsAfter.push({ type: 'accepted', from: this.id, to: m.from, term: m.term, lo, hi, commit: this.commit });
    }
  }

  private handleAccepted(m: M.AcceptedMsg): void {
    if (this.role !== 'leader' || m.term !== this.ballot) return;
    const ps = this.peer(m.from);
    ps.active = true;
    if (m.commit > ps.commit) ps.commit = m.commit;
    const hi = Math.min(m.hi, this.log.lastIndex());
    for (let s = Math.max(m.lo, this.commit + 1); s <= hi; s++) this.ack(s, m.from);
    if (m.lo <= ps.match + 1 && hi > ps.match) ps.match = hi;
    this.maybeAdvanceCommit();
  }

  private handleNack(m: M.NackMsg): void {
    // A higher ballot holds the acceptors: stop proposing and back off for a random timeout.
    if (this.role !== 'follower' && m.ballot === this.ballot && m.term > this.ballot) this.becomeFollower(null);
  }

  private handleDecide(m: M.DecideMsg): void {
    if (m.term >= this.promised) this.heardFromLeader(m.from, m.term);
    this.noteDecide(m.term, m.commit);
    this.maybeAdvanceCommit();
  }

  private handleHeartbeat(m: M.HeartbeatMsg): void {
    if (m.term < this.promised) return this.nack(m);
    this.heardFromLeader(m.from, m.term);
    this.noteDecide(m.term, m.commit);
    this.maybeAdvanceCommit();
    this.send({ type: 'heartbeatAck', from: this.id, to: m.from, term: m.term, seq: m.seq, commit: this.commit, hbCommit: m.commit });
  }

  private handleHeartbeatAck(m: M.HeartbeatAckMsg): void {
    if (this.role !== 'leader' || m.term !== this.ballot) return;
    const ps = this.peer(m.from);
    ps.active = true;
    if (m.commit > ps.commit) ps.commit = m.commit;
    if (m.seq > ps.ackedSeq) ps.ackedSeq = m.seq;
    this.confirmReads();
    // Still behind what the heartbeat announced: it lacks values it cannot learn by decide.
    if (m.commit < m.hbCommit) this.sendCatchup(m.from, ps);
  }

  private handleCatchup(m: M.CatchupMsg): void {
    if (m.term >= this.promised) this.heardFromLeader(m.from, m.term);
    for (const e of m.entries) {
      if (e.index <= this.commit || e.index < this.log.firstIndex() || e.index > m.commit) continue;
      const cur = this.log.get(e.index);
      if (!cur || !sameValue(cur, e)) this.log.set(e);
      this.chosenAhead.add(e.index);
    }
    this.maybeAdvanceCommit();
    this.msgsAfter.push({ type: 'learned', from: this.id, to: m.from, term: m.term, commit: this.commit });
  }

  private handleSnapshot(m: M.SnapshotMsg): void {
    if (m.term >= this.promised) this.heardFromLeader(m.from, m.term);
    if (m.snapshot.index > this.commit) this.installSnapshot(m.snapshot);
    this.msgsAfter.push({ type: 'learned', from: this.id, to: m.from, term: m.term, commit: this.commit });
  }

  private handleLearned(m: M.LearnedMsg): void {
    if (this.role !== 'leader' || m.term !== this.ballot) return;
    const ps = this.peer(m.from);
    ps.active = true;
    if (m.commit > ps.commit) ps.commit = m.commit;
    if (m.commit > ps.match) ps.match = m.commit;
    ps.catchupUntil = 0;
    ps.sentSnapshot = false;
    if (ps.commit < ps.catchupTarget) this.sendCatchup(m.from, ps);
  }

  private handleReadIndex(m: M.ReadIndexMsg): void {
    // A read forwarded by a follower; if we are not leader it is dropped and times out there.
    if (this.role === 'leader') this.reads.add(m.ctx, this.log.lastIndex(), m.from);
  }
}
