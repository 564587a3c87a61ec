/**
 * "Why is entry N (not) committed on node X?" from the nodes' real state and the run log:
 * which voters store it (their own logs when they could be asked, else the leader's
 * progress, else their last report), how many are needed, whether there is a leader and
 * whether it reaches a quorum, and for Raft whether the entry is from the leader's current
 * term (§5.4.2: an entry of an earlier term is committed only once an entry of the current
 * term after it is). A committed entry says when, by which leader, and who held it then.
 */
import type { Entry, NodeId } from '../../core/types';
import type { RunLogRecord } from '../contract';
import { majorityOf, quorumProblem } from '../quorum';
import { reachOf, reachProblem } from './reach';
import type { EntryWhy, Holder, NodeFacts, WhyCite, WhyInput, WhyResult } from './types';
import type { NoteWords } from '../../core/notes';
import { cite, list, num, secs, str, strs, wordsOf } from './words';

/** EntryAt is what one node's log says at an index. */
type EntryAt =
  | { kind: 'has'; term: number }
  | { kind: 'compacted'; first: number }
  | { kind: 'lacks'; last: number; stale: boolean }
  | { kind: 'unknown' };

/** entryAt reads index i in a node's log: from its entries when it was asked, else from its last report. */
function entryAt(f: NodeFacts | undefined, i: number): EntryAt {
  const st = f?.status;
  if (!f || !st) return { kind: 'unknown' };
  if (f.fresh && f.entries) {
    if (i < st.firstIndex) return { kind: 'compacted', first: st.firstIndex };
    const e: Entry | undefined = f.entries.find((x) => x.index === i);
    if (e) return { kind: 'has', term: e.term };
    if (st.lastIndex < i) return { kind: 'lacks', last: st.lastIndex, stale: false };
    return { kind: 'unknown' };
  }
  if (st.lastIndex < i) return { kind: 'lacks', last: st.lastIndex, stale: true };
  return { kind: 'unknown' };
}

/** Ctx is one entry question being answered. */
interface Ctx {
  input: WhyInput;
  node: NodeId;
  index: number;
  asked: NodeFacts;
  lead: NodeFacts | null;
  /** w: the protocol's words (a term "t5" or a ballot "b=2.n3", as every other view writes them). */
  w: NoteWords;
  facts: Map<NodeId, NodeFacts>;
  cites: WhyCite[];
}

/** pickLeader is the leader whose log decides: the asked node if it claims to lead, else the cluster's, else the one it follows. */
function pickLeader(input: WhyInput, asked: NodeFacts, facts: Map<NodeId, NodeFacts>): NodeFacts | null {
  if (asked.status?.role === 'leader' && asked.run !== 'down') return asked;
  const claims = (id: NodeId | null | undefined): NodeFacts | null => {
    const f = id ? facts.get(id) : undefined;
    return f && f.run !== 'down' && f.status?.role === 'leader' ? f : null;
  };
  return claims(input.view.leader) ?? claims(asked.status?.leader);
}

/** holderOf says whether voter v stores entry i of term `ref`, and how that is known. */
function holderOf(c: Ctx, v: NodeId, ref: number | null): Holder {
  const at = entryAt(c.facts.get(v), c.index);
  switch (at.kind) {
    case 'has':
      if (ref === null || at.term === ref) return { node: v, stores: true, why: 'its log has it' };
      return { node: v, stores: false, why: `it holds a different entry there (${c.w.ref(at.term)})` };
    case 'compacted':
      return { node: v, stores: true, why: `it is in its snapshot (log starts at ${at.first})` };
    case 'lacks':
      return { node: v, stores: false, why: `its log ends at ${at.last}${at.stale ? ' (last report)' : ''}` };
    case 'unknown':
      return holderFromProgress(c, v);
  }
}

