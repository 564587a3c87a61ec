/**
 * A Multi-Paxos run speaks Paxos: ballots (written round.node, "2.n4", as the space-time
 * diagram's labels write them) and promises, never Raft's terms and votes — on a node's
 * chip, in its hover card's words, on the space-time lanes, in the timeline's rows, in the
 * console's "as of" stamps and in the sharded header's tooltip. A Raft run keeps its words.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterNode, ClusterView, RunLogRecord } from '../../src-main/api/contract';
import { messageLogOf } from '../../src-main/report/message-log';
import { voteTally } from '../../src-main/api/quorum';
import { nodeLook, tallyText } from '../../src-renderer/src/composables/topology-overlay';
import { epochOf, epochText, staleText } from '../../src-renderer/src/model/console-epoch';
import { describe as describeRecord } from '../../src-renderer/src/model/describe';
import { PAXOS_WORDS, RAFT_WORDS, wordsOf } from '../../src-renderer/src/model/protocol-words';
import { legendStates, roleWords, stateLabel, stateMeaning } from '../../src-renderer/src/model/role-words';
import { CATEGORIES } from '../../src-renderer/src/model/records';
import { RunModel } from '../../src-renderer/src/model/run-model';
import { groupsTitle } from '../../src-renderer/src/model/shard-groups';

/** RAFT_ONLY: the words a Paxos user should never read (and raw ballot integers such as 204). */
const RAFT_ONLY = /\bterms?\b|\bvot(e|es|ed)\b|\bt\d+\b|\b\d0\d\b/;

function node(id: string, over: Partial<ClusterNode> = {}): ClusterNode {
  return {
    id,
    status: 'up',
    role: 'follower',
    term: 204,
    commitIndex: 7,
    lastApplied: 7,
    lastIndex: 7,
    leader: 'n4',
    vote: null,
    pid: 1,
    damaged: false,
    served: 0,
    inflight: 0,
    weight: 1,
    ...over,
  };
}

function view(protocol: 'raft' | 'paxos', nodes: ClusterNode[]): ClusterView {
  const ids = nodes.map((n) => n.id);
  return {
    protocol,
    settings: { nodes: ids.length, protocol, heartbeatMs: 50, electionMs: 300, seed: 1 },
    nodes,
    links: [],
    groups: [ids.slice(0, 2), ids.slice(2)],
    balance: { algorithm: 'leader-only', weights: {} },
    timeScale: 1,
    runStartedAt: 1,
    leader: 'n4',
  };
}

const five = (protocol: 'raft' | 'paxos'): ClusterView =>
  view(protocol, [
    node('n1', { role: 'candidate', term: 601, leader: null }),
    node('n2', { term: 601, leader: null }),
    node('n3'),
    node('n4', { role: 'leader' }),
    node('n5'),
  ]);

