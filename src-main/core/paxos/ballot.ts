/**
 * Ballot numbers for Multi-Paxos.
 *
 * A ballot is the pair (round, node) encoded as one integer so it fits MessageBase.term,
 * HardState.term and Entry.term:  ballot = round * BALLOT_NODE_SLOTS + nodeNumber.
 * With BALLOT_NODE_SLOTS = 100, ballot 203 reads "round 2 of node n3". Ballots are totally
 * ordered first by round, then by node number, and no two nodes ever share one (Lamport,
 * "Paxos Made Simple" §2.2: "different proposers choose their numbers from disjoint sets").
 * Ballot 0 means "none": nothing promised, and an Entry with term 0 is an empty slot.
 */
import type { NodeId } from '../types';

/** BALLOT_NODE_SLOTS is the multiplier of the round; node numbers live in 1..BALLOT_NODE_SLOTS-1. */
export const BALLOT_NODE_SLOTS = 100;

/** makeBallot encodes (round, nodeNumber) as one integer. */
export function makeBallot(round: number, nodeNumber: number): number {
  return round * BALLOT_NODE_SLOTS + nodeNumber;
}

/** ballotRound returns the round of a ballot. */
export function ballotRound(ballot: number): number {
  return Math.floor(ballot / BALLOT_NODE_SLOTS);
}

/** ballotNode returns the node number of a ballot (0 for the empty ballot). */
export function ballotNode(ballot: number): number {
  return ballot % BALLOT_NODE_SLOTS;
}

/** nextBallot returns this node's smallest ballot in a round above `above`'s round. */
export function nextBallot(above: number, nodeNumber: number): number {
  return makeBallot(ballotRound(above) + 1, nodeNumber);
}

/** formatBallot renders a ballot for people: "2.n3" (round 2 of node 3). */
export function formatBallot(ballot: number): string {
  return ballot === 0 ? '0' : `${ballotRound(ballot)}.n${ballotNode(ballot)}`;
}

/**
 * nodeNumbers assigns every member its ballot number. Ids of the form "n<k>" keep k (so a
 * ballot names its node readably) when every such k is distinct and in range; otherwise
 * members are numbered by their position in sorted order. Every node computes the same
 * map from the same initial membership.
 */
export function nodeNumbers(peers: readonly NodeId[]): Map<NodeId, number> {
  const out = new Map<NodeId, number>();
  const seen = new Set<number>();
  let readable = true;
  for (const p of peers) {
    const m = /^n([1-9][0-9]?)$/.exec(p);
    const k = m ? Number(m[1]) : NaN;
    if (!m || seen.has(k)) {
      readable = false;
      break;
    }
    seen.add(k);
    out.set(p, k);
  }
  if (readable) return out;
  out.clear();
  const sorted = [...new Set(peers)].sort();
  if (sorted.length >= BALLOT_NODE_SLOTS) {
    throw new Error(`paxos: at most ${BALLOT_NODE_SLOTS - 1} members fit the ballot encoding`);
  }
  sorted.forEach((p, i) => out.set(p, i + 1));
  return out;
}
