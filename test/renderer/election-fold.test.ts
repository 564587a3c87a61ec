/**
 * Repeated elections fold like repeated pre-votes (election-fold-prevote.test.ts): Raft
 * without PreVote and Multi-Paxos cut off from the majority stand again every election
 * timeout in a higher term (ballot), and the peer on their side answers every time — in the
 * timeline "term 5: n2 voted for itself; n1 voted for n2" and "n1 granted n2's vote (t5): …"
 * again and again. The records follow real 5-node labs (n1 and n2 cut off from n3, n4, n5,
 * in the order the lab wrote them, `unsafe: {prevote: false}` and `--protocol paxos`): from
 * the second round on, the campaign's row counts the rounds, its terms (ballots) and who
 * granted; the answers and the new terms' rows fold into its steps; two Raft nodes that take
 * turns (each election makes the other give up) keep a row each; an election won at once
 * reads as before, and every message row stays.
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { CATEGORIES, type Category } from '../../src-renderer/src/model/records';
import { RunModel } from '../../src-renderer/src/model/run-model';

let seq = 0;
let msgId = 0;
const rec = (tMs: number, kind: string, f: Record<string, unknown> = {}): RunLogRecord => ({
  t: Math.round(tMs * 1e6),
  seq: ++seq,
  kind,
  ...f,
});

const PEERS = ['n1', 'n2', 'n3', 'n4', 'n5'];
const SIDE = ['n1', 'n2'];

/** requests: `node`'s requests of `type` in `term`, delivered on its side and dropped across the cut. */
function requests(tMs: number, node: string, type: 'vote' | 'prepare', term: number): RunLogRecord[] {
  const out: RunLogRecord[] = [];
  for (const to of PEERS.filter((p) => p !== node)) {
    const m = { id: ++msgId, from: node, to, type, msgKind: 'vote', term };
    const label = type === 'vote' ? `RequestVote t${term} log 2@t2` : `Prepare b=${term / 100}.${node} from 1`;
    out.push(rec(tMs, 'send', { ...m, label }));
    out.push(
      SIDE.includes(to) ? rec(tMs + 0.05, 'deliver', m) : rec(tMs + 0.05, 'drop', { ...m, reason: 'partition' }),
    );
  }
  return out;
}

const reasonOf = (node: string, role: string, prev: string, term: number, why: string, b = 't'): RunLogRecord =>
  rec(0, 'role-reason', { node, type: 'role', role, prev, term, reason: `${prev} → ${role} (${b}${term}): ${why}` });

const role = (tMs: number, node: string, r: string, from: string, term: number, why: string, b = 't'): RunLogRecord =>
  rec(tMs, 'role', { node, role: r, term, from, reason: `${from} → ${r} (${b}${term}): ${why}` });

const answer = (tMs: number, voter: string, cand: string, term: number, request: 'vote' | 'prepare', granted = true) =>
  rec(tMs, 'vote-answer', {
    node: voter,
    type: 'vote',
    request,
    candidate: cand,
    term,
    granted,
    reason:
      request === 'prepare'
        ? `granted ${cand}'s promise (b${term}): granted`
        : granted
          ? `granted ${cand}'s vote (t${term}): candidate log up to date (last 2/t2 ≥ 2/t2)`
          : `refused ${cand}'s vote (t${term}): already voted for ${voter} in this term`,
  });

const term = (tMs: number, node: string, t: number, vote: string | null) => rec(tMs, 'term', { node, term: t, vote });

const TIMEOUT = 'election timeout: no leader heard from for 45 ticks (450 ms)';

/** ingest gives the model `recs`, each at its place in time (a role-reason takes its next record's time). */
function ingest(m: RunModel, recs: RunLogRecord[]): void {
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i]!;
    if (r.kind === 'role-reason') r.t = recs[i + 1]?.t ?? r.t;
    r.seq = ++seq;
    m.ingest(r);
  }
}

function cluster(protocol: 'raft' | 'paxos'): RunModel {
  const m = new RunModel();
  m.ingest(rec(0, 'cluster-created', { nodeCount: 5, protocol }));
  if (protocol === 'paxos')
    m.ingest(role(500, 'n1', 'leader', 'candidate', 101, 'phase 1 won: promises from n1, n2, n3', 'b'));
  else m.ingest(role(500, 'n1', 'leader', 'candidate', 2, 'won the election with votes from n1, n2, n3'));
  m.ingest(rec(2863, 'partition', { groups: [SIDE, ['n3', 'n4', 'n5']] }));
  return m;
}

