/**
 * The distinguished proposer's state while it leads one ballot: open slots and who accepted
 * them (phase 2), what it knows of each acceptor, retransmission of unanswered accepts,
 * catch-up of lagging learners, and quorum-confirmed reads. Created when phase 1 succeeds,
 * dropped when a higher ballot takes over — or when a configuration is chosen: every slot
 * it proposes belongs to the configuration it was created in (the leader proposes nothing
 * past an unchosen configuration entry), so its members and voters are fixed.
 */
import {
  assertNever,
  type Entry,
  type FollowerProgress,
  type NodeId,
  type ProtocolConfig,
  type ReadState,
} from '../types';
import { campaign } from './candidate';
import type { PaxosLog } from './log';
import type { AcceptedMsg, HeartbeatAckMsg, LearnedMsg, NackMsg, PaxosMessage } from './messages';
import type { LeaderState, Paxos, ProposerMsg } from './paxos';
import { ReadQueue } from './reads';

/** LeaderHost is what the leader state needs from its PaxosNode. */
export interface LeaderHost {
  readonly id: NodeId;
  /** members: every other member, voter or learner (replicated to). */
  members(): NodeId[];
  /** voters: the voters of the configuration in force (self included if it is one). */
  voters(): NodeId[];
  readonly cfg: ProtocolConfig;
  readonly log: PaxosLog;
  commitIndex(): number;
  now(): number;
  send(m: PaxosMessage): void;
  /** readReady hands a confirmed read of the leader's own host to Ready.reads. */
  readReady(r: ReadState): void;
  /** chosen marks slot s chosen (a quorum accepted it under this ballot). */
  chosen(s: number): void;
}

/** Proposal is one open slot: who accepted it under this ballot. */
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
  /** catchupHi: how far the last catch-up (or snapshot) sent would bring the learner. */
  catchupHi: number;
  sentSnapshot: boolean;
}

/** LeaderRole is the proposer side of a leader of ballot `ballot`. */
export class LeaderRole {
  readonly ballot: number;
  private readonly h: LeaderHost;
  private readonly proposals = new Map<number, Proposal>();
  private readonly peers = new Map<NodeId, PeerState>();
  private unsentFrom = Infinity;
  /** decidePending: the chosen prefix grew since the last decide went out. */
  decidePending = false;
  readonly reads = new ReadQueue();
  private heartbeatElapsed = 0;
  private quorumElapsed = 0;
  /** others: whom it replicates to; voters / quorum: whose acceptances count, and how many make a majority. */
  private readonly others: readonly NodeId[];
  private readonly voters: ReadonlySet<NodeId>;
  private readonly quorum: number;
  /** lastActive: the voters (itself included, if it is one) heard from in the last check-quorum window (why a leader stepped down). */
  lastActive: NodeId[] = [];

  constructor(h: LeaderHost, ballot: number) {
    this.h = h;
    this.ballot = ballot;
    this.others = h.members();
    this.voters = new Set(h.voters());
    this.quorum = Math.floor(this.voters.size / 2) + 1;
    for (const id of this.others) {
      this.peers.set(id, {
        commit: 0,
        match: 0,
        active: true,
        ackedSeq: 0,
        catchupUntil: 0,
        catchupTarget: 0,
        catchupHi: 0,
        sentSnapshot: false,
      });
    }
  }

  /** open starts phase 2 for an entry already written to the log under this ballot. */
  open(e: Entry): void {
    this.proposals.set(e.index, { acks: new Set(), sentTick: this.h.now() });
    if (e.index < this.unsentFrom) this.unsentFrom = e.index;
  }

  /** ack records that `from` accepted slot s under this ballot; a quorum of voters makes it chosen. */
  ack(s: number, from: NodeId): void {
    const p = this.proposals.get(s);
    // A learner's acceptance is no vote.
    if (!p || !this.voters.has(from)) return;
    p.acks.add(from);
    if (p.acks.size >= this.quorum) {
      this.proposals.delete(s);
      this.h.chosen(s);
    }
  }

