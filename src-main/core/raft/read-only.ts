/**
 * ReadOnly is the leader's side of ReadIndex (Raft §6.4 / §8), with one heartbeat round
 * shared by many reads. Each read records the commit index when it arrived and waits for a
 * round: a heartbeat to every peer, tagged with the round's key, that a quorum answers in
 * the same term. Reads arriving before a round leaves (the same step, the same Ready) share
 * it; reads arriving while a round is in flight wait for the next one, which leaves when
 * the one in flight is confirmed — so at most one read round is in flight however many
 * reads arrive (the periodic heartbeat may start a second for reads already waiting, or
 * resend the last: heartbeatKey).
 *
 * Why a round confirms exactly the reads that were waiting when it left, and no later one
 * (the safety argument of §6.4): a peer answering a heartbeat in our term had not heard of
 * a later term when it answered. A quorum of such answers to heartbeats sent after a read
 * arrived means that, at some moment after the read arrived, a quorum was still in our
 * term, so no later leader can have committed anything before that moment — and so
 * nothing acknowledged to any client before the read began is missing from the commit
 * index the read recorded (§6.4 step 1: the leader has committed an entry of its term, so
 * its commit index covers every entry committed by earlier leaders). A heartbeat sent
 * before the read arrived proves nothing of the time after: by then a new leader may have
 * been elected and a write acknowledged, and a late answer in the old term still looks
 * fine. That is why a read never joins a round already sent, and why answers are counted
 * per round (ReadIndex tests: "a read arriving while a round is in flight ...").
 *
 * Acknowledging a later round confirms every earlier round too (it left later, so its
 * confirmation time is later still), as in etcd's readOnly.advance: a lost round is made
 * good by the next.
 */
import type { NodeId } from '../types';

/** ReadRequest is one pending read: who asked (the leader itself or a follower) and its read point. */
export interface ReadRequest {
  ctx: string;
  from: NodeId;
  index: number;
}

/** Round is one heartbeat round in flight: its key, who answered it, and the reads it confirms. */
interface Round {
  key: string;
  acks: Set<NodeId>;
  reads: ReadRequest[];
}

/** ReadOnly queues reads awaiting leadership confirmation: those waiting for a round, then the rounds in flight, oldest first. */
export class ReadOnly {
  /** waiting: reads no round has left for yet (the next round carries them all). */
  private waiting: ReadRequest[] = [];
  private rounds: Round[] = [];
  private byKey = new Map<string, Round>();
  private seq = 0;

  constructor(private readonly term: number) {}

  /** add registers a read at `index`; the next round to leave confirms it. */
  add(ctx: string, from: NodeId, index: number): void {
    this.waiting.push({ ctx, from, index });
  }

  /** due tells whether a round should leave now: reads are waiting and no round is in flight. */
  due(): boolean {
    return this.waiting.length > 0 && this.rounds.length === 0;
  }

  /**
   * startRound opens a round for every waiting read (possibly none: a round that only
   * confirms the ones in flight) and returns its key; the caller sends the heartbeats
   * carrying it at once.
   */
  startRound(self: NodeId): string {
    const key = `${this.term}.${++this.seq}`;
    const round: Round = { key, acks: new Set([self]), reads: this.waiting };
    this.waiting = [];
    this.rounds.push(round);
    this.byKey.set(key, round);
    return key;
  }

  /**
   * heartbeatKey is the key the periodic heartbeat carries, or null: a new round for the
   * reads waiting (the heartbeat leaves anyway), else the last round in flight again — its
   * reads arrived before this copy leaves too, so an answer to either copy confirms them,
   * and a round whose heartbeats or answers were lost is made good without a new round.
   */
  heartbeatKey(self: NodeId): string | null {
    if (this.waiting.length > 0) return this.startRound(self);
    const last = this.rounds[this.rounds.length - 1];
    return last === undefined ? null : last.key;
  }

  /** recvAck records that `from` answered the round `key`; returns the acks so far, or null if unknown. */
  recvAck(key: string, from: NodeId): Set<NodeId> | null {
    const round = this.byKey.get(key);
    if (!round) return null;
    round.acks.add(from);
    return round.acks;
  }

  /** advance removes the round `key` and every earlier one, and returns their reads, oldest first. */
  advance(key: string): ReadRequest[] {
    const round = this.byKey.get(key);
    if (!round) return [];
    let n = 0;
    while (this.rounds[n] !== round) n++;
    const done = this.rounds.splice(0, n + 1);
    const out: ReadRequest[] = [];
    for (const d of done) {
      this.byKey.delete(d.key);
      for (const req of d.reads) out.push(req);
    }
    return out;
  }

  /** pending is the number of reads not answered yet (waiting or in a round in flight). */
  pending(): number {
    let n = this.waiting.length;
    for (const round of this.rounds) n += round.reads.length;
    return n;
  }

  /** inFlight is the number of rounds sent and not confirmed yet. */
  inFlight(): number {
    return this.rounds.length;
  }
}
