/**
 * Explain's entry question on constructed states (no processes): who stores entry N, the
 * quorum needed, the leader and whom it reaches, Raft's §5.4.2 rule, committed entries with
 * their commit record, an entry that is not the leader's, a follower that has not learned a
 * commit, no leader at all, Multi-Paxos's ballots; and the 404s.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterNode, LinkRule, RunLogRecord } from '../../src-main/api/contract';
import { explainEntry } from '../../src-main/api/explain';
import type { NodeFacts, WhyAnswer, WhyInput } from '../../src-main/api/explain/types';
import type { Entry, FollowerProgress, NodeStatus } from '../../src-main/core/types';

/** Node describes one constructed node: its log's terms (index i+1 has terms[i]), its role and indexes. */
interface Node {
  id: string;
  terms: number[];
  role?: NodeStatus['role'];
  term?: number;
  commit?: number;
  run?: 'up' | 'down' | 'paused';
  leader?: string | null;
  progress?: Record<string, number>;
  /** fresh: the node answered now (false: only its last report is known). */
  fresh?: boolean;
}

function status(n: Node, voters: string[]): NodeStatus {
  const last = n.terms.length;
  const progress: FollowerProgress[] | null = n.progress
    ? Object.entries(n.progress).map(([id, match]) => ({
        id,
        match,
        next: match + 1,
        state: 'replicate',
        inflight: 0,
        recentActive: true,
      }))
    : null;
  return {
    id: n.id,
    role: n.role ?? 'follower',
    term: n.term ?? n.terms[last - 1] ?? 0,
    vote: null,
    leader: n.leader ?? null,
    commitIndex: n.commit ?? 0,
    lastIndex: last,
    lastTerm: n.terms[last - 1] ?? 0,
    firstIndex: 1,
    conf: { voters, learners: [], votersOutgoing: [] },
    progress,
  };
}

/** build makes a WhyInput from constructed nodes, asked at entry `from`. */
function build(
  nodes: Node[],
  opts: { from: number; protocol?: 'raft' | 'paxos'; groups?: string[][]; links?: LinkRule[]; log?: RunLogRecord[] },
): WhyInput {
  const voters = nodes.map((n) => n.id);
  const facts: NodeFacts[] = nodes.map((n) => {
    const fresh = (n.fresh ?? true) && (n.run ?? 'up') === 'up';
    const entries: Entry[] = n.terms
      .map((term, i) => ({ index: i + 1, term, type: 'normal' as const, data: '' }))
      .filter((e) => e.index >= opts.from);
    return { id: n.id, run: n.run ?? 'up', status: status(n, voters), fresh, entries: fresh ? entries : null };
  });
  const rows: ClusterNode[] = nodes.map((n) => ({
    id: n.id,
    status: n.run ?? 'up',
    role: n.run === 'down' ? null : (n.role ?? 'follower'),
    term: n.term ?? 0,
    commitIndex: n.commit ?? 0,
    lastApplied: n.commit ?? 0,
    lastIndex: n.terms.length,
    leader: n.leader ?? null,
    vote: null,
    pid: 1,
    damaged: false,
    served: 0,
    inflight: 0,
    weight: 1,
  }));
  const groups = opts.groups ?? [voters];
  const leader = rows.find((r) => r.role === 'leader' && r.status === 'up')?.id ?? null;
  return {
    view: { protocol: opts.protocol ?? 'raft', nodes: rows, groups, links: opts.links ?? [], leader },
    facts,
    log: opts.log ?? [],
  };
}

function ask(input: WhyInput, node: string, index: number): WhyAnswer {
  const r = explainEntry(input, node, index);
  if (!r.ok) throw new Error(r.error);
  return r.answer;
}

const text = (a: WhyAnswer): string => [a.summary, ...a.lines].join('\n');

