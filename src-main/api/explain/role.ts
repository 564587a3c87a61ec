/**
 * "Why is node X in its role?" from the run log: the role-reason record the node wrote when
 * it took that role (the timeout, vote or message that caused it, and that message's own
 * record), its last election and what ended it, its last step-down, and its last refused
 * and granted votes (promises in Multi-Paxos). Nodes that are down or paused say so first.
 */
import type { NodeId } from '../../core/types';
import type { RunLogRecord } from '../contract';
import type { NodeFacts, RoleWhy, WhyCite, WhyInput, WhyResult } from './types';
import { majorityOf } from '../quorum';
import { reachOf } from './reach';
import { cite, list, messageText, num, obj, secs, str, wordsOf } from './words';

/** Ctx is one role question being answered. */
interface Ctx {
  input: WhyInput;
  node: NodeId;
  mine: RunLogRecord[];
  /** ref writes a term ("t5") or a ballot ("b=2.n3") as every other view does (NoteWords.ref). */
  ref: (n: number) => string;
  cites: WhyCite[];
  /** shown: role-reason records already told, so no section repeats another. */
  shown: Set<number>;
}

// What can silence a leader, and what ends that (a crash is followed by node-exit, which adds nothing).
const LIFECYCLE = new Set(['crash', 'restart', 'pause', 'resume', 'node-died', 'node-ready']);

/** latest returns the newest record of `mine` that `pred` accepts, before seq `before` if given. */
function latest(mine: readonly RunLogRecord[], pred: (r: RunLogRecord) => boolean, before = Infinity) {
  for (let i = mine.length - 1; i >= 0; i--) {
    const r = mine[i]!;
    if (r.seq < before && pred(r)) return r;
  }
  return null;
}

function causeKind(r: RunLogRecord): string | null {
  const c = obj(r, 'cause');
  return c && typeof c.kind === 'string' ? c.kind : null;
}

function reasonOf(r: RunLogRecord): string {
  return str(r, 'reason') ?? 'no reason recorded';
}

/** explainRole answers "why is `node` in its role (and why did it last step down, start an election, refuse a vote)". */
export function explainRole(input: WhyInput, node: NodeId): WhyResult {
  const f = input.facts.find((x) => x.id === node);
  if (!f) return { ok: false, status: 404, error: `unknown node ${node}` };
  const mine = input.log.filter((r) => str(r, 'node') === node);
  const c: Ctx = { input, node, mine, ref: wordsOf(input.view.protocol).ref, cites: [], shown: new Set() };
  const role = f.run === 'down' ? null : (f.status?.role ?? input.view.nodes.find((n) => n.id === node)?.role ?? null);
  const term = f.status?.term ?? null;
  const facts: RoleWhy = {
    role,
    term,
    reason: null,
    cause: null,
    election: null,
    stepDown: null,
    voteRefused: null,
    voteGranted: null,
  };
  const lines: string[] = [];
  const head = runLine(c, f) ?? roleLine(c, f, facts, lines);
  if (role === 'candidate' || role === 'precandidate' || role === 'leader') lines.push(...campaignReach(c, f));
  lines.push(...electionLines(c, facts), ...stepDownLines(c, facts), ...voteLines(c, facts));
  const cites = c.cites.filter((x, i) => c.cites.findIndex((y) => y.seq === x.seq) === i);
  return { ok: true, answer: { node, entry: null, summary: head, lines, cites, roleFacts: facts } };
}

/** campaignReach says whether a campaigning node can reach enough voters to win, or a leader enough to commit. */
function campaignReach(c: Ctx, f: NodeFacts): string[] {
  const conf = f.status?.conf;
  const voters = conf && conf.voters.length > 0 ? conf.voters : c.input.view.nodes.map((n) => n.id);
  const reach = reachOf(c.input.view, c.node, voters);
  const needed = majorityOf(voters.length);
  const can = reach.reachable.length >= needed;
  const lead = f.status?.role === 'leader';
  const then = lead
    ? can
      ? ': it can commit.'
      : ': it cannot commit anything until it reaches a quorum again.'
    : can
      ? ': it can win once they answer.'
      : ': no election it starts can win.';
  return [
    `${c.node} reaches ${list(reach.reachable)} (${reach.reachable.length} of ${voters.length} with itself; ${needed} needed)${then}`,
  ];
}

