/**
 * PROTOCOL_CORES: one typed record per protocol — how to build its core, validate its
 * wire messages and classify them for the UI. The only place that branches on the
 * protocol, so the host, simulator and UI never do.
 */
import { boundLabel, MAX_LABEL_CHARS, type MessageSummary } from './message-summary';
import { describePaxosMessage } from './paxos/describe';
import { describeRaftMessage } from './raft/describe';
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
  /** describe labels a message for the run log and the space-time diagram (pure, O(1)). */
  describe(msg: M): MessageSummary;
}

/** PROTOCOL_CORES holds each protocol's core, keyed by name. */
export const PROTOCOL_CORES: { readonly [P in ProtocolName]: ProtocolCore<ProtocolMessages[P]> } = {
  raft: {
    create: (cfg) => new RaftNode(cfg),
    validate: validateRaftMessage,
    messageKind: raftMessageKind,
    messageTypes: RAFT_MESSAGE_TYPES,
    describe: describeRaftMessage,
  },
  paxos: {
    create: (cfg) => new PaxosNode(cfg),
    validate: validatePaxosMessage,
    messageKind: paxosMessageKind,
    messageTypes: PAXOS_MESSAGE_TYPES,
    describe: describePaxosMessage,
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

/**
 * describeMessage labels a message of `protocol` that was not validated against the
 * protocol's union (the router forwards frames whose envelope alone it checked): a missing
 * field must not throw on the router's path, so a message the describer cannot read is
 * labelled by its type alone.
 */
export function describeMessage(protocol: ProtocolName, msg: MessageBase): MessageSummary {
  try {
    // The describer reads only fields of its own union; a malformed message throws and lands below.
    const d = (coreOf(protocol).describe as (m: MessageBase) => MessageSummary)(msg);
    // Fields the envelope check did not cover may hold anything: the label stays bounded.
    if (d.label.length > MAX_LABEL_CHARS) d.label = boundLabel(d.label);
    return d;
  } catch {
    return { label: boundLabel(String(msg.type)) };
  }
}
