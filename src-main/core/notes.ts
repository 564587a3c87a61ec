/**
 * Notes are what a protocol core says about its own decisions, so that the lab can answer
 * "why": why a node is in its role (it timed out, won a vote, heard a higher term, lost its
 * quorum …) and why it granted or refused a vote (or, in Multi-Paxos, a promise). A core
 * queues them as it decides (pure data, no clock: times are the lab's when the note reaches
 * the run log); the host drains them after each Ready and writes them to the run log as
 * `role-reason` and `vote-answer` records. They never change what the core does.
 */
import { formatBallot } from './paxos/ballot';
import { assertNever, type NodeId, type Role } from './types';

/** LogPoint is the last entry of a log: its index and term (ballot in Multi-Paxos). */
export interface LogPoint {
  index: number;
  term: number;
}

/** RoleCause says what made a node take its role (or, for a follower, a new term). */
export type RoleCause =
  /** start: the core was (re)started from its disk (or fresh). */
  | { kind: 'start' }
  /** election-timeout: `elapsed` ticks passed without a word from a leader (`leader`: the one it last followed). */
  | { kind: 'election-timeout'; elapsed: number; timeout: number; leader: NodeId | null }
  /**
   * leader-closed: the connection to `leader`, the leader it followed, closed (its process is
   * gone), so it campaigns early, after `rank` others had their turn (core/peer-closed.ts).
   */
  | { kind: 'leader-closed'; leader: NodeId; rank: number }
  /** pre-vote-won: a quorum said it would vote for this node (Raft PreVote), so it campaigns for real. */
  | { kind: 'pre-vote-won'; granted: NodeId[] }
  /** vote-won: a quorum voted for it (Raft) or promised its ballot (Multi-Paxos phase 1). */
  | { kind: 'vote-won'; granted: NodeId[] }
  /** election-lost: a quorum refused (pre-vote or vote). */
  | { kind: 'election-lost'; refused: NodeId[]; pre: boolean }
  /** higher-term: a message carried a term (ballot) above ours. */
  | { kind: 'higher-term'; from: NodeId; msg: string; term: number; prevTerm: number }
  /** leader-found: a candidate heard from the leader of its own term (ballot). */
  | { kind: 'leader-found'; from: NodeId; msg: string; term: number }
  /** check-quorum: a leader heard from too few voters within an election timeout. */
  | { kind: 'check-quorum'; active: NodeId[]; voters: NodeId[] }
  /** removed: a leader no longer in the configuration steps down. */
  | { kind: 'removed' }
  /** reconfigured: a configuration was chosen while it led or campaigned (Multi-Paxos): phase 1 again, in the new one. */
  | { kind: 'reconfigured'; voters: NodeId[] }
  /** transfer: a leadership transfer told this node to campaign at once. */
  | { kind: 'transfer'; from: NodeId | null }
  /** nack: an acceptor refused our ballot because it promised a higher one (Multi-Paxos). */
  | { kind: 'nack'; from: NodeId; ballot: number; promised: number }
  /** unknown: a change no rule above names (should not happen; shown as such). */
  | { kind: 'unknown' };

/** RoleNote records one role decision. */
export interface RoleNote {
  type: 'role';
  role: Role;
  prev: Role;
  /** term (ballot) after and before the change. */
  term: number;
  prevTerm: number;
  cause: RoleCause;
}

/** VoteRequestKind names what was asked: a Raft vote or pre-vote, or a Multi-Paxos prepare (a promise). */
export type VoteRequestKind = 'vote' | 'pre-vote' | 'prepare';

/** VoteReason says why a vote (promise) was granted or refused. */
export type VoteReason =
  | { kind: 'granted'; cand: LogPoint | null; own: LogPoint | null }
  /** log-behind: the candidate's last entry is older than ours (Raft §5.4.1). */
  | { kind: 'log-behind'; cand: LogPoint; own: LogPoint }
  | { kind: 'already-voted'; for: NodeId }
  /** leader-known: we follow a leader in that term, so no vote is free in it. */
  | { kind: 'leader-known'; leader: NodeId }
  /** in-lease: we heard from a live leader less than an election timeout ago, so the request is ignored. */
  | { kind: 'in-lease'; leader: NodeId | null; elapsed: number; lease: number }
  /** stale-term: the request's term is below ours. */
  | { kind: 'stale-term'; ours: number }
  /** promised-higher: Multi-Paxos: we already promised a higher ballot (a nack). */
  | { kind: 'promised-higher'; promised: number }
  /** recovering: our store was damaged; we vote (promise) nothing until we have caught up. */
  | { kind: 'recovering' };

