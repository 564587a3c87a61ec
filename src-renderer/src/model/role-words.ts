/**
 * What a node's role means, in plain words, for the hover card and the inspector: the
 * legend names each state in a few words ("pre-candidate: checking it could win"), which
 * a newcomer who meets "?n1" on the graph cannot unpack. Pure.
 */
import { NODE_STATES, STATE_MEANING, type NodeState } from '../composables/topology-colors';
import { assertNever } from '../../../src-main/core/types';
import { RAFT_WORDS, type Words } from './protocol-words';

/**
 * PAXOS_MEANING: a Multi-Paxos node's roles in Paxos's words — a leader proposes under the
 * ballot its phase 1 won, a follower is an acceptor that promises ballots and accepts the
 * leader's values, a candidate runs phase 1; a learner copies but makes no promise.
 */
const PAXOS_MEANING: Partial<Record<NodeState, string>> = {
  leader: 'leader (★): its ballot won phase 1; it proposes every value',
  follower: 'follower (acceptor): promises ballots, accepts the leader’s values',
  candidate: 'candidate: running phase 1 (prepare), asking for promises',
  learner: 'learner (L, dotted ring): copies the log, makes no promise, not in any majority',
};

/** stateMeaning is the legend's line for a state, in the protocol's words (a Paxos candidate asks for promises). */
export function stateMeaning(state: NodeState, w: Words = RAFT_WORDS): string {
  return (w.paxos ? PAXOS_MEANING[state] : undefined) ?? STATE_MEANING[state];
}

/** stateLabel is the legend's name for a state: "pre-candidate", and Paxos's own names ("candidate (phase 1)", "follower (acceptor)"). */
export function stateLabel(state: NodeState, w: Words = RAFT_WORDS): string {
  if (w.paxos && state === 'candidate') return 'candidate (phase 1)';
  if (w.paxos && state === 'follower') return 'follower (acceptor)';
  // Hyphenated as every sentence, card and the Messages key write it.
  return state === 'precandidate' ? 'pre-candidate' : state;
}

/**
 * legendStates lists the states the legend keys, in its order: only those the protocol has.
 * Multi-Paxos has no pre-candidate (PreVote is Raft's), so its legend does not list one.
 */
export function legendStates(w: Words = RAFT_WORDS): NodeState[] {
  return NODE_STATES.filter((s) => !(w.paxos && s === 'precandidate'));
}

/** roleWords explains in a sentence or two what node `id` in `state` is doing and why; '' when its headline says it all. */
export function roleWords(id: string, state: NodeState, w: Words = RAFT_WORDS): string {
  if (w.paxos && state === 'candidate')
    return (
      `!${id} is a candidate: it heard from no leader for an election timeout, so it runs Paxos phase 1 — it ` +
      `picks a ballot higher than any it has seen and asks every node to promise it (Prepare). With promises ` +
      `from a majority it leads, and re-proposes what they had accepted; a higher ballot seen makes it give up.`
    );
  switch (state) {
    case 'precandidate':
      return (
        `?${id} is a pre-candidate: it has heard from no leader for a whole election timeout, so it asks the ` +
        `others whether they would vote for it — without raising its term yet (PreVote). Only if a majority ` +
        `says yes does it stand for election (!). A node cut off from the majority stays here, so when it ` +
        `comes back it does not force a needless election with a higher term.`
      );
    case 'candidate':
      return (
        `!${id} is a candidate: it raised its term and asks every node for its vote. With votes from a majority ` +
        `it becomes leader; if another leader answers first, or the votes split, it goes back to waiting.`
      );
    case 'learner':
      return `${id} is a learner: it receives and stores the log like a follower, but does not vote and does not count toward a majority (yet).`;
    case 'paused':
      return `${id} is paused (SIGSTOP): its process is alive but frozen, so it answers nothing; to the others it looks dead until it is resumed.`;
    case 'down':
      return `${id} is down: its process was killed. Its SQLite file keeps what it stored; restarted, it reads it back and catches up.`;
    case 'leader':
    case 'follower':
      return '';
  }
}

/** PROGRESS_HEADS say what the leader's Followers table's columns mean (its headings' tooltips). */
export const PROGRESS_HEADS = {
  match: "match: the highest entry the leader knows this follower's log holds as its own",
  next: 'next: the entry the leader sends this follower next',
  state: 'state: how the leader is sending to it — probe, replicate or snapshot (hover a row’s)',
} as const;

/** progressWords says what a follower's replication state means (the Followers table's tooltip). */
export function progressWords(state: 'probe' | 'replicate' | 'snapshot'): string {
  switch (state) {
    case 'probe':
      return 'probe: the leader is still finding where this follower’s log agrees with its own, one append at a time';
    case 'replicate':
      return 'replicate: the logs agree; the leader streams new entries to it without waiting for each answer';
    case 'snapshot':
      return 'snapshot: it is too far behind for the leader’s log; it is being sent a snapshot instead';
    default:
      return assertNever(state, 'replication state');
  }
}
