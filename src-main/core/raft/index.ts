/**
 * The Raft core: a pure, deterministic Raft after etcd's raft and raft-rs.
 * See node.ts (RaftNode), messages.ts (RaftMessage) and validate.ts (validateRaftMessage).
 */
export { RaftNode } from './node';
export { raftMessageKind, RAFT_MESSAGE_TYPES } from './messages';
export type {
  RaftMessage,
  RaftMessageType,
  VoteMsg,
  PreVoteMsg,
  VoteRespMsg,
  PreVoteRespMsg,
  AppendMsg,
  AppendRespMsg,
  HeartbeatMsg,
  HeartbeatRespMsg,
  SnapshotMsg,
  TimeoutNowMsg,
  ReadIndexMsg,
  ReadIndexRespMsg,
} from './messages';
export { validateRaftMessage, parseConfChange } from './validate';
