/**
 * Explain's role question on constructed run logs (no processes): why a node is in its
 * role with the message that caused it, its last election (the timeout, the last word from
 * the old leader, what happened to that leader) and how it ended, its last step-down, its
 * last refused and granted votes; a down node; a log without reasons; Multi-Paxos's words.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterNode, RunLogRecord } from '../../src-main/api/contract';
import { explainRole, messageFinder } from '../../src-main/api/explain';
import type { NodeFacts, WhyAnswer, WhyInput } from '../../src-main/api/explain/types';
import type { NodeStatus, Role } from '../../src-main/core/types';

let seq = 0;
/** r makes a record at `ms` milliseconds. */
const r = (ms: number, kind: string, fields: Record<string, unknown>): RunLogRecord => ({
  t: ms * 1e6,
  seq: ++seq,
  kind,
  ...fields,
});

function row(id: string, role: Role | null, term: number, run: 'up' | 'down' | 'paused' = 'up'): ClusterNode {
  return {
    id,
    status: run,
    role,
    term,
    commitIndex: 0,
    lastApplied: 0,
    lastIndex: 0,
    leader: null,
    vote: null,
    pid: 1,
    damaged: false,
    served: 0,
    inflight: 0,
    weight: 1,
  };
}

function input(rows: ClusterNode[], records: RunLogRecord[], protocol: 'raft' | 'paxos' = 'raft'): WhyInput {
  const voters = rows.map((x) => x.id);
  const facts: NodeFacts[] = rows.map((x) => {
    const status: NodeStatus | null =
      x.role === null
        ? null
        : {
            id: x.id,
            role: x.role,
            term: x.term,
            vote: null,
            leader: x.leader,
            commitIndex: 0,
            lastIndex: 0,
            lastTerm: 0,
            firstIndex: 1,
            conf: { voters, learners: [], votersOutgoing: [] },
            progress: null,
          };
    return { id: x.id, run: x.status, status, fresh: x.status === 'up', entries: null };
  });
  const messages = records.filter((x) => ['send', 'deliver', 'drop'].includes(x.kind));
  return {
    view: { protocol, nodes: rows, groups: [voters], links: [], leader: null },
    facts,
    log: records.filter((x) => !messages.includes(x)),
    findMessage: messageFinder(messages),
  };
}

function ask(i: WhyInput, node: string): WhyAnswer {
  const a = explainRole(i, node);
  if (!a.ok) throw new Error(a.error);
  return a.answer;
}

const all = (a: WhyAnswer): string => [a.summary, ...a.lines].join('\n');

const roleReason = (
  ms: number,
  node: string,
  prev: string,
  role: string,
  term: number,
  cause: object,
  reason: string,
) => r(ms, 'role-reason', { node, type: 'role', prev, role, term, prevTerm: term, cause, reason });