/** VoteNote records one answer to a vote, pre-vote or prepare. */
export interface VoteNote {
  type: 'vote';
  request: VoteRequestKind;
  candidate: NodeId;
  term: number;
  granted: boolean;
  reason: VoteReason;
}

/** CoreNote is one note a core queues. */
export type CoreNote = RoleNote | VoteNote;

/** MAX_NOTES bounds the notes a core keeps undrained (a host that never drains them loses only the oldest). */
export const MAX_NOTES = 64;

/** NoteQueue is a core's bounded queue of notes. */
export class NoteQueue {
  private items: CoreNote[] = [];
  /** dropped counts notes lost because nobody drained the queue. */
  dropped = 0;

  push(n: CoreNote): void {
    if (this.items.length >= MAX_NOTES) {
      this.items.shift();
      this.dropped++;
    }
    this.items.push(n);
  }

  /**
   * pushRole queues a role note, unless it is a pre-candidate timing out again in the same
   * term: nothing changed, and in a minority that would be a note every election timeout.
   */
  pushRole(n: RoleNote): void {
    if (n.prev === n.role && n.prevTerm === n.term && n.cause.kind === 'election-timeout') return;
    this.push(n);
  }

  /** take returns the queued notes, oldest first, and empties the queue. */
  take(): CoreNote[] {
    // The host asks after every Ready; almost always there is nothing.
    if (this.items.length === 0) return [];
    const out = this.items;
    this.items = [];
    return out;
  }
}

/** Stimulus is the message a core is stepping, so a role change it causes can name it. */
export interface Stimulus {
  from: NodeId;
  type: string;
  term: number;
}

/** causeOfMessage is the cause of a role change made while stepping `s`: a higher term, else a leader heard from. */
export function causeOfMessage(s: Stimulus | null, prevTerm: number): RoleCause {
  if (!s) return { kind: 'unknown' };
  if (s.term > prevTerm) return { kind: 'higher-term', from: s.from, msg: s.type, term: s.term, prevTerm };
  return { kind: 'leader-found', from: s.from, msg: s.type, term: s.term };
}

/** NoteWords are the protocol's words for what the notes name. */
export interface NoteWords {
  term: string;
  vote: string;
  /** num writes a term ("5") or a ballot as the UI writes it ("2.n3": round 2 of n3). */
  num(n: number): string;
  /** ref writes a term in a note: "t5", or a ballot as the diagram's labels do ("b=2.n3"), never the integer 203. */
  ref(n: number): string;
}

/** RAFT_WORDS / PAXOS_WORDS: Raft speaks of terms and votes, Multi-Paxos of ballots and promises. */
export const RAFT_WORDS: NoteWords = { term: 'term', vote: 'vote', num: String, ref: (n) => `t${n}` };
export const PAXOS_WORDS: NoteWords = {
  term: 'ballot',
  vote: 'promise',
  num: formatBallot,
  ref: (n) => `b=${formatBallot(n)}`,
};

function ids(xs: readonly NodeId[]): string {
  return xs.length === 0 ? 'none' : xs.join(', ');
}

