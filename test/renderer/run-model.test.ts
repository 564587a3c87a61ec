/**
 * The run model behind the timeline, charts and replay: whole-run retention with bounded
 * memory (a million records keep the first second and the crash), one commit row per
 * index, fault lanes, election marks, and the plain-language rows.
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { MAX_FAULT_PERIODS } from '../../src-renderer/src/model/faults';
import { Ring } from '../../src-renderer/src/model/ring';
import { MAX_MARKS, RunModel } from '../../src-renderer/src/model/run-model';
import { MAX_BUCKETS } from '../../src-renderer/src/model/series';
import { ROW_CAPS } from '../../src-renderer/src/model/timeline-rows';
import { CATEGORIES } from '../../src-renderer/src/model/records';

let seq = 0;
const rec = (tS: number, kind: string, f: Record<string, unknown> = {}): RunLogRecord => ({
  t: Math.round(tS * 1e9),
  seq: ++seq,
  kind,
  ...f,
});

/** allRows reads every row of the model's timeline (every category), oldest first. */
function allRows(m: RunModel) {
  const v = m.rows.view(CATEGORIES);
  return v.slice(0, v.count);
}

/**
 * busyRun feeds `n` records of a 5-node cluster under a put load after a leader crash at
 * 0.5 s: per write one client completion, five commit records (one per node) and a send and
 * a deliver per follower — the mix that used to push the crash out of a 5,000-record window.
 */
function busyRun(m: RunModel, n: number, perSecond: number): void {
  m.ingest(rec(0.2, 'role', { node: 'n1', role: 'leader', term: 1, from: 'candidate' }));
  m.ingest(rec(0.3, 'client-complete', { type: 'ok', latencyMs: 3, node: 'n1', f: 'write', key: 'k0' }));
  m.ingest(rec(0.5, 'crash', { node: 'n1', pid: 1 }));
  m.ingest(rec(0.9, 'role', { node: 'n2', role: 'leader', term: 2, from: 'candidate' }));
  m.ingest(rec(1.4, 'restart', { node: 'n1' }));
  let i = 0;
  let index = 0;
  const t0 = 2;
  while (i < n) {
    const t = t0 + i / perSecond;
    index++;
    m.ingest(rec(t, 'client-complete', { type: 'ok', latencyMs: 2 + (i % 7), node: 'n2', f: 'write', key: `k${i}` }));
    for (const node of ['n2', 'n1', 'n3', 'n4', 'n5']) m.ingest(rec(t, 'commit', { node, commitIndex: index }));
    for (const to of ['n1', 'n3', 'n4', 'n5']) {
      m.ingest(rec(t, 'send', { from: 'n2', to, type: 'append', msgKind: 'append', term: 2, id: i }));
      m.ingest(rec(t, 'deliver', { from: 'n2', to, type: 'append', msgKind: 'append', term: 2, id: i }));
    }
    i += 14;
  }
}