/** runLine: a node that is down or paused answers nothing; say since when and why. */
function runLine(c: Ctx, f: NodeFacts): string | null {
  if (f.run === 'up') return null;
  // A crash is followed by the process's exit record: the crash says why.
  const kinds = f.run === 'down' ? ['crash', 'node-died'] : ['pause'];
  const r = latest(c.mine, (x) => kinds.includes(x.kind)) ?? latest(c.mine, (x) => x.kind === 'node-exit');
  const what = f.run === 'down' ? 'down' : 'paused (SIGSTOP): it neither times out nor answers';
  if (!r) return `${c.node} is ${what}.`;
  c.cites.push(cite(r, `${c.node} ${r.kind}`));
  const how = r.kind === 'crash' ? 'crashed (SIGKILL)' : r.kind === 'pause' ? 'was paused' : exitWords(r);
  const error = str(r, 'error');
  // A node that died of an error nobody caught reported it (node/fatal.ts): say which.
  const of = error === null ? '' : `, of an ${str(r, 'origin')?.replace('-', ' ') ?? 'uncaught error'}: ${error}`;
  return `${c.node} is ${what}: it ${how} at ${secs(r.t)}${of}.`;
}

/** exitWords: "died unexpectedly (exit code 1)", "exited (node-exit)". */
function exitWords(r: RunLogRecord): string {
  if (r.kind !== 'node-died') return `exited (${r.kind})`;
  const code = num(r, 'code');
  return `died unexpectedly (${str(r, 'signal') ?? (code === null ? 'no exit code' : `exit code ${code}`)})`;
}

/** roleLine: the current role and the reason the node gave for it (with the message that caused it). */
function roleLine(c: Ctx, f: NodeFacts, facts: RoleWhy, lines: string[]): string {
  const role = facts.role ?? 'unknown';
  const want = role === 'learner' ? 'follower' : role;
  const note = latest(c.mine, (r) => r.kind === 'role-reason' && str(r, 'role') === want);
  const termText = facts.term === null ? '' : ` (${c.ref(facts.term)})`;
  const leader = f.status?.leader;
  const follows = role === 'follower' && leader ? `, following ${leader}` : '';
  if (!note) {
    const rec = latest(c.mine, (r) => r.kind === 'role' && str(r, 'role') === role);
    if (rec) c.cites.push(cite(rec, `${c.node} became ${role}`));
    const since = rec ? ` since ${secs(rec.t)}` : '';
    return `${c.node} is ${role}${termText}${since}${follows}; no reason was recorded for it.`;
  }
  facts.reason = reasonOf(note);
  facts.cause = obj(note, 'cause');
  c.cites.push(cite(note, `${c.node} role-reason: ${facts.reason}`));
  c.shown.add(note.seq);
  const msg = causeMessage(c, note);
  if (msg) lines.push(`The message: ${msg}.`);
  return `${c.node} is ${role}${termText}${follows} since ${secs(note.t)} because of: ${causeOnly(facts.reason)}.`;
}

/** causeOnly drops the "prev → role (t5): " head of a role-reason text. */
function causeOnly(reason: string): string {
  const i = reason.indexOf('): ');
  return i >= 0 ? reason.slice(i + 3) : reason;
}

/** causeMessage finds the run-log record of the message a role-reason names (higher term, leader found, nack). */
function causeMessage(c: Ctx, note: RunLogRecord): string | null {
  const cause = obj(note, 'cause');
  const find = c.input.findMessage;
  if (!cause || !find || typeof cause.from !== 'string') return null;
  const q = {
    to: c.node,
    from: cause.from,
    before: note.seq,
    kind: 'deliver' as const,
    ...(typeof cause.msg === 'string' ? { type: cause.msg } : {}),
    ...(typeof cause.term === 'number' ? { term: cause.term } : {}),
  };
  const m = find(q) ?? find({ to: c.node, from: cause.from, before: note.seq, kind: 'deliver' });
  if (!m) return null;
  c.cites.push(cite(m, messageText(m, c.ref, false)));
  return messageText(m, c.ref);
}

