/**
 * Adding a node in the timeline: the records one add writes (taken from a real 5-node lab
 * adding n6) read as one row that says what happened — started, learner, caught up, voter,
 * and how long it took — instead of fifteen near-identical ones; the row keeps every folded
 * sentence for its detail. The cluster's commits keep their rows, an election is never
 * folded away, a failed add says where it stopped, and what happens to the node later
 * (a crash) has its own row again. On a loaded machine (a slow laptop) each step can come
 * seconds late — the node's start, its catch-up, its report that it left the learner role —
 * and the row reads the same.
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { MAX_FOLD_STEPS } from '../../src-renderer/src/model/add-fold';
import { CATEGORIES } from '../../src-renderer/src/model/records';
import { RunModel } from '../../src-renderer/src/model/run-model';

let seq = 0;
const rec = (tMs: number, kind: string, f: Record<string, unknown> = {}): RunLogRecord => ({
  t: Math.round(tMs * 1e6),
  seq: ++seq,
  kind,
  ...f,
});

/** addN6 is the run log of adding n6 to a 5-node Raft cluster led by n5, as the lab wrote it (messages left out). */
function addN6(t0: number): RunLogRecord[] {
  const at = (ms: number, kind: string, f: Record<string, unknown>): RunLogRecord => rec(t0 + ms, kind, f);
  const reason = 'follower → follower (t2): higher term from n5 (append t2; was t0)';
  return [
    at(0, 'member-change', { op: 'add', node: 'n6', step: 'starting' }),
    at(0.2, 'node-added', { node: 'n6', peers: ['n1', 'n2', 'n3', 'n4', 'n5'] }),
    at(170, 'role', { node: 'n6', role: 'follower', term: 0, from: null, reason: 'the node (re)started' }),
    at(170, 'term', { node: 'n6', term: 0, vote: null }),
    at(170, 'leader', { node: 'n6', leader: null, term: 0 }),
    at(170, 'commit', { node: 'n6', commitIndex: 0 }),
    at(171, 'router-connect', { node: 'n6' }),
    at(171.3, 'node-ready', { node: 'n6', pid: 27221, clientPort: 38891 }),
    at(171.4, 'member-change', { op: 'add', node: 'n6', step: 'adding-learner' }),
    at(173.4, 'conf-change', { node: 'n5', change: 'addLearner', target: 'n6', index: 3 }),
    at(178, 'commit', { node: 'n5', commitIndex: 3, term: 2 }),
    at(192, 'role', { node: 'n6', role: 'learner', term: 2, from: 'follower', reason }),
    at(192, 'term', { node: 'n6', term: 2, vote: null }),
    at(192, 'leader', { node: 'n6', leader: 'n5', term: 2 }),
    at(192, 'commit', { node: 'n6', commitIndex: 3 }),
    at(193.6, 'member-change', { op: 'add', node: 'n6', step: 'catching-up' }),
    at(193.8, 'learner-caught-up', { node: 'n6', applied: 3 }),
    at(193.8, 'member-change', { op: 'add', node: 'n6', step: 'promoting' }),
    at(194.4, 'conf-change', { node: 'n5', change: 'promote', target: 'n6', index: 4 }),
    at(208.5, 'commit', { node: 'n5', commitIndex: 4, term: 2 }),
    at(219.3, 'member-added', { node: 'n6', voters: ['n1', 'n2', 'n3', 'n4', 'n5', 'n6'] }),
    at(219.5, 'role', { node: 'n6', role: 'follower', term: 2, from: 'learner', reason }),
  ];
}

function rowsOf(m: RunModel) {
  const v = m.rows.view(CATEGORIES);
  return v.slice(0, v.count);
}

function cluster(): RunModel {
  const m = new RunModel();
  m.ingest(rec(0, 'cluster-created', { nodeCount: 5, protocol: 'raft' }));
  m.ingest(rec(500, 'role', { node: 'n5', role: 'leader', term: 2, from: 'candidate' }));
  m.ingest(rec(510, 'commit', { node: 'n5', commitIndex: 2 }));
  return m;
}

