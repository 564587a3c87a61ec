/**
 * describePaxosMessage: the space-time diagram's label of each Multi-Paxos message — the
 * phase as "Paxos Made Simple" names it, its ballot (`b=2.n3`: round 2 of n3), the slots
 * it concerns and the commit it carries, and for an answer whether it granted. Reads only
 * the message types (messages.ts) and the ballot format; pure, O(1) per message.
 */
import { assertNever } from '../types';
import { boundLabel, indexRange, type MessageSummary } from '../message-summary';
import { formatBallot } from './ballot';
import type { PaxosMessage } from './messages';

/** describePaxosMessage labels one Multi-Paxos message (see the file comment). */
export function describePaxosMessage(msg: PaxosMessage): MessageSummary {
  const b = `b=${formatBallot(msg.term)}`;
  switch (msg.type) {
    case 'prepare':
      return { label: `Prepare ${b} from ${msg.fromIndex}${msg.force ? ' (transfer)' : ''}` };
    case 'promise':
      return {
        label: `Promise ${b} from ${msg.fromIndex}: ${msg.entries.length} accepted c=${msg.commit}`,
        granted: true,
      };
    case 'accept':
      return { label: boundLabel(`Accept ${b} ${indexRange(msg.entries)} c=${msg.commit}`) };
    case 'accepted':
      return { label: `Accepted ${b} ${msg.lo === msg.hi ? `[${msg.lo}]` : `[${msg.lo}..${msg.hi}]`}`, granted: true };
    case 'nack':
      return { label: `Nack b=${formatBallot(msg.ballot)} < promised ${formatBallot(msg.term)}`, granted: false };
    case 'decide':
      return { label: `Decide ${b} c=${msg.commit}` };
    case 'heartbeat':
      return { label: `Heartbeat ${b} c=${msg.commit}` };
    case 'heartbeatAck':
      return { label: `HeartbeatAck ${b} c=${msg.commit}` };
    case 'catchup':
      return { label: boundLabel(`Catchup ${b} ${indexRange(msg.entries)} c=${msg.commit}`) };
    case 'snapshot':
      return { label: `Snapshot ${b} @${msg.snapshot.index}` };
    case 'learned':
      return { label: `Learned c=${msg.commit}` };
    case 'readIndex':
      return { label: `ReadIndex ${b}` };
    case 'readIndexResp':
      return { label: `ReadIndexResp ${b} @${msg.index}` };
    case 'timeoutNow':
      return { label: `TimeoutNow ${b}` };
    default:
      return assertNever(msg, 'paxos message');
  }
}