describe('why is entry N not committed (Raft)', () => {
  it('names who stores it, the quorum needed, and why the leader reaches too few (down, paused, partition)', () => {
    const input = build(
      [
        { id: 'n1', terms: [1, 1, 1, 1, 1, 3, 3], role: 'leader', term: 3, commit: 6, leader: 'n1' },
        { id: 'n2', terms: [1, 1, 1, 1, 1, 3, 3], term: 3, commit: 6, leader: 'n1' },
        { id: 'n3', terms: [1, 1, 1, 1, 1, 3], term: 3, commit: 6, run: 'down' },
        { id: 'n4', terms: [1, 1, 1, 1, 1, 3], term: 3, commit: 6, run: 'paused' },
        { id: 'n5', terms: [1, 1, 1, 1, 1, 3], term: 3, commit: 6 },
      ],
      { from: 7, groups: [['n1', 'n2', 'n3', 'n4'], ['n5']] },
    );
    const a = ask(input, 'n1', 7);
    expect(a.summary).toBe('entry 7 (t3) is not committed: stored on n1, n2 (2 of 5); 3 needed.');
    expect(a.entryFacts).toMatchObject({ committed: false, storedOn: ['n1', 'n2'], needed: 3, leader: 'n1' });
    const all = text(a);
    expect(all).toContain('The leader n1 reaches n1, n2 (2 of 5 with itself; 3 needed: not enough for a quorum)');
    expect(all).toContain('n3 (down)');
    expect(all).toContain('n4 (paused)');
    expect(all).toContain('n5 (cut off by the partition: {n1,n2,n3,n4} | {n5})');
    expect(all).toContain('n3: does not store it — its log ends at 6 (last report)');
    expect(all).toContain('n5: does not store it — its log ends at 6');
  });

  it('a blocked link back to the leader keeps a follower out: its acknowledgements never arrive', () => {
    const input = build(
      [
        { id: 'n1', terms: [1, 1], role: 'leader', term: 1, commit: 1, leader: 'n1' },
        { id: 'n2', terms: [1], term: 1, commit: 1, leader: 'n1' },
        { id: 'n3', terms: [1], term: 1, commit: 1, leader: 'n1' },
      ],
      {
        from: 2,
        links: [{ from: 'n2', to: 'n1', latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, blocked: true }],
      },
    );
    const all = text(ask(input, 'n1', 2));
    expect(all).toContain('n2 (link n2→n1 is blocked, so its acknowledgements never reach n1)');
  });

  it('§5.4.2: an entry of an earlier term stored on a quorum is not committed until one of the current term is', () => {
    const input = build(
      [
        { id: 'n1', terms: [1, 1, 1, 1, 2, 4], role: 'leader', term: 4, commit: 4, leader: 'n1' },
        { id: 'n2', terms: [1, 1, 1, 1, 2], term: 4, commit: 4, leader: 'n1' },
        { id: 'n3', terms: [1, 1, 1, 1, 2], term: 4, commit: 4, leader: 'n1' },
        { id: 'n4', terms: [1, 1, 1, 1], term: 4, commit: 4, leader: 'n1' },
        { id: 'n5', terms: [1, 1, 1, 1], term: 4, commit: 4, leader: 'n1' },
      ],
      { from: 5 },
    );
    const a = ask(input, 'n1', 5);
    expect(a.entryFacts).toMatchObject({ committed: false, oldTerm: true, storedOn: ['n1', 'n2', 'n3'], needed: 3 });
    expect(a.summary).toBe(
      'entry 5 (t2) is not committed: it is stored on 3 of 5, but it is from term 2 and the leader n1 is in term 4.',
    );
    expect(text(a)).toContain('Raft §5.4.2');
    expect(text(a)).toContain("The leader's first entry of term 4 after it is entry 6.");
  });

  it('Multi-Paxos has no such rule: a slot under an older ballot on a quorum is just not counted yet', () => {
    const input = build(
      [
        { id: 'n1', terms: [101, 203], role: 'leader', term: 203, commit: 1, leader: 'n1' },
        { id: 'n2', terms: [101, 203], term: 203, commit: 1, leader: 'n1' },
        { id: 'n3', terms: [101, 101], term: 203, commit: 1, leader: 'n1' },
      ],
      { from: 2, protocol: 'paxos' },
    );
    const a = ask(input, 'n1', 2);
    expect(a.entryFacts?.oldTerm).toBe(false);
    expect(a.summary).toBe(
      'entry 2 (b=2.n3) is stored on n1, n2 (2 of 3; 2 needed) but not counted yet: the acknowledgements are on their way to n1.',
    );
    expect(text(a)).toContain('n3: does not store it — it holds a different entry there (b=1.n1)');
    // Asked on the acceptor that holds the older ballot's value: the leader's ballot decides the slot.
    const b = ask(input, 'n3', 2);
    expect(b.summary).toBe(
      "n3's entry 2 (b=1.n1) is not committed: it is not the leader n1's (n1's entry 2 is b=2.n3).",
    );
    expect(text(b)).toContain('n3 accepted it under ballot 1.n1');
  });

  it('an entry the leader does not have was never committed and will be replaced', () => {
    const input = build(
      [
        { id: 'n1', terms: [1, 1, 3], role: 'leader', term: 3, commit: 3, leader: 'n1' },
        { id: 'n2', terms: [1, 1, 3], term: 3, commit: 3, leader: 'n1' },
        { id: 'n3', terms: [1, 1, 2, 2], term: 2, commit: 2, leader: null },
      ],
      { from: 3 },
    );
    const a = ask(input, 'n3', 4);
    expect(a.summary).toBe("n3's entry 4 (t2) is not committed: it is not the leader n1's (n1's log ends at 3).");
    expect(text(a)).toContain("n3 will replace it with the leader's entries once it hears from n1");
  });

  it('a follower that has not learned a commit is told why: the next heartbeat, or the cut between them', () => {
    const nodes: Node[] = [
      { id: 'n1', terms: [1, 1, 1], role: 'leader', term: 1, commit: 3, leader: 'n1' },
      { id: 'n2', terms: [1, 1, 1], term: 1, commit: 3, leader: 'n1' },
      { id: 'n3', terms: [1, 1, 1], term: 1, commit: 2, leader: 'n1' },
    ];
    const soon = ask(build(nodes, { from: 3 }), 'n3', 3);
    expect(soon.summary).toContain('is committed by the leader n1 (commit index 3), but n3 has not learned it yet');
    expect(text(soon)).toContain('n3 learns it with the next append or heartbeat from n1.');
    const cut = ask(build(nodes, { from: 3, groups: [['n1', 'n2'], ['n3']] }), 'n3', 3);
    expect(text(cut)).toContain('n3 cannot hear from n1: cut off by the partition: {n1,n2} | {n3}.');
  });

  it('with no leader, it names the missing quorum and who stores the entry', () => {
    const input = build(
      [
        { id: 'n1', terms: [1, 1], term: 1, commit: 1, role: 'precandidate' },
        { id: 'n2', terms: [1], term: 1, commit: 1 },
        { id: 'n3', terms: [1], term: 1, commit: 1 },
      ],
      { from: 2, groups: [['n1'], ['n2'], ['n3']] },
    );
    const a = ask(input, 'n1', 2);
    expect(a.summary).toBe('entry 2 (t1) is not committed on n1: there is no leader to commit it.');
    expect(a.lines[0]).toBe(
      'No quorum: at most 1 of 3 nodes reach each other, 2 needed (partition: {n1} | {n2} | {n3}).',
    );
    expect(a.lines[1]).toBe('Stored on n1 (1 of 3); 2 needed.');
  });

  it("a node that could not be asked is judged by the leader's progress", () => {
    const input = build(
      [
        {
          id: 'n1',
          terms: [1, 1, 1],
          role: 'leader',
          term: 1,
          commit: 2,
          leader: 'n1',
          progress: { n1: 3, n2: 3, n3: 1 },
        },
        { id: 'n2', terms: [1, 1, 1], term: 1, commit: 2, fresh: false },
        { id: 'n3', terms: [1], term: 1, commit: 1, run: 'paused' },
      ],
      { from: 3 },
    );
    const a = ask(input, 'n1', 3);
    expect(a.entryFacts?.holders).toEqual([
      { node: 'n1', stores: true, why: 'its log has it' },
      { node: 'n2', stores: true, why: "the leader's progress says match 3" },
      { node: 'n3', stores: false, why: 'its log ends at 1 (last report)' },
    ]);
  });
});

