/**
 * Replay navigation (tick marks for elections, faults and crashes; previous/next event;
 * Play feeding messages to the animation; checkpointed views equal to a full rebuild) and
 * the charts' scales (window-scaled axes, lines broken at gaps, time ticks, one lane per fault).
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RunLogRecord, SavedRun } from '../../src-main/api/contract';
import { feedMessage, onMessageRecord } from '../../src-renderer/src/composables/message-feed';
import {
  barsPath,
  faultLanes,
  formatRunTime,
  linePath,
  niceCeil,
  timeTicks,
} from '../../src-renderer/src/model/chart-layout';
import { faultPeriods } from '../../src-renderer/src/model/faults';
import { markList, nextMark, prevMark, tickMarks } from '../../src-renderer/src/model/marks';
import { chartData } from '../../src-renderer/src/model/metrics';
import { CHECKPOINT_EVERY, ReplayIndex, viewAt } from '../../src-renderer/src/model/replay';
import { RunModel, type Mark } from '../../src-renderer/src/model/run-model';
import type { Bucket } from '../../src-renderer/src/model/series';
import { useCursorStore } from '../../src-renderer/src/stores/cursor';
import { useReplayStore } from '../../src-renderer/src/stores/replay';

let seq = 0;
const rec = (tS: number, kind: string, f: Record<string, unknown> = {}): RunLogRecord => ({
  t: Math.round(tS * 1e9),
  seq: ++seq,
  kind,
  ...f,
});
const settings = { nodes: 3, protocol: 'raft' as const, heartbeatMs: 50, electionMs: 300, seed: 1 };

/** aRun: elections at 1 s and 6 s, a crash at 4 s, a partition 2–3 s, and messages throughout. */
function aRun(): SavedRun {
  const log: RunLogRecord[] = [
    rec(1, 'role', { node: 'n1', role: 'leader', term: 1, from: 'candidate' }),
    rec(2, 'partition', { groups: [['n1'], ['n2', 'n3']] }),
    rec(3, 'heal'),
    rec(4, 'crash', { node: 'n1', pid: 9 }),
    rec(6, 'role', { node: 'n2', role: 'leader', term: 2, from: 'candidate' }),
  ];
  for (let i = 0; i < 80; i++)
    log.push(rec(0.1 * i, 'send', { from: 'n1', to: 'n2', type: 'app', msgKind: 'heartbeat', term: 1, id: i }));
  log.sort((a, b) => a.t - b.t || a.seq - b.seq);
  return { settings, log, history: [] };
}

describe('replay navigation', () => {
  const m = new RunModel();
  for (const r of aRun().log) m.take(r);

  it('marks elections, faults and crashes on the slider, binned so the DOM stays bounded', () => {
    const ticks = tickMarks(m.marks, 8e9, 200);
    expect(ticks.map((t) => [t.kind, t.pct])).toEqual([
      ['election', 12.5],
      ['election', 75],
      ['fault', 25],
      ['fault', 37.5],
      ['crash', 50],
    ]);
    expect(ticks.find((t) => t.kind === 'crash')?.text).toBe('n1 crashed (killed at once, SIGKILL)');
    const many: Mark[] = Array.from({ length: 10_000 }, (_, i) => ({
      t: i * 1e6,
      ord: i,
      kind: 'election',
      text: 'x',
    }));
    const binned = tickMarks(markList(many), 10e9, 100);
    expect(binned).toHaveLength(100);
    expect(binned[0]!.text).toBe('x (+99 more here)');
  });

  it('steps to the previous and next event from any moment', () => {
    expect(nextMark(m.marks, 0)?.t).toBe(1e9);
    expect(nextMark(m.marks, 1e9)?.t).toBe(2e9);
    expect(nextMark(m.marks, 3.5e9, ['crash'])?.text).toContain('crashed');
    expect(nextMark(m.marks, 6e9)).toBeNull();
    expect(prevMark(m.marks, 6e9)?.t).toBe(4e9);
    expect(prevMark(m.marks, 5e9, ['election'])?.t).toBe(1e9);
    expect(prevMark(m.marks, 1e9)).toBeNull();
  });

  it('a checkpointed view equals a full rebuild at every moment', () => {
    const log: RunLogRecord[] = [];
    for (let i = 0; i < CHECKPOINT_EVERY * 2 + 50; i++)
      log.push(rec(i * 0.001, 'commit', { node: `n${(i % 3) + 1}`, commitIndex: i }));
    log.push(rec(10, 'crash', { node: 'n2' }));
    const run: SavedRun = { settings, log, history: [] };
    const idx = new ReplayIndex(run);
    for (const t of [0, 0.5e9, 2.0005e9, 3e9, 11e9]) expect(idx.viewAt(t)).toEqual(viewAt(run, t));
  });
});

