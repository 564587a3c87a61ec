/**
 * Requests turns client frames into proposals and ReadIndex reads, and answers each one
 * exactly once with the outcome a checker can trust: ok only for something applied,
 * fail only for something that certainly did not take effect, unknown otherwise.
 */
import { encodeCommand } from '../core/kv/codec';
import type { KvCommand, KvResult } from '../core/kv/types';
import type { ReplicatedKv } from '../core/shard/machine';
import type { Entry, NodeStatus, ProtocolNode, ReadState } from '../core/types';
import type { ClientOutcome, ClientRequestFrame, ClientResponseFrame } from './contract';

type Reply = (res: ClientResponseFrame) => void;

/**
 * RequestTimers is how Requests waits and what clock it stamps commands with: the node
 * process uses the real ones (the default), the simulator its virtual clock, so the same
 * request rules run in both.
 */
export interface RequestTimers {
  /** set runs fn after ms and returns a handle for clear. */
  set(fn: () => void, ms: number): unknown;
  clear(handle: unknown): void;
  /** now is the wall clock in ms carried by each command (the state machine's lock clock). */
  now(): number;
}

/** REAL_TIMERS are the node process's: setTimeout and Date.now. */
export const REAL_TIMERS: RequestTimers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (h) => clearTimeout(h as NodeJS.Timeout),
  now: () => Date.now(),
};

interface PendingProposal {
  reqId: number;
  data: string;
  reply: Reply;
  timer: unknown;
}

interface PendingRead {
  reqId: number;
  key: string;
  reply: Reply;
  timer: unknown;
  /** index: the read point, once the core has confirmed it. */
  index: number | null;
  /** term, leader: the node's term and the leader it asked (itself, if leading) when the read began. */
  term: number;
  leader: string | null;
}

/** RequestsDeps is what the handler needs from its node. */
export interface RequestsDeps {
  id: string;
  /**
   * bootId is unique to this process (a per-boot nonce): every read context carries it, so
   * a read point meant for an earlier process of this node — still in flight when it
   * restarted — can never answer a read of this one (ReadIndex, dissertation §6.4).
   */
  bootId: string;
  core: ProtocolNode;
  kv: ReplicatedKv;
  recovering(): boolean;
  /** localReads: the unsafe reads=local mode — answer a get from this node's own state at once, whatever its role. */
  localReads?: boolean;
  /** kick runs the Ready loop soon (after a propose or readIndex). */
  kick(): void;
  /** timers: the clock and timers to use (default REAL_TIMERS). */
  timers?: RequestTimers;
  /**
   * proposed: the command `cmd` entered the log at `index` as `data` (its encoding). The
   * simulator's decode cache takes it, so its replicas need not parse what this node has
   * just encoded; a real node passes nothing, and every node still decodes what it applies.
   */
  proposed?(index: number, data: string, cmd: KvCommand): void;
}

/** Requests tracks in-flight client requests of one node. */
export class Requests {
  private readonly proposals = new Map<number, PendingProposal>();
  private readonly reads = new Map<string, PendingRead>();
  private readSeq = 0;
  private readonly timers: RequestTimers;
  /** leaderTerm: the term this node led in at the last observe (null: not leading). */
  private leaderTerm: number | null = null;

  constructor(private readonly d: RequestsDeps) {
    this.timers = d.timers ?? REAL_TIMERS;
  }

