/**
 * Plain-language sentences for run-log records, as the timeline shows them: "n3 became
 * leader of term 4 with votes from n1, n5", "n2 crashed", "network split into n1 n2 | n3
 * n4 n5". Each sentence also names the nodes and links it concerns, so a click on its row
 * can point at them in the topology. A Multi-Paxos run's sentences speak of ballots and
 * promises ("n4 became leader of ballot 2.n4 with promises from …"): ./protocol-words.ts.
 */
import { formatBandwidth } from '../../../src-main/api/bandwidth';
import type { RunLogRecord } from '../../../src-main/api/contract';
import { clientText } from './client-words';
import { describeMembership, isMembershipRecord } from './membership';
import { describeShard, isShardRecord } from './shard-records';
import { RAFT_WORDS, termOf, type Words } from './protocol-words';
import { compareNodeIds, sortNodeIds } from './node-order';
import { assertNever } from '../../../src-main/core/types';
import type { NoVote } from './no-votes';
import { num, str } from './records';

/** Tone colours a row: a failure, a warning, good news, or neutral. */
export type Tone = 'fail' | 'warn' | 'ok' | '';

/** LinkRef names one directed link. */
export interface LinkRef {
  from: string;
  to: string;
}

/** Described is a record in words, with what it concerns. */
export interface Described {
  text: string;
  tone: Tone;
  nodes: string[];
  links: LinkRef[];
  /** steps: more lines, shown when the row is selected (the stack of the error a node died of). */
  steps?: string[];
  /** note: what a word of the sentence means ("absent (nil): the key has no value yet …"), in the row's tooltip and details. */
  note?: string;
}

/** DEATH_TEXT_CHARS bounds the error in a death's sentence; DEATH_STACK_LINES, the stack lines shown with it. */
const DEATH_TEXT_CHARS = 300;
const DEATH_STACK_LINES = 12;

/**
 * describeDeath: "n2 died unexpectedly (exit code 1): Error: disk on fire" — how the
 * process ended (its signal, or a non-zero exit code), and the error it reported dying of
 * (node/fatal.ts), its stack as the row's steps.
 */
function describeDeath(r: RunLogRecord, node: string, base: string, tone: Tone): Described {
  const code = num(r, 'code');
  const how = str(r, 'signal') ?? (code !== null && code !== 0 ? `exit code ${code}` : null);
  const error = str(r, 'error');
  const said =
    error === null ? '' : `: ${error.length > DEATH_TEXT_CHARS ? `${error.slice(0, DEATH_TEXT_CHARS - 1)}…` : error}`;
  const out = d(`${base}${how ? ` (${how})` : ''}${said}`, tone, [node]);
  const stack = str(r, 'stack');
  if (stack !== null) {
    // The stack's first line repeats the message; the frames say where.
    const frames = stack
      .split('\n')
      .slice(1)
      .map((l) => l.trim())
      .filter((l) => l !== '');
    if (frames.length > 0) out.steps = frames.slice(0, DEATH_STACK_LINES);
  }
  return out;
}

/** ElectionFacts is what the run log says about how a leader won its term. */
export interface ElectionFacts {
  /** voters: nodes whose term record shows they voted for the winner in that term (not the winner). */
  voters: readonly string[];
  /** answered: other nodes whose vote answer reached the winner (the log does not say which way). */
  answered: readonly string[];
  /**
   * late: nodes whose term record shows a vote for the winner that its own count of the
   * majority did not include — their votes came after it had won (or were still on the way).
   */
  late?: readonly string[];
}

/** list joins ids as "n1, n2 and n3". */
export function list(ids: readonly string[]): string {
  if (ids.length <= 1) return ids[0] ?? '';
  return `${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1]}`;
}

/** nodeList joins node ids in node order: "n2, n9 and n10" (./node-order.ts), whatever order they came in. */
export function nodeList(ids: readonly string[]): string {
  return list(sortNodeIds(ids));
}

