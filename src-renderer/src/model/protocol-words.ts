/**
 * The protocol's words, for every sentence, chip and card the views write: Raft speaks of
 * terms and votes ("term 4", "T4"), Multi-Paxos of ballots and promises ("ballot 3.n1",
 * "B3.n1"). A Paxos ballot is written as the space-time diagram's labels write it (round
 * 3 of node n1: formatBallot), never as the integer it is encoded in (301). Pure.
 */
import { formatBallot } from '../../../src-main/core/paxos/ballot';
import type { ProtocolName } from '../../../src-main/core/protocols';

/** Words is one protocol's vocabulary (see the file comment). */
export interface Words {
  paxos: boolean;
  /** term: "term" or "ballot"; terms: its plural. */
  term: string;
  terms: string;
  /** short: the letter before the number on a node's chip ("T4", "B3.n1"). */
  short: string;
  /** num writes a term ("4") or a ballot ("3.n1"). */
  num(n: number): string;
  /** vote / votes: what a campaign asks for ("vote", "promise"). */
  vote: string;
  votes: string;
  /** notes rewrites what a node wrote of itself in these words: a run log saved before its notes wrote ballots as b=3.n1 has "higher ballot … b301". */
  notes(text: string): string;
}

/** RAFT_WORDS: terms and votes. */
export const RAFT_WORDS: Words = {
  paxos: false,
  term: 'term',
  terms: 'terms',
  short: 'T',
  num: (n) => String(n),
  vote: 'vote',
  votes: 'votes',
  notes: (text) => text,
};

/**
 * BALLOT_IN_NOTE: a ballot as a node's notes wrote it before they wrote b=3.n1 ("b301", the
 * number only): still found in the reasons of run logs saved then, which replay here.
 */
const BALLOT_IN_NOTE = /\bb(\d+)\b/g;

/** PAXOS_WORDS: ballots (round.node) and promises. */
export const PAXOS_WORDS: Words = {
  paxos: true,
  term: 'ballot',
  terms: 'ballots',
  short: 'B',
  num: (n) => formatBallot(n),
  vote: 'promise',
  votes: 'promises',
  notes: (text) => text.replace(BALLOT_IN_NOTE, (_, n: string) => `b=${formatBallot(Number(n))}`),
};

/** wordsOf is the vocabulary of `protocol` (Raft's when it is unknown). */
export function wordsOf(protocol: ProtocolName | string | null | undefined): Words {
  return protocol === 'paxos' ? PAXOS_WORDS : RAFT_WORDS;
}

/** termOf writes "term 4" or "ballot 3.n1". */
export function termOf(w: Words, n: number): string {
  return `${w.term} ${w.num(n)}`;
}
