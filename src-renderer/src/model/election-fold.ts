/**
 * A node campaigning again and again, told in one timeline row. A node cut off from the
 * majority (a partition, a one-way cut) never wins, so every election timeout it asks its
 * peers again — for pre-votes (Raft with PreVote), for votes in a higher term (Raft without
 * it), for promises of a higher ballot (Multi-Paxos phase 1) — and every peer on its side of
 * the cut answers again: the same sentences every half second for as long as the partition
 * lasts, burying what else happened. From the node's second round on, its campaign's row
 * (pre-candidate or candidate) counts the rounds instead: "n1 asked for pre-votes 14× (12.1–19.8
 * s), none granted", "n2 stood for election 5× (terms 3–11, 3.9–7.0 s), granted by n1 only: 2
 * of 5, 3 needed", "n2 ran phase 1 (prepare) 7× (ballots 3.n2–9.n2, …), promised by n1 only: …";
 * the answers of those rounds (and, for votes and prepares, the term rows of the new terms)
 * fold into it, kept (bounded) as the row's steps, which the timeline shows when the row is
 * selected. The first round reads as before, so an election that goes through still shows
 * who granted it. Only the timeline folds: the run log keeps every record.
 *
 * A pre-vote round is told by the node's own pre-vote requests (`send` records of type
 * `preVote`, which the router writes whatever the timeline's filters show): a request to a peer
 * already asked in this round begins the next one. A vote or prepare round by its term
 * (ballot): a request, or the node's own `role-reason` (candidate → candidate), in a higher one.
 * Never by time: at speed 0.01× a round takes a minute.
 *
 * Two cut-off Raft nodes without PreVote take turns: each election makes the other give up
 * and follow the higher term, then stand again. So a campaign whose node gives up to a peer
 * that is campaigning itself rests rather than ends; when the node stands again its row counts
 * on, and from its second round on its "gave up" rows fold too. A campaign ends with the
 * node's other role records (it won, or follows a leader), its crash or stop, a partition or
 * heal (resting ones), or a new cluster. Pure and bounded: one campaign per node.
 */
import type { RunLogRecord } from '../../../src-main/api/contract';
import { list, nodeList, type Described } from './describe';
import { compareNodeIds } from './node-order';
import { PAXOS_WORDS, RAFT_WORDS, termOf, type Words } from './protocol-words';
import { num, str } from './records';
import type { Row } from './timeline-rows';

/** MAX_FOLD_STEPS bounds the sentences a folded row keeps (the last one then counts the rest). */
export const MAX_FOLD_STEPS = 40;

/** ENDING_KINDS end a node's campaign: its process stopped or started again. */
const ENDING_KINDS = new Set(['crash', 'node-died', 'node-exit', 'restart', 'pause', 'member-removed']);

/** Ask is what a campaign asks for: Raft pre-votes or votes, or Multi-Paxos promises (prepare). */
type Ask = 'pre-vote' | 'vote' | 'prepare';

/** ASK_OF_TYPE maps a request message's type to what it asks. */
const ASK_OF_TYPE: Record<string, Ask> = { preVote: 'pre-vote', vote: 'vote', prepare: 'prepare' };

/** Campaign is one node's campaign as far as the run log has told it. */
interface Campaign {
  node: string;
  /** role: the role the node campaigns in (precandidate or candidate). */
  role: string;
  ask: Ask;
  /** row: the node's campaign row, which the campaign rewrites from its second round on. */
  row: Row;
  /** base: that row's own sentence (the first round, with the reason the node gave). */
  base: string;
  rounds: number;
  /** firstT / lastT: when the first and the latest round began (run time, ns). */
  firstT: number;
  lastT: number;
  /** firstTerm / term: the first and the current round's term (ballot); -1 unknown. */
  firstTerm: number;
  term: number;
  /** asked: the peers asked in the current round; most: the most asked in one round (the node's peers). */
  asked: string[];
  most: number;
  /** granted / refused: the peers that granted (refused) the node's request in any round. */
  granted: Set<string>;
  refused: Set<string>;
  /** roundStep: the current round's line among the steps (-1 when it has none), and what was dropped of it. */
  roundStep: number;
  dropped: Map<string, number>;
  /** more: sentences past MAX_FOLD_STEPS, counted in the last step. */
  more: number;
}

/** LooseRound is a node's requests sent before its campaign's role record arrived (the node sends, then reports). */
interface LooseRound {
  t: number;
  ask: Ask;
  term: number;
  asked: string[];
  dropped: Map<string, number>;
}