  /** hasWork tells whether flush() would send something. */
  hasWork(): boolean {
    return this.unsentFrom !== Infinity || this.decidePending || this.reads.due();
  }

  /** tick runs the leader's timers; it returns false when the leader must step down. */
  tick(): boolean {
    const cfg = this.h.cfg;
    if (++this.heartbeatElapsed >= Math.max(1, cfg.heartbeatTicks)) {
      this.heartbeatElapsed = 0;
      // Reads waiting behind a round in flight take this heartbeat as theirs (it leaves anyway);
      // with none in flight the next flush sends their round (and confirms it, for a lone voter).
      if (this.reads.roundPending && this.reads.inFlight()) this.reads.startRound();
      this.broadcastHeartbeat();
      this.retransmit();
    }
    if (cfg.checkQuorum && ++this.quorumElapsed >= cfg.electionTicks) {
      this.quorumElapsed = 0;
      // Only voters count: a learner's answers keep no leader in office.
      this.lastActive = this.voters.has(this.h.id) ? [this.h.id] : [];
      for (const [id, ps] of this.peers) {
        if (ps.active && this.voters.has(id)) this.lastActive.push(id);
        ps.active = false;
      }
      // A leader cut off from a quorum steps down, so clients stop waiting on it.
      if (this.lastActive.length < this.quorum) return false;
    }
    return true;
  }

  /** ticksToNext: tick() calls until the next heartbeat (with retransmits) or quorum check, at least 1. */
  ticksToNext(): number {
    const cfg = this.h.cfg;
    const beat = Math.max(1, cfg.heartbeatTicks) - this.heartbeatElapsed;
    const check = cfg.checkQuorum ? cfg.electionTicks - this.quorumElapsed : Infinity;
    return Math.max(1, Math.min(beat, check));
  }

  /** flush sends what was batched since the last Ready: new accepts, a read round, a decide. */
  flush(): void {
    const log = this.h.log;
    let carried = false;
    if (this.unsentFrom !== Infinity) {
      const slots: number[] = [];
      for (let s = this.unsentFrom; s <= log.lastIndex(); s++) if (this.proposals.has(s)) slots.push(s);
      this.unsentFrom = Infinity;
      for (const to of this.others) this.sendAccepts(to, slots);
      carried = slots.length > 0;
    }
    // At most one read round in flight: reads arriving meanwhile wait for the next (reads.ts).
    if (this.reads.due()) {
      this.reads.startRound();
      this.broadcastHeartbeat();
      this.confirmReads();
      carried = true;
    }
    // Accepts and heartbeats carry the commit already; a decide is only needed without them.
    if (this.decidePending && !carried) {
      const commit = this.h.commitIndex();
      for (const to of this.others) this.h.send({ type: 'decide', from: this.h.id, to, term: this.ballot, commit });
    }
    this.decidePending = false;
  }

