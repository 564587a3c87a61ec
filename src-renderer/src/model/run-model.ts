/**
 * RunModel is everything the timeline, charts and replay show about a run, built as
 * records arrive, each in O(1): per-second throughput and latency buckets (Series), the
 * fault periods (FaultLog), the events a replay can jump between (marks), the
 * timeline's plain-language rows (RowStore), and for the Report and Messages tabs the
 * latency scatter's bounded sample, completions per outcome, and the recent messages and
 * node events of the space-time diagram (src-main/report). Nothing here keeps the raw record stream, so
 * a long, busy run costs bounded memory; and nothing here is reactive: a store holds one
 * model and tells Vue once per frame that it changed.
 */
import type { RunLogRecord } from '../../../src-main/api/contract';
import { LatencySample, outcomeOf, pointOfRecord } from '../../../src-main/report/latency';
import { MessageLog } from '../../../src-main/report/message-log';
import { RateSeries } from '../../../src-main/report/rates';
import {
  commitText,
  describe,
  followText,
  noLeaderText,
  termText,
  type Described,
  type ElectionFacts,
} from './describe';
import { AddFolds, FOLDABLE_KINDS } from './add-fold';
import { ElectionFolds } from './election-fold';
import { RAFT_WORDS, wordsOf, type Words } from './protocol-words';
import type { ProtocolName } from '../../../src-main/core/protocols';
import { FaultLog } from './faults';
import { MAX_NODES } from '../../../src-main/api/schemas';
import { shardGroupOf, shardSettingsAt } from '../../../src-main/api/shards';
import { categoryOf, num, str, type Category } from './records';
import { compareNodeIds } from './node-order';
import { NoVotes, type NoVote } from './no-votes';
import { Ring } from './ring';
import { Series } from './series';
import { RowStore, type Row } from './timeline-rows';

/** MarkKind sorts the events a replay's slider marks. */
export type MarkKind = 'election' | 'fault' | 'crash';

/** Mark is one event worth jumping to: a leader elected, a fault begun or ended, a node down or back. */
export interface Mark {
  t: number;
  ord: number;
  kind: MarkKind;
  text: string;
}

/** MAX_MARKS bounds the marks kept. */
export const MAX_MARKS = 20_000;
/** MERGE_NS: per-node records (commit, follow, term) within this time of a row join that row. */
export const MERGE_NS = 2e9;
/** TERMS_REMEMBERED bounds the terms whose votes are remembered for the election sentences. */
const TERMS_REMEMBERED = 64;

const MARK_KINDS: Record<string, MarkKind> = {
  crash: 'crash',
  'node-died': 'crash',
  restart: 'crash',
  partition: 'fault',
  heal: 'fault',
  'link-rule': 'fault',
  'time-scale': 'fault',
  pause: 'fault',
  resume: 'fault',
};

/** VOTE_ANSWERS are the message types that answer a vote request (Raft's RequestVote, Paxos's Prepare). */
const VOTE_ANSWERS = new Set(['voteResp', 'promise']);

interface Merging {
  key: string;
  row: Row;
  members: string[];
  /** extra: the commit row's range start, or the term moves' votes. */
  from: number;
  votes: (string | null)[];
}

/** TermVotes remembers, per term and candidate, who voted for it and whose answer reached it. */
class TermVotes {
  private terms = new Map<number, { votes: Map<string, Set<string>>; answers: Map<string, Set<string>> }>();

  private term(t: number): { votes: Map<string, Set<string>>; answers: Map<string, Set<string>> } {
    let e = this.terms.get(t);
    if (!e) {
      e = { votes: new Map(), answers: new Map() };
      this.terms.set(t, e);
      if (this.terms.size > TERMS_REMEMBERED) this.terms.delete(Math.min(...this.terms.keys()));
    }
    return e;
  }

  private static add(m: Map<string, Set<string>>, key: string, v: string): void {
    let s = m.get(key);
    if (!s) m.set(key, (s = new Set()));
    s.add(v);
  }

  vote(term: number, voter: string, candidate: string): void {
    TermVotes.add(this.term(term).votes, candidate, voter);
  }

  answer(term: number, from: string, to: string): void {
    TermVotes.add(this.term(term).answers, to, from);
  }

  facts(term: number, winner: string): ElectionFacts {
    const e = this.terms.get(term);
    const voters = [...(e?.votes.get(winner) ?? [])].filter((v) => v !== winner).sort(compareNodeIds);
    const answered = [...(e?.answers.get(winner) ?? [])]
      .filter((v) => v !== winner && !voters.includes(v))
      .sort(compareNodeIds);
    return { voters, answered };
  }
}