describe('why is a node in its role', () => {
  it('a new leader: won the vote; its election began with a timeout after the old leader crashed', () => {
    const log = [
      roleReason(
        0,
        'n2',
        'follower',
        'follower',
        0,
        { kind: 'start' },
        'follower → follower (t0): the node (re)started',
      ),
      r(900, 'deliver', { from: 'n1', to: 'n2', type: 'heartbeat', term: 1, msgKind: 'heartbeat', id: 5 }),
      r(950, 'crash', { node: 'n1', pid: 7 }),
      r(951, 'node-exit', { node: 'n1' }),
      roleReason(
        1300,
        'n2',
        'follower',
        'precandidate',
        1,
        { kind: 'election-timeout', elapsed: 35, timeout: 35, leader: 'n1' },
        'follower → precandidate (t1): election timeout: no message from leader n1 for 35 ticks (350 ms)',
      ),
      roleReason(
        1305,
        'n2',
        'precandidate',
        'candidate',
        2,
        { kind: 'pre-vote-won', granted: ['n2', 'n3'] },
        'precandidate → candidate (t2): pre-vote won: n2, n3 would vote for it',
      ),
      roleReason(
        1310,
        'n2',
        'candidate',
        'leader',
        2,
        { kind: 'vote-won', granted: ['n2', 'n3'] },
        'candidate → leader (t2): won the election with votes from n2, n3',
      ),
      r(1311, 'role', { node: 'n2', role: 'leader', term: 2, from: 'follower' }),
    ];
    const a = ask(input([row('n1', null, 1, 'down'), row('n2', 'leader', 2), row('n3', 'follower', 2)], log), 'n2');
    expect(a.summary).toBe('n2 is leader (t2) since 1.310 s because of: won the election with votes from n2, n3.');
    const text = all(a);
    expect(text).toContain(
      'Last election: started at 1.300 s — election timeout: no message from leader n1 for 35 ticks (350 ms).',
    );
    expect(text).toContain('The last message from n1 before it: heartbeat n1→n2 t1 delivered at 0.900 s (#2).');
    expect(text).toContain('Before that, at 0.950 s, n1 was crashed (SIGKILL).');
    expect(a.roleFacts?.cause).toEqual({ kind: 'vote-won', granted: ['n2', 'n3'] });
    expect(a.roleFacts?.election?.seq).toBe(log[4]!.seq);
    // Every record it rests on is cited once.
    const seqs = a.cites.map((c) => c.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual(expect.arrayContaining([log[1]!.seq, log[2]!.seq, log[4]!.seq, log[6]!.seq]));
  });

  it('a follower that stepped down: the higher term and the message that carried it; its refused and granted votes', () => {
    const log = [
      roleReason(
        100,
        'n1',
        'candidate',
        'leader',
        4,
        { kind: 'vote-won', granted: ['n1', 'n2'] },
        'candidate → leader (t4): won the election with votes from n1, n2',
      ),
      r(200, 'vote-answer', {
        node: 'n1',
        request: 'vote',
        candidate: 'n3',
        term: 5,
        granted: false,
        reason: "refused n3's vote (t5): candidate log behind (last 12/t3 < 14/t4)",
      }),
      r(299, 'deliver', { from: 'n3', to: 'n1', type: 'vote', term: 5, msgKind: 'vote', id: 9 }),
      roleReason(
        300,
        'n1',
        'leader',
        'follower',
        5,
        { kind: 'higher-term', from: 'n3', msg: 'vote', term: 5, prevTerm: 4 },
        'leader → follower (t5): higher term from n3 (vote t5; was t4)',
      ),
      r(310, 'vote-answer', {
        node: 'n1',
        request: 'vote',
        candidate: 'n2',
        term: 6,
        granted: true,
        reason: "granted n2's vote (t6): candidate log up to date (last 14/t4 ≥ 14/t4)",
      }),
    ];
    const a = ask(input([row('n1', 'follower', 6), row('n2', 'leader', 6), row('n3', 'follower', 6)], log), 'n1');
    expect(a.summary).toBe('n1 is follower (t6) since 0.300 s because of: higher term from n3 (vote t5; was t4).');
    const text = all(a);
    expect(text).toContain('The message: vote n3→n1 t5 delivered at 0.299 s (#');
    expect(text).toContain(
      "Last vote refused: at 0.200 s, refused n3's vote (t5): candidate log behind (last 12/t3 < 14/t4).",
    );
    expect(text).toContain("Last vote granted: at 0.310 s, granted n2's vote (t6)");
    // The step-down is the reason for the current role: it is told once, in the summary.
    expect(text).not.toContain('Last step-down');
    expect(a.roleFacts?.stepDown?.seq).toBe(log[3]!.seq);
    expect(a.roleFacts?.voteRefused?.seq).toBe(log[1]!.seq);
  });

  it('a candidate or a leader cut off from a majority is told it can neither win nor commit', () => {
    const log = [
      roleReason(
        400,
        'n3',
        'precandidate',
        'precandidate',
        2,
        { kind: 'election-timeout', elapsed: 40, timeout: 40, leader: null },
        'precandidate → precandidate (t2): election timeout: no leader heard from for 40 ticks',
      ),
    ];
    const i = input([row('n1', 'leader', 2), row('n2', 'follower', 2), row('n3', 'precandidate', 2)], log);
    i.view.groups = [['n1', 'n2'], ['n3']];
    const a = ask(i, 'n3');
    expect(a.lines[0]).toBe('n3 reaches n3 (1 of 3 with itself; 2 needed): no election it starts can win.');
    // An old leader cut off in a minority still claims to lead, but can commit nothing.
    const old = input([row('n1', 'leader', 1), row('n2', 'follower', 2), row('n3', 'leader', 2)], []);
    old.view.groups = [['n1'], ['n2', 'n3']];
    expect(ask(old, 'n1').lines[0]).toBe(
      'n1 reaches n1 (1 of 3 with itself; 2 needed): it cannot commit anything until it reaches a quorum again.',
    );
    expect(ask(old, 'n3').lines[0]).toBe('n3 reaches n2, n3 (2 of 3 with itself; 2 needed): it can commit.');
  });

  it('a down node says since when and why; a role with no recorded reason says so', () => {
    const log = [r(500, 'crash', { node: 'n2', pid: 3 }), r(501, 'node-exit', { node: 'n2' })];
    const down = ask(input([row('n1', 'leader', 1), row('n2', null, 1, 'down')], log), 'n2');
    expect(down.summary).toBe('n2 is down: it crashed (SIGKILL) at 0.500 s.');
    // One that died of an error nobody caught says which, as its node reported it (node/fatal.ts).
    const fatal = {
      node: 'n2',
      code: 1,
      signal: null,
      origin: 'uncaught-exception',
      error: 'Error: boom',
      stack: null,
    };
    const died = ask(input([row('n1', 'leader', 1), row('n2', null, 1, 'down')], [r(700, 'node-died', fatal)]), 'n2');
    expect(died.summary).toBe(
      'n2 is down: it died unexpectedly (exit code 1) at 0.700 s, of an uncaught exception: Error: boom.',
    );
    const old = [r(10, 'role', { node: 'n1', role: 'leader', term: 1, from: 'candidate' })];
    const bare = ask(input([row('n1', 'leader', 1), row('n2', 'follower', 1)], old), 'n1');
    expect(bare.summary).toBe('n1 is leader (t1) since 0.010 s; no reason was recorded for it.');
    expect(explainRole(input([row('n1', 'leader', 1)], []), 'n4')).toEqual({
      ok: false,
      status: 404,
      error: 'unknown node n4',
    });
  });

  it('Multi-Paxos speaks of ballots: a leader deposed by a higher ballot, its refused promise', () => {
    const log = [
      r(10, 'deliver', { from: 'n3', to: 'n1', type: 'prepare', term: 305, msgKind: 'vote', id: 1 }),
      roleReason(
        11,
        'n1',
        'leader',
        'follower',
        305,
        { kind: 'higher-term', from: 'n3', msg: 'prepare', term: 305, prevTerm: 203 },
        'leader → follower (b=3.n5): higher ballot from n3 (prepare b=3.n5; was b=2.n3)',
      ),
      r(20, 'vote-answer', {
        node: 'n1',
        request: 'prepare',
        candidate: 'n2',
        term: 202,
        granted: false,
        reason: "refused n2's promise (b=2.n2): already promised a higher ballot (3.n5)",
      }),
    ];
    const a = ask(
      input([row('n1', 'follower', 305), row('n2', 'follower', 305), row('n3', 'leader', 305)], log, 'paxos'),
      'n1',
    );
    expect(a.summary).toBe(
      'n1 is follower (b=3.n5) since 0.011 s because of: higher ballot from n3 (prepare b=3.n5; was b=2.n3).',
    );
    expect(all(a)).toContain('The message: prepare n3→n1 b=3.n5 delivered at 0.010 s');
    expect(all(a)).toContain('already promised a higher ballot (3.n5)');
  });
});