  /** sendAccepts sends phase 2a for `slots` (increasing) to one acceptor, one message per contiguous run. */
  private sendAccepts(to: NodeId, slots: readonly number[]): void {
    const max = Math.max(1, this.h.cfg.maxEntriesPerMsg);
    const commit = this.h.commitIndex();
    let run: Entry[] = [];
    const emit = (): void => {
      if (run.length > 0) this.h.send({ type: 'accept', from: this.h.id, to, term: this.ballot, entries: run, commit });
      run = [];
    };
    for (const s of slots) {
      const e = this.h.log.get(s);
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
    const now = this.h.now();
    const limit = Math.max(1, this.h.cfg.maxEntriesPerMsg) * 4;
    const last = this.h.log.lastIndex();
    for (let s = this.h.commitIndex() + 1; s <= last && stale.length < limit; s++) {
      const p = this.proposals.get(s);
      if (p && now - p.sentTick >= 2 * Math.max(1, this.h.cfg.heartbeatTicks)) {
        stale.push(s);
        p.sentTick = now;
      }
    }
    if (stale.length === 0) return;
    for (const to of this.others)
      this.sendAccepts(
        to,
        stale.filter((s) => !this.proposals.get(s)!.acks.has(to)),
      );
  }

  broadcastHeartbeat(): void {
    const commit = this.h.commitIndex();
    for (const to of this.others) {
      this.h.send({ type: 'heartbeat', from: this.h.id, to, term: this.ballot, commit, seq: this.reads.seq });
    }
  }

  /** addRead registers a read at the last proposed slot (from = forwarding follower or null). */
  addRead(ctx: string, from: NodeId | null): void {
    const index = this.h.log.lastIndex();
    // The unsafe lease mode answers at once, trusting that no higher ballot can have taken
    // over yet: wrong once this leader's clock stalled (a pause) or drifted.
    if (this.h.cfg.leaseReads === true) this.answerRead(ctx, index, from);
    else this.reads.add(ctx, index, from);
  }

  private confirmReads(): void {
    const done = this.reads.confirm((seq) => {
      let n = this.voters.has(this.h.id) ? 1 : 0;
      for (const [id, ps] of this.peers) if (ps.ackedSeq >= seq && this.voters.has(id)) n++;
      return n >= this.quorum;
    });
    for (const r of done) this.answerRead(r.ctx, r.index, r.from);
  }

  /** answerRead hands a read its point: to the leader's own host, or back to the follower that forwarded it. */
  private answerRead(ctx: string, index: number, from: NodeId | null): void {
    if (from === null) this.h.readReady({ ctx, index });
    else this.h.send({ type: 'readIndexResp', from: this.h.id, to: from, term: this.ballot, ctx, index });
  }

  /** sendCatchup sends a lagging learner the next chosen entries it lacks (or the snapshot). */
  private sendCatchup(to: NodeId, ps: PeerState): void {
    const commit = this.h.commitIndex();
    const now = this.h.now();
    if (ps.commit >= commit || now < ps.catchupUntil) return;
    ps.catchupUntil = now + Math.max(1, this.h.cfg.electionTicks);
    ps.catchupTarget = commit;
    const next = ps.commit + 1;
    const log = this.h.log;
    if (next < log.firstIndex() && log.snapshot) {
      ps.sentSnapshot = true;
      ps.catchupHi = log.snapshot.index;
      this.h.send({ type: 'snapshot', from: this.h.id, to, term: this.ballot, snapshot: log.snapshot });
      return;
    }
    const hi = Math.min(commit, next + Math.max(1, this.h.cfg.maxEntriesPerMsg) - 1);
    ps.catchupHi = hi;
    this.h.send({ type: 'catchup', from: this.h.id, to, term: this.ballot, entries: log.slice(next, hi + 1), commit });
  }

  /** handleAccepted counts phase 2b answers of this ballot; a quorum makes a slot chosen. */
  handleAccepted(m: AcceptedMsg): void {
    const ps = this.peers.get(m.from);
    if (!ps) return;
    ps.active = true;
    if (m.commit > ps.commit) ps.commit = m.commit;
    const hi = Math.min(m.hi, this.h.log.lastIndex());
    for (let s = Math.max(m.lo, this.h.commitIndex() + 1); s <= hi; s++) this.ack(s, m.from);
    // The acceptor holds every slot up to its chosen prefix too: a run that starts right after
    // it extends what it holds (a new leader's peers start at match 0 and would stay there).
    const holds = Math.max(ps.match, Math.min(ps.commit, this.h.log.lastIndex()));
    if (m.lo <= holds + 1 && hi > holds) ps.match = hi;
    else if (holds > ps.match) ps.match = holds;
  }

  /**
   * noteCommit records a learner's commit: its latest word replaces what it said before.
   * A learner's commit can go back — a recovering one may have lost what it learned, and a
   * healthy one restarts from the commit it last saved, which may be below what a
   * heartbeat answer already reported — and a leader that kept the higher figure would
   * never send it the slots in between. An answer overtaken by a newer one only costs a
   * catch-up the learner does not need.
   */
  private noteCommit(ps: PeerState, m: HeartbeatAckMsg | LearnedMsg): void {
    ps.commit = m.commit;
    // Only a peer that could stand in a quorum now counts for CheckQuorum.
    if (m.recovering !== true) ps.active = true;
  }

  /** handleHeartbeatAck notes a live acceptor, confirms reads, and catches a lagging learner up. */
  handleHeartbeatAck(m: HeartbeatAckMsg): void {
    const ps = this.peers.get(m.from);
    if (!ps) return;
    this.noteCommit(ps, m);
    // Only a healthy acceptor's answer confirms leadership for a read.
    if (m.seq > ps.ackedSeq && m.recovering !== true) ps.ackedSeq = m.seq;
    this.confirmReads();
    // Still behind what the heartbeat announced: it lacks values it cannot learn by decide.
    if (m.commit < m.hbCommit) this.sendCatchup(m.from, ps);
  }

  /**
   * handleLearned notes how far a learner got from a catch-up, and sends it more if it is
   * still behind — only when this answer shows the last catch-up arrived. Any other answer
   * (a duplicate, a reordered one, one to an earlier catch-up) starts nothing: if each
   * answer sent a catch-up, every duplicated message would start one more endless
   * exchange, and they multiply until the network is flooded. A lost catch-up is sent
   * again when its timeout ends (catchupUntil).
   */
  handleLearned(m: LearnedMsg): void {
    const ps = this.peers.get(m.from);
    if (!ps) return;
    this.noteCommit(ps, m);
    if (m.commit > ps.match) ps.match = m.commit;
    if (m.commit < ps.catchupHi) return;
    ps.catchupUntil = 0;
    ps.sentSnapshot = false;
    if (ps.commit < ps.catchupTarget) this.sendCatchup(m.from, ps);
  }

  /** progress is the leader's view of every acceptor (for the inspector). */
  progress(): FollowerProgress[] {
    return [...this.peers].map(([id, ps]) => ({
      id,
      match: ps.match,
      next: ps.match + 1,
      state: ps.sentSnapshot ? 'snapshot' : 'replicate',
      inflight: 0,
      recentActive: ps.active,
    }));
  }
}

/** stepLeader handles what a leader acts on: phase 2 answers, heartbeat answers, catch-up progress, forwarded reads, refusals. */
export function stepLeader(p: Paxos, st: LeaderState, m: ProposerMsg): void {
  const lead = st.lead;
  switch (m.type) {
    case 'accepted':
      if (m.term !== lead.ballot) return;
      lead.handleAccepted(m);
      p.maybeAdvanceCommit();
      return;
    case 'heartbeatAck':
      if (m.term === lead.ballot) lead.handleHeartbeatAck(m);
      return;
    case 'learned':
      if (m.term === lead.ballot) lead.handleLearned(m);
      return;
    case 'readIndex':
      lead.addRead(m.ctx, m.from);
      return;
    case 'nack':
      return handleNack(p, lead, m);
    case 'promise':
    case 'readIndexResp':
    case 'timeoutNow':
      // Phase 1 is over, reads are answered here, and a leader needs no transfer to itself.
      return;
    default:
      assertNever(m, 'paxos message');
  }
}

/**
 * handleNack: an acceptor promised a higher ballot than ours. Usually a node that was cut
 * off and kept raising its ballot. Our followers still hold us in their lease and will
 * promise us a higher ballot, so run phase 1 again rather than leave the cluster
 * leaderless; a genuinely newer leader's followers ignore that prepare and we fall back to
 * following it.
 */
function handleNack(p: Paxos, lead: LeaderRole, m: NackMsg): void {
  if (m.ballot !== lead.ballot || m.term <= lead.ballot) return;
  p.why = { kind: 'nack', from: m.from, ballot: lead.ballot, promised: m.term };
  campaign(p, false);
}