describe('a Multi-Paxos run in Paxos words', () => {
  it('writes a ballot as round.node and rewrites the ballots of a node’s own notes', () => {
    expect(wordsOf('paxos')).toBe(PAXOS_WORDS);
    expect(wordsOf('raft')).toBe(RAFT_WORDS);
    expect(wordsOf(undefined)).toBe(RAFT_WORDS);
    expect(PAXOS_WORDS.num(204)).toBe('2.n4');
    expect(PAXOS_WORDS.notes('higher ballot from n2 (prepare b302; was b201)')).toBe(
      'higher ballot from n2 (prepare b=3.n2; was b=2.n1)',
    );
    expect(RAFT_WORDS.notes('higher term from n2 (vote t3; was t2)')).toBe('higher term from n2 (vote t3; was t2)');
  });

  it('chips a node with its ballot, and a candidate with the promises it holds', () => {
    const v = five('paxos');
    expect(nodeLook(v, v.nodes[3]!).chip).toBe('B2.n4 · C7');
    // n2 promised n1's ballot 6.n1: with n1's own, 2 promises of the 3 it needs.
    expect(nodeLook(v, v.nodes[0]!).chip).toBe('B6.n1 · promises 2, need 3');
    const r = five('raft');
    r.nodes[0] = node('n1', { role: 'candidate', term: 6, vote: 'n1', leader: null });
    r.nodes[1] = node('n2', { term: 6, vote: 'n1', leader: null });
    expect(nodeLook(r, r.nodes[0]!).chip).toBe('T6 · votes 2, need 3');
  });

  it('never writes a candidate’s tally as "2/3", which a newcomer reads as 2 of 3 nodes in a 5-node cluster', () => {
    for (const protocol of ['raft', 'paxos'] as const) {
      const v = five(protocol);
      if (protocol === 'raft') {
        v.nodes[0] = node('n1', { role: 'candidate', term: 6, vote: 'n1', leader: null });
        v.nodes[1] = node('n2', { term: 6, vote: 'n1', leader: null });
      }
      const chip = nodeLook(v, v.nodes[0]!).chip;
      expect(chip).not.toMatch(/\d\/\d/);
      expect(chip).toMatch(/ 2, need 3$/);
      // The hover card says it in the timeline's words: granted, of how many, how many needed.
      expect(tallyText(v, voteTally(v, 'n1')!)).toBe('n1, n2 — 2 of 5, 3 needed');
    }
  });

  it('tells a candidate’s state in promises and ballots', () => {
    for (const text of [stateMeaning('candidate', PAXOS_WORDS), roleWords('n1', 'candidate', PAXOS_WORDS)]) {
      expect(text).toMatch(/promise/);
      expect(text).not.toMatch(RAFT_ONLY);
    }
    expect(roleWords('n1', 'candidate')).toMatch(/raised its term/);
  });

  it('keys only the roles Multi-Paxos has, in its words: no pre-candidate, a follower is an acceptor', () => {
    expect(legendStates(PAXOS_WORDS)).toEqual(['leader', 'follower', 'candidate', 'learner', 'paused', 'down']);
    expect(legendStates(RAFT_WORDS)).toContain('precandidate');
    expect(legendStates(PAXOS_WORDS).map((s) => stateLabel(s, PAXOS_WORDS))).toEqual([
      'leader',
      'follower (acceptor)',
      'candidate (phase 1)',
      'learner',
      'paused',
      'down',
    ]);
    for (const s of legendStates(PAXOS_WORDS)) expect(stateMeaning(s, PAXOS_WORDS)).not.toMatch(RAFT_ONLY);
    expect(stateMeaning('follower', PAXOS_WORDS)).toMatch(/promises ballots/);
    expect(stateLabel('candidate', RAFT_WORDS)).toBe('candidate');
    expect(stateLabel('precandidate', RAFT_WORDS)).toBe('pre-candidate');
  });

  it('marks a new ballot on the space-time lanes as its messages’ labels write it', () => {
    const recs = (protocol: string): RunLogRecord[] => [
      { t: 0, seq: 1, kind: 'cluster-created', nodeCount: 5, protocol },
      { t: 5, seq: 2, kind: 'term', node: 'n4', term: 204 },
      { t: 6, seq: 3, kind: 'role', node: 'n4', role: 'leader', term: 204 },
    ];
    const marks = (protocol: string): string[] => {
      const ev = messageLogOf(recs(protocol)).events;
      return Array.from({ length: ev.size }, (_, i) => ev.at(i).text);
    };
    expect(marks('paxos')).toEqual(['b=2.n4', 'leader b=2.n4']);
    expect(marks('raft')).toEqual(['t204', 'leader t204']);
  });

  it('writes the timeline’s rows of a Paxos run in ballots and promises', () => {
    const m = new RunModel();
    const rec = (seq: number, kind: string, f: Record<string, unknown>): RunLogRecord => ({
      t: seq * 1e6,
      seq,
      kind,
      ...f,
    });
    const recs = [
      rec(1, 'cluster-created', { nodeCount: 5, protocol: 'paxos' }),
      rec(2, 'role', { node: 'n4', role: 'candidate', from: 'follower', term: 204 }),
      rec(3, 'term', { node: 'n4', term: 204, vote: null }),
      rec(4, 'term', { node: 'n3', term: 204, vote: null }),
      rec(5, 'send', { id: 1, from: 'n4', to: 'n3', type: 'prepare', msgKind: 'vote', term: 204 }),
      rec(6, 'deliver', { id: 1, from: 'n4', to: 'n3', type: 'prepare', msgKind: 'vote', term: 204 }),
      rec(7, 'vote-answer', {
        node: 'n3',
        type: 'vote',
        request: 'prepare',
        candidate: 'n4',
        term: 204,
        granted: true,
        reason: "granted n4's promise (b204): granted",
      }),
      rec(8, 'role', {
        node: 'n4',
        role: 'leader',
        from: 'candidate',
        term: 204,
        reason: 'candidate → leader (b204): phase 1 won: promises from n4, n3, n5',
      }),
      rec(9, 'crash', { node: 'n3' }),
      rec(10, 'recovered', { node: 'n3', source: 'disk', term: 204, commit: 7 }),
    ];
    for (const r of recs) m.ingest(r);
    const v = m.rows.view(CATEGORIES);
    const texts = v.slice(0, v.count).map((r) => r.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        'n4 began phase 1 (prepare) with ballot 2.n4 and asked for promises',
        'n3 and n4 promised ballot 2.n4',
        'prepare n4→n3 delivered (ballot 2.n4)',
        'n3 promised ballot 2.n4 to n4',
        'n4 became leader of ballot 2.n4 with promises from n3, n5 and itself',
        'n3 read its state back from disk (ballot 2.n4, committed up to entry 7)',
      ]),
    );
    for (const t of texts) expect(t).not.toMatch(RAFT_ONLY);
    // Ballot 0 is no ballot: a fresh node has promised nothing.
    const fresh = new RunModel();
    fresh.ingest(rec(1, 'cluster-created', { nodeCount: 3, protocol: 'paxos' }));
    fresh.ingest(rec(2, 'role', { node: 'n1', role: 'follower', from: null, term: 0 }));
    fresh.ingest(rec(3, 'term', { node: 'n1', term: 0, vote: null }));
    fresh.ingest(rec(4, 'term', { node: 'n2', term: 0, vote: null }));
    const f = fresh.rows.view(CATEGORIES);
    expect(f.slice(0, f.count).map((r) => r.text)).toEqual([
      'a new cluster: 3 nodes running paxos',
      'n1 started as a follower',
      'n1 and n2 have promised no ballot yet',
    ]);
  });

  it('stamps the console’s answers, and titles the groups’ chips, with ballots', () => {
    const then = epochOf(five('paxos'), null)!;
    expect(epochText(then)).toBe('ballot 2.n4');
    const later = five('paxos');
    later.nodes[3] = node('n4', { role: 'leader', term: 904 });
    expect(staleText(then, epochOf(later, null))).toBe('as of ballot 2.n4; now leader n4 (ballot 9.n4)');
    expect(epochText(epochOf(five('raft'), null)!)).toBe('term 204');
    const g = [
      {
        id: 'g1',
        label: 'g1',
        nodes: ['n1'],
        leader: 'n1',
        term: 301,
        quorum: { ok: true, best: 1, total: 1, needed: 1 } as never,
      },
    ];
    expect(groupsTitle(g, PAXOS_WORDS)).toMatch(/^group g1 \(n1\): leader n1 \(ballot 3\.n1\)/);
    expect(groupsTitle(g)).toMatch(/leader n1 \(term 301\)/);
  });

  it('leaves a Raft run’s describe as it was', () => {
    const r: RunLogRecord = { t: 1, seq: 1, kind: 'term', node: 'n1', term: 5, vote: 'n1' };
    expect(describeRecord(r).text).toBe('n1 moved to term 5, voted for n1');
  });
});
