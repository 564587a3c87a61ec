/** The Pinia stores against a test double of the LabClient, with a fresh Pinia per test. */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTick, watch } from 'vue';
import type { RunLogRecord } from '../../src-main/api/contract';
import { setLabClient } from '../../src-renderer/src/api/lab-client';
import { groupsAfterMove, useClusterStore } from '../../src-renderer/src/stores/cluster';
import { useConnectionStore } from '../../src-renderer/src/stores/connection';
import { useConsoleStore } from '../../src-renderer/src/stores/console';
import { useReplayStore } from '../../src-renderer/src/stores/replay';
import { onMessageRecord, useTimelineStore } from '../../src-renderer/src/stores/timeline';
import { useUiStore } from '../../src-renderer/src/stores/ui';
import { FakeLabClient } from './fake-client';

let fake: FakeLabClient;

beforeEach(() => {
  setActivePinia(createPinia());
  fake = new FakeLabClient(3);
  setLabClient(fake);
  seq = 0; // each test is a fresh lab: its run log numbers records from 1 (a jump is a gap the page fetches)
});
afterEach(() => setLabClient(null));

let seq = 0;
function rec(kind: string, fields: Record<string, unknown> = {}, t = ++seq * 1e6): RunLogRecord {
  return { t, seq, kind, ...fields };
}

/** timelineKinds lists the kinds of the timeline's rows (all categories but messages), oldest first. */
function timelineKinds(): string[] {
  const rows = useTimelineStore().rows;
  return rows.slice(0, rows.count).map((r) => r.kind);
}

/** lastLine returns the console's newest line. */
function lastLine() {
  const c = useConsoleStore();
  return c.lines[c.lines.length - 1]!;
}

