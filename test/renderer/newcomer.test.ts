/**
 * What a newcomer reads on screen, as pure rules: a zone's quorum tag stays inside the
 * graph; narrow timeline rows take two lines; empty charts say why; links under one rule
 * share one fault lane; a pre-candidate is explained in words; old console answers say
 * "as of" what; past fault bands in the Messages diagram say when they were and recede.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterNode, ClusterView } from '../../src-main/api/contract';
import type { FaultPeriod } from '../../src-main/report/faults';
import { faultPeriods } from '../../src-main/report/faults';
import { MessageLog } from '../../src-main/report/message-log';
import { layoutDiagram } from '../../src-main/report/spacetime';
import { setLabClient } from '../../src-renderer/src/api/lab-client';
import { drawScene } from '../../src-renderer/src/composables/space-time-draw';
import { TAG_MARGIN, guessTagWidth, tagLeft } from '../../src-renderer/src/composables/topology-overlay';
import { answersState, epochOf, staleText } from '../../src-renderer/src/model/console-epoch';
import { groupLinkFaults, linksText } from '../../src-main/api/fault-groups';
import { timedFaults } from '../../src-renderer/src/model/fault-times';
import { chartData, emptyNote, formatAgo } from '../../src-renderer/src/model/metrics';
import { filtersLabel, kindsSummary } from '../../src-renderer/src/model/timeline-filters';
import { CATEGORIES } from '../../src-renderer/src/model/records';
import { PROGRESS_HEADS, progressWords, roleWords } from '../../src-renderer/src/model/role-words';
import { RunModel } from '../../src-renderer/src/model/run-model';
import { fitWords, rowLayout } from '../../src-renderer/src/model/virtual-window';
import { useClusterStore } from '../../src-renderer/src/stores/cluster';
import { useConnectionStore } from '../../src-renderer/src/stores/connection';
import { useConsoleStore } from '../../src-renderer/src/stores/console';
import { FakeLabClient } from './fake-client';

describe('a zone tag stays inside the graph', () => {
  it('is centred where there is room, and shifted in at either edge', () => {
    const w = guessTagWidth('1/5 · no quorum');
    expect(tagLeft(500, 100, 1000)).toBe(450);
    // A one-node zone near the left wall: centred, the tag would start off screen.
    expect(tagLeft(30, 100, 1000)).toBe(TAG_MARGIN);
    expect(tagLeft(990, 100, 1000)).toBe(1000 - TAG_MARGIN - 100);
    const left = tagLeft(20, w, 600);
    expect(left).toBeGreaterThanOrEqual(TAG_MARGIN);
    expect(left + w).toBeLessThanOrEqual(600 - TAG_MARGIN);
  });
});

describe('timeline rows at a narrow width', () => {
  it('take two lines where one line holds fewer than WIDE_CHARS, and one line where it holds more', () => {
    // 1024×700: the timeline's list is about 310 px wide, 6.6 px a character.
    const narrow = rowLayout(310, 6.6);
    expect(narrow.lines).toBe(2);
    expect(narrow.chars).toBeGreaterThan(50);
    const wide = rowLayout(560, 6.6);
    expect(wide).toMatchObject({ lines: 1, rowH: 20 });
    expect(narrow.rowH).toBeGreaterThan(wide.rowH);
  });

  it('shows what a typical sentence is about at 1024×700, not its first 30 characters', () => {
    const text = 'put x = 1 → failed (n2, 3.00 ms): no quorum — it did not take effect';
    const shown = fitWords(text, rowLayout(310, 6.6).chars);
    expect(shown).toContain('no quorum');
  });
});

describe('empty charts say why they are empty', () => {
  it('says "no load yet" before any operation, and nothing once the window has some', () => {
    const m = new RunModel();
    const d = chartData(m, 'minute', 5e9, null, 300, 56);
    expect(d.ops).toBe(0);
    expect(emptyNote(d.ops, m.latency.total)).toMatch(/^no load yet — send a put/);
    m.take({ t: 1e9, seq: 1, kind: 'client-complete', type: 'ok', latencyMs: 2, f: 'put', key: 'a', process: 1 });
    const after = chartData(m, 'minute', 5e9, null, 300, 56);
    expect(after.ops).toBe(1);
    expect(emptyNote(after.ops, m.latency.total)).toBeNull();
    expect(emptyNote(0, 7)).toMatch(/no operations in this window/);
  });

  it('in a replay, says the operations are later than the cursor, and offers nothing to send', () => {
    // The saved run's last operation is at 0:15; the cursor is at 0:02, before any.
    expect(emptyNote(0, 6000, 15e9, 2e9, 'run', true)).toBe(
      "no operations in this window; the run's last one is later, at 0:15 — move the cursor on or press Play",
    );
    expect(emptyNote(0, 1, 10e9, 110e9, 'minute', true)).toBe(
      'last operation 1 min 40 s before the cursor — pick 5 min or run to see it',
    );
    expect(emptyNote(0, 0, null, 0, 'run', true)).toBe('no client operations in this run');
  });

  it('says when the last operation was, and which longer window shows it', () => {
    const m = new RunModel();
    m.take({ t: 10e9, seq: 1, kind: 'client-complete', type: 'ok', latencyMs: 2, f: 'put', key: 'a', process: 1 });
    expect(m.lastOpT).toBe(10e9);
    // 100 s later the last minute is empty: 5 min and the whole run still show the put.
    const now = 110e9;
    const d = chartData(m, 'minute', now, null, 300, 56);
    expect(d.ops).toBe(0);
    expect(emptyNote(d.ops, m.latency.total, m.lastOpT, now, 'minute')).toBe(
      'last operation 1 min 40 s ago — pick 5 min or run to see it, or send a put or a load',
    );
    expect(emptyNote(chartData(m, 'five', now, null, 300, 56).ops, 1, m.lastOpT, now, 'five')).toBeNull();
    // Ten minutes later only the whole run shows it.
    const later = 610e9;
    expect(emptyNote(0, 1, m.lastOpT, later, 'minute')).toBe(
      'last operation 10 min ago — pick run to see it, or send a put or a load',
    );
    expect(emptyNote(0, 1, m.lastOpT, later, 'five')).toMatch(/^last operation 10 min ago — pick run to see it/);
  });

  it('writes how long ago in seconds, minutes and hours', () => {
    expect(formatAgo(40e9)).toBe('40 s');
    expect(formatAgo(100e9)).toBe('1 min 40 s');
    expect(formatAgo(120e9)).toBe('2 min');
    expect(formatAgo(725e9)).toBe('12 min');
    expect(formatAgo(7500e9)).toBe('2 h 5 min');
    expect(formatAgo(-5)).toBe('0 s');
  });
});

describe('the timeline filter toggle says what it hides', () => {
  it('says all, n/7 or none, and lists the hidden kinds in display order', () => {
    expect(kindsSummary([...CATEGORIES], CATEGORIES)).toEqual({ shown: 'all', hidden: [] });
    const noMessages = CATEGORIES.filter((c) => c !== 'message');
    expect(kindsSummary(noMessages, CATEGORIES)).toEqual({ shown: '6/7', hidden: ['message'] });
    expect(kindsSummary(['client', 'state'], CATEGORIES)).toMatchObject({ shown: '2/7' });
    expect(kindsSummary(['client'], CATEGORIES).hidden).toEqual(CATEGORIES.filter((c) => c !== 'client'));
    expect(kindsSummary([], CATEGORIES).shown).toBe('none');
  });

  it('names the hidden kinds in the label itself, or the few shown when most are hidden, bounded', () => {
    const without = (...gone: string[]): string[] => CATEGORIES.filter((c) => !gone.includes(c));
    const label = (picked: readonly string[], node: string | null = null): string =>
      filtersLabel(node, picked, CATEGORIES);
    expect(label([...CATEGORIES])).toBe('filters: all');
    expect(label([])).toBe('filters: none');
    expect(label(without('message'))).toBe('filters: 6/7 · hiding message');
    expect(label(without('message', 'other'))).toBe('filters: 5/7 · hiding message, other');
    // Past the bound the rest are counted; the tooltip names them all.
    expect(label(without('lifecycle', 'message', 'commit'))).toBe('filters: 4/7 · hiding commit, lifecycle +1');
    // Most hidden: the few shown are named instead.
    expect(label(['client', 'fault'])).toBe('filters: 2/7 · only fault, client');
    expect(label(['client'])).toBe('filters: 1/7 · only client');
    // The node filter folds behind the same toggle: the label says it is on.
    expect(label(without('message'), 'n3')).toBe('filters: n3 · 6/7 · hiding message');
    expect(label([...CATEGORIES], 'n3')).toBe('filters: n3 · all kinds');
    expect(label([], 'n3')).toBe('filters: n3 · no kinds');
    // However they are picked, the label stays short enough for one control.
    for (let mask = 0; mask < 1 << CATEGORIES.length; mask++) {
      const picked = CATEGORIES.filter((_, i) => mask & (1 << i));
      expect(label(picked, 'n12').length).toBeLessThanOrEqual(52);
    }
  });
});

describe('links under one rule share a fault lane', () => {
  const loss = (from: string, to: string, t: number) => ({
    t,
    seq: t,
    kind: 'link-rule',
    from,
    to,
    both: true,
    loss: 0.1,
  });

  it("names a node's links once, and every link among a set of nodes as that set", () => {
    expect(
      linksText([
        ['n1', 'n2'],
        ['n1', 'n3'],
        ['n1', 'n10'],
      ]),
    ).toBe('links n1↔n2,n3,n10');
    expect(
      linksText([
        ['n1', 'n2'],
        ['n1', 'n3'],
        ['n2', 'n3'],
      ]),
    ).toBe('links among n1 n2 n3');
    expect(linksText([['n4', 'n5']])).toBe('link n4↔n5');
  });

  it('turns four lanes of "link n1↔nX · 10% lost" into one, and keeps a lone rule as it was', () => {
    const periods = faultPeriods([
      loss('n1', 'n2', 1),
      loss('n1', 'n3', 2),
      loss('n1', 'n4', 3),
      loss('n1', 'n5', 4),
      { t: 5, seq: 5, kind: 'link-rule', from: 'n2', to: 'n3', both: true, latencyMs: 200 },
      { t: 6, seq: 6, kind: 'crash', node: 'n4' },
    ]);
    expect(new Set(periods.map((p) => p.lane)).size).toBe(6);
    const grouped = groupLinkFaults(periods);
    expect([...new Set(grouped.map((p) => p.lane))]).toEqual(['links n1↔n2,n3,n4,n5', 'link n2↔n3', 'n4 down']);
    expect(grouped.filter((p) => p.lane.startsWith('links')).map((p) => p.label)).toEqual(Array(4).fill('10% lost'));
  });
});

describe('a pre-candidate explained in plain words', () => {
  it('says what ?n1 is doing and why, without the legend', () => {
    const w = roleWords('n1', 'precandidate');
    expect(w).toMatch(/^\?n1 is a pre-candidate/);
    expect(w).toMatch(/heard from no leader/);
    expect(w).toMatch(/without raising its term/);
    expect(roleWords('n1', 'follower')).toBe('');
  });
});

function node(id: string, over: Partial<ClusterNode> = {}): ClusterNode {
  return {
    ...{ id, status: 'up', role: 'follower', term: 1, commitIndex: 3, lastApplied: 3, lastIndex: 3 },
    ...{ leader: null, vote: null, pid: 1, damaged: false, served: 0, inflight: 0, weight: 1 },
    ...over,
  } as ClusterNode;
}

/** sharded is a controller (n1–n3) and g1–g3 (n4–n12), three nodes each, with these leaders. */
function sharded(leaders: Record<string, number>): ClusterView {
  const ids = Array.from({ length: 12 }, (_, i) => `n${i + 1}`);
  return {
    protocol: 'raft',
    settings: {
      ...{ nodes: 3, protocol: 'raft', heartbeatMs: 50, electionMs: 300, seed: 1 },
      shards: { groups: 3, scheme: { kind: 'range', shards: 6 } },
    },
    nodes: ids.map((id) => node(id, leaders[id] !== undefined ? { role: 'leader', term: leaders[id] } : { term: 1 })),
    links: [],
    groups: [ids],
    balance: { algorithm: 'leader-only', weights: {} },
    timeScale: 1,
    runStartedAt: 1,
    leader: null,
  };
}