/** ElectionFolds keeps the open (and resting) campaigns of a run (see the file comment). */
export class ElectionFolds {
  private open = new Map<string, Campaign>();
  private resting = new Map<string, Campaign>();
  private loose = new Map<string, LooseRound>();
  /** early: nodes whose resting campaign an answer resumed before their role record came (which then folds). */
  private early = new Set<string>();
  /** words: the run's protocol's words (RunModel sets them); a campaign that sent a prepare speaks Paxos's anyway. */
  words: Words = RAFT_WORDS;

  /** wordsOf is the words a campaign's lines speak. */
  private wordsOf(c: Campaign): Words {
    return c.ask === 'prepare' ? PAXOS_WORDS : this.words;
  }

  /** openRows are the rows the campaigns may still rewrite. */
  openRows(): Row[] {
    return [...this.open.values(), ...this.resting.values()].map((c) => c.row);
  }

  /** clear forgets every campaign (a new cluster). */
  clear(): void {
    this.open.clear();
    this.resting.clear();
    this.loose.clear();
    this.early.clear();
  }

  /**
   * role hears a node's role record before it gets a row; true when the row folds away: the
   * node stands again in a resting campaign (its row counts on), or gives up once more to a
   * campaigning peer. Otherwise any role ends the node's campaign, or rests it (see above).
   */
  role(r: RunLogRecord, describe: () => Described): boolean {
    const node = str(r, 'node');
    if (node === null) return false;
    const role = str(r, 'role');
    const c = this.open.get(node);
    const early = this.early.delete(node);
    // The role record of a round an answer already began (see answer): told by the row.
    if (c && early && role === c.role) return true;
    if (c) {
      this.open.delete(node);
      if (role !== 'follower' || !this.peerCampaigns(node)) return false;
      // Gave up to a peer that campaigns too: it may stand again, and its row counts on.
      this.resting.set(node, c);
      if (c.rounds < 2) return false;
      this.step(c, `+${ms(r.t - c.firstT)} ms  ${describe().text}`);
      return true;
    }
    const rest = this.resting.get(node);
    if (!rest) return false;
    this.resting.delete(node);
    if (role !== rest.role) return false;
    // Standing again: the next round of the same campaign.
    this.open.set(node, rest);
    const l = this.loose.get(node);
    this.loose.delete(node);
    this.nextRound(rest, l?.t ?? r.t, l?.term ?? num(r, 'term') ?? -1, l?.asked ?? [], l?.dropped);
    return true;
  }

  /** opened hears the row a role record got: a pre-candidate's or candidate's row begins a campaign. */
  opened(r: RunLogRecord, row: Row): void {
    const node = str(r, 'node');
    if (node === null) return;
    const role = str(r, 'role');
    const first = this.loose.get(node);
    this.loose.delete(node);
    if (role !== 'precandidate' && role !== 'candidate') return;
    const ask: Ask = role === 'precandidate' ? 'pre-vote' : first?.ask === 'prepare' ? 'prepare' : 'vote';
    const term = first && first.ask === ask ? first.term : (num(r, 'term') ?? -1);
    const asked = first && first.ask === ask ? first.asked : [];
    this.open.set(node, {
      node,
      role,
      ask,
      row,
      base: row.text,
      rounds: 1,
      firstT: first?.t ?? r.t,
      lastT: first?.t ?? r.t,
      firstTerm: term,
      term,
      asked,
      most: asked.length,
      granted: new Set(),
      refused: new Set(),
      roundStep: -1,
      dropped: new Map(first && first.ask === ask ? first.dropped : []),
      more: 0,
    });
  }

  /**
   * termFolds says whether a node's term record is part of a repeated round (the campaigner's
   * new term, or a peer that answered it moving there): its row would repeat the round.
   */
  termFolds(r: RunLogRecord): boolean {
    const node = str(r, 'node');
    const term = num(r, 'term');
    if (node === null || term === null) return false;
    for (const c of this.open.values())
      if (
        c.ask !== 'pre-vote' &&
        c.rounds >= 2 &&
        term === c.term &&
        (c.node === node || c.granted.has(node) || c.refused.has(node))
      )
        return true;
    return false;
  }