describe('useClusterStore', () => {
  it('connect loads the cluster and the run log so far, then follows events', async () => {
    fake.backlog = [
      rec('role', { node: 'n1', role: 'leader', term: 1 }),
      rec('commit', { node: 'n1', commitIndex: 1 }),
    ];
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    expect(cluster.live?.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3']);
    expect(useConnectionStore().status).toBe('open');
    expect(timelineKinds()).toEqual(['role', 'commit']);
    expect(cluster.leader?.id).toBe('n1');

    const next = structuredClone(fake.view);
    next.nodes[1]!.role = 'leader';
    next.nodes[1]!.term = 2;
    fake.emit({ type: 'cluster', cluster: next });
    // The old leader still thinks it leads (term 1); the header shows the higher-term leader.
    expect(cluster.leader?.id).toBe('n2');
    const animated: string[] = [];
    const off = onMessageRecord((r) => animated.push(r.kind));
    fake.emit({ type: 'log', record: rec('crash', { node: 'n3' }) });
    fake.emit({ type: 'log', record: rec('send', { from: 'n1', to: 'n2', msgKind: 'append' }) });
    // Live records reach the view (and the animation) in one batch per frame.
    expect(animated).toEqual([]);
    expect(timelineKinds()).not.toContain('crash');
    useTimelineStore().flush();
    off();
    expect(animated).toEqual(['send']);
    expect(timelineKinds().at(-1)).toBe('crash');
  });

  it('a cluster view with the same members does not re-render lists of nodes; a change of members does', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    let renders = 0;
    const stop = watch(
      () => cluster.nodeIds,
      () => renders++,
    );
    const first = cluster.nodeIds;
    const next = structuredClone(fake.view);
    next.nodes[0]!.commitIndex = 7;
    fake.emit({ type: 'cluster', cluster: next });
    expect(cluster.live?.nodes[0]?.commitIndex).toBe(7);
    expect(cluster.nodeIds).toBe(first);
    await nextTick();
    expect(renders).toBe(0);
    const grown = structuredClone(next);
    grown.nodes.push({ ...structuredClone(grown.nodes[2]!), id: 'n4' });
    fake.emit({ type: 'cluster', cluster: grown });
    expect(cluster.nodeIds).toEqual(['n1', 'n2', 'n3', 'n4']);
    await nextTick();
    expect(renders).toBe(1);
    stop();
  });

  it('lists nodes in node order (n1, n2, … n10) whatever order the lab sent them in', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    const shuffled = structuredClone(fake.view);
    const proto = shuffled.nodes[0]!;
    shuffled.nodes = ['n10', 'n3', 'n1', 'n2'].map((id) => ({ ...structuredClone(proto), id }));
    shuffled.groups = [
      ['n3', 'n10'],
      ['n2', 'n1'],
    ];
    shuffled.config = { voters: ['n10', 'n2', 'n1'], learners: ['n3'], pending: null, method: 'single-server' };
    fake.emit({ type: 'cluster', cluster: shuffled });
    expect(cluster.nodeIds).toEqual(['n1', 'n2', 'n3', 'n10']);
    expect(cluster.live?.nodes.map((n) => n.id)).toEqual(['n1', 'n2', 'n3', 'n10']);
    expect(cluster.live?.groups).toEqual([
      ['n3', 'n10'],
      ['n1', 'n2'],
    ]);
    expect(cluster.live?.config?.voters).toEqual(['n1', 'n2', 'n10']);
    // The console completes node ids in the same order.
    expect(cluster.displayed?.nodes.map((n) => n.id)).toEqual(cluster.nodeIds);
  });

  it('shows the lab’s answer after an action, and its error when refused', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    expect(await cluster.crash('n2')).toBe(true);
    expect(cluster.live?.nodes.find((n) => n.id === 'n2')?.status).toBe('down');
    expect(await cluster.crash('n2')).toBe(false);
    expect(cluster.error).toBe('n2 is already down');
    expect(await cluster.restart('n2')).toBe(true);
    expect(cluster.error).toBeNull();
  });

  it('a drag onto empty canvas gives the node a zone of its own; onto a zone moves it there', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    expect(await cluster.moveNode('n1', 'new')).toBe(true);
    expect(fake.calls.at(-1)).toEqual({ method: 'partition', args: [[['n2', 'n3'], ['n1']]] });
    expect(cluster.live?.groups).toEqual([['n2', 'n3'], ['n1']]);
    // n1 is alone: dropping it on empty canvas again changes nothing and asks nothing.
    const before = fake.calls.length;
    expect(await cluster.moveNode('n1', 'new')).toBe(false);
    expect(await cluster.moveNode('n2', 0)).toBe(false);
    expect(fake.calls.length).toBe(before);
    // n3 joins n1's zone.
    expect(await cluster.moveNode('n3', 1)).toBe(true);
    expect(cluster.live?.groups).toEqual([['n2'], ['n1', 'n3']]);
  });

  it('groupsAfterMove drops emptied zones', () => {
    expect(groupsAfterMove([['n1'], ['n2', 'n3']], 'n1', 1)).toEqual([['n2', 'n3', 'n1']]);
    expect(groupsAfterMove([['n1', 'n2', 'n3']], 'n2', 'new')).toEqual([['n1', 'n3'], ['n2']]);
  });

  it('a new run (fresh cluster) clears the old run’s timeline', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    fake.emit({ type: 'log', record: rec('crash', { node: 'n3' }) });
    useTimelineStore().flush();
    expect(timelineKinds()).toEqual(['crash']);
    expect(await cluster.createCluster({ nodes: 5 })).toBe(true);
    expect(cluster.live?.nodes).toHaveLength(5);
    expect(timelineKinds()).toEqual([]);
  });

  it('inspects the selected node, and says why a down node cannot answer', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    cluster.selectNode('n2');
    await cluster.refreshInspect();
    expect(cluster.inspected?.dataFile).toBe('/data/n2.sqlite');
    await cluster.crash('n2');
    await cluster.refreshInspect();
    expect(cluster.inspected).toBeNull();
    expect(cluster.inspectError).toBe('n2 is down');
    cluster.selectLink({ from: 'n1', to: 'n2' });
    expect(cluster.selectedNode).toBeNull();
  });

  it('ruleOf reports a link’s rule, clean when none', async () => {
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    expect(cluster.ruleOf('n1', 'n2')).toMatchObject({ latencyMs: 0, blocked: false });
    await cluster.setLink({ from: 'n1', to: 'n2', latencyMs: 200, jitterMs: 50 });
    expect(cluster.ruleOf('n1', 'n2')).toMatchObject({ latencyMs: 200, jitterMs: 50 });
    expect(cluster.ruleOf('n2', 'n1').latencyMs).toBe(0);
  });
});