/** RunModel folds run-log records into the views' data. */
export class RunModel {
  readonly series = new Series();
  readonly faults = new FaultLog();
  readonly rows = new RowStore((cat) => this.settledBefore(cat));
  readonly marks = new Ring<Mark>(MAX_MARKS);
  /** latency / rates: the Report tab's scatter sample and throughput by outcome. */
  readonly latency = new LatencySample();
  readonly rates = new RateSeries();
  /** messages: the space-time diagram's recent messages and node events. */
  readonly messages = new MessageLog();
  /** ord counts the records taken in (the next row's ord). */
  ord = 0;
  /** lastSeq: the largest seq taken in (-1 = none); records at or below it are duplicates. */
  lastSeq = -1;
  /** lastT: the newest record's run time, ns. */
  lastT = 0;
  /** lastOpT: the newest completed client operation's run time, ns (-1 = none yet). */
  lastOpT = -1;
  private votes = new TermVotes();
  /** noVotes: what the log tells of votes that did not come (refused, or dropped on the way): the term rows say it. */
  private noVotes = new NoVotes();
  /** maxCommit: the highest commit index seen, per group ('' in a cluster of one group). */
  private maxCommit = new Map<string, number>();
  private merging = new Map<string, Merging>();
  /** groupOf: each node's group in a sharded cluster (shardGroupOf); empty for one group. */
  private groupOf = new Map<string, string>();
  /** adds: the nodes being added, whose own records fold into one row each. */
  private adds = new AddFolds();
  /** elections: the nodes campaigning (pre-votes, votes, prepares), whose repeated rounds fold into their campaign's row. */
  private elections = new ElectionFolds();
  /** words: the run's protocol's words (terms and votes, or ballots and promises), from its cluster-created record or setLayout. */
  words: Words = RAFT_WORDS;

  /**
   * setLayout says which group each node belongs to (shardGroupOf of the cluster's
   * settings), for a run whose cluster-created record the model has not seen (a backlog
   * that starts later). Each group has its own log, so its commits get rows of their own.
   * `protocol`, when given, says whose words the rows speak (Raft's terms, Paxos's ballots).
   */
  setLayout(groupOf: ReadonlyMap<string, string>, protocol?: ProtocolName): void {
    this.groupOf = new Map(groupOf);
    if (protocol !== undefined) this.setWords(wordsOf(protocol));
  }

  /** setWords sets the rows' words (for the rows to come). */
  private setWords(w: Words): void {
    this.words = w;
    this.elections.words = w;
    this.messages.paxos = w.paxos;
  }

  /** groupKey is node's group ('' when the cluster has one group, or the node is not in the layout). */
  private groupKey(node: string): string {
    return this.groupOf.get(node) ?? '';
  }

  /**
   * settledBefore returns the smallest ord of a row of category `cat` whose text may still
   * change (a merged row still open, a node's add still folding); rows before it are final.
   * Infinity when none may change.
   */
  settledBefore(cat: Category): number {
    let min = Infinity;
    for (const m of this.merging.values()) {
      if (m.row.cat !== cat) continue;
      // A commit row takes late nodes for as long as it is its group's newest; the others
      // only within MERGE_NS of their start (twice that: records may come slightly out of order).
      if (m.key.startsWith('commit@') || this.lastT - m.row.t <= 2 * MERGE_NS) min = Math.min(min, m.row.ord);
    }
    for (const row of this.adds.openRows()) if (row.cat === cat) min = Math.min(min, row.ord);
    for (const row of this.elections.openRows()) if (row.cat === cat) min = Math.min(min, row.ord);
    return min;
  }

  /** ingest takes one record in; false if it was a duplicate (its seq seen already). */
  ingest(r: RunLogRecord): boolean {
    if (typeof r.seq === 'number' && r.seq <= this.lastSeq) return false;
    if (typeof r.seq === 'number') this.lastSeq = r.seq;
    this.take(r);
    return true;
  }

