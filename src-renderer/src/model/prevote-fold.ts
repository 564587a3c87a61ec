/**
 * A node asking for pre-votes again and again, told in one timeline row. A Raft node cut off
 * from the majority (a partition, a one-way cut) stays a pre-candidate: every election
 * timeout it asks its peers again whether they would vote for it, and every peer on its side
 * of the cut answers again — one row per answer, the same sentence every half second for as
 * long as the partition lasts, burying what else happened. From the node's second round on,
 * its pre-candidate row counts the rounds instead: "n1 asked for pre-votes 14× (12.1–19.8
 * s), none granted", or "…, granted by n2 only: 2 of 5, 3 needed"; the answers of those
 * rounds fold into it, kept (bounded) as the row's steps, which the timeline shows when the
 * row is selected. The first round reads as before, so an election that goes through still
 * shows who granted its pre-vote. Only the timeline folds: the run log keeps every record.
 *
 * A round is told by the node's own pre-vote requests (`send` records of type `preVote`,
 * which the router writes whatever the timeline's filters show): a request to a peer
 * already asked in this round begins the next one. Never by time: at speed 0.01× a round
 * takes a minute. The campaign ends with the node's next role record (it stood for
 * election, or heard of a leader), its crash or stop, or a new cluster. Pure and bounded:
 * one open campaign per node.
 */
import type { RunLogRecord } from '../../../src-main/api/contract';
import { list, type Described } from './describe';
import { str } from './records';
import type { Row } from './timeline-rows';

/** MAX_PREVOTE_STEPS bounds the sentences a folded row keeps (the last one then counts the rest). */
export const MAX_PREVOTE_STEPS = 40;

/** ENDING_KINDS end a node's campaign: its process stopped or started again. */
const ENDING_KINDS = new Set(['crash', 'node-died', 'node-exit', 'restart', 'pause', 'member-removed']);

/** Campaign is one node's pre-vote as far as the run log has told it. */
interface Campaign {
  node: string;
  /** row: the node's pre-candidate row, which the campaign rewrites from its second round on. */
  row: Row;
  /** base: that row's own sentence (the first round, with the reason the node gave). */
  base: string;
  rounds: number;
  /** firstT / lastT: when the first and the latest round began (run time, ns). */
  firstT: number;
  lastT: number;
  /** asked: the peers asked in the current round; most: the most asked in one round (the node's peers). */
  asked: string[];
  most: number;
  /** granted / refused: the peers that granted (refused) the node's pre-vote in any round. */
  granted: Set<string>;
  refused: Set<string>;
  /** roundStep: the current round's line among the steps (-1 when it has none), and what was dropped of it. */
  roundStep: number;
  dropped: Map<string, number>;
  /** more: sentences past MAX_PREVOTE_STEPS, counted in the last step. */
  more: number;
}

/** LooseRound is a node's pre-vote requests sent before its pre-candidate role record arrived (the node sends, then reports). */
interface LooseRound {
  t: number;
  asked: string[];
}

/** PreVoteFolds keeps the open pre-vote campaigns of a run (see the file comment). */
export class PreVoteFolds {
  private open = new Map<string, Campaign>();
  private loose = new Map<string, LooseRound>();

  /** openRows are the rows the campaigns may still rewrite. */
  openRows(): Row[] {
    return [...this.open.values()].map((c) => c.row);
  }

  /** clear forgets every campaign (a new cluster). */
  clear(): void {
    this.open.clear();
    this.loose.clear();
  }

  /**
   * role hears a node's role record and the row it got: any role ends the node's campaign
   * (its text stays as it is); a pre-candidate's row begins a new one.
   */
  role(r: RunLogRecord, row: Row): void {
    const node = str(r, 'node');
    if (node === null) return;
    this.open.delete(node);
    if (str(r, 'role') !== 'precandidate') {
      this.loose.delete(node);
      return;
    }
    const first = this.loose.get(node);
    this.loose.delete(node);
    this.open.set(node, {
      node,
      row,
      base: row.text,
      rounds: 1,
      firstT: first?.t ?? r.t,
      lastT: first?.t ?? r.t,
      asked: first?.asked ?? [],
      most: first?.asked.length ?? 0,
      granted: new Set(),
      refused: new Set(),
      roundStep: -1,
      dropped: new Map(),
      more: 0,
    });
  }

  /**
   * take hears any other record; true when it folded a record's row away (an answer to a
   * repeated pre-vote: the campaign's row tells it). `describe` gives the record's own
   * sentence (asked only for a record that folds).
   */
  take(r: RunLogRecord, describe: () => Described): boolean {
    switch (r.kind) {
      case 'send':
        if (str(r, 'type') === 'preVote') this.asked(r);
        return false;
      case 'drop':
        if (str(r, 'type') === 'preVote') this.dropped(r);
        return false;
      case 'vote-answer':
        return this.answer(r, describe);
      case 'cluster-created':
        this.clear();
        return false;
      default:
        if (ENDING_KINDS.has(r.kind)) {
          const node = str(r, 'node');
          if (node !== null) {
            this.open.delete(node);
            this.loose.delete(node);
          }
        }
        return false;
    }
  }