describe('run model: whole-run retention', () => {
  it('after 1,000,000 records the first second’s bucket, the crash’s fault band and its row are still there, in bounded memory', () => {
    const m = new RunModel();
    busyRun(m, 1_000_000, 9000);
    expect(m.ord).toBeGreaterThanOrEqual(1_000_000);
    // The first second: one ok write at 0.3 s.
    const first = m.series.bucket(0)!;
    expect(first).toMatchObject({ t: 0, ok: 1, failed: 0 });
    // The crash's fault band, from 0.5 s to the restart at 1.4 s.
    const down = m.faults.overlapping(0, 1e9).find((p) => p.lane === 'n1 down');
    expect(down).toMatchObject({ start: 0.5e9, end: 1.4e9, kind: 'down' });
    // The crash's timeline row and the elections' marks.
    const v = m.rows.view(['lifecycle']);
    expect(v.slice(0, v.count).map((r) => r.text)).toContain('n1 crashed (killed at once, SIGKILL)');
    expect(m.marks.toArray().map((k) => k.kind)).toEqual(['election', 'crash', 'election', 'crash']);
    // Memory: every buffer is bounded by its cap, whatever the number of records.
    for (const c of CATEGORIES) expect(m.rows.sizeOf(c)).toBeLessThanOrEqual(ROW_CAPS[c]);
    expect(m.series.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(m.marks.size).toBeLessThanOrEqual(MAX_MARKS);
    expect(m.faults.periods.size).toBeLessThanOrEqual(MAX_FAULT_PERIODS);
    // The flood only evicted rows of its own categories (client operations, commits, messages).
    expect(m.rows.sizeOf('state')).toBe(2);
  });

  it('a run longer than MAX_BUCKETS seconds coarsens its buckets instead of dropping its start', () => {
    const m = new RunModel();
    m.ingest(rec(0.5, 'client-complete', { type: 'ok', latencyMs: 1 }));
    m.ingest(rec(0.6, 'client-complete', { type: 'fail', latencyMs: 1 }));
    m.ingest(rec(MAX_BUCKETS * 3 + 0.5, 'client-complete', { type: 'ok', latencyMs: 1 }));
    expect(m.series.length).toBeLessThanOrEqual(MAX_BUCKETS);
    expect(m.series.widthNs).toBe(4e9);
    expect(m.series.bucket(0)).toMatchObject({ t: 0, ok: 1, failed: 1 });
    const total = m.series.window(0, m.lastT + 1e9, 10).reduce((n, b) => n + b.ok + b.failed, 0);
    expect(total).toBe(3);
  });

  it('drops duplicates by seq', () => {
    const m = new RunModel();
    const r = rec(1, 'crash', { node: 'n2' });
    expect(m.ingest(r)).toBe(true);
    expect(m.ingest(r)).toBe(false);
    expect(allRows(m)).toHaveLength(1);
  });
});

describe('run model: commit rows', () => {
  it('shows one row per newly committed index range, not one per node', () => {
    const m = new RunModel();
    for (const node of ['n1', 'n2', 'n3', 'n4', 'n5']) m.ingest(rec(1, 'commit', { node, commitIndex: 1 }));
    m.ingest(rec(1.1, 'commit', { node: 'n1', commitIndex: 4 }));
    m.ingest(rec(1.2, 'commit', { node: 'n2', commitIndex: 4 }));
    // A restarted node catching up from 0 adds no rows.
    m.ingest(rec(1.3, 'commit', { node: 'n3', commitIndex: 2 }));
    const rows = m.rows.view(['commit']);
    expect(rows.slice(0, rows.count).map((r) => r.text)).toEqual([
      'entry 1 committed (n1 first, then n2, n3, n4, n5)',
      'entries 2–4 committed (n1 first, then n2, n3)',
    ]);
  });
});

describe('run model: commit rows of a sharded cluster', () => {
  const created = (nodeCount: unknown) =>
    rec(0, 'cluster-created', { nodeCount, shards: { groups: 2, scheme: { kind: 'range', shards: 4 } } });
  const commits = (m: RunModel): void => {
    // Controller n1–n3, g1 n4–n6, g2 n7–n9: each group's log has indexes of its own.
    for (const [node, commitIndex] of [
      ['n1', 2],
      ['n2', 2],
      ['n4', 1],
      ['n5', 1],
      ['n7', 3],
      ['n8', 3],
      ['n3', 2],
    ] as const)
      m.ingest(rec(1, 'commit', { node, commitIndex }));
  };
  const texts = (m: RunModel): string[] => {
    const rows = m.rows.view(['commit']);
    return rows.slice(0, rows.count).map((r) => r.text);
  };
  const perGroup = [
    'controller: entries 1–2 committed (n1 first, then n2, n3)',
    'g1: entry 1 committed (n4 first, then n5)',
    'g2: entries 1–3 committed (n7 first, then n8)',
  ];

  it('keeps one row per group and index range, naming the group, from the cluster-created record', () => {
    const m = new RunModel();
    m.ingest(created(3));
    commits(m);
    expect(texts(m)).toEqual(perGroup);
    expect(m.rows.view(['commit']).at(1)!.nodes).toEqual(['n4', 'n5']);
  });

  it('takes the layout from the cluster’s settings when the log it has starts later', () => {
    const m = new RunModel();
    m.setLayout(
      new Map([...'123456789'].map((k, i) => [`n${k}`, i < 3 ? 'controller' : i < 6 ? 'g1' : 'g2'] as const)),
    );
    commits(m);
    expect(texts(m)).toEqual(perGroup);
  });

  it('reads a damaged layout as one group rather than trusting it', () => {
    const m = new RunModel();
    m.ingest(created(1e9));
    commits(m);
    expect(texts(m)).toEqual([
      'entries 1–2 committed (n1 first, then n2, n4, n5)',
      'entry 3 committed (n7 first, then n8)',
    ]);
  });

  it('gives each group’s term its own row', () => {
    const m = new RunModel();
    m.ingest(created(3));
    m.ingest(rec(1, 'term', { node: 'n1', term: 1, vote: 'n1' }));
    m.ingest(rec(1, 'term', { node: 'n4', term: 1, vote: 'n4' }));
    m.ingest(rec(1, 'term', { node: 'n2', term: 1, vote: 'n1' }));
    const rows = m.rows.view(['state']);
    expect(rows.slice(0, rows.count).map((r) => r.nodes)).toEqual([['n1', 'n2'], ['n4']]);
    expect(rows.at(1)!.text).toMatch(/^g1: term 1: /);
  });
});

describe('run model: plain-language rows', () => {
  it('says who won an election with whose votes, merging per-node term and leader records', () => {
    const m = new RunModel();
    m.ingest(rec(1, 'role', { node: 'n3', role: 'candidate', term: 4, from: 'follower' }));
    m.ingest(rec(1, 'term', { node: 'n3', term: 4, vote: 'n3' }));
    m.ingest(rec(1.01, 'term', { node: 'n1', term: 4, vote: 'n3' }));
    m.ingest(rec(1.01, 'term', { node: 'n5', term: 4, vote: 'n3' }));
    m.ingest(rec(1.01, 'term', { node: 'n2', term: 4, vote: null }));
    m.ingest(rec(1.02, 'deliver', { from: 'n2', to: 'n3', type: 'voteResp', msgKind: 'vote', term: 4, id: 1 }));
    m.ingest(rec(1.03, 'role', { node: 'n3', role: 'leader', term: 4, from: 'candidate' }));
    m.ingest(rec(1.04, 'leader', { node: 'n3', leader: 'n3', term: 4 }));
    m.ingest(rec(1.05, 'leader', { node: 'n1', leader: 'n3', term: 4 }));
    m.ingest(rec(1.05, 'leader', { node: 'n5', leader: 'n3', term: 4 }));
    const v = m.rows.view(['state']);
    expect(v.slice(0, v.count).map((r) => r.text)).toEqual([
      'n3 stood for election for term 4 and asked for votes',
      // n2's answer reached n3, and n2 voted for no one: it refused (not "did not vote").
      'term 4: n3 voted for itself; n1 and n5 voted for n3; n2 refused n3',
      'n3 became leader of term 4 with votes from n1, n5 and itself; n2 answered too',
      'n1 and n5 follow leader n3',
    ]);
    const win = v.at(2)!;
    expect(win.nodes).toEqual(['n3', 'n1', 'n5']);
    expect(m.marks.toArray()).toMatchObject([{ kind: 'election', text: win.text }]);
  });

  it('says of a node with no vote in a term whether it refused or no answer came, and why when the log knows', () => {
    const m = new RunModel();
    const vote = (t: number, kind: string, from: string, to: string, extra: Record<string, unknown> = {}) =>
      m.ingest(rec(t, kind, { from, to, type: 'vote', msgKind: 'vote', term: 6, id: Math.round(t * 1e6), ...extra }));
    m.ingest(rec(2, 'role', { node: 'n1', role: 'candidate', term: 6, from: 'follower' }));
    m.ingest(rec(2, 'term', { node: 'n1', term: 6, vote: 'n1' }));
    // n4's request is cut by a partition; n5 is asked, but nothing more is logged of it.
    vote(2.001, 'drop', 'n1', 'n4', { reason: 'partition' });
    m.ingest(rec(2.01, 'term', { node: 'n2', term: 6, vote: 'n1' }));
    m.ingest(rec(2.01, 'term', { node: 'n3', term: 6, vote: null }));
    m.ingest(rec(2.2, 'term', { node: 'n4', term: 6, vote: null }));
    m.ingest(rec(2.3, 'term', { node: 'n5', term: 6, vote: null }));
    const row = (): string => {
      const v = m.rows.view(['state']);
      return v.slice(0, v.count).find((r) => r.text.startsWith('term 6'))!.text;
    };
    expect(row()).toBe(
      'term 6: n1 voted for itself; n2 voted for n1; no answer from n3 and n5; no answer from n4: the request was dropped (partition)',
    );
    // n3's refusal is logged after its term record: the row, still open, says it then.
    m.ingest(
      rec(2.4, 'vote-answer', {
        node: 'n3',
        request: 'vote',
        candidate: 'n1',
        term: 6,
        granted: false,
        reason: "refused n1's vote (t6): candidate log behind (last 2/t1 < 3/t2)",
      }),
    );
    expect(row()).toBe(
      'term 6: n1 voted for itself; n2 voted for n1; n3 refused n1; no answer from n4: the request was dropped (partition); no answer from n5',
    );
    expect(row()).not.toMatch(/did not vote/);
  });

  it("says a leader's win once, with the voters the winner counted, not twice in two lists", () => {
    const m = new RunModel();
    m.ingest(rec(1, 'term', { node: 'n1', term: 1, vote: 'n2' }));
    m.ingest(
      rec(1.03, 'role', {
        node: 'n2',
        role: 'leader',
        term: 1,
        from: 'candidate',
        reason: 'won the election with votes from n2, n4, n1',
      }),
    );
    m.ingest(
      rec(2, 'role', {
        node: 'n5',
        role: 'leader',
        term: 2,
        from: 'candidate',
        reason: 'phase 1 won: promises from n5, n1',
      }),
    );
    expect(
      allRows(m)
        .filter((r) => r.kind === 'role')
        .map((r) => r.text),
    ).toEqual([
      'n2 became leader of term 1 with votes from n1, n4 and itself',
      'n5 became leader of term 2 — phase 1 won: promises from n5, n1',
    ]);
  });

  it('says votes the winner got after its majority came too, so the term row does not read as uncounted votes', () => {
    const m = new RunModel();
    m.ingest(rec(1, 'term', { node: 'n5', term: 2, vote: 'n5' }));
    for (const n of ['n1', 'n2', 'n3', 'n4']) m.ingest(rec(1.01, 'term', { node: n, term: 2, vote: 'n5' }));
    m.ingest(
      rec(1.03, 'role', {
        node: 'n5',
        role: 'leader',
        term: 2,
        from: 'candidate',
        reason: 'won the election with votes from n5, n1, n3',
      }),
    );
    expect(allRows(m).map((r) => r.text)).toEqual([
      'term 2: n5 voted for itself; n1, n2, n3 and n4 voted for n5',
      'n5 became leader of term 2 with votes from n1, n3 and itself; n2 and n4 voted for it too, after it had its majority',
    ]);
  });

  it('shows a role change once, with its reason, and vote answers as state rows', () => {
    const m = new RunModel();
    const why = 'election timeout: no message from leader n1 for 32 ticks (320 ms)';
    m.ingest(rec(2, 'role-reason', { node: 'n2', role: 'candidate', prev: 'follower', term: 3, reason: why }));
    m.ingest(rec(2, 'role', { node: 'n2', role: 'candidate', term: 3, from: 'follower', reason: why }));
    m.ingest(rec(2.01, 'vote-answer', { node: 'n4', candidate: 'n2', term: 3, granted: false, reason: 'refused n2' }));
    const rows = allRows(m);
    expect(rows.filter((r) => r.text.includes(why))).toHaveLength(1);
    expect(rows.map((r) => [r.kind, r.cat])).toEqual([
      ['role', 'state'],
      ['vote-answer', 'state'],
    ]);
  });

  it('words faults, lifecycle, client operations and messages', () => {
    const m = new RunModel();
    const texts = (rs: RunLogRecord[]): string[] => {
      for (const r of rs) m.ingest(r);
      return allRows(m)
        .slice(-rs.length)
        .map((r) => r.text);
    };
    expect(
      texts([
        rec(1, 'partition', {
          groups: [
            ['n1', 'n2'],
            ['n3', 'n4', 'n5'],
          ],
        }),
        rec(2, 'link-rule', { from: 'n1', to: 'n2', latencyMs: 200, jitterMs: 50, loss: 0.1, both: true }),
        rec(3, 'heal'),
        rec(4, 'pause', { node: 'n4' }),
        rec(5, 'time-scale', { scale: 0.1 }),
        rec(6, 'client-complete', { type: 'info', f: 'write', key: 'a', node: 'n4', latencyMs: 5000 }),
        rec(7, 'drop', { from: 'n1', to: 'n3', type: 'append', msgKind: 'append', term: 2, reason: 'cut' }),
        rec(8, 'mystery', { node: 'n1', detail: 'a long value that is kept whole' }),
      ]),
    ).toEqual([
      'network split into 2 sides: n1 n2 | n3 n4 n5',
      'link n1↔n2: +200 ms ± 50 ms, 10% lost',
      'network healed: every cut and link rule removed',
      'n4 paused (SIGSTOP): alive, but silent',
      'timers slowed to 0.1×',
      'put a → unknown (n4, 5000 ms): no answer — it may or may not have applied',
      'append n1→n3 dropped (cut) (term 2)',
      'mystery: node n1, detail a long value that is kept whole',
    ]);
    const link = m.rows.view(['fault']).at(1)!;
    expect(link.links).toEqual([
      { from: 'n1', to: 'n2' },
      { from: 'n2', to: 'n1' },
    ]);
  });
});

describe('ring', () => {
  it('keeps the newest `capacity` items with O(1) access by age', () => {
    const r = new Ring<number>(3);
    for (let i = 1; i <= 5; i++) r.push(i);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect([r.at(0), r.last(), r.size, r.evicted]).toEqual([3, 5, 3, 2]);
    expect(r.lowerBound((x) => x, 4)).toBe(1);
    expect(r.upperBound((x) => x, 4)).toBe(2);
  });
});