  /**
   * take hears any record other than role and term; true when it folded a record's row away
   * (an answer to a repeated request: the campaign's row tells it). `describe` gives the
   * record's own sentence (asked only for a record that folds).
   */
  take(r: RunLogRecord, describe: () => Described): boolean {
    switch (r.kind) {
      case 'send':
        this.asked(r);
        return false;
      case 'drop':
        this.dropped(r);
        return false;
      case 'role-reason':
        this.reason(r);
        return false;
      case 'vote-answer':
        return this.answer(r, describe);
      case 'leader':
        // A node that follows a leader campaigns no more.
        if (str(r, 'leader') !== null) this.resting.delete(str(r, 'node') ?? '');
        return false;
      case 'partition':
      case 'heal':
        this.resting.clear();
        return false;
      case 'cluster-created':
        this.clear();
        return false;
      default:
        if (ENDING_KINDS.has(r.kind)) {
          const node = str(r, 'node');
          if (node !== null) {
            this.open.delete(node);
            this.resting.delete(node);
            this.loose.delete(node);
            this.early.delete(node);
          }
        }
        return false;
    }
  }

  /** peerCampaigns says whether another node campaigns and asked `node` (its requests made `node` give up). */
  private peerCampaigns(node: string): boolean {
    for (const c of this.open.values()) if (c.node !== node && c.asked.includes(node)) return true;
    for (const [from, l] of this.loose) if (from !== node && l.asked.includes(node)) return true;
    return false;
  }

  /** asked notes a request: a pre-vote to a peer asked again, or a vote or prepare in a higher term, begins the next round. */
  private asked(r: RunLogRecord): void {
    const ask = ASK_OF_TYPE[str(r, 'type') ?? ''];
    const node = str(r, 'from');
    const to = str(r, 'to');
    if (ask === undefined || node === null || to === null) return;
    const term = num(r, 'term') ?? -1;
    const c = this.open.get(node);
    if (!c || (c.ask === 'pre-vote') !== (ask === 'pre-vote')) {
      // Sent before the node's role record arrives: the campaign's first round (or, resting, its next).
      const l = this.loose.get(node);
      if (!l || l.ask !== ask || l.term !== term || l.asked.includes(to))
        this.loose.set(node, { t: r.t, ask, term, asked: [to], dropped: new Map() });
      else if (l.asked.length < 64) l.asked.push(to);
      return;
    }
    if (ask === 'prepare') c.ask = 'prepare';
    const again = c.ask === 'pre-vote' ? c.asked.includes(to) : term > c.term;
    if (!again) {
      if (c.asked.includes(to)) return;
      if (c.asked.length < 64) c.asked.push(to);
      c.most = Math.max(c.most, c.asked.length);
      if (c.term < 0) c.term = c.firstTerm = term;
      this.roundLine(c);
      return;
    }
    this.nextRound(c, r.t, term, [to]);
  }

  /** reason notes a candidate's role-reason: standing again in a higher term begins the next round. */
  private reason(r: RunLogRecord): void {
    const node = str(r, 'node');
    const term = num(r, 'term');
    const c = node === null ? undefined : this.open.get(node);
    if (!c || c.ask === 'pre-vote' || term === null || term <= c.term) return;
    if (str(r, 'role') !== c.role || str(r, 'prev') !== c.role) return;
    this.nextRound(c, r.t, term, []);
  }

  /** nextRound begins round rounds+1 at t in `term`, having asked `asked` so far. */
  private nextRound(c: Campaign, t: number, term: number, asked: string[], dropped = new Map<string, number>()): void {
    c.rounds++;
    c.lastT = t;
    if (term >= 0) c.term = term;
    c.asked = asked.slice(0, 64);
    c.most = Math.max(c.most, c.asked.length);
    c.dropped = new Map(dropped);
    // Folded from here on: the steps begin with the row's own first sentence.
    if (c.rounds === 2) c.row.steps = [`+0 ms  ${c.base}`, ...(c.row.steps ?? [])];
    c.roundStep = this.step(c, '');
    this.roundLine(c);
    this.retell(c);
  }

  /** dropped notes a request the network dropped, on the current round's line. */
  private dropped(r: RunLogRecord): void {
    const ask = ASK_OF_TYPE[str(r, 'type') ?? ''];
    const node = str(r, 'from');
    if (ask === undefined || node === null) return;
    const why = str(r, 'reason') ?? 'dropped';
    const c = this.open.get(node);
    if (!c || (c.ask === 'pre-vote') !== (ask === 'pre-vote')) {
      // A loose round's drop: its campaign's round line will say it.
      const l = this.loose.get(node);
      if (l && l.ask === ask && l.dropped.size < 8) l.dropped.set(why, (l.dropped.get(why) ?? 0) + 1);
      return;
    }
    c.dropped.set(why, (c.dropped.get(why) ?? 0) + 1);
    this.roundLine(c);
  }