const d = (text: string, tone: Tone = '', nodes: string[] = [], links: LinkRef[] = []): Described => ({
  text,
  tone,
  nodes,
  links,
});

/** describeLeaderWin: "n3 became leader of term 4 with votes from n1, n5 and itself" (Paxos: "of ballot 2.n3 with promises from"). */
export function describeLeaderWin(
  node: string,
  term: number | null,
  facts: ElectionFacts | null,
  w: Words = RAFT_WORDS,
): Described {
  const of = term === null ? '' : ` of ${termOf(w, term)}`;
  let text = `${node} became leader${of}`;
  if (facts && facts.voters.length > 0) text += ` with ${w.votes} from ${list([...facts.voters, 'itself'])}`;
  // Votes that came after the majority: without them the term row's longer list of voters
  // reads as votes that did not count.
  const late = facts?.late ?? [];
  if (late.length > 0)
    text += `; ${nodeList(late)} voted for it too, after it had ${facts!.voters.length > 0 ? 'its' : 'a'} majority`;
  if (facts && facts.answered.length > 0)
    text += `${facts.voters.length > 0 || late.length > 0 ? ';' : ','} ${nodeList(facts.answered)} answered too`;
  return d(text, 'ok', [node, ...(facts?.voters ?? [])]);
}

function describeRole(r: RunLogRecord, node: string, facts: ElectionFacts | null, w: Words): Described {
  const role = str(r, 'role');
  const term = num(r, 'term');
  const before = str(r, 'from');
  // A Paxos node that has promised nothing yet is in no ballot (ballot 0 means none).
  const inTerm = term === null || (w.paxos && term === 0) ? '' : ` in ${termOf(w, term)}`;
  switch (role) {
    case 'leader':
      return describeLeaderWin(node, term, facts, w);
    case 'candidate':
      // Multi-Paxos phase 1: the proposer asks the acceptors to promise its ballot.
      if (w.paxos)
        return d(
          `${node} began phase 1 (prepare)${term === null ? '' : ` with ${termOf(w, term)}`} and asked for promises`,
          'warn',
          [node],
        );
      return d(`${node} stood for election${term === null ? '' : ` for term ${term}`} and asked for votes`, 'warn', [
        node,
      ]);
    case 'precandidate':
      return d(`${node} asked whether it could win an election (pre-vote)${inTerm}`, 'warn', [node]);
    case 'follower':
      if (before === 'leader') return d(`${node} stepped down from leader to follower${inTerm}`, 'warn', [node]);
      if (before === 'candidate' || before === 'precandidate')
        return d(`${node} gave up its election and follows${inTerm}`, '', [node]);
      if (before === null) return d(`${node} started as a follower${inTerm}`, '', [node]);
      return d(`${node} is a follower${inTerm}`, '', [node]);
    case 'learner':
      return d(`${node} joined as a learner (it copies the log but does not vote)${inTerm}`, '', [node]);
    default:
      return d(`${node} is now ${role ?? 'in an unknown role'}${inTerm}`, '', [node]);
  }
}

function describeLink(r: RunLogRecord): Described {
  const from = str(r, 'from') ?? '?';
  const to = str(r, 'to') ?? '?';
  const both = r.both === true;
  const arrow = both ? '↔' : '→';
  const parts: string[] = [];
  if (r.blocked === true) parts.push('cut');
  const lat = num(r, 'latencyMs');
  const jit = num(r, 'jitterMs');
  if (lat) parts.push(`+${lat} ms${jit ? ` ± ${jit} ms` : ''}`);
  const loss = num(r, 'loss');
  if (loss) parts.push(`${Math.round(loss * 100)}% lost`);
  const dup = num(r, 'duplicate');
  if (dup) parts.push(`${Math.round(dup * 100)}% duplicated`);
  const bw = num(r, 'bandwidth');
  if (bw) parts.push(`limited to ${formatBandwidth(bw)}`);
  const links = both
    ? [
        { from, to },
        { from: to, to: from },
      ]
    : [{ from, to }];
  if (parts.length === 0) return d(`link ${from}${arrow}${to} back to normal`, 'ok', [from, to], links);
  return d(`link ${from}${arrow}${to}: ${parts.join(', ')}`, 'fail', [from, to], links);
}

