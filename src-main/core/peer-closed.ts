/**
 * Fast failure detection from a closed connection, for both cores. When a process dies its
 * kernel closes every socket it had, so on a real network its peers learn of the death at
 * once; the lab's router (lab/router.ts) and the simulator (sim/wire.ts) pass that on as
 * ProtocolNode.peerClosed(peer). A follower whose leader closed stops treating it as its
 * leader — which ends the lease it granted it, so it grants the votes of the others who saw
 * the close too — and campaigns early instead of waiting out its election timeout.
 *
 * Why this is safe (and when it does nothing):
 * - Elections are safety-neutral. Whatever starts a campaign — a timer, a transfer, a
 *   close — a Raft candidate wins only with a quorum of votes, each voter grants one vote
 *   per term, durably before it is revealed, and only to a log at least as up to date as
 *   its own (§5.2, §5.4.1); a Multi-Paxos ballot wins only with a quorum of promises, and
 *   the new leader adopts what they accepted (P2c). When or why a campaign starts enters
 *   none of these rules, so a close reported for a live leader costs at most one needless
 *   election, never a lost or forked commit.
 * - Reads. A ReadIndex read (the default) is confirmed by a quorum in the leader's term,
 *   so a leader deposed early cannot confirm one. The unsafe lease reads trust that nobody
 *   else can be elected within an election timeout; a close breaks that trust only if the
 *   leader is in fact alive — and the lab reports a close only after the supervisor saw the
 *   process exit (the simulator only on a crash): a dead process serves no reads.
 * - The lease (Raft CheckQuorum, the Paxos acceptors' lease) stops a node that was cut off
 *   from deposing a leader that works. A closed connection says the leader does not, so
 *   the lease ends for that leader only (its followers forget it); any message from it
 *   afterwards — a close that was wrong, a restarted process — cancels the early campaign,
 *   and its next heartbeat restores the lease.
 * - A paused (SIGSTOP) process keeps its sockets open: no close, nothing happens early;
 *   the election timeout handles it as before.
 * - A node cut off from the dead one (a partition, a one-way cut) does not see the close —
 *   the router and the simulator drop it on a cut link, as a FIN cannot cross a cut — and
 *   falls back on its election timer. A close that arrives late, once the node follows
 *   another leader, is ignored: only the close of the leader it follows counts.
 * - Split votes: the survivors do not all campaign at once. Each waits its rank among the
 *   other voters (sorted ids, the dead one left out) times the heartbeat interval, so the
 *   first has one heartbeat interval to win before the second tries; one that is refused
 *   (its log is behind, or a voter did not see the close) falls back on its timer.
 */
import type { NodeId } from './types';

/** earlyRank is `self`'s place among the voters other than `dead` (sorted ids): 0 campaigns first. */
export function earlyRank(voters: readonly NodeId[], dead: NodeId, self: NodeId): number {
  const alive = [...new Set(voters)].filter((id) => id !== dead).sort();
  const i = alive.indexOf(self);
  return i < 0 ? alive.length : i;
}

/** EarlyCampaign is a follower's pending early campaign after its leader's connection closed. */
export class EarlyCampaign {
  /** peer: the leader whose close armed it (null: none pending). */
  peer: NodeId | null = null;
  /** rank: our turn among the survivors (see earlyRank). */
  rank = 0;
  private left = 0;

  /** arm schedules a campaign in `ticks` ticks (0: the caller campaigns now). */
  arm(peer: NodeId, rank: number, ticks: number): void {
    this.peer = peer;
    this.rank = rank;
    this.left = ticks;
  }

  /** cancel forgets the pending campaign (a role or term change, or the peer turned out alive). */
  cancel(): void {
    this.peer = null;
  }

  /** heard: a message from `from` arrived; if it is the peer we thought gone, it lives after all. */
  heard(from: NodeId): void {
    if (this.peer === from) this.peer = null;
  }

  /** ticksLeft: how many more ticks until due() fires (Infinity: no campaign pending). */
  ticksLeft(): number {
    return this.peer === null ? Infinity : Math.max(1, this.left);
  }

  /** due counts one tick down; when the campaign is due it disarms and returns the closed peer, else null. */
  due(): NodeId | null {
    const peer = this.peer;
    if (peer === null || --this.left > 0) return null;
    this.peer = null;
    return peer;
  }
}
