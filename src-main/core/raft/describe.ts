/**
 * describeRaftMessage: the space-time diagram's label of each Raft message — the type as
 * the paper names it, the sender's term, and what a reader needs to follow replication and
 * elections (the index range an AppendEntries carries, the commit it piggybacks, the index
 * a follower's log now matches the leader's up to — "ok, match 6" —, whether a vote was
 * granted). Pure and O(1) per message: the router calls it for every send.
 */
import { assertNever } from '../types';
import { boundLabel, indexRange, type MessageSummary } from '../message-summary';
import type { RaftMessage } from './messages';

const answer = (granted: boolean): string => (granted ? 'granted' : 'rejected');

/** describeRaftMessage labels one Raft message (see the file comment). */
export function describeRaftMessage(msg: RaftMessage): MessageSummary {
  const t = `t${msg.term}`;
  switch (msg.type) {
    case 'vote':
      return { label: `RequestVote ${t}${msg.transfer ? ' (transfer)' : ''} log ${msg.lastIndex}@t${msg.lastTerm}` };
    case 'preVote':
      return { label: `PreVote? ${t} log ${msg.lastIndex}@t${msg.lastTerm}` };
    case 'voteResp':
      return { label: `Vote ${t} → ${answer(!msg.reject)}`, granted: !msg.reject };
    case 'preVoteResp':
      return { label: `PreVote ${t} → ${answer(!msg.reject)}`, granted: !msg.reject };
    case 'append': {
      const range = msg.entries.length > 0 ? indexRange(msg.entries) : `[] after ${msg.prevIndex}`;
      return { label: boundLabel(`AppendEntries ${t} ${range} c=${msg.commit}`) };
    }
    case 'appendResp':
      return msg.reject
        ? { label: `AppendResp ${t} → reject ${msg.index} (hint ${msg.rejectHint})`, granted: false }
        : { label: `AppendResp ${t} → ok, match ${msg.index}`, granted: true };
    case 'heartbeat':
      return { label: `Heartbeat ${t} c=${msg.commit}${msg.ctx !== null ? ' +read' : ''}` };
    case 'heartbeatResp':
      return { label: `HeartbeatResp ${t}${msg.ctx !== null ? ' +read' : ''}` };
    case 'snapshot':
      return { label: `InstallSnapshot ${t} @${msg.snapshot.index}t${msg.snapshot.term}` };
    case 'timeoutNow':
      return { label: `TimeoutNow ${t}` };
    case 'readIndex':
      return { label: `ReadIndex ${t}` };
    case 'readIndexResp':
      return { label: `ReadIndexResp ${t} @${msg.index}` };
    default:
      return assertNever(msg, 'raft message');
  }
}