function groupsText(groups: unknown): { text: string; nodes: string[]; n: number } {
  if (!Array.isArray(groups)) return { text: '?', nodes: [], n: 0 };
  const gs = groups.filter(Array.isArray).map((g) => (g as unknown[]).filter((x) => typeof x === 'string'));
  return { text: gs.map((g) => g.join(' ')).join(' | '), nodes: gs.flat() as string[], n: gs.length };
}

function describeClient(r: RunLogRecord): Described {
  const node = str(r, 'node');
  const { text, outcome, note } = clientText(r);
  const out = d(text, outcome === 'ok' ? '' : outcome === 'fail' ? 'warn' : 'fail', node === null ? [] : [node]);
  if (note !== undefined) out.note = note;
  return out;
}

function describeRecovered(r: RunLogRecord, node: string, w: Words): Described {
  const commit = num(r, 'commit');
  const upTo = commit === null ? '' : `, committed up to entry ${commit}`;
  if (str(r, 'source') === 'peers') return d(`${node} recovered its damaged data from its peers${upTo}`, 'ok', [node]);
  const term = num(r, 'term');
  return d(`${node} read its state back from disk${term === null ? '' : ` (${termOf(w, term)}${upTo})`}`, 'ok', [node]);
}

function describeMessage(r: RunLogRecord, w: Words): Described {
  const from = str(r, 'from') ?? '?';
  const to = str(r, 'to') ?? '?';
  const type = str(r, 'type') ?? str(r, 'msgKind') ?? 'message';
  const term = num(r, 'term');
  const ofTerm = term === null ? '' : ` (${termOf(w, term)})`;
  const verb: Record<string, string> = {
    send: 'sent',
    deliver: 'delivered',
    drop: 'dropped',
    duplicate: 'duplicated',
  };
  const reason = str(r, 'reason');
  const tone: Tone = r.kind === 'drop' ? 'fail' : '';
  const text = `${type} ${from}→${to} ${verb[r.kind] ?? r.kind}${reason ? ` (${reason})` : ''}${ofTerm}`;
  return d(text, tone, [from, to], [{ from, to }]);
}

/**
 * describe renders one record in words; `facts` are the election facts of a leader's role
 * record, `w` the run's protocol's words (terms and votes, or ballots and promises).
 */
