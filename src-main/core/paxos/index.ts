/**
 * Multi-Paxos core: PaxosNode (a ProtocolNode beside Raft), its messages, their UI kinds
 * and the validation of untrusted wire values. Ballots are round * 100 + node number
 * (see ballot.ts).
 */
export { PaxosNode } from './node';
export { PAXOS_MESSAGE_TYPES, paxosMessageKind, paxosMessageSlots } from './messages';
export { validatePaxosMessage } from './validate';
export type { PaxosMessage, PaxosMessageType } from './messages';
export { BALLOT_NODE_SLOTS, ballotNode, ballotRound, formatBallot, makeBallot, nextBallot } from './ballot';
