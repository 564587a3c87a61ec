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
 *
 * This file is the ProtocolNode face (the API the host, simulator and UI use, and the
 * Ready/advance hand-off); the protocol itself is paxos.ts and its role handlers.
 */
import type {
  ConfChange,
  Entry,
  MessageKind,
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
import { checkConfChange } from '../raft/conf';
import type { CoreNote } from '../notes';
import { copyConf, sameConf } from '../types';
import { paxosMessageKind, type PaxosMessage } from './messages';
import { handlePeerClosed } from './candidate';
import { Paxos } from './paxos';
import { ReadForward } from '../read-forward';

/** PaxosNode is one Multi-Paxos member (acceptor + learner + possible leader). */
export class PaxosNode implements ProtocolNode<PaxosMessage> {
  readonly id: NodeId;
  private readonly p: Paxos;
  /** handedOut: highest slot given to the host to apply (committed or snapshot). */
  private handedOut: number;

  /** fwd: a follower's reads, forwarded to the leader a batch per request (core/read-forward.ts). */
  private readonly fwd: ReadForward;

  constructor(cfg: ProtocolConfig) {
    this.id = cfg.id;
    this.p = new Paxos(cfg);
    this.fwd = new ReadForward(Math.max(1, cfg.heartbeatTicks));
    const snapIndex = cfg.restore?.snapshot?.index ?? 0;
    this.handedOut = Math.max(cfg.applied ?? snapIndex, snapIndex);
  }

  tick(): void {
    this.p.tick();
    this.fwd.tick();
  }

  /**
   * ticksToNextEvent is how many tick() calls from now this node acts on its own (Paxos.tick):
   * a leader's heartbeat or quorum check, anyone else's election timeout or early campaign,
   * a pending reconfiguration at once. A non-voter never campaigns: its lease clock matters
   * only when a message arrives, and the host replays the ticks then.
   */
  ticksToNextEvent(): number {
    const p = this.p;
    if (p.reconfigured) return 1;
    if (p.state.role === 'leader') return p.state.lead.ticksToNext();
    if (!p.isVoter()) return Number.MAX_SAFE_INTEGER;
    return Math.max(1, Math.min(p.early.ticksLeft(), p.randomizedTimeout - p.electionElapsed));
  }

  step(m: PaxosMessage): void {
    this.p.step(m);
  }

  /** peerClosed: the connection to `peer` closed; a follower of it campaigns early (core/peer-closed.ts). */
  peerClosed(peer: NodeId): void {
    handlePeerClosed(this.p, peer);
  }

  propose(data: string): ProposeResult {
    return this.openOnLeader('normal', data);
  }

  /**
   * proposeConfChange proposes one membership change (add a learner, promote it, remove a
   * member) at the next slot. One at a time: refused ('busy') while an earlier change is
   * unchosen, and nothing else is proposed until this one is chosen (see README.md).
   */
  proposeConfChange(cc: ConfChange): ProposeResult {
    const st = this.p.state;
    if (st.role !== 'leader') return { ok: false, reason: 'not-leader', leader: this.p.leader };
    if (this.checkConfChange(cc) !== null) return { ok: false, reason: 'busy', leader: this.id };
    const r = this.openOnLeader('config', JSON.stringify({ type: cc.type, node: cc.node }));
    if (r.ok) this.p.pendingConf = r.index;
    return r;
  }

  /** checkConfChange says why cc cannot be applied to the configuration in force, or null if it can. */
  checkConfChange(cc: ConfChange): string | null {
    return checkConfChange(this.p.conf, cc);
  }

  /** openOnLeader opens the next slot for a command or a configuration change. */
  private openOnLeader(type: 'normal' | 'config', data: string): ProposeResult {
    const p = this.p;
    const st = p.state;
    if (st.role !== 'leader') return { ok: false, reason: 'not-leader', leader: p.leader };
    // Nothing past an unchosen configuration: the slots after it may belong to another one.
    const waiting = p.pendingConf !== 0 || p.reconfigured;
    if (waiting || p.log.lastIndex() - p.commit >= p.maxOpen) return { ok: false, reason: 'busy', leader: this.id };
    const index = p.log.lastIndex() + 1;
    p.openSlot(st.lead, { index, term: st.lead.ballot, type, data });
    return { ok: true, index, term: st.lead.ballot };
  }

  readIndex(ctx: string): ReadResult {
    const p = this.p;
    const st = p.state;
    if (st.role === 'leader') {
      st.lead.addRead(ctx, null);
      return { ok: true };
    }
    if (st.role === 'follower' && p.leader !== null) {
      // Forwarded with the other reads of this Ready, in one request (flushForward).
      this.fwd.add(ctx);
      return { ok: true };
    }
    return { ok: false, reason: 'not-leader', leader: p.leader };
  }

  transferLeadership(to: NodeId): boolean {
    const p = this.p;
    const st = p.state;
    if (st.role !== 'leader' || to === this.id || !p.confs.isVoter(to)) return false;
    p.send({ type: 'timeoutNow', from: this.id, to, term: st.lead.ballot });
    return true;
  }

  compact(index: number, data: string): void {
    const log = this.p.log;
    if (index <= (log.snapshot?.index ?? 0) || index > this.handedOut || index > log.lastIndex()) return;
    // The membership as of `index`: a configuration chosen after it must not ride in the snapshot.
    log.compact({ index, term: log.termAt(index), conf: this.p.confs.confAt(index), data });
    this.p.confs.compactTo(index);
  }

  /** snapshot is the snapshot the log keeps after compact() (with the membership as of its slot). */
  snapshot(): Snapshot | null {
    return this.p.log.snapshot;
  }

  hasReady(): boolean {
    const p = this.p;
    return (
      p.hsDirty ||
      p.log.hasDirty() ||
      p.pendingSnapshot !== null ||
      p.msgs.length > 0 ||
      p.msgsAfterPersist.length > 0 ||
      p.reads.length > 0 ||
      (p.state.role === 'follower' && this.fwd.due(p.promised, p.leader)) ||
      p.commit > this.handedOut ||
      (p.state.role === 'leader' && p.state.lead.hasWork())
    );
  }

  ready(): Ready<PaxosMessage> {
    const p = this.p;
    if (p.state.role === 'leader') p.state.lead.flush();
    else this.flushForward();
    const snapshot = p.pendingSnapshot;
    if (snapshot && snapshot.index > this.handedOut) this.handedOut = snapshot.index;
    const committed = p.commit > this.handedOut ? p.log.slice(this.handedOut + 1, p.commit + 1) : [];
    if (p.commit > this.handedOut) this.handedOut = p.commit;
    const rd: Ready<PaxosMessage> = {
      hardState: p.hsDirty ? { term: p.promised, vote: null, commit: p.commit } : null,
      entries: p.log.takeDirty(),
      snapshot,
      messages: p.msgs,
      messagesAfterPersist: p.msgsAfterPersist,
      committed,
      reads: p.reads.length > 0 ? this.fwd.expand(p.reads) : p.reads,
    };
    p.hsDirty = false;
    p.pendingSnapshot = null;
    p.msgs = [];
    p.msgsAfterPersist = [];
    p.reads = [];
    return rd;
  }

  /** flushForward sends the leader one request for the reads waiting, if one is due; a node not following drops them (the host fails them). */
  private flushForward(): void {
    const p = this.p;
    if (p.state.role !== 'follower') {
      this.fwd.dropWaiting();
      return;
    }
    if (p.leader === null || !this.fwd.due(p.promised, p.leader)) return;
    const ctx = this.fwd.take(p.promised, p.leader);
    p.send({ type: 'readIndex', from: this.id, to: p.leader, term: p.promised, ctx });
  }

  advance(rd: Ready<PaxosMessage>): void {
    this.p.onPersisted(rd);
  }

  status(withProgress = true): NodeStatus {
    const p = this.p;
    const st = p.state;
    const lastIndex = p.log.lastIndex();
    const role = this.shownRole();
    return {
      id: this.id,
      role,
      term: p.promised,
      vote: null,
      leader: p.leader,
      commitIndex: p.commit,
      lastIndex,
      lastTerm: p.log.termAt(lastIndex),
      firstIndex: p.log.firstIndex(),
      conf: copyConf(p.conf),
      progress: withProgress && st.role === 'leader' ? st.lead.progress() : null,
    };
  }

  /** sameStatus: status() would show what `s` shows in every field but progress (ProtocolNode.sameStatus). */
  sameStatus(s: NodeStatus): boolean {
    const p = this.p;
    const lastIndex = p.log.lastIndex();
    return (
      s.role === this.shownRole() &&
      s.term === p.promised &&
      s.vote === null &&
      s.leader === p.leader &&
      s.commitIndex === p.commit &&
      s.lastIndex === lastIndex &&
      s.lastTerm === p.log.termAt(lastIndex) &&
      s.firstIndex === p.log.firstIndex() &&
      sameConf(s.conf, p.conf)
    );
  }

  /** shownRole: a member without a vote is shown as a learner, as Raft shows its learners. */
  private shownRole(): Role {
    const role = this.p.state.role;
    return role === 'follower' && this.p.conf.learners.includes(this.id) ? 'learner' : role;
  }

  entries(lo: number, hi: number): Entry[] {
    return this.p.log.slice(lo, hi);
  }

  messageKind(msg: PaxosMessage): MessageKind {
    return paxosMessageKind(msg);
  }

  /** endRecovery: the host's recovery rules (core/recovery) say the node has caught up; it may promise, accept and lead again. */
  endRecovery(): void {
    this.p.recovering = false;
  }

  /** takeNotes drains why roles changed and prepares were answered since the last call (core/notes.ts). */
  takeNotes(): CoreNote[] {
    return this.p.notes.take();
  }
}
