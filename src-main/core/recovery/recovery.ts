/**
 * The recovery rules for a node whose store was damaged, shared by the node process
 * (node/node-host.ts) and the simulator: when recovery ends, and what a recovering node may
 * send. The cores carry the rest (ProtocolConfig.recovering): a recovering core casts no
 * vote, makes no promise, never campaigns, and flags its acknowledgements so a leader uses
 * them only to find where the logs diverge — never for a commit, a read confirmation or
 * CheckQuorum.
 *
 * When recovery ends. A damaged node may have lost entries it acknowledged; if it voted
 * again before holding them, a candidate missing them could win with its vote and the
 * entries would be lost (the election restriction, Raft §5.4.1, assumes voters keep what
 * they acknowledged). So it must first hold every entry committed anywhere before the
 * damage. It learns that point with a linearizable read (ReadIndex, dissertation §6.4)
 * issued after it restarted: the leader answers only once a quorum of *healthy* nodes
 * confirms, in its term, that it still leads — recovering nodes' answers do not count —
 * and its answer is at least every index committed before the read arrived, which
 * includes everything committed before the damage. A deposed leader cannot get that
 * confirmation: a quorum that elected a newer leader intersects the confirming quorum in
 * a healthy node, which refuses the older term. Recovery ends once the node has committed
 * and applied up to max(that read index, the store's floor), where the floor is the
 * highest index its damaged file showed signs of holding (entries it may have
 * acknowledged but never learned committed). This is stronger than waiting for the leader's
 * last index at first contact: it works the same when the contacted leader is stale, and
 * when the file was lost and nothing is known of what it held.
 *
 * A lost vote. When the term/vote record was lost the node may have voted in a term it no
 * longer knows. The store restarts it in the highest term its log shows with its vote
 * counted as cast (store-image.ts); for a later term it might also have voted in, it stays
 * recovering for at least two election timeouts after it started: a candidate holding that
 * vote has given up its term by then (its timeout is randomized below twice the base).
 */
import type { ProtocolName } from '../protocols';
import type { MessageBase, NodeStatus, ProtocolNode, ReadState } from '../types';

/** RecoveryInit is what the store said about itself, plus the node's timers. */
export interface RecoveryInit {
  /** reason: why the store cannot be vouched for; null = healthy (never recovering). */
  reason: string | null;
  /** floor: the highest index the damaged store showed signs of holding (0 = unknown). */
  floor: number;
  /** voteLost: the term/vote record was lost. */
  voteLost: boolean;
  electionTicks: number;
  /** ctxPrefix names this boot's recovery reads; it must differ across restarts (a per-boot nonce). */
  ctxPrefix: string;
}

/** Recovered says how recovery ended. */
export interface Recovered {
  leader: string | null;
  commit: number;
  /** target: the index the node had to reach (max of read index and floor). */
  target: number;
}

/** Recovery tracks one boot's recovery (see the file comment). */
export class Recovery {
  private on: boolean;
  private ticks = 0;
  /** readIndex: the first read point answered since boot (null until then). */
  private readIndex: number | null = null;
  private askedAt: number | null = null;
  private seq = 0;

  constructor(readonly init: RecoveryInit) {
    this.on = init.reason !== null;
  }

  /** recovering tells whether the node is still recovering. */
  get recovering(): boolean {
    return this.on;
  }

  /** target is the index recovery waits for (null until a read point is known). */
  get target(): number | null {
    return this.readIndex === null ? null : Math.max(this.readIndex, this.init.floor);
  }

  /** tick counts one core tick (the lost-vote wait, and retrying a read that got no answer). */
  tick(): void {
    this.ticks++;
  }

  /** takeRead offers a read state from the core; returns true if it answers a recovery read (the host must not pass it on). */
  takeRead(r: ReadState): boolean {
    if (!r.ctx.startsWith(`${this.init.ctxPrefix}:`)) return false;
    // Any answer to a read issued in this boot will do: each covers the damage.
    if (this.readIndex === null) this.readIndex = r.index;
    return true;
  }

  /**
   * poll runs after each Ready: it asks the leader for a read point while it has none, and
   * ends recovery once the node has committed and applied up to the target. It returns how
   * recovery ended, once; the host then calls core.endRecovery() and marks its store.
   */
  poll(core: ProtocolNode, applied: number): Recovered | null {
    if (!this.on) return null;
    const st = core.status();
    if (alone(st)) return this.end(st, 0);
    const target = this.target;
    if (target === null) {
      this.maybeAsk(core, st);
      return null;
    }
    if (st.commitIndex < target || applied < target) return null;
    if (this.init.voteLost && this.ticks < 2 * this.init.electionTicks) return null;
    return this.end(st, target);
  }

  private end(st: NodeStatus, target: number): Recovered {
    this.on = false;
    return { leader: st.leader, commit: st.commitIndex, target };
  }

  /** maybeAsk issues a read through the leader, again if the last one got no answer within two election timeouts. */
  private maybeAsk(core: ProtocolNode, st: NodeStatus): void {
    if (st.leader === null || st.leader === st.id) return;
    if (this.askedAt !== null && this.ticks - this.askedAt < 2 * this.init.electionTicks) return;
    if (core.readIndex(`${this.init.ctxPrefix}:${++this.seq}`).ok) this.askedAt = this.ticks;
  }
}

/** alone: the node is the only voter, so there is nobody to recover from (its own word is the quorum's). */
function alone(st: NodeStatus): boolean {
  const c = st.conf;
  return c.voters.length === 1 && c.voters[0] === st.id && c.votersOutgoing.length === 0;
}

type Flagged = MessageBase & { recovering?: boolean; reject?: boolean };

/**
 * mayLeaveWhileRecovering is the host's last check on what a recovering node sends (the
 * cores already send nothing else): acknowledgements flagged as recovering, refusals, and
 * reads forwarded to the leader. Never a vote grant, a promise, an `accepted`, or anything
 * only a leader or a candidate sends.
 */
export function mayLeaveWhileRecovering(protocol: ProtocolName, msg: MessageBase): boolean {
  const m = msg as Flagged;
  switch (m.type) {
    case 'readIndex':
      return true;
    case 'appendResp':
    case 'heartbeatResp':
      return protocol === 'raft' && m.recovering === true;
    case 'voteResp':
    case 'preVoteResp':
      return protocol === 'raft' && m.reject === true;
    case 'heartbeatAck':
    case 'learned':
      return protocol === 'paxos' && m.recovering === true;
    case 'nack':
      return protocol === 'paxos';
    default:
      return false;
  }
}