export function describe(r: RunLogRecord, facts: ElectionFacts | null = null, w: Words = RAFT_WORDS): Described {
  const node = str(r, 'node') ?? '?';
  const n = [node];
  switch (r.kind) {
    case 'role': {
      const won = str(r, 'role') === 'leader' ? wonWith(str(r, 'reason'), w) : null;
      // The winner's own count of its votes says the sentence once, rather than twice in two lists.
      if (won) return describeLeaderWin(node, num(r, 'term'), ownVotes(node, won, facts), w);
      return withReason(describeRole(r, node, facts, w), w.notes(str(r, 'reason') ?? '') || null);
    }
    case 'role-reason':
      return d(`${node} ${w.notes(str(r, 'reason') ?? str(r, 'role') ?? '?')}`, '', n);
    case 'vote-answer':
      return describeVoteAnswer(r, node, w);
    case 'term': {
      const vote = str(r, 'vote');
      const term = num(r, 'term');
      if (w.paxos && term !== null) return d(termText(term, [{ node, vote }], w), '', n);
      return d(`${node} moved to term ${term ?? '?'}${vote ? `, voted for ${vote}` : ''}`, '', n);
    }
    case 'leader': {
      const leader = str(r, 'leader');
      if (leader === null) return d(noLeaderText([node]), (num(r, 'term') ?? 0) > 0 ? 'warn' : '', n);
      return d(`${node} follows leader ${leader}`, '', [node, leader]);
    }
    case 'crash':
      return d(`${node} crashed (killed at once, SIGKILL)`, 'fail', n);
    case 'node-died':
      return describeDeath(r, node, `${node} died unexpectedly`, 'fail');
    case 'node-exit':
      // Stopped on purpose, unless it died of an error first.
      return str(r, 'error') === null
        ? d(`${node}'s process ended`, '', n)
        : describeDeath(r, node, `${node} died`, 'fail');
    case 'recovered':
      return describeRecovered(r, node, w);
    case 'snapshot-taken':
      return d(`${node} compacted its log into a snapshot up to entry ${num(r, 'index') ?? '?'}`, '', n);
    case 'snapshot-installed':
      return d(`${node} installed a snapshot up to entry ${num(r, 'index') ?? '?'} sent by the leader`, '', n);
    case 'frame-rejected':
      return d(
        `a malformed message was refused (${str(r, 'reason') ?? 'no reason given'})`,
        'warn',
        str(r, 'node') ? n : [],
      );
    case 'restart':
      return d(`${node} restarted on its own data`, 'ok', n);
    case 'node-ready':
      return d(`${node} is up`, 'ok', n);
    case 'pause':
      return d(`${node} paused (SIGSTOP): alive, but silent`, 'fail', n);
    case 'resume':
      return d(`${node} resumed`, 'ok', n);
    case 'storage-damaged':
      return d(`${node} found its data damaged and will not vote until it recovers`, 'fail', n);
    case 'damage':
      return d(`${node}'s disk was damaged (${str(r, 'fault') ?? '?'}): ${str(r, 'what') ?? ''}`, 'fail', n);
    case 'router-connect':
      return d(`${node} connected to the network`, '', n);
    case 'router-disconnect':
    case 'router-disconnected':
      return d(`${node} lost its connection to the network`, 'warn', n);
    case 'peer-closed':
      return d(`${node} saw the connection to ${str(r, 'peer') ?? '?'} close (its process is gone)`, 'warn', n);
    case 'peer-closed-dropped':
      return d(`${node} did not see ${str(r, 'peer') ?? '?'} close: ${str(r, 'reason') ?? 'cut off'}`, '', n);
    case 'partition': {
      const g = groupsText(r.groups);
      if (g.n <= 1) return d('network joined again: no partition', 'ok', g.nodes);
      return d(`network split into ${g.n} sides: ${g.text}`, 'fail', g.nodes);
    }
    case 'heal':
      return d('network healed: every cut and link rule removed', 'ok');
    case 'link-rule':
      return describeLink(r);
    case 'time-scale': {
      const s = num(r, 'scale');
      return s === 1 || s === null ? d('timers back to normal speed', 'ok') : d(`timers slowed to ${s}×`, 'warn');
    }
    case 'balance':
      return d(`the gateway now balances with ${str(r, 'algorithm') ?? '?'}`);
    case 'cluster-created':
      return d(`a new cluster: ${num(r, 'nodeCount') ?? '?'} nodes running ${str(r, 'protocol') ?? '?'}`, 'ok');
    case 'cluster-stopped':
      return d('the cluster stopped');
    case 'unsafe': {
      const modes = Array.isArray(r.modes) ? r.modes.filter((m): m is string => typeof m === 'string') : [];
      return d(`UNSAFE: this cluster breaks a safety rule on purpose (${modes.join(', ') || '?'})`, 'fail');
    }
    case 'client-invoke':
      return d(`client ${num(r, 'process') ?? '?'} asks ${str(r, 'f') ?? '?'} ${str(r, 'key') ?? ''}`.trimEnd());
    case 'client-complete':
      return describeClient(r);
    case 'load-done':
      return d(
        `load finished: ${num(r, 'ok') ?? '?'} ok, ${num(r, 'fail') ?? '?'} failed, ${num(r, 'unknown') ?? 0} unknown`,
      );
    case 'export':
      return d(`run exported to ${str(r, 'dir') ?? '?'}`);
    case 'send':
    case 'deliver':
    case 'drop':
    case 'duplicate':
      return describeMessage(r, w);
    default:
      if (isMembershipRecord(r.kind)) return describeMembership(r);
      if (isShardRecord(r.kind)) return describeShard(r);
      return d(fallbackText(r), '', str(r, 'node') === null ? [] : n);
  }
}