describe('useReplayStore', () => {
  beforeEach(() => {
    setActivePinia(createPinia());
    vi.useFakeTimers();
  });
  afterEach(() => vi.useRealTimers());

  it('moves the shared cursor between events with previous/next', () => {
    const replay = useReplayStore();
    replay.load(aRun(), '/runs/a');
    const cursor = useCursorStore();
    expect(cursor.t).toBe(8e9 - 0.1e9 * 0 - 0.1e9);
    replay.seek(0);
    expect(replay.jump('next')?.text).toBe('n1 became leader of term 1');
    expect(cursor.t).toBe(1e9);
    expect(replay.jump('next')?.kind).toBe('fault');
    expect(replay.cursorNs).toBe(2e9);
    expect(replay.jump('prev')?.t).toBe(1e9);
    expect(replay.jump('prev')).toBeNull();
    expect(replay.view?.leader).toBe('n1');
    replay.close();
    expect(cursor.t).toBeNull();
  });

  it('Play moves the cursor at the chosen speed and feeds the messages it passes to the animation', () => {
    const replay = useReplayStore();
    replay.load(aRun(), '/runs/a');
    const fed: number[] = [];
    const off = onMessageRecord((r) => fed.push(r.t));
    replay.seek(1e9);
    replay.play(5);
    // The first frame starts the clock; then ~1 s of frames at 5× covers 5 s of the run.
    vi.advanceTimersByTime(1000);
    replay.stop();
    off();
    expect(replay.cursorNs).toBeGreaterThan(5e9);
    expect(replay.cursorNs).toBeLessThanOrEqual(6.2e9);
    expect(fed.length).toBeGreaterThan(35);
    expect(fed.every((t) => t > 1e9 && t <= replay.cursorNs)).toBe(true);
    expect(fed).toEqual([...fed].sort((a, b) => a - b));
  });
});

describe('the shared cursor', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('points at a moment with the nodes and links to highlight, and clears back to live', () => {
    const cursor = useCursorStore();
    const links = [{ from: 'n1', to: 'n2' }];
    cursor.point(3e9, 42, { nodes: ['n1', 'n2'], links });
    expect([cursor.t, cursor.selected]).toEqual([3e9, 42]);
    expect(cursor.highlight).toEqual({ nodes: ['n1', 'n2'], links });
    cursor.clear();
    expect([cursor.t, cursor.selected, cursor.highlight.nodes]).toEqual([null, null, []]);
  });

  it('while a run is open the animation gets the replay’s messages only, and live ones again after', () => {
    const got: string[] = [];
    const off = onMessageRecord((r) => got.push(String(r.from)));
    const msg = (from: string): RunLogRecord => rec(1, 'send', { from, to: 'n2', msgKind: 'append' });
    const replay = useReplayStore();
    replay.load(aRun(), '/runs/a');
    feedMessage(msg('live'), 'live');
    feedMessage(msg('replay'), 'replay');
    replay.close();
    feedMessage(msg('live-again'), 'live');
    feedMessage(msg('late-replay'), 'replay');
    off();
    expect(got).toEqual(['replay', 'live-again']);
  });
});