  /** take folds a record in without the duplicate check (a saved run, already in order). */
  take(r: RunLogRecord): void {
    const ord = this.ord++;
    if (r.t > this.lastT) this.lastT = r.t;
    this.series.extend(r.t);
    this.faults.add(r);
    this.messages.add(r);
    this.noteNoVote(r);
    if (r.kind !== 'role' && r.kind !== 'term' && this.elections.take(r, () => describe(r, null, this.words))) return;
    if (this.foldAdd(r, ord)) return;
    switch (r.kind) {
      case 'client-complete': {
        const lat = num(r, 'latencyMs');
        if (r.t > this.lastOpT) this.lastOpT = r.t;
        this.series.add(r.t, str(r, 'type') === 'ok', lat);
        const p = pointOfRecord(r);
        if (p) this.latency.add(p);
        this.rates.add(r.t, outcomeOf(str(r, 'type')));
        this.addRow(r, ord, describe(r, null, this.words));
        return;
      }
      case 'role-reason':
        // The lab copies the reason into the node's next role record, whose row says it; one row per change.
        return;
      case 'client-invoke':
        // The completion's row says what the operation was and how it ended; one row per operation.
        return;
      case 'deliver':
        this.noteVoteAnswer(r);
        this.addRow(r, ord, describe(r, null, this.words));
        return;
      case 'term':
        return this.onTerm(r, ord);
      case 'leader':
        return this.onLeader(r, ord);
      case 'commit':
        return this.onCommit(r, ord);
      case 'role':
        return this.onRole(r, ord);
      case 'cluster-created':
        this.maxCommit.clear();
        this.merging.clear();
        this.adds.clear();
        this.groupOf = layoutOf(r);
        if (typeof r.protocol === 'string') this.setWords(wordsOf(r.protocol));
        this.addRow(r, ord, describe(r, null, this.words));
        return;
      case 'shard-group-started':
        // A group started while the cluster runs: its nodes' commits are its own from now on.
        for (const n of Array.isArray(r.nodes) ? r.nodes.slice(0, 16) : [])
          if (typeof n === 'string' && typeof r.group === 'string' && this.groupOf.size > 0)
            this.groupOf.set(n, r.group);
        this.addRow(r, ord, describe(r, null, this.words));
        return;
      default: {
        const row = this.addRow(r, ord, describe(r, null, this.words));
        const mk = MARK_KINDS[r.kind];
        if (mk) this.marks.push({ t: r.t, ord, kind: mk, text: row.text });
        return;
      }
    }
  }

  /** foldAdd folds a record of a node being added into that add's one row (./add-fold.ts); true if it did. */
  private foldAdd(r: RunLogRecord, ord: number): boolean {
    if (!FOLDABLE_KINDS.has(r.kind)) {
      this.adds.other(r);
      return false;
    }
    return this.adds.take(
      r,
      () => describe(r, null, this.words),
      (w) => this.addRow(r, ord, w),
    );
  }

  private addRow(r: RunLogRecord, ord: number, w: Described, kind = r.kind): Row {
    const row: Row = {
      ord,
      seq: typeof r.seq === 'number' ? r.seq : ord,
      t: r.t,
      cat: categoryOf(kind),
      kind,
      text: w.text,
      tone: w.tone,
      nodes: w.nodes,
      links: w.links,
      ...(w.steps ? { steps: w.steps } : {}),
      ...(w.note !== undefined ? { note: w.note } : {}),
    };
    this.rows.add(row);
    return row;
  }

  private noteVoteAnswer(r: RunLogRecord): void {
    const type = str(r, 'type');
    const term = num(r, 'term');
    const from = str(r, 'from');
    const to = str(r, 'to');
    if (type === null || !VOTE_ANSWERS.has(type) || term === null || from === null || to === null) return;
    this.votes.answer(term, from, to);
  }

  private onRole(r: RunLogRecord, ord: number): void {
    const node = str(r, 'node');
    const term = num(r, 'term');
    const won = str(r, 'role') === 'leader' && node !== null;
    if (this.elections.role(r, () => describe(r, null, this.words))) return;
    const row = this.addRow(
      r,
      ord,
      describe(r, won && term !== null ? this.votes.facts(term, node) : null, this.words),
    );
    this.elections.opened(r, row);
    if (won) this.marks.push({ t: r.t, ord, kind: 'election', text: row.text });
  }

  /** joinable returns the open merged row for `key` if it is recent enough to take this record. */
  private joinable(key: string, t: number): Merging | null {
    const m = this.merging.get(key.split(':')[0]!);
    return m && m.key === key && t - m.row.t <= MERGE_NS ? m : null;
  }

  private open(key: string, row: Row, members: string[], from = 0, votes: (string | null)[] = []): void {
    this.merging.set(key.split(':')[0]!, { key, row, members, from, votes });
  }

  /** termMoves: an open term row's members with their votes, and why each missing vote is missing. */
  private termMoves(term: number, m: Merging): { node: string; vote: string | null; why: NoVote }[] {
    return m.members.map((n, i) => ({ node: n, vote: m.votes[i] ?? null, why: this.noVotes.why(term, n) }));
  }