describe('useConsoleStore', () => {
  beforeEach(async () => {
    await useConnectionStore().connect();
  });

  it('put then get prints the value, the node that served it and the latency', async () => {
    const con = useConsoleStore();
    await con.run('put a 1');
    expect(lastLine()).toMatchObject({ kind: 'ok', text: 'OK', node: 'n1', latencyMs: 1.25 });
    await con.run('get a');
    expect(lastLine()).toMatchObject({ kind: 'ok', text: '1', node: 'n1', latencyMs: 0.5 });
    await con.run('get missing');
    // An empty answer says what it means, and that it is still a linearizable read.
    expect(lastLine()).toMatchObject({
      kind: 'ok',
      text: '(nil) — missing has no value (never written, or deleted); a linearizable read: n1 confirmed it still leads first',
      node: 'n1',
    });
    await con.run('cas a 2 3');
    // A refused cas says what it found, not only "cas-mismatch".
    expect(lastLine()).toMatchObject({ kind: 'fail', text: 'not swapped: a is 1, expected 2 (nothing was written)' });
  });

  it('a malformed line prints one error and never reaches the lab', async () => {
    const con = useConsoleStore();
    const before = fake.calls.length;
    await con.run('crash n9');
    expect(lastLine()).toMatchObject({ kind: 'error', text: "unknown node 'n9' (nodes: n1, n2, n3)" });
    await con.run('latency n1->n2 fast');
    expect(lastLine().kind).toBe('error');
    expect(fake.calls.length).toBe(before);
  });

  it('an unknown outcome says it may have taken effect', async () => {
    fake.kvOutcome = 'unknown';
    await useConsoleStore().run('put a 1');
    expect(lastLine()).toMatchObject({
      kind: 'unknown',
      text: 'unknown: timed out — the write may or may not have applied; read it back to know',
    });
  });

  it('control commands reach the cluster and print the lab’s refusal verbatim', async () => {
    const con = useConsoleStore();
    await con.run('crash n2');
    expect(lastLine()).toMatchObject({ kind: 'ok', text: 'n2 crashed', node: 'n2' });
    expect(useClusterStore().live?.nodes[1]?.status).toBe('down');
    await con.run('partition n1 | n2,n3');
    expect(fake.calls.at(-1)).toEqual({ method: 'partition', args: [[['n1'], ['n2', 'n3']]] });
    await con.run('latency n1<->n2 200ms ±50ms');
    expect(fake.calls.at(-1)).toEqual({
      method: 'setLink',
      args: [{ from: 'n1', to: 'n2', both: true, latencyMs: 200, jitterMs: 50 }],
    });
    await con.run('loss n1->n3 10%');
    expect(fake.calls.at(-1)?.args[0]).toEqual({ from: 'n1', to: 'n3', both: false, loss: 0.1 });
    fake.failNext = 'n3 is paused; resume it first';
    await con.run('crash n3');
    expect(lastLine()).toMatchObject({ kind: 'error', text: 'n3 is paused; resume it first' });
    await con.run('speed 0.1');
    expect(useClusterStore().live?.timeScale).toBe(0.1);
  });

  it('load shows progress while it runs and a summary after', async () => {
    const con = useConsoleStore();
    const seen: unknown[] = [];
    const stop = watch(
      () => con.loadProgress,
      (v) => seen.push(v && { ...v }),
      { flush: 'sync' },
    );
    await con.run('load put 1000 --clients 16');
    stop();
    // 0 at start, the lab's progress event, then gone when the summary is printed.
    expect(seen).toEqual([{ done: 0, total: 1000 }, { done: 500, total: 1000 }, null]);
    expect(fake.calls.at(-1)).toEqual({ method: 'load', args: [{ op: 'put', count: 1000, clients: 16 }] });
    expect(lastLine().text).toBe(
      'load put ×1000: 1000 ok, 0 fail, 0 unknown in 2.00 s — 500 ops/s, p50 1.50 ms, p99 9.25 ms',
    );
    expect(con.loadProgress).toBeNull();
  });

  it('history walks with ↑/↓ and keeps the unsent draft', async () => {
    const con = useConsoleStore();
    await con.run('put a 1');
    await con.run('get a');
    await con.run('get a');
    expect(con.history).toEqual(['put a 1', 'get a']);
    expect(con.historyUp('dra')).toBe('get a');
    expect(con.historyUp('get a')).toBe('put a 1');
    expect(con.historyUp('put a 1')).toBe('put a 1');
    expect(con.historyDown('put a 1')).toBe('get a');
    expect(con.historyDown('get a')).toBe('dra');
  });

  it('Tab completes node ids of the live cluster', () => {
    const con = useConsoleStore();
    expect(con.complete('crash n')).toBe('crash n');
    expect(con.lastCompletion).toEqual(['n1', 'n2', 'n3']);
    expect(con.complete('restart n3')).toBe('restart n3');
    expect(con.complete('hea')).toBe('heal ');
  });

  it('help, export, locks and clear', async () => {
    const con = useConsoleStore();
    await con.run('help loss');
    expect(lastLine().text).toContain('loss n1<->n3 10%');
    await con.run('export x');
    expect(lastLine().text).toBe('exported to /runs/x (run.jsonl, history.jsonl, settings.json)');
    await con.run('lock jobs 5s alice');
    expect(lastLine().text).toBe('locked jobs for alice, token 7');
    await con.run('unlock jobs 7');
    expect(lastLine()).toMatchObject({
      kind: 'fail',
      text: 'not unlocked: token 7 no longer holds jobs — it expired or was released; lock it again for a new token',
    });
    await con.run('clear');
    expect(con.lines).toEqual([]);
  });

  it('while replaying, commands that would touch the live cluster are refused', async () => {
    fake.savedRuns.set('a', { settings: fake.view.settings, log: [], history: [] });
    expect(await useReplayStore().open('/runs/a')).toBe(true);
    const before = fake.calls.length;
    await useConsoleStore().run('crash n1');
    expect(lastLine().text).toContain('replaying a saved run');
    expect(fake.calls.length).toBe(before);
  });
});

