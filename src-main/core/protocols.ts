/**
 * PROTOCOL_CORES: one typed record per protocol — how to build its core, validate its
 * wire messages and classify them for the UI. The only place that branches on the
 * protocol, so the host, simulator and UI never do.
 */
import { PAXOS_MESSAGE_TYPES, PaxosNode, paxosMessageKind, validatePaxosMessage } from './paxos';
import type { PaxosMessage } from './paxos';
import { RAFT_MESSAGE_TYPES, RaftNode, raftMessageKind, validateRaftMessage } from './raft';
import type { RaftMessage } from './raft';
import type { MessageBase, MessageKind, ProtocolConfig, ProtocolNode } from './types';

/** ProtocolMessages maps each protocol's name to its message union. */
export interface ProtocolMessages {
  raft: RaftMessage;
  paxos: PaxosMessage;
}

/** ProtocolName names a core. */
export type ProtocolName = keyof ProtocolMessages;

/** ProtocolCore is what the lab needs of one protocol, typed by its message union M. */
export interface ProtocolCore<M extends MessageBase> {
  /** create returns a fresh (or restored, per cfg.restore) core. */
  create(cfg: ProtocolConfig): ProtocolNode<M>;
  /** validate checks an untrusted value (from a wire frame) is a well-formed M; returns it or what is wrong. */
  validate(x: unknown): M | string;
  /** messageKind classifies a message for the UI and the run log. */
  messageKind(msg: M): MessageKind;
  /** messageTypes lists every `type` tag of M. */
  messageTypes: readonly M['type'][];
}

/** PROTOCOL_CORES holds each protocol's core, keyed by name. */
export const PROTOCOL_CORES: { readonly [P in ProtocolName]: ProtocolCore<ProtocolMessages[P]> } = {
  raft: {
    create: (cfg) => new RaftNode(cfg),
    validate: validateRaftMessage,
    messageKind: raftMessageKind,
    messageTypes: RAFT_MESSAGE_TYPES,
  },
  paxos: {
    create: (cfg) => new PaxosNode(cfg),
    validate: validatePaxosMessage,
    messageKind: paxosMessageKind,
    messageTypes: PAXOS_MESSAGE_TYPES,
  },
};

/** PROTOCOLS lists the cores a cluster may run. */
export const PROTOCOLS: readonly ProtocolName[] = ['raft', 'paxos'];

/** coreOf is the record of `protocol`, typed by its messages. */
export function coreOf<P extends ProtocolName>(protocol: P): ProtocolCore<ProtocolMessages[P]> {
  return PROTOCOL_CORES[protocol];
}

/** createProtocolNode returns a fresh (or restored, per cfg.restore) core of `protocol`. */
export function createProtocolNode(protocol: ProtocolName, cfg: ProtocolConfig): ProtocolNode {
  return coreOf(protocol).create(cfg);
}

/**
 * validateMessage checks an untrusted value (from a wire frame) is a well-formed message
 * of `protocol`; returns the message or a string saying what is wrong.
 */
export function validateMessage(protocol: ProtocolName, x: unknown): MessageBase | string {
  return coreOf(protocol).validate(x);
}

/** messageKindOf classifies a message of `protocol` for the UI. */
export function messageKindOf<P extends ProtocolName>(protocol: P, msg: ProtocolMessages[P]): MessageKind {
  return coreOf(protocol).messageKind(msg);
}