describe('why is entry N committed', () => {
  const rec = (seq: number, t: number, fields: Record<string, unknown>): RunLogRecord => ({
    seq,
    t,
    kind: 'commit',
    ...fields,
  });

  it('says when, by which leader and with whom, and when the asked node learned it, citing the records', () => {
    const input = build(
      [
        { id: 'n1', terms: [1, 2, 2], role: 'leader', term: 2, commit: 3, leader: 'n1' },
        { id: 'n2', terms: [1, 2, 2], term: 2, commit: 3, leader: 'n1' },
        { id: 'n3', terms: [1, 2], term: 2, commit: 2, leader: 'n1' },
      ],
      {
        from: 3,
        log: [
          rec(10, 1_000_000_000, { node: 'n1', commitIndex: 2, term: 2, quorum: ['n1', 'n2', 'n3'] }),
          rec(11, 1_500_000_000, { node: 'n1', commitIndex: 3, term: 2, quorum: ['n1', 'n2'] }),
          rec(12, 1_600_000_000, { node: 'n2', commitIndex: 3 }),
        ],
      },
    );
    const a = ask(input, 'n2', 3);
    expect(a.summary).toBe('entry 3 (t2) is committed on n2.');
    expect(a.lines[0]).toBe('Leader n1 (t2) committed it at 1.500 s: n1, n2 held it (2 of 3; 2 needed).');
    expect(a.lines[1]).toBe('n2 learned it at 1.600 s.');
    expect(a.cites.map((c) => c.seq)).toEqual([11, 12]);
    expect(a.entryFacts?.committedAt).toEqual({
      t: 1_500_000_000,
      seq: 11,
      by: 'n1',
      term: 2,
      quorum: ['n1', 'n2'],
    });
  });

  it('refuses an unknown node and an entry no node has (404)', () => {
    const input = build([{ id: 'n1', terms: [1, 1], role: 'leader', term: 1, commit: 2, leader: 'n1' }], {
      from: 1,
    });
    expect(explainEntry(input, 'n7', 1)).toEqual({ ok: false, status: 404, error: 'unknown node n7' });
    expect(explainEntry(input, 'n1', 3)).toEqual({
      ok: false,
      status: 404,
      error: "entry 3 is out of range: no node has it (the longest log, n1's, ends at 2)",
    });
  });
});