/** again is one more round of a candidate already standing: its role-reason, requests, new term, and the answer of its side. */
function again(tMs: number, cand: string, voter: string, t: number, type: 'vote' | 'prepare'): RunLogRecord[] {
  const b = type === 'prepare' ? 'b' : 't';
  return [
    reasonOf(cand, 'candidate', 'candidate', t, TIMEOUT, b),
    ...requests(tMs, cand, type, t),
    term(tMs + 0.3, cand, t, type === 'vote' ? cand : null),
    answer(tMs + 1, voter, cand, t, type),
    term(tMs + 1.2, voter, t, type === 'vote' ? cand : null),
  ];
}

/** stand is a node standing for election from follower (Raft: it reports, then sends) while its peer gives up. */
function stand(tMs: number, cand: string, voter: string, t: number): RunLogRecord[] {
  return [
    reasonOf(cand, 'candidate', 'follower', t, TIMEOUT),
    role(tMs, cand, 'candidate', 'follower', t, TIMEOUT),
    term(tMs, cand, t, cand),
    ...requests(tMs + 0.1, cand, 'vote', t),
    answer(tMs + 1, voter, cand, t, 'vote'),
    role(tMs + 1.1, voter, 'follower', 'candidate', t, `higher term from ${cand} (vote t${t}; was t${t - 1})`),
    term(tMs + 1.2, voter, t, cand),
  ];
}

/** raftTakingTurns: n1 and n2 cut off, without PreVote, as a real lab wrote it (terms 3–8). */
function raftTakingTurns(): { m: RunModel; all: RunLogRecord[] } {
  const m = cluster('raft');
  const all: RunLogRecord[] = [
    // Both time out at once in term 3 and refuse each other (each voted for itself).
    role(3863, 'n2', 'candidate', 'follower', 3, TIMEOUT),
    term(3863, 'n2', 3, 'n2'),
    ...requests(3863.1, 'n2', 'vote', 3),
    role(3864, 'n1', 'candidate', 'follower', 3, TIMEOUT),
    term(3864, 'n1', 3, 'n1'),
    answer(3864.1, 'n1', 'n2', 3, 'vote', false),
    ...requests(3864.2, 'n1', 'vote', 3),
    answer(3867, 'n2', 'n1', 3, 'vote', false),
    // n2 stands again in term 4: n1 grants and gives up; then n2 in term 5.
    reasonOf('n2', 'candidate', 'candidate', 4, TIMEOUT),
    ...requests(4181.6, 'n2', 'vote', 4),
    term(4181.9, 'n2', 4, 'n2'),
    answer(4182.8, 'n1', 'n2', 4, 'vote'),
    role(4186.7, 'n1', 'follower', 'candidate', 4, 'higher term from n2 (vote t4; was t3)'),
    term(4186.7, 'n1', 4, 'n2'),
    ...again(4546.6, 'n2', 'n1', 5, 'vote'),
    // n1 times out first now: term 6, then 7; then n2 again in 8.
    ...stand(4983, 'n1', 'n2', 6),
    ...again(5354, 'n1', 'n2', 7, 'vote'),
    ...stand(5797, 'n2', 'n1', 8),
  ];
  ingest(m, all);
  return { m, all };
}

const rowsOf = (m: RunModel, cats: readonly Category[] = CATEGORIES.filter((c) => c !== 'message')) => {
  const v = m.rows.view(cats);
  return v.slice(0, v.count);
};