/**
 * describeVoteAnswer: how a node answered a campaign, "n2 granted n1's vote (t5): candidate log up
 * to date (…)" as the node wrote it; in a Multi-Paxos run, "n2 promised ballot 3.n1 to n1" or
 * "n2 refused n1's prepare (ballot 3.n1): …" — an acceptor promises, it grants no promise.
 */
function describeVoteAnswer(r: RunLogRecord, node: string, w: Words): Described {
  const reason = str(r, 'reason');
  const tone: Tone = r.granted === false ? 'warn' : '';
  const cand = str(r, 'candidate');
  const term = num(r, 'term');
  if (!w.paxos || str(r, 'request') !== 'prepare' || cand === null || term === null || typeof r.granted !== 'boolean')
    return d(`${node} ${w.notes(reason ?? `answered a ${w.vote}`)}`, tone, [node]);
  // The node's words after its "verb cand's what (ballot): " prefix: the reason, unless it only repeats the verb.
  const i = reason?.indexOf('): ') ?? -1;
  const why = reason !== null && i >= 0 ? w.notes(reason.slice(i + 3)) : '';
  const tail = why === '' || why === 'granted' ? '' : `: ${why}`;
  const text = r.granted
    ? `${node} promised ${termOf(w, term)} to ${cand}${tail}`
    : `${node} refused ${cand}'s prepare (${termOf(w, term)})${tail}`;
  return d(text, tone, [node]);
}

/**
 * WON / WON_PAXOS: the reason a leader gives for its win, Raft's "won the election with votes
 * from n2, n4, n1" and Multi-Paxos's "phase 1 won: promises from n2, n4, n1" (core/notes.ts).
 */
const WON = 'won the election with votes from ';
const WON_PAXOS = 'phase 1 won: promises from ';

/** wonWith reads the voters from a leader's reason in the run's words (null when it gives another reason). */
function wonWith(reason: string | null, w: Words): string[] | null {
  if (reason === null) return null;
  const i = reason.indexOf('): ');
  const core = i >= 0 ? reason.slice(i + 3) : reason;
  const won = w.paxos ? WON_PAXOS : WON;
  if (!core.startsWith(won)) return null;
  const ids = core
    .slice(won.length)
    .split(',')
    .map((x) => x.trim())
    .filter((x) => /^[\w.-]{1,32}$/.test(x));
  return ids.length > 0 ? ids.slice(0, 64) : null;
}

/** ownVotes is the winner's own voters (not itself), with the others the run log saw answer. */
function ownVotes(node: string, voters: readonly string[], facts: ElectionFacts | null): ElectionFacts {
  const others = [...new Set(voters.filter((v) => v !== node))].sort(compareNodeIds);
  return {
    voters: others,
    answered: (facts?.answered ?? []).filter((a) => !others.includes(a)),
    late: (facts?.voters ?? []).filter((v) => v !== node && !others.includes(v)),
  };
}

/** withReason adds the reason a node gave for a role change: "n1 stepped down … — check-quorum: …". */
function withReason(x: Described, reason: string | null): Described {
  if (reason === null) return x;
  const i = reason.indexOf('): ');
  return { ...x, text: `${x.text} — ${i >= 0 ? reason.slice(i + 3) : reason}` };
}

