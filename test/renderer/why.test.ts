/**
 * The console's `why`: its grammar (every malformed line gets a one-line error and never
 * reaches the lab), its answers over the fake lab (which runs the real explainer over its
 * view and run log), the lab's refusals printed as errors, and — while a saved run is
 * replayed — answers computed from the run's log up to the cursor, with no call to the lab.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { setLabClient } from '../../src-renderer/src/api/lab-client';
import { parse } from '../../src-renderer/src/console/parse';
import { useConnectionStore } from '../../src-renderer/src/stores/connection';
import { useConsoleStore } from '../../src-renderer/src/stores/console';
import { useReplayStore } from '../../src-renderer/src/stores/replay';
import { useWhyStore } from '../../src-renderer/src/stores/why';
import { FakeLabClient } from './fake-client';

let fake: FakeLabClient;

beforeEach(async () => {
  setActivePinia(createPinia());
  fake = new FakeLabClient(3);
  setLabClient(fake);
  await useConnectionStore().connect();
});
afterEach(() => setLabClient(null));

/** reasons: n2 stepped down on n3's higher term, then refused n3's vote. */
const REASONS: RunLogRecord[] = [
  { t: 1e9, seq: 1, kind: 'cluster-created', nodes: ['n1', 'n2', 'n3'], nodeCount: 3, protocol: 'raft' },
  {
    t: 2e9,
    seq: 2,
    kind: 'role-reason',
    node: 'n2',
    role: 'follower',
    prev: 'leader',
    term: 1,
    prevTerm: 0,
    cause: { kind: 'higher-term', from: 'n3', msg: 'append', term: 1, prevTerm: 0 },
    reason: 'leader → follower (t1): higher term from n3 (append t1; was t0)',
  },
  {
    t: 3e9,
    seq: 3,
    kind: 'vote-answer',
    node: 'n2',
    request: 'vote',
    candidate: 'n3',
    term: 2,
    granted: false,
    reason: "refused n3's vote (t2): candidate log behind (last 1/t1 < 2/t1)",
  },
];

describe('console why', () => {
  it.each([
    ['why', 'missing node: why <node> [entry N]'],
    ['why n9', "unknown node 'n9' (nodes: n1, n2, n3)"],
    ['why n2 entry', 'missing entry index: why <node> [entry N]'],
    ['why n2 entry 0', `entry must be between 1 and ${Number.MAX_SAFE_INTEGER}`],
    ['why n2 entry seven', "entry must be a whole number, got 'seven'"],
    ['why n2 7 8', 'too many arguments: why <node> [entry N]'],
  ])('%s is refused: %s', async (line, error) => {
    expect(parse(line, { nodes: ['n1', 'n2', 'n3'] })).toEqual({ ok: false, error });
    const con = useConsoleStore();
    const before = fake.calls.length;
    await con.run(line);
    expect(con.lines.at(-1)).toMatchObject({ kind: 'error', text: error });
    expect(fake.calls.length).toBe(before);
  });

  it('why n2 prints why it is in its role and its last refused vote, with the run-log records', async () => {
    fake.backlog = REASONS;
    fake.view.nodes[1]!.term = 2;
    const con = useConsoleStore();
    await con.run('why n2');
    expect(fake.calls.at(-1)).toEqual({ method: 'why', args: ['n2', undefined] });
    const out = con.lines.slice(-3);
    expect(out[0]).toMatchObject({
      kind: 'info',
      node: 'n2',
      text: 'n2 is follower (t2), following n1 since 2.000 s because of: higher term from n3 (append t1; was t0).',
    });
    expect(out[1]!.text).toContain(
      "Last vote refused: at 3.000 s, refused n3's vote (t2): candidate log behind (last 1/t1 < 2/t1).",
    );
    expect(out[2]!.text.split('\n')).toEqual([
      'run log:',
      '  2.000 s #2 n2 role-reason: leader → follower (t1): higher term from n3 (append t1; was t0)',
      "  3.000 s #3 n2 vote-answer: refused n3's vote (t2): candidate log behind (last 1/t1 < 2/t1)",
    ]);
    // The inspector reads the same answer.
    expect(useWhyStore().answer?.summary).toBe(out[0]!.text);
  });

  it('why n2 7 (entry), the short form, and the lab’s refusal of an entry no node has', async () => {
    const con = useConsoleStore();
    expect(parse('why n2 7', { nodes: ['n2'] })).toEqual(parse('why n2 entry 7', { nodes: ['n2'] }));
    await con.run('why n2 entry 7');
    expect(fake.calls.at(-1)).toEqual({ method: 'why', args: ['n2', 7] });
    expect(con.lines.at(-1)).toMatchObject({
      kind: 'error',
      text: "entry 7 is out of range: no node has it (the longest log, n1's, ends at 1)",
    });
    expect(useWhyStore().error).toBe(con.lines.at(-1)!.text);
  });

  it('while a saved run is replayed, why answers from the run up to the cursor, without the lab', async () => {
    fake.savedRuns.set('r', { settings: fake.view.settings, log: REASONS, history: [] });
    const replay = useReplayStore();
    expect(await replay.open('r')).toBe(true);
    const con = useConsoleStore();
    const before = fake.calls.length;
    await con.run('why n2');
    expect(con.lines.at(-3)?.text).toContain('because of: higher term from n3 (append t1; was t0)');
    // Before the step-down, nothing explains the role yet.
    replay.seek(1.5e9);
    await con.run('why n2');
    expect(con.lines.at(-1)?.text).toBe('n2 is follower (t0); no reason was recorded for it.');
    await con.run('why n2 entry 1');
    expect(con.lines.at(-1)).toMatchObject({ kind: 'error' });
    expect(con.lines.at(-1)?.text).toContain("a saved run does not record the nodes' logs");
    expect(fake.calls.length).toBe(before);
  });
});