/** holderFromProgress falls back on the leader's progress for a node that could not be asked. */
function holderFromProgress(c: Ctx, v: NodeId): Holder {
  const pr = c.lead?.status?.progress?.find((p) => p.id === v);
  const run = c.facts.get(v)?.run ?? 'down';
  const state = run === 'up' ? 'it did not answer' : `it is ${run}`;
  if (!pr) return { node: v, stores: null, why: `unknown: ${state}` };
  if (pr.match >= c.index) return { node: v, stores: true, why: `the leader's progress says match ${pr.match}` };
  return { node: v, stores: false, why: `the leader's progress says match ${pr.match}` };
}

/** votersOf is the configuration the answer counts against: the leader's, else the asked node's, else every node. */
function votersOf(c: Ctx): { voters: NodeId[]; outgoing: NodeId[] } {
  const conf = c.lead?.status?.conf ?? c.asked.status?.conf;
  if (conf && conf.voters.length > 0) return { voters: conf.voters, outgoing: conf.votersOutgoing };
  return { voters: c.input.view.nodes.map((n) => n.id), outgoing: [] };
}

/** firstCommit finds the first commit record of a leader (it carries `quorum`) covering index i, and when `node` learned it. */
function commitRecords(log: readonly RunLogRecord[], i: number, node: NodeId) {
  let byLeader: RunLogRecord | null = null;
  let learned: RunLogRecord | null = null;
  for (const r of log) {
    if (r.kind !== 'commit' || (num(r, 'commitIndex') ?? 0) < i) continue;
    if (!byLeader && Array.isArray(r.quorum)) byLeader = r;
    if (!learned && str(r, 'node') === node) learned = r;
    if (byLeader && learned) break;
  }
  return { byLeader, learned };
}

/** refTermOf is the entry's term in the log that decides: the leader's, else the asked node's. */
function refTermOf(c: Ctx): number | null {
  for (const f of [c.lead, c.asked]) {
    const at = entryAt(f ?? undefined, c.index);
    if (at.kind === 'has') return at.term;
  }
  return null;
}

/** explainEntry answers "why is entry `index` (not) committed on `node`". */
export function explainEntry(input: WhyInput, node: NodeId, index: number): WhyResult {
  const facts = new Map(input.facts.map((f) => [f.id, f]));
  const asked = facts.get(node);
  if (!asked) return { ok: false, status: 404, error: `unknown node ${node}` };
  const range = rangeError(input.facts, index);
  if (range) return { ok: false, status: 404, error: range };
  const w = wordsOf(input.view.protocol);
  const lead = pickLeader(input, asked, facts);
  const c: Ctx = { input, node, index, asked, lead, w, facts, cites: [] };
  const e = entryFacts(c);
  const cites = c.cites;
  const lines = e.committed ? committedLines(c, e) : pendingLines(c, e);
  lines.push(...storageLines(c, e));
  const summary = lines.shift() ?? '';
  return { ok: true, answer: { node, entry: index, summary, lines, cites, entryFacts: e } };
}

/** rangeError refuses an index no node's log reaches (null when some node has it or may have it). */
function rangeError(all: readonly NodeFacts[], index: number): string | null {
  let top: NodeFacts | null = null;
  for (const f of all) if (f.status && (!top || f.status.lastIndex > (top.status?.lastIndex ?? 0))) top = f;
  if (!top?.status) return null;
  if (index <= top.status.lastIndex) return null;
  return `entry ${index} is out of range: no node has it (the longest log, ${top.id}'s, ends at ${top.status.lastIndex})`;
}