/** fallbackText: a record of a kind with no sentence yet, as "kind: field value, …" with whole values. */
export function fallbackText(r: RunLogRecord): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (k === 't' || k === 'seq' || k === 'kind' || v === undefined || v === null) continue;
    parts.push(`${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`);
  }
  return parts.length ? `${r.kind}: ${parts.join(', ')}` : r.kind;
}

/** commitText: "entries 501–504 committed (n1 first, then n2, n3)". */
export function commitText(from: number, to: number, first: string, also: readonly string[]): string {
  const what = from >= to ? `entry ${to}` : `entries ${from}–${to}`;
  const who = also.length ? `${first} first, then ${also.join(', ')}` : first;
  return `${what} committed (${who})`;
}

/** followText: "n1, n2 and n4 follow leader n3". */
export function followText(leader: string, followers: readonly string[]): string {
  return `${nodeList(followers)} ${followers.length === 1 ? 'follows' : 'follow'} leader ${leader}`;
}

/** noLeaderText: "n1 and n4 know of no leader". */
export function noLeaderText(nodes: readonly string[]): string {
  return `${nodeList(nodes)} ${nodes.length === 1 ? 'knows' : 'know'} of no leader`;
}

/** noVoteText says, for a group of nodes, why no vote of theirs reached a candidate ("no answer from n4: the request was dropped (partition)"). */
function noVoteText(nodes: readonly string[], why: NoVote): string {
  switch (why.kind) {
    case 'refused':
      return `${nodeList(nodes)} refused ${why.to}`;
    case 'request-dropped':
      return `no answer from ${nodeList(nodes)}: the request was dropped (${why.rule})`;
    case 'answer-dropped':
      return `no answer from ${nodeList(nodes)}: the answer was dropped (${why.rule})`;
    case 'unknown':
      return `no answer from ${nodeList(nodes)}`;
    default:
      return assertNever(why, 'no-vote');
  }
}

/**
 * termText: "term 4: n3 voted for itself; n1 and n5 voted for n3; n2 refused n3; no answer
 * from n4" (moves grouped by vote). A node that moved to the term without a vote is said to
 * have refused only when the log shows its answer (`why`, ./no-votes.ts); else the
 * candidate heard no answer from it, and the row says why when the network dropped it. A
 * Multi-Paxos acceptor's move to a ballot is its promise: "n1 and n2 promised ballot 3.n1"
 * (a Paxos node records no vote).
 */
export function termText(
  term: number,
  moves: readonly { node: string; vote: string | null; why?: NoVote }[],
  w: Words = RAFT_WORDS,
): string {
  if (w.paxos && moves.every((m) => m.vote === null)) {
    const nodes = moves.map((m) => m.node);
    if (term === 0) return `${nodeList(nodes)} ${nodes.length === 1 ? 'has' : 'have'} promised no ballot yet`;
    return `${nodeList(nodes)} promised ${termOf(w, term)}`;
  }
  const groups = new Map<string, { nodes: string[]; say: (nodes: string[]) => string }>();
  for (const m of moves) {
    const why = m.why ?? { kind: 'unknown' };
    const [key, say] =
      m.vote === null
        ? [`none:${JSON.stringify(why)}`, (ns: string[]) => noVoteText(ns, why)]
        : m.vote === m.node
          ? ['itself', (ns: string[]) => `${nodeList(ns)} ${ns.length > 1 ? 'each ' : ''}voted for itself`]
          : [`vote:${m.vote}`, (ns: string[]) => `${nodeList(ns)} voted for ${m.vote}`];
    const g = groups.get(key);
    if (g) g.nodes.push(m.node);
    else groups.set(key, { nodes: [m.node], say });
  }
  return `${termOf(w, term)}: ${[...groups.values()].map((g) => g.say(g.nodes)).join('; ')}`;
}
