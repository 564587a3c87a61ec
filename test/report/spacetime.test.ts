/**
 * The space-time diagram's model and layout: arrows from send/deliver pairs, drops ending
 * part-way with the rule that dropped them, duplicates marked, heartbeats folded into a
 * count per interval, node events on the lanes, density columns when zoomed out — and every
 * scene bounded in size however many messages the window holds. The SVG drawn from a scene
 * is well-formed XML with the labels a person reads.
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { faultPeriods } from '../../src-main/report/faults';
import { type MessageLog, messageLogOf } from '../../src-main/report/message-log';
import {
  CELL_PX,
  FOLD_PX,
  hitTest,
  layoutDiagram,
  MARK_PX,
  MAX_ARROWS,
  MAX_LABELS,
  timeAt,
  type DiagramView,
} from '../../src-main/report/spacetime';
import { spaceTimeSvg } from '../../src-main/report/spacetime-svg';
import { byTime, message, rec } from './records';
import { parseXml, textsOf } from './xml-check';

const view = (over: Partial<DiagramView> = {}): DiagramView => ({
  from: 0,
  to: 100e6,
  now: 100e6,
  width: 600,
  height: 200,
  orientation: 'horizontal',
  foldHeartbeats: true,
  ...over,
});

function small(): MessageLog {
  return messageLogOf(
    byTime([
      ...message({ id: 1, from: 'n1', to: 'n2', sendMs: 10, endMs: 20, label: 'AppendEntries t3 [5..7] c=4' }),
      ...message({
        id: 2,
        from: 'n2',
        to: 'n1',
        sendMs: 22,
        endMs: 30,
        type: 'appendResp',
        label: 'AppendResp t3 → ok, match 7',
        granted: true,
      }),
      ...message({
        id: 3,
        from: 'n1',
        to: 'n3',
        sendMs: 40,
        endMs: 40,
        drop: 'partition',
        label: 'AppendEntries t3 [8] c=7',
      }),
      ...message({ id: 4, from: 'n1', to: 'n2', sendMs: 50, endMs: 60, dup: true, label: 'AppendEntries t3 [8] c=7' }),
      ...message({
        id: 5,
        from: 'n3',
        to: 'n1',
        sendMs: 90,
        type: 'vote',
        msgKind: 'vote',
        label: 'RequestVote t4 log 7@t3',
      }),
      rec(70, 'role', { node: 'n3', role: 'candidate', term: 4 }),
    ]),
  );
}

describe('MessageLog', () => {
  it('pairs each send with its delivery or drop by id, marks duplicates and keeps answers granted', () => {
    const log = small();
    expect(log.size).toBe(5);
    expect(log.nodes).toEqual(['n1', 'n2', 'n3']);
    const s3 = log.findSlot(3);
    expect(log.state[s3]).toBe(2);
    expect(log.strings[log.reason[s3]!]).toBe('partition');
    expect(log.flags[log.findSlot(4)]! & 1).toBe(1);
    expect(Number.isNaN(log.endT[log.findSlot(5)]!)).toBe(true);
    expect(log.events.size).toBe(1);
  });

  it('keeps only the newest messages, and a late delivery of a forgotten one changes nothing', () => {
    const rs: RunLogRecord[] = [];
    for (let i = 1; i <= 1000; i++) rs.push(...message({ id: i, from: 'n1', to: 'n2', sendMs: i, endMs: i + 0.5 }));
    const log = messageLogOf(
      rs.filter((r) => !(r.kind === 'deliver' && r.id === 5)),
      100,
    );
    expect(log.size).toBe(100);
    expect(log.evicted).toBe(900);
    expect(log.findSlot(901)).toBeGreaterThanOrEqual(0);
    expect(log.findSlot(900)).toBe(-1);
    log.add(rec(2000, 'deliver', { id: 5, from: 'n1', to: 'n2' }));
    expect(log.findSlot(5)).toBe(-1);
    expect(log.oldestT).toBe(901e6);
  });
});

describe('layoutDiagram', () => {
  it('draws one arrow per message from its send to its delivery, between the right lanes', () => {
    const s = layoutDiagram(small(), view());
    expect(s.mode).toBe('arrows');
    expect(s.arrows.map((a) => a.id).sort()).toEqual([1, 2, 3, 4, 5]);
    const a1 = s.arrows.find((a) => a.id === 1)!;
    const [l1, l2] = [s.lanes[0]!, s.lanes[1]!];
    expect(a1.y1).toBeCloseTo(l1.y1);
    expect(a1.y2).toBeCloseTo(l2.y1);
    // 10 ms and 20 ms of a 100 ms window over the plot's width.
    expect(a1.x1).toBeCloseTo(s.plot.x + s.plot.w * 0.1);
    expect(a1.x2).toBeCloseTo(s.plot.x + s.plot.w * 0.2);
    expect(a1).toMatchObject({ state: 'delivered', label: 'AppendEntries t3 [5..7] c=4', from: 'n1', to: 'n2' });
    expect(s.arrows.find((a) => a.id === 2)!.granted).toBe(true);
    expect(s.arrows.filter((a) => a.text !== null).length).toBeGreaterThan(0);
  });

  it('ends a dropped message part-way in an ✕ with its reason; duplicates and messages in flight are marked', () => {
    const s = layoutDiagram(small(), view());
    const drop = s.arrows.find((a) => a.id === 3)!;
    expect(drop).toMatchObject({ state: 'dropped', reason: 'partition' });
    const [y1, y3] = [s.lanes[0]!.y1, s.lanes[2]!.y1];
    expect(drop.y2).toBeCloseTo(y1 + (y3 - y1) * 0.4);
    expect(drop.x2).toBeGreaterThan(drop.x1);
    expect(s.arrows.find((a) => a.id === 4)!.dup).toBe(true);
    expect(s.arrows.find((a) => a.id === 5)!.state).toBe('inflight');
    expect(s.counts).toMatchObject({ messages: 5, dropped: 1 });
    expect(s.marks).toEqual([
      expect.objectContaining({ node: 'n3', kind: 'role', role: 'candidate', text: 'candidate t4' }),
    ]);
  });

  it('folds heartbeats into a count per interval, and keeps their drops as one ✕ per receiver and interval', () => {
    const rs: RunLogRecord[] = [];
    let id = 0;
    for (let t = 0; t < 100; t += 5)
      for (const to of ['n2', 'n3'])
        rs.push(
          ...message({
            id: ++id,
            from: 'n1',
            to,
            sendMs: t,
            endMs: t + 1,
            type: 'heartbeat',
            msgKind: 'heartbeat',
            ...(to === 'n3' ? { drop: 'partition' } : {}),
          }),
        );
    const log = messageLogOf(byTime(rs));
    const folded = layoutDiagram(log, view());
    expect(folded.folds.reduce((n, f) => n + f.count, 0)).toBe(40);
    expect(folded.folds.reduce((n, f) => n + f.dropped, 0)).toBe(20);
    // One fold per interval of FOLD_PX pixels (on n1's lane) that had heartbeats.
    const foldNs = (FOLD_PX / folded.plot.w) * 100e6;
    const intervals = new Set(Array.from({ length: 20 }, (_, k) => Math.floor((k * 5e6) / foldNs)));
    expect(folded.folds.length).toBe(intervals.size);
    expect(new Set(folded.folds.map((f) => f.node))).toEqual(new Set(['n1']));
    for (const f of folded.folds) expect(f.t1 - f.t0).toBeCloseTo(foldNs, 0);
    const stubs = folded.arrows;
    expect(stubs.every((a) => a.state === 'dropped' && a.to === 'n3' && a.reason === 'partition')).toBe(true);
    expect(stubs.length).toBe(folded.folds.length);
    expect(stubs.reduce((n, a) => n + a.count, 0)).toBe(20);
    const unfolded = layoutDiagram(log, view({ foldHeartbeats: false }));
    expect(unfolded.folds).toEqual([]);
    expect(unfolded.arrows.length).toBe(40);
  });

  it('switches to density columns when zoomed out, and back to arrows when zoomed in; the scene stays bounded', () => {
    const rs: RunLogRecord[] = [];
    const nodes = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9'];
    for (let i = 1; i <= 40_000; i++) {
      const from = nodes[i % 9]!;
      const to = nodes[(i + 1) % 9]!;
      rs.push(
        ...message({ id: i, from, to, sendMs: i / 4, endMs: i / 4 + 0.3, label: `AppendEntries t3 [${i}] c=${i}` }),
      );
      if (i % 50 === 0) rs.push(rec(i / 4, 'commit', { node: from, commitIndex: i }));
    }
    const log = messageLogOf(byTime(rs));
    const wide = layoutDiagram(log, view({ to: 10e9, now: 10e9, width: 400, height: 300 }));
    expect(wide.mode).toBe('density');
    expect(wide.arrows).toEqual([]);
    expect(wide.cells.length).toBeLessThanOrEqual(9 * Math.ceil(wide.plot.w / CELL_PX));
    expect(wide.cells.reduce((n, c) => n + c.sent, 0)).toBe(wide.counts.messages);
    expect(wide.note).toContain('zoom in');
    expect(wide.marks.length).toBeLessThanOrEqual(9 * Math.ceil(wide.plot.w / MARK_PX));
    const narrow = layoutDiagram(log, view({ from: 5e9, to: 5.02e9, now: 10e9, width: 400, height: 300 }));
    expect(narrow.mode).toBe('arrows');
    expect(narrow.arrows.length).toBeGreaterThan(50);
    expect(narrow.arrows.length).toBeLessThanOrEqual(MAX_ARROWS);
    expect(narrow.arrows.filter((a) => a.text).length).toBeLessThanOrEqual(MAX_LABELS);
    expect(
      layoutDiagram(log, view({ to: 10e9, now: 10e9, width: 4000, height: 900, maxArrows: 99_999 })).arrows.length,
    ).toBeLessThanOrEqual(MAX_ARROWS);
    // Room for hundreds of labels side by side: still at most MAX_LABELS.
    const roomy = layoutDiagram(log, view({ from: 5e9, to: 5.3e9, now: 10e9, width: 8000, height: 2000 }));
    expect(roomy.mode).toBe('arrows');
    expect(roomy.arrows.filter((a) => a.text).length).toBe(MAX_LABELS);
  });

  it('draws partitions as bands and down nodes on their lanes; vertical puts time down the page', () => {
    const rs = byTime([
      rec(0, 'cluster-created', {}),
      rec(20, 'partition', { groups: [['n1'], ['n2', 'n3']] }),
      rec(30, 'crash', { node: 'n3' }),
      rec(60, 'heal', {}),
      ...message({ id: 1, from: 'n1', to: 'n2', sendMs: 25, endMs: 25, drop: 'partition' }),
      ...message({ id: 2, from: 'n2', to: 'n3', sendMs: 10, endMs: 12 }),
    ]);
    const log = messageLogOf(rs);
    const faults = faultPeriods(rs);
    const s = layoutDiagram(log, view({ faults }));
    expect(s.bands).toEqual([expect.objectContaining({ kind: 'partition', label: 'partition: n1 | n2 n3' })]);
    expect(s.lanes[2]!.down.length).toBe(1);
    expect(s.marks.some((m) => m.kind === 'crash' && m.node === 'n3')).toBe(true);
    const v = layoutDiagram(log, view({ orientation: 'vertical', height: 600, width: 300 }));
    const a = v.arrows.find((x) => x.id === 2)!;
    expect(a.y2).toBeGreaterThan(a.y1);
    expect(a.x2).toBeGreaterThan(a.x1);
  });

  it('finds the arrow under the pointer and the time at a point', () => {
    const s = layoutDiagram(small(), view({ cursor: 50e6 }));
    const a = s.arrows.find((x) => x.id === 1)!;
    const hit = hitTest(s, (a.x1 + a.x2) / 2, (a.y1 + a.y2) / 2 + 2);
    expect(hit && 'arrow' in hit ? hit.arrow.id : null).toBe(1);
    expect(hitTest(s, s.plot.x + 2, s.plot.y + s.plot.h - 1)).toBeNull();
    expect(timeAt(s, s.plot.x + s.plot.w / 2, 0)).toBeCloseTo(50e6);
    expect(s.cursor!.x1).toBeCloseTo(s.plot.x + s.plot.w / 2);
  });
});

describe('spaceTimeSvg', () => {
  it('is well-formed XML with the labels, the ✕ and the reason, escaping what the log holds', () => {
    const log = small();
    log.add(rec(95, 'send', { id: 9, from: 'n1', to: 'n2', type: 'x', msgKind: 'other', term: 1, label: 'a<b & "c"' }));
    log.add(rec(99, 'deliver', { id: 9, from: 'n1', to: 'n2', type: 'x', msgKind: 'other', term: 1 }));
    const svg = spaceTimeSvg(layoutDiagram(log, view({ cursor: 50e6 })), { title: 'Messages <run>' });
    const els = parseXml(svg);
    expect(els[0]!.name).toBe('svg');
    const texts = textsOf(els).join('\n');
    expect(texts).toContain('AppendEntries t3 [5..7] c=4');
    expect(texts).toContain('✕ partition');
    expect(texts).toContain('Messages <run>');
    expect(texts).toContain('a<b & "c"');
    expect(els.filter((e) => e.attrs.class === 'drop').length).toBe(1);
    expect(els.filter((e) => e.attrs.class === 'cursor').length).toBe(1);
    expect(els.filter((e) => e.attrs.class?.startsWith('msg ')).length).toBe(6);
  });
});