describe('old console answers say as of what', () => {
  it('a sharded answer from configuration 2 with n11 leading g3 is stale once g3 follows n12 in configuration 3', () => {
    const then = epochOf(sharded({ n2: 1, n5: 1, n8: 1, n11: 4 }), 2);
    expect(staleText(then, epochOf(sharded({ n2: 1, n5: 1, n8: 1, n11: 4 }), 2))).toBeNull();
    expect(staleText(then, epochOf(sharded({ n2: 1, n5: 1, n8: 1, n12: 5 }), 3))).toBe(
      'as of configuration 2; now configuration 3, g3 leader n12 (term 5)',
    );
    // A new leader alone (same configuration) is enough: the answer named the old one.
    expect(staleText(then, epochOf(sharded({ n2: 1, n5: 1, n8: 1, n12: 5 }), 2))).toMatch(/g3 leader n12/);
  });

  describe('in the console store', () => {
    let fake: FakeLabClient;
    beforeEach(async () => {
      setActivePinia(createPinia());
      fake = new FakeLabClient(3);
      setLabClient(fake);
      await useConnectionStore().connect();
      await useClusterStore().refresh();
    });
    afterEach(() => setLabClient(null));

    it('marks an entry read under term 1 as stale once n2 leads term 2, and not before', async () => {
      const con = useConsoleStore();
      await con.run('get a');
      const input = con.lines.find((l) => l.kind === 'input')!;
      const ans = con.lines[con.lines.length - 1]!;
      expect(ans.entry).toBe(input.id);
      expect(input.at).toBeGreaterThan(0);
      expect(con.stale.size).toBe(0);
      const v = structuredClone(fake.view);
      v.nodes = v.nodes.map((n) => ({
        ...n,
        term: 2,
        role: n.id === 'n2' ? 'leader' : 'follower',
        leader: 'n2',
      }));
      fake.emit({ type: 'cluster', cluster: v });
      expect(con.stale.get(input.id)).toBe('as of term 1; now leader n2 (term 2)');
      // A new answer is current: only the old entry is marked.
      await con.run('get a');
      const last = con.lines[con.lines.length - 1]!;
      expect(con.stale.has(last.entry)).toBe(false);
      expect(con.stale.size).toBe(1);
    });

    it('never marks a write or an action: what it did stays true under a new leader', async () => {
      const con = useConsoleStore();
      await con.run('put a 1');
      await con.run('cas a 1 2');
      await con.run('shards');
      const inputs = con.lines.filter((l) => l.kind === 'input');
      expect(inputs.map((l) => l.text)).toEqual(['put a 1', 'cas a 1 2', 'shards']);
      const v = structuredClone(fake.view);
      v.nodes = v.nodes.map((n) => ({ ...n, term: 2, role: n.id === 'n2' ? 'leader' : 'follower', leader: 'n2' }));
      fake.emit({ type: 'cluster', cluster: v });
      // "put a 1 → OK" stamped "as of term 1" read as if the write might be lost; a read of state is stamped.
      expect(con.stale.has(inputs[0]!.id)).toBe(false);
      expect(con.stale.has(inputs[1]!.id)).toBe(false);
      expect(con.stale.has(inputs[2]!.id)).toBe(true);
      expect(answersState('  GET a')).toBe(true);
      expect(answersState('crash n2')).toBe(false);
    });
  });
});