  /** answer notes a peer's answer to a request; from the second round on, it folds into the campaign's row. */
  private answer(r: RunLogRecord, describe: () => Described): boolean {
    const request = str(r, 'request');
    const node = str(r, 'candidate');
    const voter = str(r, 'node');
    const c = node === null ? undefined : (this.open.get(node) ?? this.resumeEarly(node, request));
    if (!c || voter === null || (request === 'pre-vote') !== (c.ask === 'pre-vote')) return false;
    if (request !== 'pre-vote' && request !== 'vote' && request !== 'prepare') return false;
    if (r.granted === true) {
      c.granted.add(voter);
      c.refused.delete(voter);
    } else if (r.granted === false && !c.granted.has(voter)) c.refused.add(voter);
    if (c.rounds < 2) return false;
    this.step(c, `+${ms(r.t - c.firstT)} ms  ${describe().text}`);
    this.retell(c);
    return true;
  }

  /**
   * resumeEarly resumes a resting campaign whose node is asking again (its requests are out)
   * when an answer comes before the node's role record: the answer belongs to the new round.
   */
  private resumeEarly(node: string, request: string | null): Campaign | undefined {
    const rest = this.resting.get(node);
    const l = this.loose.get(node);
    if (
      !rest ||
      !l ||
      (l.ask === 'pre-vote') !== (rest.ask === 'pre-vote') ||
      (request === 'pre-vote') !== (l.ask === 'pre-vote')
    )
      return undefined;
    this.resting.delete(node);
    this.loose.delete(node);
    this.open.set(node, rest);
    this.early.add(node);
    this.nextRound(rest, l.t, l.term, l.asked, l.dropped);
    return rest;
  }

  /** step adds a line to the row's steps (bounded: past the bound, the last line counts the rest); its index, or -1. */
  private step(c: Campaign, text: string): number {
    const steps = (c.row.steps ??= []);
    if (steps.length < MAX_FOLD_STEPS) {
      steps.push(text);
      return steps.length - 1;
    }
    c.more++;
    steps[MAX_FOLD_STEPS - 1] = `… ${c.more + 1} more (the run log has every record)`;
    if (c.roundStep === MAX_FOLD_STEPS - 1) c.roundStep = -1;
    return -1;
  }

  /** roundLine rewrites the current round's line: whom it asked (in what term), and what the network dropped. */
  private roundLine(c: Campaign): void {
    if (c.roundStep < 0 || !c.row.steps) return;
    const drops = [...c.dropped].map(([why, n]) => `${n} dropped (${why})`).join(', ');
    const whom = c.asked.length > 0 ? ` ${nodeList(c.asked)}` : '';
    const term = c.ask === 'pre-vote' || c.term < 0 ? '' : `, ${termOf(this.wordsOf(c), c.term)}`;
    c.row.steps[c.roundStep] =
      `+${ms(c.lastT - c.firstT)} ms  asked${whom} again (round ${c.rounds}${term})${drops ? `: ${drops}` : ''}`;
  }

  /** retell rewrites the campaign's row: how many rounds, over what terms and time, and who granted. */
  private retell(c: Campaign): void {
    const w = this.wordsOf(c);
    const terms = c.ask === 'pre-vote' || c.firstTerm < 0 ? '' : `${w.terms} ${w.num(c.firstTerm)}–${w.num(c.term)}, `;
    const span = `(${terms}${secs(c.firstT)}–${secs(c.lastT)} s)`;
    const granted = [...c.granted].sort(compareNodeIds);
    const refused = [...c.refused].sort(compareNodeIds);
    const voters = c.most + 1;
    const needed = Math.floor(voters / 2) + 1;
    const paxos = w.paxos && c.ask !== 'pre-vote';
    const by = paxos ? 'promised by' : 'granted by';
    let how: string;
    if (granted.length === 0) how = paxos ? 'no promises' : 'none granted';
    else if (c.most > 0 && granted.length + 1 < needed)
      how = `${by} ${list(granted)} only: ${granted.length + 1} of ${voters}, ${needed} needed`;
    else how = `${by} ${list(granted)}`;
    const no = refused.length > 0 ? `; ${list(refused)} refused` : '';
    const did = c.ask === 'pre-vote' ? 'asked for pre-votes' : paxos ? 'ran phase 1 (prepare)' : 'stood for election';
    c.row.text = `${c.node} ${did} ${c.rounds}× ${span}, ${how}${no}`;
  }
}

function ms(ns: number): number {
  return Math.round(ns / 1e6);
}

function secs(ns: number): string {
  return (ns / 1e9).toFixed(1);
}
