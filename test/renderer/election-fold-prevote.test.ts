/**
 * A node cut off from the majority asks for pre-votes every election timeout, and the peers
 * on its side answer every time: in the timeline that was the same sentence again and again
 * ("n2 granted n1's pre-vote (t2): candidate log up to date …") for as long as the partition
 * lasted. The records here follow a real 5-node lab (n1 and n2 cut off from n3, n4, n5, as
 * the lab wrote them): from the second round on, the node's pre-candidate row counts the
 * rounds and says who granted, its details keep the folded answers (bounded), a pre-vote
 * that wins at once reads as before, and only the timeline folds — every message row stays.
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { MAX_FOLD_STEPS } from '../../src-renderer/src/model/election-fold';
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

/** round is one pre-vote round of `node` at `tMs`: its requests (delivered on its side, dropped across the cut) and its side's answers. */
function round(tMs: number, node: string, answers = true): RunLogRecord[] {
  const out: RunLogRecord[] = [];
  for (const to of PEERS.filter((p) => p !== node)) {
    const id = ++msgId;
    const m = { id, from: node, to, type: 'preVote', msgKind: 'vote', term: 2 };
    out.push(rec(tMs, 'send', { ...m, label: 'PreVote? t2 log 1@t1' }));
    out.push(
      SIDE.includes(to) ? rec(tMs + 0.02, 'deliver', m) : rec(tMs + 0.01, 'drop', { ...m, reason: 'partition' }),
    );
  }
  if (answers)
    for (const v of SIDE.filter((p) => p !== node))
      out.push(
        rec(tMs + 1, 'vote-answer', {
          node: v,
          type: 'vote',
          request: 'pre-vote',
          candidate: node,
          term: 2,
          granted: true,
          reason: `granted ${node}'s pre-vote (t2): candidate log up to date (last 1/t1 ≥ 1/t1)`,
        }),
      );
  return out;
}

/** becomes is a node's role record, as the lab copies the reason into it. */
const becomes = (tMs: number, node: string, role: string, from: string, reason: string): RunLogRecord =>
  rec(tMs, 'role', { node, role, term: role === 'candidate' ? 2 : 1, from, reason });

const TIMEOUT = 'follower → precandidate (t1): election timeout: no leader heard from for 46 ticks (460 ms)';

function cluster(): RunModel {
  const m = new RunModel();
  m.ingest(rec(0, 'cluster-created', { nodeCount: 5, protocol: 'raft' }));
  m.ingest(
    becomes(500, 'n1', 'leader', 'candidate', 'candidate → leader (t1): won the election with votes from n1, n2, n3'),
  );
  return m;
}

/** cutOff: n1 and n2 cut off from the rest, each asking `rounds` times, ~460 ms apart. */
function cutOff(m: RunModel, rounds: number, t0 = 5000): RunLogRecord[] {
  const all: RunLogRecord[] = [rec(t0 - 900, 'partition', { groups: [SIDE, ['n3', 'n4', 'n5']] })];
  for (let i = 0; i < rounds; i++) {
    const t = t0 + i * 460;
    // The node sends its requests, then reports its role (the lab's order).
    all.push(...round(t, 'n2'));
    if (i === 0) all.push(becomes(t + 0.05, 'n2', 'precandidate', 'follower', TIMEOUT));
    all.push(...round(t + 3, 'n1'));
    if (i === 0) all.push(becomes(t + 3.05, 'n1', 'precandidate', 'follower', TIMEOUT));
  }
  for (const r of all) m.ingest(r);
  return all;
}

const rowsOf = (m: RunModel, cats: readonly Category[] = CATEGORIES.filter((c) => c !== 'message')) => {
  const v = m.rows.view(cats);
  return v.slice(0, v.count);
};

