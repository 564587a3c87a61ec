/**
 * The Raft core: a pure, deterministic Raft after etcd's raft and raft-rs.
 *
 * Files: node.ts (RaftNode: the ProtocolNode API and Ready/advance), raft.ts (terms,
 * roles, timers, message dispatch), election.ts, leader.ts, follower.ts (a handler per
 * message type), raft-log.ts (the in-memory log), progress.ts (probe/replicate/snapshot
 * and the inflight window), read-only.ts (ReadIndex), conf.ts (membership and quorums),
 * messages.ts (RaftMessage, raftMessageKind), validate.ts (validateRaftMessage).
 *
 * What a host must know:
 *  - Ready/advance follow core/types.ts. Vote requests, vote and pre-vote answers and
 *    append acknowledgements are in messagesAfterPersist; call ready() and advance()
 *    alternately (advance before the next ready()).
 *  - Membership changes take effect when their entry is appended, not when it commits
 *    (dissertation §4.1; see conf.ts for why), and one at a time.
 *  - A node added later must start with `peers` = the cluster's initial members (not
 *    including itself): it is then nobody's voter, never campaigns, and learns the real
 *    membership from the leader's log or snapshot. Starting it with itself in `peers`
 *    makes it a voter of its own one-node view that campaigns on its own.
 *  - After compact(index, data), RaftNode.snapshot() returns the exact Snapshot the core
 *    keeps (term and membership at `index`), which is what Storage.compact should store.
 *  - readIndex contexts must be at most 256 UTF-8 bytes (they cross the wire when a
 *    follower forwards a read).
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
