/**
 * The Messages and Report tabs' state, without a browser: which window of time the
 * diagram shows (following the present, pinned by a person, brought to a cursor set
 * elsewhere, ending at a replay's cursor), the body of a clicked message (asked of the lab
 * live; in a replay the store says bodies were not saved), and the run model feeding the
 * diagram and the report as records arrive.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { layoutDiagram, type Arrow } from '../../src-main/report/spacetime';
import { setLabClient } from '../../src-renderer/src/api/lab-client';
import { diagramWindow, panned, zoomed } from '../../src-renderer/src/model/diagram-window';
import { RunModel } from '../../src-renderer/src/model/run-model';
import { NOT_SAVED, useMessagesStore } from '../../src-renderer/src/stores/messages';
import { useReplayStore } from '../../src-renderer/src/stores/replay';
import { FakeLabClient } from './fake-client';

const S = 1e9;

describe('diagramWindow', () => {
  const base = { replay: false, now: 30 * S, cursor: null, spanNs: 2 * S, following: true, pinned: null };
  it('follows the present live, and a replay’s cursor in a replay', () => {
    expect(diagramWindow(base)).toEqual({ from: 28 * S, to: 30 * S });
    expect(diagramWindow({ ...base, replay: true, now: 12 * S })).toEqual({ from: 10 * S, to: 12 * S });
    // Early in a run the window starts at 0 and keeps its length.
    expect(diagramWindow({ ...base, now: 0.5 * S })).toEqual({ from: 0, to: 2 * S });
  });
  it('keeps a pinned window while the cursor is inside it, and goes to a cursor moved outside it', () => {
    const pinned = { from: 5 * S, to: 7 * S };
    expect(diagramWindow({ ...base, following: false, pinned, cursor: 6 * S })).toEqual(pinned);
    expect(diagramWindow({ ...base, following: false, pinned, cursor: null })).toEqual(pinned);
    expect(diagramWindow({ ...base, following: false, pinned, cursor: 20 * S })).toEqual({ from: 19 * S, to: 21 * S });
    // Live, a cursor set elsewhere (a timeline row) centres the window on it even while following.
    expect(diagramWindow({ ...base, cursor: 10 * S })).toEqual({ from: 9 * S, to: 11 * S });
    // In a replay nothing after the cursor is known: the window ends there.
    expect(diagramWindow({ ...base, replay: true, following: false, pinned, now: 20 * S })).toEqual({
      from: 18 * S,
      to: 20 * S,
    });
  });
  it('zooms around a moment and pans, never before the run began', () => {
    expect(zoomed({ from: 10 * S, to: 20 * S }, 0.5, 15 * S)).toEqual({ from: 12.5 * S, to: 17.5 * S });
    expect(zoomed({ from: 0, to: 10 * S }, 2, 0)).toEqual({ from: 0, to: 20 * S });
    expect(panned({ from: 1 * S, to: 3 * S }, -5 * S)).toEqual({ from: 0, to: 2 * S });
  });
});

let seq = 0;
const rec = (tMs: number, kind: string, f: Record<string, unknown> = {}): RunLogRecord => ({
  t: tMs * 1e6,
  seq: ++seq,
  kind,
  ...f,
});
const msg = { from: 'n1', to: 'n2', type: 'append', msgKind: 'append', term: 2 };

describe('RunModel feeds the diagram and the report', () => {
  it('folds messages, node events, latency points and rates as records arrive', () => {
    const m = new RunModel();
    m.take(rec(1, 'send', { ...msg, id: 1, label: 'AppendEntries t2 [1] c=0' }));
    m.take(rec(2, 'deliver', { ...msg, id: 1 }));
    m.take(rec(3, 'role', { node: 'n2', role: 'candidate', term: 3 }));
    m.take(rec(40, 'client-complete', { latencyMs: 12, type: 'ok', f: 'write' }));
    m.take(rec(950, 'client-complete', { latencyMs: 900, type: 'info', f: 'read' }));
    expect(m.messages.size).toBe(1);
    const scene = layoutDiagram(m.messages, {
      from: 0,
      to: 100e6,
      now: 100e6,
      width: 400,
      height: 120,
      orientation: 'horizontal',
      foldHeartbeats: true,
    });
    expect(scene.arrows.map((a) => a.label)).toEqual(['AppendEntries t2 [1] c=0']);
    expect(scene.marks.map((x) => x.text)).toEqual(['candidate t3']);
    expect(m.latency.total).toBe(2);
    expect(
      m.latency
        .points()
        .map((p) => p.outcome)
        .sort(),
    ).toEqual(['ok', 'unknown']);
    expect(m.rates.columns(0, 1e9, 1)).toEqual([{ t: 0, widthNs: 1e9, ok: 1, fail: 0, unknown: 1 }]);
  });
});

describe('useMessagesStore', () => {
  let fake: FakeLabClient;
  beforeEach(() => {
    setActivePinia(createPinia());
    fake = new FakeLabClient(3);
    setLabClient(fake);
  });
  afterEach(() => setLabClient(null));

  const arrow = (id: number): Arrow =>
    ({ id, from: 'n1', to: 'n2', label: 'AppendEntries t2 [1] c=0', type: 'append' }) as Arrow;

  it('asks the lab for a clicked message’s body, and says why when the lab no longer has it', async () => {
    fake.backlog = [rec(1, 'send', { ...msg, id: 7 })];
    const ms = useMessagesStore();
    await ms.select(arrow(7));
    expect(ms.selected?.id).toBe(7);
    expect(ms.body).toEqual({ state: 'ok', bytes: 64, text: expect.stringContaining('"type": "append"') });
    await ms.select(arrow(8));
    expect(ms.body).toEqual({ state: 'none', why: expect.stringContaining('message 8') });
    await ms.select(null);
    expect(ms.body).toBeNull();
  });

  it('keeps the newest selection when an older answer comes late', async () => {
    // The lab answers the first question after the second.
    fake.message = (id: number) =>
      new Promise((res) =>
        setTimeout(
          () => res({ id, bytes: 10, message: { type: id === 1 ? 'append' : 'heartbeat' } }),
          id === 1 ? 30 : 1,
        ),
      );
    const ms = useMessagesStore();
    const first = ms.select(arrow(1));
    const second = ms.select(arrow(2));
    await Promise.all([first, second]);
    expect(ms.selected?.id).toBe(2);
    expect(ms.body?.state === 'ok' && ms.body.text).toContain('heartbeat');
  });

  it('in a replay says bodies were not saved instead of asking the lab', async () => {
    const replay = useReplayStore();
    replay.load(
      {
        settings: { nodes: 3, protocol: 'raft', heartbeatMs: 100, electionMs: 1000, seed: 1 },
        log: [rec(1, 'send', { ...msg, id: 1 })],
        history: [],
      },
      'run-1',
    );
    const ms = useMessagesStore();
    await ms.select(arrow(1));
    expect(ms.body).toEqual({ state: 'none', why: NOT_SAVED });
  });
});