describe('adding a node in the timeline', () => {
  it('is one row that says what happened, beside the cluster’s own commit rows', () => {
    const m = cluster();
    const before = rowsOf(m).length;
    for (const r of addN6(10_000)) m.ingest(r);
    const added = rowsOf(m).slice(before);
    const texts = added.map((r) => r.text);
    const about = added.filter((r) => r.nodes.includes('n6') && r.kind !== 'commit');
    expect(about.map((r) => r.text)).toEqual([
      'n6 added: started · learner (entry 3) · caught up (applied 3) · voter (entry 4), in 219 ms',
    ]);
    expect(about[0]!.tone).toBe('ok');
    // The two configuration entries committing are the cluster's news: they keep their rows.
    expect(texts.filter((t) => /^entr(y|ies) .*committed/.test(t))).toHaveLength(2);
    expect(added.length).toBe(3);
    // Nothing is lost: the row's detail holds every folded record, in order, with its offset.
    const steps = about[0]!.steps ?? [];
    expect(steps.length).toBe(addN6(0).filter((r) => r.kind !== 'commit').length);
    expect(steps[0]).toMatch(/^\+0 ms {2}adding n6: starting its process$/);
    expect(steps.some((s) => s.includes('n5 proposed: add n6 as a learner (entry 3)'))).toBe(true);
    expect(steps[steps.length - 2]).toMatch(/^\+219 ms {2}n6 is a voter now$/);
  });

  it('says what it is doing while the add runs', () => {
    const m = cluster();
    const recs = addN6(10_000);
    for (const r of recs.slice(0, 17)) m.ingest(r);
    const row = rowsOf(m).find((r) => r.kind === 'member-change')!;
    expect(row.text).toBe('adding n6: started · learner (entry 3) · caught up (applied 3) · catching up…');
    expect(row.tone).toBe('');
  });

  it('says where a failed add stopped', () => {
    const m = cluster();
    for (const r of addN6(10_000).slice(0, 16)) m.ingest(r);
    m.ingest(rec(12_000, 'member-change-failed', { op: 'add', node: 'n6', step: 'catching-up', error: 'timed out' }));
    const row = rowsOf(m).find((r) => r.kind === 'member-change')!;
    expect(row.text).toBe('adding n6 failed after started · learner (entry 3): stopped at "catching-up": timed out');
    expect(row.tone).toBe('fail');
  });

  it('never folds an election, and gives the node’s later life rows of its own', () => {
    const m = cluster();
    for (const r of addN6(10_000)) m.ingest(r);
    const n = rowsOf(m).length;
    // Soon after the add: the new node stands for election (a row, a mark), then crashes.
    m.ingest(rec(10_719, 'role', { node: 'n6', role: 'candidate', term: 3, from: 'follower' }));
    m.ingest(rec(15_000, 'crash', { node: 'n6', pid: 27221 }));
    m.ingest(rec(15_001, 'role', { node: 'n6', role: 'follower', term: 3, from: 'candidate' }));
    const later = rowsOf(m).slice(n);
    expect(later.map((r) => r.kind)).toEqual(['role', 'crash', 'role']);
  });

  it('reads the same when every step comes seconds late (a loaded machine)', () => {
    const m = cluster();
    const before = rowsOf(m).length;
    // The same records, each gap stretched 40 times: the node takes 7 s to start (ready),
    // and its catch-up and promotion take over a second each.
    const fast = addN6(0);
    for (const r of fast) m.ingest({ ...r, seq: ++seq, t: 10_000e6 + r.t * 40 });
    const about = rowsOf(m)
      .slice(before)
      .filter((r) => r.nodes.includes('n6') && r.kind !== 'commit');
    expect(about.map((r) => r.text)).toEqual([
      'n6 added: started · learner (entry 3) · caught up (applied 3) · voter (entry 4), in 8772 ms',
    ]);
    expect(about[0]!.steps!.at(-1)).toMatch(/n6 is a follower/);
  });

  it('folds in the switch from learner however late it is reported, and nothing after it', () => {
    const m = cluster();
    const recs = addN6(10_000);
    const switched = recs.pop()!; // n6's own report: learner → follower
    for (const r of recs) m.ingest(r);
    const n = rowsOf(m).length;
    // The node was starved for CPU: its report comes 5 s after the lab's "member-added".
    m.ingest({ ...switched, seq: ++seq, t: switched.t + 5e9 });
    seq += 40; // the cluster's messages in between
    m.ingest(rec(15_300, 'term', { node: 'n6', term: 3, vote: null }));
    expect(rowsOf(m).length).toBe(n + 1);
    const about = rowsOf(m).filter((r) => r.nodes.includes('n6') && r.kind !== 'commit');
    expect(about.map((r) => r.kind)).toEqual(['member-change', 'term']);
    expect(about[0]!.steps!.at(-1)).toMatch(/^\+5220 ms {2}n6 is a follower/);
  });

  it('gives a crash after the add, before the switch was reported, rows of its own', () => {
    const m = cluster();
    const recs = addN6(10_000);
    recs.pop();
    for (const r of recs) m.ingest(r);
    const n = rowsOf(m).length;
    m.ingest(rec(11_000, 'crash', { node: 'n6', pid: 27221 }));
    m.ingest(rec(12_000, 'restart', { node: 'n6' }));
    m.ingest(rec(12_200, 'role', { node: 'n6', role: 'follower', term: 2, from: null }));
    expect(
      rowsOf(m)
        .slice(n)
        .map((r) => r.kind),
    ).toEqual(['crash', 'restart', 'role']);
  });

  it('keeps at most MAX_FOLD_STEPS sentences however long the add runs', () => {
    const m = cluster();
    m.ingest(rec(1000, 'member-change', { op: 'add', node: 'n6', step: 'starting' }));
    for (let i = 0; i < 500; i++) m.ingest(rec(1001 + i, 'router-connect', { node: 'n6' }));
    const row = rowsOf(m).find((r) => r.kind === 'member-change')!;
    expect(row.steps!.length).toBe(MAX_FOLD_STEPS);
    expect(rowsOf(m).filter((r) => r.nodes.includes('n6'))).toHaveLength(1);
  });
});