  /** handle starts one validated request. */
  handle(req: ClientRequestFrame, reply: Reply): void {
    const answer = (
      outcome: ClientOutcome,
      result: KvResult | null,
      error: string | undefined,
      leader: string | null,
    ): void => reply(this.frame(req.id, outcome, result, error, leader));
    // Data restored from a damaged file cannot be vouched for until the node has caught up.
    if (this.d.recovering()) return answer('fail', null, 'recovering', this.status().leader);
    if (req.op.op === 'get') {
      const st = this.status();
      // Unsafe local read: no ReadIndex, no leader — whatever this node has applied, stale or not.
      if (this.d.localReads) return answer('ok', { ok: true, value: this.d.kv.get(req.op.key) }, undefined, st.leader);
      if (st.role !== 'leader' && !req.allowFollowerRead) return answer('fail', null, 'not-leader', st.leader);
      const ctx = `${this.d.id}:${this.d.bootId}:${++this.readSeq}`;
      const r = this.d.core.readIndex(ctx);
      if (!r.ok) return answer('fail', null, 'not-leader', r.leader);
      const timer = this.timers.set(() => {
        if (this.reads.delete(ctx)) answer('fail', null, 'timeout', this.status().leader);
      }, req.timeoutMs);
      this.reads.set(ctx, {
        reqId: req.id,
        key: req.op.key,
        reply,
        timer,
        index: null,
        term: st.term,
        leader: st.leader,
      });
      this.d.kick();
      return;
    }
    // No status() here: propose refuses a node that does not lead ('not-leader', with the
    // leader it knows, as status() would say). A leader's status is rebuilt whenever its log
    // grew, so building it per request cost a rebuild per put (~2 µs on a leader of three).
    const cmd: KvCommand = { client: req.client, seq: req.seq, now: this.timers.now(), cmd: req.op };
    const data = encodeCommand(cmd);
    const r = this.d.core.propose(data);
    if (!r.ok) return answer('fail', null, r.reason, r.leader);
    this.d.proposed?.(r.index, data, cmd);
    // The command is in the leader's log now: from here on only 'ok' or 'unknown'.
    const timer = this.timers.set(() => {
      const p = this.proposals.get(r.index);
      if (p && p.data === data) {
        this.proposals.delete(r.index);
        answer('unknown', null, 'timeout', this.status().leader);
      }
    }, req.timeoutMs);
    this.proposals.set(r.index, { reqId: req.id, data, reply, timer });
    this.d.kick();
  }

  /** invalid answers a well-framed request whose fields are wrong. */
  invalid(reqId: number, reason: string): ClientResponseFrame {
    return this.frame(reqId, 'fail', null, `bad-request: ${reason}`, this.status().leader);
  }

  /** applied answers the proposal waiting on this committed entry (if it is ours). */
  applied(e: Entry, result: KvResult | null): void {
    const p = this.proposals.get(e.index);
    if (!p) return;
    this.proposals.delete(e.index);
    this.timers.clear(p.timer);
    const leader = this.status().leader;
    if (e.data !== p.data) {
      // Another command was chosen for this slot, and a command is proposed only once.
      p.reply(this.frame(p.reqId, 'fail', null, 'superseded', leader));
    } else if (result === null) {
      p.reply(this.frame(p.reqId, 'unknown', null, 'not-applied', leader));
    } else if (result.error === 'stale-seq' || result.error === 'session-expired') {
      // This copy was refused, but an earlier copy of the command may have applied: a
      // checker must not be told it certainly did not.
      p.reply(this.frame(p.reqId, 'unknown', result, result.error, leader));
    } else if (result.ok) {
      p.reply(this.frame(p.reqId, 'ok', result, undefined, leader));
    } else {
      // The command was applied and refused (cas-mismatch, lock-held, ...): it certainly had no effect.
      p.reply(this.frame(p.reqId, 'fail', result, result.error ?? 'refused', leader));
    }
  }

  /** readState records a confirmed read point. */
  readState(r: ReadState): void {
    const p = this.reads.get(r.ctx);
    if (p) p.index = r.index;
  }

  /** serveReads answers every read whose point the state machine has reached. */
  serveReads(): void {
    if (this.reads.size === 0) return;
    const applied = this.d.kv.appliedIndex;
    for (const [ctx, p] of this.reads) {
      if (p.index === null || p.index > applied) continue;
      this.reads.delete(ctx);
      this.timers.clear(p.timer);
      // A sharded group serves only the shards it owns at the read point (wrong-group otherwise).
      const refused = this.d.kv.readError?.(p.key) ?? null;
      if (refused !== null) {
        p.reply(this.frame(p.reqId, 'fail', { ok: false, error: 'wrong-group' }, refused, this.status().leader));
        continue;
      }
      const value = this.d.kv.get(p.key);
      p.reply(this.frame(p.reqId, 'ok', { ok: true, value }, undefined, this.status().leader));
    }
  }