/** electionLines: the last election the node started — the timeout (and what it last heard) — and how it ended. */
function electionLines(c: Ctx, facts: RoleWhy): string[] {
  const start = latest(c.mine, (r) => {
    const k = causeKind(r);
    return (
      r.kind === 'role-reason' &&
      (k === 'election-timeout' || k === 'leader-closed' || k === 'transfer' || k === 'nack')
    );
  });
  if (!start) return [];
  const ci = cite(start, `${c.node} role-reason: ${reasonOf(start)}`);
  facts.election = ci;
  c.cites.push(ci);
  const out = c.shown.has(start.seq)
    ? []
    : [`Last election: started at ${secs(start.t)} — ${causeOnly(reasonOf(start))}.`];
  c.shown.add(start.seq);
  const cause = obj(start, 'cause');
  const leader = cause && typeof cause.leader === 'string' ? cause.leader : null;
  if (leader) out.push(...silentLeader(c, leader, start));
  const end = c.mine.find(
    (r) => r.seq > start.seq && r.kind === 'role-reason' && ['leader', 'follower'].includes(str(r, 'role') ?? ''),
  );
  if (end && !c.shown.has(end.seq)) out.push(`It ended at ${secs(end.t)}: ${reasonOf(end)}.`);
  if (end) c.shown.add(end.seq);
  return out;
}

/** silentLeader says when the node last heard from `leader` before its election, and what happened to that leader. */
function silentLeader(c: Ctx, leader: NodeId, start: RunLogRecord): string[] {
  const out: string[] = [];
  const heard = c.input.findMessage?.({ to: c.node, from: leader, before: start.seq, kind: 'deliver' }) ?? null;
  if (heard) {
    c.cites.push(cite(heard, messageText(heard, c.ref, false)));
    out.push(`The last message from ${leader} before it: ${messageText(heard, c.ref)}.`);
  }
  const fate = latest(
    c.input.log,
    (r) => (str(r, 'node') === leader && LIFECYCLE.has(r.kind)) || r.kind === 'partition' || r.kind === 'link-rule',
    start.seq,
  );
  const what = fate ? fateText(fate, leader) : null;
  if (fate && what) {
    c.cites.push(cite(fate, what));
    out.push(`Before that, at ${secs(fate.t)}, ${what}.`);
  }
  return out;
}

/** fateText says what a fault record did to a leader's reach ("n1 was crashed (SIGKILL)"); null for a recovery. */
function fateText(r: RunLogRecord, leader: NodeId): string | null {
  switch (r.kind) {
    case 'crash':
      return `${leader} was crashed (SIGKILL)`;
    case 'node-died':
      return `${leader} died`;
    case 'pause':
      return `${leader} was paused (SIGSTOP)`;
    case 'partition': {
      const groups = Array.isArray(r.groups) ? r.groups.map((g) => `{${String(g)}}`).join(' | ') : '';
      return `the network was partitioned ${groups}`.trim();
    }
    case 'link-rule':
      return `a link rule was set on ${str(r, 'from') ?? '?'}→${str(r, 'to') ?? '?'}`;
    default:
      return null;
  }
}

/** stepDownLines: the last time the node went from leader or candidate back to follower, and why. */
function stepDownLines(c: Ctx, facts: RoleWhy): string[] {
  const r = latest(
    c.mine,
    (x) => x.kind === 'role-reason' && str(x, 'role') === 'follower' && str(x, 'prev') !== 'follower',
  );
  if (!r) return [];
  const ci = cite(r, `${c.node} role-reason: ${reasonOf(r)}`);
  facts.stepDown = ci;
  c.cites.push(ci);
  if (c.shown.has(r.seq)) return [];
  c.shown.add(r.seq);
  const out = [`Last step-down: at ${secs(r.t)}, ${str(r, 'prev') ?? '?'} → follower — ${causeOnly(reasonOf(r))}.`];
  const msg = causeMessage(c, r);
  if (msg) out.push(`The message: ${msg}.`);
  return out;
}

/** voteLines: the last refused and the last granted vote (promise), with their reasons. */
function voteLines(c: Ctx, facts: RoleWhy): string[] {
  const out: string[] = [];
  for (const granted of [false, true]) {
    const r = latest(c.mine, (x) => x.kind === 'vote-answer' && x.granted === granted);
    if (!r) continue;
    const ci = cite(r, `${c.node} vote-answer: ${reasonOf(r)}`);
    if (granted) facts.voteGranted = ci;
    else facts.voteRefused = ci;
    c.cites.push(ci);
    const label = granted ? 'Last vote granted' : 'Last vote refused';
    out.push(`${label}: at ${secs(r.t)}, ${reasonOf(r)}.`);
  }
  return out;
}