describe('repeated elections in the timeline (Raft without PreVote, Multi-Paxos)', () => {
  it('two Raft nodes taking turns keep one row each, counting rounds, terms and who granted', () => {
    const { m } = raftTakingTurns();
    const texts = rowsOf(m).map((r) => r.text);
    expect(texts.filter((t) => /stood for election \d+×/.test(t))).toEqual([
      'n2 stood for election 4× (terms 3–8, 3.9–5.8 s), granted by n1 only: 2 of 5, 3 needed',
      'n1 stood for election 3× (terms 3–7, 3.9–5.4 s), granted by n2 only: 2 of 5, 3 needed',
    ]);
    // The first round reads as before: who refused whom, and n1 giving up the first time.
    expect(texts.filter((t) => /refused n\d's vote \(t3\)/.test(t))).toHaveLength(2);
    expect(texts.filter((t) => /gave up its election/.test(t))).toEqual([
      'n1 gave up its election and follows in term 4 — higher term from n2 (vote t4; was t3)',
    ]);
    // No term row and no answer after the first round: the rows above tell them.
    expect(texts.filter((t) => /^term [4-8]\b/.test(t))).toEqual([]);
    expect(texts.filter((t) => /granted n\d's vote/.test(t))).toEqual([]);
    // The whole partition: the split, its two rows, term 3's row, the two refusals, n1 giving up once.
    expect(texts.slice(texts.indexOf('network split into 2 sides: n1 n2 | n3 n4 n5'))).toHaveLength(7);
  });

  it('keeps each round, what the cut dropped, the answers and the giving up in the row’s steps', () => {
    const { m } = raftTakingTurns();
    const n2 = rowsOf(m).find((r) => r.text.startsWith('n2 stood for election 4×'))!;
    expect(n2.steps).toEqual([
      '+0 ms  n2 stood for election for term 3 and asked for votes — election timeout: no leader heard from for 45 ticks (450 ms)',
      '+319 ms  asked n1, n3, n4 and n5 again (round 2, term 4): 3 dropped (partition)',
      "+320 ms  n1 granted n2's vote (t4): candidate log up to date (last 2/t2 ≥ 2/t2)",
      '+684 ms  asked n1, n3, n4 and n5 again (round 3, term 5): 3 dropped (partition)',
      "+685 ms  n1 granted n2's vote (t5): candidate log up to date (last 2/t2 ≥ 2/t2)",
      '+1121 ms  n2 gave up its election and follows in term 6 — higher term from n1 (vote t6; was t5)',
      '+1934 ms  asked n1, n3, n4 and n5 again (round 4, term 8): 3 dropped (partition)',
      "+1935 ms  n1 granted n2's vote (t8): candidate log up to date (last 2/t2 ≥ 2/t2)",
    ]);
  });

  it('folds Multi-Paxos phase 1 run again and again into the candidate’s row, with its ballots', () => {
    const m = cluster('paxos');
    const all: RunLogRecord[] = [
      // Multi-Paxos sends its prepares, then reports its role; n1, campaigning for b201, promises b302.
      ...requests(2755.9, 'n1', 'prepare', 201),
      role(2758.9, 'n1', 'candidate', 'follower', 201, TIMEOUT, 'b'),
      answer(2760.8, 'n2', 'n1', 201, 'prepare'),
      ...requests(3189.5, 'n2', 'prepare', 302),
      role(3189.7, 'n2', 'candidate', 'follower', 302, TIMEOUT, 'b'),
      term(3189.7, 'n2', 302, null),
      answer(3191.3, 'n1', 'n2', 302, 'prepare'),
      role(3191.3, 'n1', 'follower', 'candidate', 302, 'higher ballot from n2 (prepare b302; was b201)', 'b'),
      term(3191.3, 'n1', 302, null),
    ];
    for (let b = 402; b <= 902; b += 100) all.push(...again(3511 + (b - 402) * 4.4, 'n2', 'n1', b, 'prepare'));
    ingest(m, all);
    const texts = rowsOf(m).map((r) => r.text);
    expect(texts.filter((t) => /^n2 ran phase 1/.test(t))).toEqual([
      'n2 ran phase 1 (prepare) 7× (ballots 3.n2–9.n2, 3.2–5.7 s), promised by n1 only: 2 of 5, 3 needed',
    ]);
    // An acceptor promises a ballot (it grants no "promise"), and the answer says nothing twice.
    expect(texts.filter((t) => /promised ballot 3\.n2 to/.test(t))).toEqual(['n1 promised ballot 3.n2 to n2']);
    expect(texts.filter((t) => /ballot [4-9]\.n2/.test(t))).toEqual([]);
    const row = rowsOf(m).find((r) => r.text.startsWith('n2 ran phase 1'))!;
    expect(row.steps![1]).toBe('+322 ms  asked n1, n3, n4 and n5 again (round 2, ballot 4.n2): 3 dropped (partition)');
    // n1 gave up its own campaign to n2's higher ballot and never stood again: its row reads as it was.
    expect(texts).toContain(
      'n1 began phase 1 (prepare) with ballot 2.n1 and asked for promises — election timeout: no leader heard from for 45 ticks (450 ms)',
    );
    expect(texts).toContain(
      'n1 gave up its election and follows in ballot 3.n2 — higher ballot from n2 (prepare b=3.n2; was b=2.n1)',
    );
    // A Paxos user reads Paxos words only: no term, vote or raw ballot number in any row (messages too), step or note.
    for (const r of rowsOf(m, CATEGORIES))
      for (const t of [r.text, ...(r.steps ?? []), r.note ?? ''])
        expect(t).not.toMatch(/\bterms?\b|\bvot(e|es|ed)\b|\bt\d+\b|\bb\d{3}\b|\b[2-9]0[1-5]\b/);
  });

  it('folds a round whose answer comes before the candidate reports its role (Multi-Paxos taking turns)', () => {
    const m = cluster('paxos');
    const all: RunLogRecord[] = [
      ...requests(2755.9, 'n1', 'prepare', 201),
      role(2758.9, 'n1', 'candidate', 'follower', 201, TIMEOUT, 'b'),
      answer(2760.8, 'n2', 'n1', 201, 'prepare'),
      ...requests(3189.5, 'n2', 'prepare', 302),
      role(3189.7, 'n2', 'candidate', 'follower', 302, TIMEOUT, 'b'),
      answer(3191.3, 'n1', 'n2', 302, 'prepare'),
      role(3191.3, 'n1', 'follower', 'candidate', 302, 'higher ballot from n2 (prepare b302; was b201)', 'b'),
      ...again(3511, 'n2', 'n1', 402, 'prepare'),
      // n1 times out first now: its prepares, n2's promise and n2 giving up all come before n1's role record.
      ...requests(4100, 'n1', 'prepare', 501),
      answer(4101, 'n2', 'n1', 501, 'prepare'),
      role(4101.1, 'n2', 'follower', 'candidate', 501, 'higher ballot from n1 (prepare b501; was b402)', 'b'),
      role(4102, 'n1', 'candidate', 'follower', 501, TIMEOUT, 'b'),
      term(4102, 'n1', 501, null),
      term(4102.1, 'n2', 501, null),
    ];
    ingest(m, all);
    const texts = rowsOf(m).map((r) => r.text);
    expect(texts.filter((t) => /^n1 ran phase 1/.test(t))).toEqual([
      'n1 ran phase 1 (prepare) 2× (ballots 2.n1–5.n1, 2.8–4.1 s), promised by n2 only: 2 of 5, 3 needed',
    ]);
    // Neither n1 standing again, nor n2's promise, nor n2 giving up (its own campaign folds), nor the new ballot's row.
    expect(texts.filter((t) => /5\.n1|501/.test(t) && !t.startsWith('n1 ran phase 1'))).toEqual([]);
    const row = rowsOf(m).find((r) => r.text.startsWith('n1 ran phase 1'))!;
    expect(row.steps).toEqual([
      '+0 ms  n1 began phase 1 (prepare) with ballot 2.n1 and asked for promises — election timeout: no leader heard from for 45 ticks (450 ms)',
      '+1344 ms  asked n2, n3, n4 and n5 again (round 2, ballot 5.n1): 3 dropped (partition)',
      '+1345 ms  n2 promised ballot 5.n1 to n1',
    ]);
  });

  it('reads an election won at once as before, and leaves every message row in place', () => {
    const { m, all } = raftTakingTurns();
    const won: RunLogRecord[] = [
      rec(9000, 'heal'),
      role(9100, 'n4', 'candidate', 'follower', 12, TIMEOUT),
      term(9100, 'n4', 12, 'n4'),
      ...requests(9100.1, 'n4', 'vote', 12).map((r) => (r.kind === 'drop' ? { ...r, kind: 'deliver' } : r)),
      answer(9101, 'n3', 'n4', 12, 'vote'),
      answer(9101, 'n5', 'n4', 12, 'vote'),
      role(9102, 'n4', 'leader', 'candidate', 12, 'won the election with votes from n4, n3, n5'),
      rec(9103, 'leader', { node: 'n2', leader: 'n4', term: 12 }),
    ];
    ingest(m, won);
    const texts = rowsOf(m).map((r) => r.text);
    expect(texts).toContain('n4 stood for election for term 12 and asked for votes — ' + TIMEOUT);
    expect(texts.filter((t) => /granted n4's vote \(t12\)/.test(t))).toHaveLength(2);
    expect(texts.some((t) => /^n4 stood for election \d+×/.test(t))).toBe(false);
    const messages = [...all, ...won].filter((r) => ['send', 'deliver', 'drop'].includes(r.kind));
    expect(rowsOf(m, ['message'])).toHaveLength(messages.length);
  });
});