describe('useReplayStore', () => {
  const settings = { nodes: 3, protocol: 'raft' as const, heartbeatMs: 50, electionMs: 300, seed: 1 };
  const log: RunLogRecord[] = [
    { t: 1e9, seq: 1, kind: 'role', node: 'n1', role: 'leader', term: 1, from: 'candidate' },
    { t: 2e9, seq: 2, kind: 'partition', groups: [['n1'], ['n2', 'n3']] },
    { t: 3e9, seq: 3, kind: 'role', node: 'n2', role: 'leader', term: 2, from: 'candidate' },
    { t: 4e9, seq: 4, kind: 'crash', node: 'n3', pid: 5 },
    { t: 5e9, seq: 5, kind: 'heal' },
    { t: 6e9, seq: 6, kind: 'link-rule', from: 'n1', to: 'n2', latencyMs: 200, both: true },
    { t: 7e9, seq: 7, kind: 'link-rule', from: 'n1', to: 'n2', loss: 0.1 },
  ];

  it('opens a saved run and rebuilds the cluster at any moment, without the live cluster', async () => {
    fake.savedRuns.set('a', { settings, log, history: [] });
    const cluster = useClusterStore();
    await useConnectionStore().connect();
    const replay = useReplayStore();
    expect(await replay.open('/runs/a')).toBe(true);
    expect(replay.durationNs).toBe(7e9);
    // Opened at its end.
    expect(cluster.displayed?.nodes.find((n) => n.id === 'n3')?.status).toBe('down');
    expect(cluster.displayed?.groups).toEqual([['n1', 'n2', 'n3']]);
    expect(cluster.ruleOf('n1', 'n2')).toMatchObject({ latencyMs: 200, loss: 0.1 });
    expect(cluster.ruleOf('n2', 'n1')).toMatchObject({ latencyMs: 200, loss: 0 });
    replay.seek(3.5e9);
    expect(cluster.displayed?.groups).toEqual([['n1'], ['n2', 'n3']]);
    expect(cluster.leader?.id).toBe('n2');
    expect(cluster.displayed?.nodes.find((n) => n.id === 'n3')?.status).toBe('up');
    expect(useTimelineStore().rows.count).toBe(3);
    replay.seek(-5);
    expect(replay.cursorNs).toBe(0);
    expect(cluster.displayed?.nodes.every((n) => n.role === 'follower')).toBe(true);
    replay.close();
    expect(cluster.displayed).toEqual(cluster.live);
  });

  it('says why a run cannot be opened', async () => {
    const replay = useReplayStore();
    expect(await replay.open('/nowhere')).toBe(false);
    expect(replay.error).toBe('no saved run named nowhere');
    expect(replay.active).toBe(false);
    expect(() => replay.load({ settings, log: 'nope', history: [] }, '/x')).toThrow('no run log');
  });

  it('the desktop menu’s Open run… starts a replay; New cluster… opens the setup', async () => {
    await useConnectionStore().connect();
    fake.menu({ action: 'opened', run: { settings, log, history: [] }, dir: '/runs/b' });
    expect(useReplayStore().dir).toBe('/runs/b');
    fake.menu({ action: 'new-cluster' });
    expect(useUiStore().showSetup).toBe(true);
  });
});