  /** observe takes the node's status after each Ready: what a lost leadership or a new election leaves waiting is answered. */
  observe(st: NodeStatus): void {
    // Leadership lost (or a new term): proposals may still commit under another leader.
    if (this.leaderTerm !== null && (st.role !== 'leader' || st.term !== this.leaderTerm)) this.leadershipLost();
    else if (st.role !== 'leader') this.dropUnconfirmedReads(st);
    this.leaderTerm = st.role === 'leader' ? st.term : null;
  }

  /**
   * dropUnconfirmedReads fails a follower's reads that no leader has confirmed yet once the
   * node stands for election: the answer may never come (a Multi-Paxos candidate ignores it),
   * and the node will not serve them as a candidate anyway. So too once the node's term or
   * leader moved on: the leader a read was forwarded to dropped its pending reads when it
   * lost its term (or its process died), and would otherwise leave the client waiting for
   * its whole timeout; failed at once as not-leader, the read is asked again at the new
   * leader. A read has no effect, so failing it is always safe; a confirmed one is still
   * served when applied.
   */
  private dropUnconfirmedReads(st: NodeStatus): void {
    if (this.reads.size === 0) return;
    const campaigning = st.role === 'candidate' || st.role === 'precandidate';
    for (const [ctx, p] of this.reads) {
      if (p.index !== null) continue;
      if (!campaigning && p.term === st.term && p.leader === st.leader) continue;
      this.timers.clear(p.timer);
      this.reads.delete(ctx);
      p.reply(this.frame(p.reqId, 'fail', null, 'not-leader', st.leader));
    }
  }

  /** leadershipLost answers what a former leader was waiting on. */
  leadershipLost(): void {
    const leader = this.status().leader;
    for (const [idx, p] of this.proposals) {
      this.timers.clear(p.timer);
      p.reply(this.frame(p.reqId, 'unknown', null, 'leadership-lost', leader));
      this.proposals.delete(idx);
    }
    // A read has no effect, so an unanswered one certainly failed.
    for (const [ctx, p] of this.reads) {
      this.timers.clear(p.timer);
      p.reply(this.frame(p.reqId, 'fail', null, 'leadership-lost', leader));
      this.reads.delete(ctx);
    }
  }

  /** coveredBySnapshot: entries up to `index` arrived inside a snapshot; whether ours is among them is unknown. */
  coveredBySnapshot(index: number): void {
    for (const [idx, p] of this.proposals) {
      if (idx > index) continue;
      this.timers.clear(p.timer);
      p.reply(this.frame(p.reqId, 'unknown', null, 'snapshot-installed', this.status().leader));
      this.proposals.delete(idx);
    }
  }

  /** abandonAll answers everything on shutdown. */
  abandonAll(reason: string): void {
    for (const p of this.proposals.values()) {
      this.timers.clear(p.timer);
      p.reply(this.frame(p.reqId, 'unknown', null, reason, null));
    }
    for (const p of this.reads.values()) {
      this.timers.clear(p.timer);
      p.reply(this.frame(p.reqId, 'fail', null, reason, null));
    }
    this.proposals.clear();
    this.reads.clear();
  }

  /** inflight counts requests waiting for an answer. */
  get inflight(): number {
    return this.proposals.size + this.reads.size;
  }

  /**
   * status is the node's status without the leader's follower progress, which nothing
   * here reads: every answer carries the leader it knows, and a leader's full status would
   * be rebuilt, follower views and all, after each acknowledgement (ProtocolNode.status).
   */
  private status(): NodeStatus {
    return this.d.core.status(false);
  }

  private frame(
    id: number,
    outcome: ClientOutcome,
    result: KvResult | null,
    error: string | undefined,
    leader: string | null,
  ): ClientResponseFrame {
    const f: ClientResponseFrame = { t: 'res', id, outcome, result, node: this.d.id, leader };
    if (error !== undefined) f.error = error;
    return f;
  }
}
