/**
 * The data of Explain: what the explainer reads (a cluster view, what each node says of its
 * state and log, the run log) and what it answers. Pure data, shared by the lab (live
 * answers, GET /api/nodes/:id/why) and the renderer (the inspector, the console, replay).
 */
import type { Entry, NodeId, NodeStatus } from '../../core/types';
import type { ClusterView, NodeRunState, RunLogRecord } from '../contract';

/** NodeFacts is what is known of one node when the question is asked. */
export interface NodeFacts {
  id: NodeId;
  run: NodeRunState;
  /** status: read from the running node just now (fresh), else its last report; null if it never reported. */
  status: NodeStatus | null;
  /** fresh: status and entries were read from the running node just now. */
  fresh: boolean;
  /** entries: its log entries from the asked index on (fresh nodes only; null otherwise). */
  entries: Entry[] | null;
}

/** MessageQuery asks for the newest message record to `to` before seq `before` that matches the given fields. */
export interface MessageQuery {
  to: NodeId;
  before: number;
  from?: NodeId;
  type?: string;
  term?: number;
  kind?: 'deliver' | 'drop';
}

/** MessageFinder answers a MessageQuery from the run log's message records (null: none kept). */
export type MessageFinder = (q: MessageQuery) => RunLogRecord | null;

/** ExplainView is the part of a ClusterView the explainer reads. */
export type ExplainView = Pick<ClusterView, 'protocol' | 'nodes' | 'groups' | 'links' | 'leader'>;

/** WhyInput is everything one answer is made from. */
export interface WhyInput {
  view: ExplainView;
  facts: NodeFacts[];
  /** log: run-log records other than messages (role, role-reason, vote-answer, commit, crash, …), in seq order. */
  log: RunLogRecord[];
  /** findMessage looks up the message a note names (absent: answers cite no message records). */
  findMessage?: MessageFinder;
}

/** WhyCite is one run-log record an answer rests on. */
export interface WhyCite {
  seq: number;
  /** t: ns since the run began. */
  t: number;
  kind: string;
  /** text: the record in words ("12.345 s #812 n2 role-reason: follower → candidate …"). */
  text: string;
}

/** Holder says whether one voter stores the entry, and if not, why. */
export interface Holder {
  node: NodeId;
  stores: boolean | null;
  /** why: how it is known, or why it does not store it ("its log ends at 6", "down", "cut off by the partition"). */
  why: string;
}

/** EntryWhy is the entry question's facts. */
export interface EntryWhy {
  index: number;
  /** term: the entry's term (ballot) in the reference log (the leader's, else the asked node's); null if unknown. */
  term: number | null;
  committed: boolean;
  /** committedBy: the leader whose commit record covers it first, when, and who held it then. */
  committedAt: { t: number; seq: number; by: NodeId; term: number | null; quorum: NodeId[] } | null;
  holders: Holder[];
  storedOn: NodeId[];
  voters: NodeId[];
  needed: number;
  leader: NodeId | null;
  leaderTerm: number | null;
  /** oldTerm: Raft: the entry is from an earlier term than the leader's, so counting replicas cannot commit it (§5.4.2). */
  oldTerm: boolean;
  /** reachable: the voters the leader reaches both ways, itself included (null without a leader). */
  reachable: NodeId[] | null;
}

/** RoleWhy is the role question's facts. */
export interface RoleWhy {
  role: string | null;
  term: number | null;
  /** reason: why the node is in its role now, in words (null: no reason recorded). */
  reason: string | null;
  /** cause: the structured cause (RoleCause of core/notes.ts) as recorded. */
  cause: Record<string, unknown> | null;
  election: WhyCite | null;
  stepDown: WhyCite | null;
  voteRefused: WhyCite | null;
  voteGranted: WhyCite | null;
}

/** WhyAnswer answers "why is entry N (not) committed on node X" or "why is node X in its role". */
export interface WhyAnswer {
  node: NodeId;
  /** entry: the index asked about; null for the role question. */
  entry: number | null;
  /** summary: the answer in one sentence. */
  summary: string;
  /** lines: the reasons and facts behind it, most important first. */
  lines: string[];
  /** cites: the run-log records the answer rests on. */
  cites: WhyCite[];
  entryFacts?: EntryWhy;
  roleFacts?: RoleWhy;
}

/** WhyResult is an answer, or why the question cannot be answered (status: the HTTP status that fits). */
export type WhyResult = { ok: true; answer: WhyAnswer } | { ok: false; status: number; error: string };
