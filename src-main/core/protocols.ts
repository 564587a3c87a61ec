/**
 * createProtocolNode builds the core named by `protocol`; the only place that branches
 * on the protocol, so the host, simulator and UI never do.
 */
import { PaxosNode, paxosMessageKind, validatePaxosMessage } from './paxos';
import { RaftNode, raftMessageKind, validateRaftMessage } from './raft';
import { assertNever } from './types';
import type { MessageBase, MessageKind, ProtocolConfig, ProtocolNode } from './types';

/** ProtocolName names a core. */
export type ProtocolName = 'raft' | 'paxos';

/** PROTOCOLS lists the cores a cluster may run. */
export const PROTOCOLS: readonly ProtocolName[] = ['raft', 'paxos'];

/** createProtocolNode returns a fresh (or restored, per cfg.restore) core. */
export function createProtocolNode(protocol: ProtocolName, cfg: ProtocolConfig): ProtocolNode {
  switch (protocol) {
    case 'raft':
      return new RaftNode(cfg) as unknown as ProtocolNode;
    case 'paxos':
      return new PaxosNode(cfg) as unknown as ProtocolNode;
    default:
      return assertNever(protocol, 'protocol');
  }
}

/** messageKindOf classifies a message of `protocol` for the UI. */
export function messageKindOf(protocol: ProtocolName, msg: MessageBase): MessageKind {
  return protocol === 'raft' ? raftMessageKind(msg as never) : paxosMessageKind(msg as never);
}

/**
 * validateMessage checks an untrusted value (from a wire frame) is a well-formed message
 * of `protocol`; returns the message or a string saying what is wrong.
 */
export function validateMessage(protocol: ProtocolName, x: unknown): MessageBase | string {
  return protocol === 'raft' ? validateRaftMessage(x) : validatePaxosMessage(x);
}