  /** asked notes a pre-vote request: a peer asked again begins the next round. */
  private asked(r: RunLogRecord): void {
    const node = str(r, 'from');
    const to = str(r, 'to');
    if (node === null || to === null) return;
    const c = this.open.get(node);
    if (!c) {
      // Sent before the node's role record arrives: the campaign's first round.
      const l = this.loose.get(node);
      if (!l || l.asked.includes(to)) this.loose.set(node, { t: r.t, asked: [to] });
      else if (l.asked.length < 64) l.asked.push(to);
      return;
    }
    if (!c.asked.includes(to)) {
      if (c.asked.length < 64) c.asked.push(to);
      c.most = Math.max(c.most, c.asked.length);
      this.roundLine(c);
      return;
    }
    c.rounds++;
    c.lastT = r.t;
    c.asked = [to];
    c.dropped = new Map();
    // Folded from here on: the steps begin with the row's own first sentence.
    if (c.rounds === 2) c.row.steps = [`+0 ms  ${c.base}`, ...(c.row.steps ?? [])];
    c.roundStep = this.step(c, '');
    this.roundLine(c);
    this.retell(c);
  }

  /** dropped notes a pre-vote request the network dropped, on the current round's line. */
  private dropped(r: RunLogRecord): void {
    const node = str(r, 'from');
    const c = node === null ? undefined : this.open.get(node);
    if (!c) return;
    const why = str(r, 'reason') ?? 'dropped';
    c.dropped.set(why, (c.dropped.get(why) ?? 0) + 1);
    this.roundLine(c);
  }

  /** answer notes a peer's answer to a pre-vote; from the second round on, it folds into the campaign's row. */
  private answer(r: RunLogRecord, describe: () => Described): boolean {
    if (str(r, 'request') !== 'pre-vote') return false;
    const node = str(r, 'candidate');
    const voter = str(r, 'node');
    const c = node === null ? undefined : this.open.get(node);
    if (!c || voter === null) return false;
    if (r.granted === true) {
      c.granted.add(voter);
      c.refused.delete(voter);
    } else if (r.granted === false && !c.granted.has(voter)) c.refused.add(voter);
    if (c.rounds < 2) return false;
    this.step(c, `+${ms(r.t - c.firstT)} ms  ${describe().text}`);
    this.retell(c);
    return true;
  }

  /** step adds a line to the row's steps (bounded: past the bound, the last line counts the rest); its index, or -1. */
  private step(c: Campaign, text: string): number {
    const steps = (c.row.steps ??= []);
    if (steps.length < MAX_PREVOTE_STEPS) {
      steps.push(text);
      return steps.length - 1;
    }
    c.more++;
    steps[MAX_PREVOTE_STEPS - 1] = `… ${c.more + 1} more (the run log has every record)`;
    if (c.roundStep === MAX_PREVOTE_STEPS - 1) c.roundStep = -1;
    return -1;
  }

  /** roundLine rewrites the current round's line: whom it asked, and what the network dropped. */
  private roundLine(c: Campaign): void {
    if (c.roundStep < 0 || !c.row.steps) return;
    const drops = [...c.dropped].map(([why, n]) => `${n} dropped (${why})`).join(', ');
    const whom = c.asked.length > 0 ? ` ${list(c.asked)}` : '';
    c.row.steps[c.roundStep] =
      `+${ms(c.lastT - c.firstT)} ms  asked${whom} again (round ${c.rounds})${drops ? `: ${drops}` : ''}`;
  }

  /** retell rewrites the campaign's row: how many rounds, over what time, and who granted. */
  private retell(c: Campaign): void {
    const span = `(${secs(c.firstT)}–${secs(c.lastT)} s)`;
    const granted = [...c.granted].sort();
    const refused = [...c.refused].sort();
    const voters = c.most + 1;
    const needed = Math.floor(voters / 2) + 1;
    let how: string;
    if (granted.length === 0) how = 'none granted';
    else if (c.most > 0 && granted.length + 1 < needed)
      how = `granted by ${list(granted)} only: ${granted.length + 1} of ${voters}, ${needed} needed`;
    else how = `granted by ${list(granted)}`;
    const no = refused.length > 0 ? `; ${list(refused)} refused` : '';
    c.row.text = `${c.node} asked for pre-votes ${c.rounds}× ${span}, ${how}${no}`;
  }
}

function ms(ns: number): number {
  return Math.round(ns / 1e6);
}

function secs(ns: number): string {
  return (ns / 1e9).toFixed(1);
}