/** entryFacts gathers who stores the entry, the quorum, the leader and whether the entry is committed. */
function entryFacts(c: Ctx): EntryWhy {
  const ref = refTermOf(c);
  const { voters } = votersOf(c);
  const holders = voters.map((v) => holderOf(c, v, ref));
  const lead = c.lead;
  const reach = lead ? reachOf(c.input.view, lead.id, voters) : null;
  const askedAt = entryAt(c.asked, c.index);
  const committed = askedAt.kind === 'compacted' || (c.asked.status?.commitIndex ?? 0) >= c.index;
  const { byLeader } = commitRecords(c.input.log, c.index, c.node);
  const leaderTerm = lead?.status?.term ?? null;
  return {
    index: c.index,
    term: ref,
    committed,
    committedAt: byLeader
      ? {
          t: byLeader.t,
          seq: byLeader.seq,
          by: str(byLeader, 'node') ?? '?',
          term: num(byLeader, 'term'),
          quorum: strs(byLeader, 'quorum'),
        }
      : null,
    holders,
    storedOn: holders.filter((h) => h.stores === true).map((h) => h.node),
    voters,
    needed: majorityOf(voters.length),
    leader: lead?.id ?? null,
    leaderTerm,
    oldTerm: c.input.view.protocol === 'raft' && ref !== null && leaderTerm !== null && ref < leaderTerm,
    reachable: reach ? reach.reachable : null,
  };
}

function entryName(c: Ctx, e: EntryWhy): string {
  return `entry ${c.index}${e.term === null ? '' : ` (${c.w.ref(e.term)})`}`;
}

/** committedLines: committed on the asked node — when, by which leader, with whom. */
function committedLines(c: Ctx, e: EntryWhy): string[] {
  const cites = c.cites;
  const out = [`${entryName(c, e)} is committed on ${c.node}.`];
  const at = e.committedAt;
  if (at) {
    const rec = c.input.log.find((r) => r.seq === at.seq);
    if (rec) cites.push(cite(rec, `${at.by} commit index ≥ ${c.index}`));
    const term = at.term === null ? '' : ` (${c.w.ref(at.term)})`;
    out.push(
      `Leader ${at.by}${term} committed it at ${secs(at.t)}: ${list(at.quorum)} held it (${at.quorum.length} of ${e.voters.length}; ${e.needed} needed).`,
    );
  } else {
    out.push('No commit record of a leader covering it is kept (it was committed before the oldest record kept).');
  }
  const learned = commitRecords(c.input.log, c.index, c.node).learned;
  if (learned && learned.seq !== at?.seq) {
    cites.push(cite(learned, `${c.node} commit index ≥ ${c.index}`));
    out.push(`${c.node} learned it at ${secs(learned.t)}.`);
  }
  if (entryAt(c.asked, c.index).kind === 'compacted')
    out.push(`${c.node} has compacted it into a snapshot (its log starts at ${c.asked.status?.firstIndex}).`);
  return out;
}

