/** The role a Raft node is in, and the state only that role has. */
import type { NodeId } from '../types';
import type { Progress } from './progress';
import type { ReadOnly } from './read-only';

/** LeaderState is what only a leader has. */
export interface LeaderState {
  role: 'leader';
  progress: Map<NodeId, Progress>;
  readOnly: ReadOnly;
  /** pendingReads wait until the leader has committed an entry of its own term (§6.4 step 1). */
  pendingReads: { ctx: string; from: NodeId }[];
  /** transferee is the target of a leadership transfer in progress. */
  transferee: NodeId | null;
  /** termStart is the index of this term's no-op entry. */
  termStart: number;
  /** countedMatch: leader.ts countedMatch for this state, made once per term for committedIndex. */
  countedMatch?: (id: NodeId) => number;
}

/** RoleState is the role and the state only that role has. */
export type RoleState =
  | { role: 'follower' }
  | { role: 'precandidate'; votes: Map<NodeId, boolean> }
  | { role: 'candidate'; votes: Map<NodeId, boolean> }
  | LeaderState;