/** ticksText says how long `ticks` are: "152 ticks (1.52 s)" when a tick's length is known. */
export function ticksText(ticks: number, tickMs: number | null): string {
  if (tickMs === null || tickMs <= 0) return `${ticks} ticks`;
  const ms = ticks * tickMs;
  return `${ticks} ticks (${ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`})`;
}

/** causeText says a RoleCause in words: "election timeout: no message from leader n1 for 152 ticks (1.52 s)". */
export function causeText(c: RoleCause, w: NoteWords = RAFT_WORDS, tickMs: number | null = null): string {
  switch (c.kind) {
    case 'start':
      return 'the node (re)started';
    case 'election-timeout': {
      const who = c.leader === null ? 'no leader heard from' : `no message from leader ${c.leader}`;
      return `election timeout: ${who} for ${ticksText(c.elapsed, tickMs)}`;
    }
    case 'leader-closed': {
      const turn = c.rank === 0 ? '' : ` (after ${c.rank} other${c.rank === 1 ? '' : 's'} had a turn)`;
      return `the connection to leader ${c.leader} closed (its process is gone): campaigns without waiting for the election timeout${turn}`;
    }
    case 'pre-vote-won':
      return `pre-vote won: ${ids(c.granted)} would vote for it`;
    case 'vote-won':
      return w === PAXOS_WORDS
        ? `phase 1 won: promises from ${ids(c.granted)}`
        : `won the election with votes from ${ids(c.granted)}`;
    case 'election-lost':
      return `${c.pre ? 'pre-vote' : 'election'} lost: ${ids(c.refused)} refused`;
    case 'higher-term':
      return `higher ${w.term} from ${c.from} (${c.msg} ${w.ref(c.term)}; was ${w.ref(c.prevTerm)})`;
    case 'leader-found':
      return `heard from leader ${c.from} of its ${w.term} (${c.msg} ${w.ref(c.term)})`;
    case 'check-quorum':
      return `check-quorum: heard from only ${ids(c.active)} of ${ids(c.voters)} within an election timeout`;
    case 'removed':
      return 'removed from the configuration';
    case 'reconfigured':
      return `a new configuration was chosen (voters ${ids(c.voters)}): phase 1 again in it`;
    case 'transfer':
      return `leadership transfer${c.from === null ? '' : ` from ${c.from}`}: campaign at once`;
    case 'nack':
      return `${c.from} refused ballot ${formatBallot(c.ballot)}: it promised ballot ${formatBallot(c.promised)}`;
    case 'unknown':
      return 'no recorded cause';
    default:
      return assertNever(c, 'role cause');
  }
}

function point(p: LogPoint, w: NoteWords): string {
  return `${p.index}/${w.ref(p.term)}`;
}

/** voteReasonText says a VoteReason in words: "candidate log behind (last 12/t3 < 14/t4)". */
export function voteReasonText(r: VoteReason, w: NoteWords = RAFT_WORDS, tickMs: number | null = null): string {
  switch (r.kind) {
    case 'granted':
      return r.cand && r.own ? `candidate log up to date (last ${point(r.cand, w)} ≥ ${point(r.own, w)})` : 'granted';
    case 'log-behind':
      return `candidate log behind (last ${point(r.cand, w)} < ${point(r.own, w)})`;
    case 'already-voted':
      return `already voted for ${r.for} in this ${w.term}`;
    case 'leader-known':
      return `follows leader ${r.leader} in this ${w.term}`;
    case 'in-lease':
      return `ignored: heard from leader ${r.leader ?? '?'} ${ticksText(r.elapsed, tickMs)} ago (lease ${ticksText(r.lease, tickMs)})`;
    case 'stale-term':
      return `its ${w.term} is behind ours (${w.ref(r.ours)})`;
    case 'promised-higher':
      return `already promised a higher ballot (${formatBallot(r.promised)})`;
    case 'recovering':
      return `its store was damaged: it grants no ${w.vote} until it has caught up`;
    default:
      return assertNever(r, 'vote reason');
  }
}

/** noteText says a note in one line: "follower → precandidate: election timeout: …" or "refused n3's vote (t5): …". */
export function noteText(n: CoreNote, w: NoteWords = RAFT_WORDS, tickMs: number | null = null): string {
  if (n.type === 'role') return `${n.prev} → ${n.role} (${w.ref(n.term)}): ${causeText(n.cause, w, tickMs)}`;
  const what = n.request === 'pre-vote' ? 'pre-vote' : w.vote;
  const verb = n.granted ? 'granted' : 'refused';
  return `${verb} ${n.candidate}'s ${what} (${w.ref(n.term)}): ${voteReasonText(n.reason, w, tickMs)}`;
}