/** pendingLines: not committed on the asked node — the first reason that holds, then what else matters. */
function pendingLines(c: Ctx, e: EntryWhy): string[] {
  const lead = c.lead;
  const name = entryName(c, e);
  if (!lead || !lead.status) {
    const problem = quorumProblem(c.input.view) ?? 'no node leads now: an election is under way';
    return [
      `${name} is not committed on ${c.node}: there is no leader to commit it.`,
      cap(problem) + '.',
      `Stored on ${list(e.storedOn)} (${e.storedOn.length} of ${e.voters.length}); ${e.needed} needed.`,
    ];
  }
  const leadAt = entryAt(lead, c.index);
  const askedAt = entryAt(c.asked, c.index);
  if (lead.id !== c.node && askedAt.kind === 'has' && leadAt.kind !== 'has' && leadAt.kind !== 'compacted')
    return notInLeaderLog(c, e, askedAt.term, leadAt);
  if (lead.id !== c.node && askedAt.kind === 'has' && leadAt.kind === 'has' && leadAt.term !== askedAt.term)
    return notInLeaderLog(c, e, askedAt.term, leadAt);
  if (lead.id !== c.node && lead.status.commitIndex >= c.index) return notLearned(c, e);
  return notCounted(c, e);
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** notInLeaderLog: the asked node's entry is not the leader's, so it was never committed and will be replaced. */
function notInLeaderLog(c: Ctx, e: EntryWhy, own: number, leadAt: EntryAt): string[] {
  const lead = c.lead!;
  const theirs =
    leadAt.kind === 'has'
      ? `${lead.id}'s entry ${c.index} is ${c.w.ref(leadAt.term)}`
      : leadAt.kind === 'lacks'
        ? `${lead.id}'s log ends at ${leadAt.last}`
        : `${lead.id}'s entry ${c.index} is unknown`;
  const paxos = c.input.view.protocol === 'paxos';
  return [
    `${c.node}'s entry ${c.index} (${c.w.ref(own)}) is not committed: it is not the leader ${lead.id}'s (${theirs}).`,
    paxos
      ? `${c.node} accepted it under ballot ${c.w.num(own)}; the leader's ballot decides slot ${c.index}, and ${c.node} will learn the chosen value from it.`
      : `It was never committed, and ${c.node} will replace it with the leader's entries once it hears from ${lead.id}.`,
    ...leaderLines(c, e),
  ];
}

/** notLearned: the leader has committed it; the asked node has not heard yet. */
function notLearned(c: Ctx, e: EntryWhy): string[] {
  const lead = c.lead!;
  const own = c.asked.status?.commitIndex ?? 0;
  const why = reachProblem(c.input.view, lead.id, c.node);
  return [
    `${entryName(c, e)} is committed by the leader ${lead.id} (commit index ${lead.status?.commitIndex}), but ${c.node} has not learned it yet (its commit index is ${own}).`,
    why === null
      ? `${c.node} learns it with the next append or heartbeat from ${lead.id}.`
      : `${c.node} cannot hear from ${lead.id}: ${why}.`,
  ];
}

/** notCounted: the leader holds it but has not counted a quorum (too few store it, an old term, or acks in flight). */
function notCounted(c: Ctx, e: EntryWhy): string[] {
  const have = e.storedOn.length;
  const name = entryName(c, e);
  const head =
    have < e.needed
      ? `${name} is not committed: stored on ${list(e.storedOn)} (${have} of ${e.voters.length}); ${e.needed} needed.`
      : e.oldTerm
        ? `${name} is not committed: it is stored on ${have} of ${e.voters.length}, but it is from ${c.w.term} ${e.term} and the leader ${c.lead!.id} is in ${c.w.term} ${e.leaderTerm}.`
        : `${name} is stored on ${list(e.storedOn)} (${have} of ${e.voters.length}; ${e.needed} needed) but not counted yet: the acknowledgements are on their way to ${c.lead!.id}.`;
  const out = [head];
  if (e.oldTerm) out.push(...oldTermLines(c, e));
  out.push(...leaderLines(c, e));
  return out;
}

/** oldTermLines explain §5.4.2 and name the leader's first entry of its own term, if it is known. */
function oldTermLines(c: Ctx, e: EntryWhy): string[] {
  const lead = c.lead!;
  const mine = lead.entries?.find((x) => x.index > c.index && x.term === e.leaderTerm);
  const after = mine
    ? `The leader's first entry of term ${e.leaderTerm} after it is entry ${mine.index}.`
    : lead.status && lead.status.lastTerm === e.leaderTerm
      ? `The leader's last entry, ${lead.status.lastIndex}, is of term ${e.leaderTerm}.`
      : `The leader has no entry of term ${e.leaderTerm} after it yet.`;
  return [
    `Raft §5.4.2: a leader never commits an entry of an earlier term by counting replicas; it is committed only once an entry of term ${e.leaderTerm} after it is stored on a quorum.`,
    after,
  ];
}

/** leaderLines: who leads, and whom it reaches (a quorum is needed both ways). */
function leaderLines(c: Ctx, e: EntryWhy): string[] {
  const lead = c.lead!;
  const out: string[] = [];
  const view = c.input.view;
  if (lead.run === 'paused') out.push(`The leader ${lead.id} is paused: it sends and counts nothing.`);
  if (view.leader !== null && view.leader !== lead.id) {
    const other = view.nodes.find((n) => n.id === view.leader);
    out.push(
      `${lead.id} still claims to lead (${e.leaderTerm === null ? '?' : c.w.ref(e.leaderTerm)}), but ${view.leader} leads the cluster (${other?.term == null ? '?' : c.w.ref(other.term)}).`,
    );
  }
  const reach = reachOf(view, lead.id, e.voters);
  // Nodes out for the same reason are named together: "n3, n4 (cut off by the partition …)".
  const byWhy = new Map<string, NodeId[]>();
  for (const u of reach.unreachable) byWhy.set(u.why, [...(byWhy.get(u.why) ?? []), u.node]);
  const cut = [...byWhy].map(([why, ns]) => `${ns.join(', ')} (${why})`);
  for (const u of reach.unreachable) citeFault(c, u.node, u.why);
  const enough = reach.reachable.length >= e.needed ? 'enough for a quorum' : 'not enough for a quorum';
  out.push(
    `The leader ${lead.id} reaches ${list(reach.reachable)} (${reach.reachable.length} of ${e.voters.length} with itself; ${e.needed} needed: ${enough})` +
      (cut.length > 0 ? `; it cannot count on ${cut.join(', ')}.` : '.'),
  );
  if (reach.lossy.length > 0) out.push(`Lossy links: ${reach.lossy.join('; ')}.`);
  return out;
}

/** citeFault cites the newest run-log record behind a node being out of the leader's reach (its crash, the partition, …). */
function citeFault(c: Ctx, node: NodeId, why: string): void {
  const kinds = why === 'down' ? ['crash', 'node-died'] : why === 'paused' ? ['pause'] : null;
  let rec: RunLogRecord | undefined;
  for (let i = c.input.log.length - 1; i >= 0 && !rec; i--) {
    const r = c.input.log[i]!;
    if (kinds ? kinds.includes(r.kind) && str(r, 'node') === node : isFault(r, why)) rec = r;
  }
  if (rec && !c.cites.some((x) => x.seq === rec.seq)) c.cites.push(cite(rec, faultText(rec)));
}

function isFault(r: RunLogRecord, why: string): boolean {
  if (why.includes('partition')) return r.kind === 'partition';
  if (r.kind !== 'link-rule' || r.blocked !== true) return false;
  const [from, to] = [str(r, 'from'), str(r, 'to')];
  return why.includes(`link ${from}→${to} `) || (r.both === true && why.includes(`link ${to}→${from} `));
}

function faultText(r: RunLogRecord): string {
  if (r.kind === 'partition' && Array.isArray(r.groups))
    return `partition ${r.groups.map((g) => `{${String(g)}}`).join(' | ')}`;
  if (r.kind === 'link-rule') return `link rule ${str(r, 'from') ?? '?'}→${str(r, 'to') ?? '?'} blocked`;
  return `${str(r, 'node') ?? '?'} ${r.kind}`;
}

/** storageLines list where each voter stands. */
function storageLines(c: Ctx, e: EntryWhy): string[] {
  const lines = e.holders.map((h) => {
    const mark = h.stores === true ? 'stores it' : h.stores === false ? 'does not store it' : 'unknown';
    return `${h.node}: ${mark} — ${h.why}`;
  });
  const { outgoing } = votersOf(c);
  // Joint consensus (C_old,new): a commit needs a majority of the old voters as well.
  const joint =
    outgoing.length > 0
      ? [`Joint configuration: it also needs ${majorityOf(outgoing.length)} of the outgoing voters ${list(outgoing)}.`]
      : [];
  return [
    ...joint,
    `Where entry ${c.index} is (${e.needed} of ${e.voters.length} needed):`,
    ...lines.map((l) => `  ${l}`),
  ];
}