describe('chart scales', () => {
  const b = (tS: number, ok: number, p50: number | null, failed = 0): Bucket => ({
    t: tS * 1e9,
    widthNs: 1e9,
    ok,
    failed,
    p50,
    p99: p50,
  });
  const frame = { from: 0, to: 10e9, width: 100 };

  it('rounds axis tops up to a readable value', () => {
    expect([niceCeil(0), niceCeil(7), niceCeil(12), niceCeil(230), niceCeil(0.03)]).toEqual([1, 10, 20, 250, 0.05]);
  });

  it('breaks latency lines where a second had no completed operation', () => {
    const d = linePath(frame, [b(0, 1, 2), b(1, 1, 4), b(2, 0, null), b(3, 1, 2), b(4, 1, 2)], 50, 4, (x) => x.p50);
    expect(d.match(/M/g)).toHaveLength(2);
    expect(d.startsWith('M5,25')).toBe(true);
    expect(d).toContain('L15,1');
  });

  it('draws a bar per second with failed ones stacked on the ok ones', () => {
    const bs = [b(0, 10, 1), b(1, 0, null), b(2, 5, 1, 5)];
    const ok = barsPath(frame, bs, 50, 10, (x) => x.ok);
    expect(ok.match(/M/g)).toHaveLength(2);
    expect(ok.startsWith('M0,50V0H')).toBe(true);
    const failed = barsPath(
      frame,
      bs,
      50,
      10,
      (x) => x.failed,
      (x) => x.ok,
    );
    expect(failed.startsWith('M20,25V0')).toBe(true);
  });

  it('scales to the visible window, not to an old peak', () => {
    const m = new RunModel();
    for (let i = 0; i < 500; i++) m.ingest(rec(1 + i / 1000, 'client-complete', { type: 'ok', latencyMs: 900 }));
    for (let s = 100; s < 160; s++) m.ingest(rec(s + 0.5, 'client-complete', { type: 'ok', latencyMs: 2 }));
    const late = chartData(m, 'minute', 160e9, null, 300, 50);
    expect(late.opsMax).toBe(1);
    expect(late.latMax).toBeLessThanOrEqual(2.5);
    const whole = chartData(m, 'run', 160e9, 130e9, 300, 50);
    // The whole run is drawn in columns of two seconds here: the peak second averages to 250/s.
    expect(whole.opsMax).toBe(250);
    expect(whole.latMax).toBe(1000);
    expect(whole.cursorX).toBeCloseTo(243.75, 1);
  });

  it('gives the time axis its origin: "0:00" where the run began, "◂ 1:15" once the window has slid past it', () => {
    const m = new RunModel();
    m.ingest(rec(1, 'client-complete', { type: 'ok', latencyMs: 2 }));
    const early = chartData(m, 'minute', 30e9, null, 300, 50).ticks;
    expect(early[0]).toMatchObject({ x: 0, label: '0:00', origin: true });
    expect(early[0]!.title).toMatch(/the cluster started/);
    expect(early.filter((t) => t.origin)).toHaveLength(1);
    // 75 s into the run the last minute starts at 0:15: the left edge says so, and 0:20 (5 s, 25 px on) gives way.
    const late = chartData(m, 'minute', 75e9, null, 300, 50).ticks;
    expect(late.map((t) => t.label)).toEqual(['◂ 0:15', '0:30', '0:40', '0:50', '1:00', '1:10']);
    expect(late[0]).toMatchObject({ x: 0, origin: true });
    expect(late[0]!.title).toMatch(/starts 0:15 after the cluster started/);
    expect(chartData(m, 'five', 400e9, null, 300, 50).ticks.map((t) => t.label)).toEqual([
      '◂ 1:40',
      '3:00',
      '4:00',
      '5:00',
      '6:00',
    ]);
    // The whole run always starts at its origin.
    expect(chartData(m, 'run', 400e9, null, 300, 50).ticks[0]).toMatchObject({ x: 0, label: '0:00', origin: true });
  });

  it('labels the time axis with round times, and gives each fault a lane of its own', () => {
    expect(timeTicks({ from: 0, to: 60e9, width: 600 }).map((t) => t.label)).toEqual([
      '0:00',
      '0:10',
      '0:20',
      '0:30',
      '0:40',
      '0:50',
      '1:00',
    ]);
    expect(timeTicks({ from: 100e9, to: 400e9, width: 600 }).map((t) => t.label)).toEqual([
      '2:00',
      '3:00',
      '4:00',
      '5:00',
      '6:00',
    ]);
    expect(formatRunTime(3725e9)).toBe('1:02:05');
    const periods = faultPeriods([
      rec(2, 'partition', { groups: [['n1'], ['n2', 'n3']] }),
      rec(3, 'crash', { node: 'n2' }),
      rec(4, 'pause', { node: 'n3' }),
      rec(5, 'heal'),
      rec(6, 'restart', { node: 'n2' }),
    ]);
    const lanes = faultLanes(frame, periods, 8e9);
    expect(lanes.map((l) => [l.lane, l.spans.map((s) => [s.x1, s.x2, s.open])])).toEqual([
      ['partition', [[20, 50, false]]],
      ['n2 down', [[30, 60, false]]],
      ['n3 paused', [[40, 80, true]]],
    ]);
  });
});