  /** noteNoVote notes a vote request or answer refused or dropped, and rewrites the open row of its term that names the voter. */
  private noteNoVote(r: RunLogRecord): void {
    const about = this.noVotes.take(r);
    if (!about) return;
    const g = this.groupKey(about.node);
    const m = this.joinable(`term@${g}:${about.term}`, r.t);
    const i = m ? m.members.indexOf(about.node) : -1;
    if (!m || i < 0 || m.votes[i] !== null) return;
    m.row.text = inGroup(g, termText(about.term, this.termMoves(about.term, m), this.words));
  }

  private onTerm(r: RunLogRecord, ord: number): void {
    const node = str(r, 'node');
    const term = num(r, 'term');
    const vote = str(r, 'vote');
    if (node === null || term === null) return void this.addRow(r, ord, describe(r, null, this.words));
    if (vote !== null) this.votes.vote(term, node, vote);
    // A repeated election's new term is told by its campaign's row (./election-fold.ts).
    if (this.elections.termFolds(r)) return;
    // Groups of a sharded cluster count their terms apart: one row per group and term.
    const g = this.groupKey(node);
    const slot = `term@${g}:${term}`;
    const m = this.joinable(slot, r.t);
    if (m && !m.members.includes(node)) {
      m.members.push(node);
      m.votes.push(vote);
      m.row.text = inGroup(g, termText(term, this.termMoves(term, m), this.words));
      m.row.nodes.push(node);
      return;
    }
    const row = this.addRow(r, ord, {
      text: inGroup(g, termText(term, [{ node, vote, why: this.noVotes.why(term, node) }], this.words)),
      tone: '',
      nodes: [node],
      links: [],
    });
    this.open(slot, row, [node], 0, [vote]);
  }

  private onLeader(r: RunLogRecord, ord: number): void {
    const node = str(r, 'node');
    const leader = str(r, 'leader');
    // The leader's own record says it follows itself: its role row already says it leads.
    if (node === null || leader === node) return;
    // Nodes learning the same leader (or losing theirs) within MERGE_NS share one row.
    const key = `follow:${leader ?? ''}:${num(r, 'term') ?? ''}`;
    const text = (members: string[]): string => (leader === null ? noLeaderText(members) : followText(leader, members));
    const m = this.joinable(key, r.t);
    if (m) {
      if (!m.members.includes(node)) {
        m.members.push(node);
        m.row.nodes.push(node);
        m.row.text = text(m.members);
      }
      return;
    }
    const w = describe(r, null, this.words);
    const row = this.addRow(r, ord, { ...w, text: text([node]), nodes: leader === null ? [node] : [leader, node] });
    this.open(key, row, [node]);
  }

  /**
   * onCommit keeps one row per newly committed index range; other nodes catching up join
   * it. In a sharded cluster each group has a log (and indexes) of its own: the ranges,
   * rows and merging are per group, and a row names its group.
   */
  private onCommit(r: RunLogRecord, ord: number): void {
    const node = str(r, 'node');
    const idx = num(r, 'commitIndex') ?? num(r, 'commit');
    if (node === null || idx === null) return;
    const g = this.groupKey(node);
    const max = this.maxCommit.get(g) ?? 0;
    const slot = `commit@${g}`;
    if (idx > max) {
      this.maxCommit.set(g, idx);
      const text = inGroup(g, commitText(max + 1, idx, node, []));
      const row = this.addRow(r, ord, { text, tone: '', nodes: [node], links: [] });
      this.open(`${slot}:${idx}`, row, [node], max + 1);
      return;
    }
    // A node reaching an index already committed: it joins its group's newest commit row if
    // that row covers the index, and is otherwise only a follower catching up (no row of its own).
    const m = this.merging.get(slot);
    if (m && idx >= m.from && !m.members.includes(node)) {
      m.members.push(node);
      m.row.nodes.push(node);
      m.row.text = inGroup(g, commitText(m.from, max, m.members[0]!, m.members.slice(1)));
    }
  }
}

/** inGroup names a sharded cluster's group before a row's text ("g2: entry 12 committed (…)"); '' leaves it as is. */
function inGroup(g: string, text: string): string {
  return g === '' ? text : `${g}: ${text}`;
}

/** layoutOf reads a cluster-created record's group layout (empty for one group, or a record it cannot read). */
function layoutOf(r: RunLogRecord): Map<string, string> {
  const nodes = num(r, 'nodeCount');
  // Bounded like a cluster's own settings: a damaged saved run cannot make the layout huge.
  if (r.shards === undefined || nodes === null || !Number.isInteger(nodes) || nodes < 1 || nodes > MAX_NODES)
    return new Map();
  try {
    return shardGroupOf({ nodes, shards: shardSettingsAt(r.shards, 'shards') });
  } catch {
    // A saved run's record that does not hold a layout: its commits are read as one group's.
    return new Map();
  }
}