describe('repeated pre-votes in the timeline', () => {
  it('fold into the node’s one row that counts the rounds, says the span and who granted', () => {
    const m = cluster();
    cutOff(m, 10);
    const texts = rowsOf(m).map((r) => r.text);
    expect(texts.filter((t) => /^n1 asked for pre-votes/.test(t))).toEqual([
      'n1 asked for pre-votes 10× (5.0–9.1 s), granted by n2 only: 2 of 5, 3 needed',
    ]);
    expect(texts.filter((t) => /^n2 asked for pre-votes/.test(t))).toEqual([
      'n2 asked for pre-votes 10× (5.0–9.1 s), granted by n1 only: 2 of 5, 3 needed',
    ]);
    // The first round's answers keep their rows; the nine repeats of each do not.
    expect(texts.filter((t) => /granted n1's pre-vote/.test(t))).toHaveLength(1);
    expect(texts.filter((t) => /granted n2's pre-vote/.test(t))).toHaveLength(1);
    // The whole partition in the rows the default filters show: the split, two rows a node.
    expect(texts).toHaveLength(2 + 1 + 4);
  });

  it('says a lone node’s requests were none granted, and keeps the answers and drops in its details', () => {
    const m = cluster();
    m.ingest(rec(4100, 'partition', { groups: [['n1'], ['n2', 'n3', 'n4', 'n5']] }));
    const lone = (t: number): RunLogRecord[] =>
      round(t, 'n1', false).map((r) => (r.kind === 'deliver' ? { ...r, kind: 'drop', reason: 'partition' } : r));
    for (const r of lone(12_100)) m.ingest(r);
    m.ingest(becomes(12_100.1, 'n1', 'precandidate', 'follower', TIMEOUT));
    for (let i = 1; i < 14; i++) for (const r of lone(12_100 + i * 592)) m.ingest(r);
    const row = rowsOf(m).find((r) => r.text.startsWith('n1 asked'))!;
    expect(row.text).toBe('n1 asked for pre-votes 14× (12.1–19.8 s), none granted');
    expect(row.tone).toBe('warn');
    // Selected, the row lists its first sentence, then each round again with what was dropped.
    expect(row.steps![0]).toBe(
      '+0 ms  n1 asked whether it could win an election (pre-vote) in term 1 — election timeout: no leader heard from for 46 ticks (460 ms)',
    );
    expect(row.steps![1]).toBe('+592 ms  asked n2, n3, n4 and n5 again (round 2): 4 dropped (partition)');
    expect(row.steps).toHaveLength(14);
  });

  it('keeps the folded answers as steps, bounded, the last one counting the rest', () => {
    const m = cluster();
    cutOff(m, 60);
    const row = rowsOf(m).find((r) => r.text.startsWith('n1 asked'))!;
    expect(row.text).toMatch(/^n1 asked for pre-votes 60× \(5\.0–32\.1 s\)/);
    expect(row.steps).toHaveLength(MAX_FOLD_STEPS);
    expect(row.steps).toContain("+461 ms  n2 granted n1's pre-vote (t2): candidate log up to date (last 1/t1 ≥ 1/t1)");
    // Rounds 2–60 each wrote a line and an answer: 118 lines, and the first sentence.
    expect(row.steps!.at(-1)).toBe(`… ${1 + 59 * 2 - (MAX_FOLD_STEPS - 1)} more (the run log has every record)`);
  });

  it('leaves every message row in place: only the repeated sentences fold', () => {
    const m = cluster();
    const all = cutOff(m, 10);
    const messages = all.filter((r) => ['send', 'deliver', 'drop'].includes(r.kind));
    expect(rowsOf(m, ['message'])).toHaveLength(messages.length);
  });

  it('reads a pre-vote won at once as before: who granted it, a row each', () => {
    const m = cluster();
    m.ingest(rec(4000, 'crash', { node: 'n1' }));
    const sends = round(4600, 'n5', false).map((r) =>
      r.kind === 'drop' && r.to !== 'n1' ? { ...r, kind: 'deliver' } : r,
    );
    for (const r of sends) m.ingest(r);
    m.ingest(becomes(4600.1, 'n5', 'precandidate', 'follower', TIMEOUT));
    for (const v of ['n3', 'n4'])
      m.ingest(
        rec(4601, 'vote-answer', {
          node: v,
          request: 'pre-vote',
          candidate: 'n5',
          term: 2,
          granted: true,
          reason: "granted n5's pre-vote (t2): candidate log up to date (last 1/t1 ≥ 1/t1)",
        }),
      );
    m.ingest(
      becomes(
        4602,
        'n5',
        'candidate',
        'precandidate',
        'precandidate → candidate (t2): pre-vote won: n5, n3, n4 would vote for it',
      ),
    );
    const texts = rowsOf(m).map((r) => r.text);
    expect(texts).toContain(
      'n5 asked whether it could win an election (pre-vote) in term 1 — election timeout: no leader heard from for 46 ticks (460 ms)',
    );
    expect(texts.filter((t) => /granted n5's pre-vote/.test(t))).toHaveLength(2);
    expect(texts.some((t) => /asked for pre-votes/.test(t))).toBe(false);
  });

  it('ends the fold when the node changes role: a later campaign has a row of its own', () => {
    const m = cluster();
    cutOff(m, 5);
    m.ingest(rec(8000, 'heal'));
    m.ingest(becomes(8010, 'n1', 'follower', 'precandidate', 'precandidate → follower (t2): higher term from n5'));
    m.ingest(becomes(8010, 'n2', 'follower', 'precandidate', 'precandidate → follower (t2): higher term from n5'));
    // Cut off again: a new campaign, counted afresh.
    cutOff(m, 3, 20_000);
    const n1 = rowsOf(m)
      .filter((r) => r.text.startsWith('n1 asked for pre-votes'))
      .map((r) => r.text);
    expect(n1).toEqual([
      'n1 asked for pre-votes 5× (5.0–6.8 s), granted by n2 only: 2 of 5, 3 needed',
      'n1 asked for pre-votes 3× (20.0–20.9 s), granted by n2 only: 2 of 5, 3 needed',
    ]);
  });
});