describe('past fault bands in the Messages diagram', () => {
  const periods: FaultPeriod[] = [
    { lane: 'partition', kind: 'partition', start: 1e9, end: 3e9, label: 'n1 | n2 n3', nodes: ['n1', 'n2', 'n3'] },
    { lane: 'partition', kind: 'partition', start: 4e9, end: null, label: 'n3 | n1 n2', nodes: ['n1', 'n2', 'n3'] },
  ];

  it('label each band with its time span and list the ones that are over', () => {
    const t = timedFaults(periods, 5e9);
    expect(t.faults.map((p) => p.label)).toEqual(['n1 | n2 n3 (1.0–3.0 s, over)', 'n3 | n1 n2 (since 4.0 s, now)']);
    expect([...t.past]).toEqual(['partition: n1 | n2 n3 (1.0–3.0 s, over)']);
  });

  it('draws the band that is over fainter, with its label in the muted colour', () => {
    const t = timedFaults(periods, 5e9);
    const scene = layoutDiagram(new MessageLog(), {
      ...{ from: 0, to: 5e9, now: 5e9, width: 600, height: 200, orientation: 'horizontal' as const },
      ...{ foldHeartbeats: true, faults: t.faults, cursor: null, nodes: ['n1', 'n2', 'n3'] },
    });
    expect(scene.bands).toHaveLength(2);
    const fills: { alpha: number; style: string }[] = [];
    const texts: { s: string; style: string }[] = [];
    const ctx = new Proxy({ globalAlpha: 1, fillStyle: '' } as Record<string, unknown>, {
      get(target, key) {
        if (key === 'fillRect')
          return () => fills.push({ alpha: target.globalAlpha as number, style: String(target.fillStyle) });
        if (key === 'fillText') return (s: string) => texts.push({ s, style: String(target.fillStyle) });
        if (key in target) return target[key as string];
        return () => undefined;
      },
      set(target, key, v) {
        target[key as string] = v;
        return true;
      },
    }) as unknown as CanvasRenderingContext2D;
    drawScene(ctx, scene, null, t.past);
    const bandFills = fills.filter((f) => f.alpha < 1);
    expect(bandFills.map((f) => f.alpha)).toEqual([0.06, 0.13]);
    const pastText = texts.find((x) => x.s.includes('over'))!;
    const nowText = texts.find((x) => x.s.includes('now'))!;
    expect(pastText.style).not.toBe(nowText.style);
  });
});

describe("the leader's Followers table says what its columns and states mean", () => {
  it('explains match, next and each replication state', () => {
    expect(PROGRESS_HEADS.match).toMatch(/^match: the highest entry the leader knows this follower's log holds/);
    expect(PROGRESS_HEADS.next).toMatch(/^next: the entry the leader sends this follower next/);
    expect(progressWords('probe')).toMatch(/^probe: .*finding where this follower’s log agrees/);
    expect(progressWords('replicate')).toMatch(/^replicate: the logs agree/);
    expect(progressWords('snapshot')).toMatch(/^snapshot: .*sent a snapshot/);
  });
});
