/**
 * The report's plots: the latency scatter's sample stays bounded however long the run
 * (and keeps failures and the slowest operation of each slice), both plots are well-formed
 * SVG with log-scale latency ticks, a colour per outcome and a shape per operation, and a
 * labelled lane per fault; an exported run's figures and index.html are built from its log
 * and history.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryOp } from '../../src-main/api/contract';
import { faultPeriods } from '../../src-main/report/faults';
import {
  LatencySample,
  MAX_DRAWN,
  MAX_POINTS,
  MAX_SLICES,
  pointOfRecord,
  sampleHistory,
} from '../../src-main/report/latency';
import { latencySvg, throughputSvg } from '../../src-main/report/plots';
import { RateSeries } from '../../src-main/report/rates';
import { REPORT_FILES, runReportFiles } from '../../src-main/report/run-report';
import { byTime, message, rec } from './records';
import { CHAR_PX } from '../../src-main/report/spacetime-scene';
import { parseXml, textsOf, type XmlElement } from './xml-check';

const FAULTS = faultPeriods([
  rec(0, 'cluster-created'),
  rec(2000, 'partition', { groups: [['n1'], ['n2', 'n3']] }),
  rec(4000, 'heal'),
  rec(5000, 'crash', { node: 'n2' }),
  rec(7000, 'restart', { node: 'n2' }),
]);

describe('LatencySample', () => {
  it(`holds at most ${MAX_POINTS} points however many operations, keeping failures and each slice's slowest`, () => {
    const s = new LatencySample();
    let slowest = 0;
    for (let i = 0; i < 200_000; i++) {
      const t = i * 5e6; // 1000 s of operations, 200 a second
      const ms = 1 + (i % 97) / 10;
      s.add({ t, ms, outcome: i % 100 === 0 ? 'fail' : i % 250 === 0 ? 'unknown' : 'ok', f: i % 2 ? 'write' : 'read' });
      slowest = Math.max(slowest, ms);
    }
    s.add({ t: 500e9, ms: 4000, outcome: 'ok', f: 'write' });
    const all = s.points(0, Infinity, Infinity);
    expect(s.total).toBe(200_001);
    expect(all.length).toBeLessThanOrEqual(MAX_POINTS);
    expect(all.length).toBeGreaterThan(MAX_POINTS / 3);
    const pts = s.points();
    expect(pts.length).toBeLessThanOrEqual(MAX_DRAWN + MAX_SLICES);
    expect(pts.some((p) => p.ms === 4000)).toBe(true);
    expect(pts.filter((p) => p.outcome !== 'ok').length).toBeGreaterThan(100);
    expect(pts.filter((p) => p.outcome === 'ok').length).toBeGreaterThan(pts.length / 3);
    // A short window is dense: it reads only its slices, each giving a larger share.
    const w = s.points(100e9, 110e9);
    expect(w.every((p) => p.t >= 100e9 && p.t <= 110e9)).toBe(true);
    expect(w.length).toBeGreaterThan(100);
  });

  it('reads points from client-complete records and from a history', () => {
    expect(pointOfRecord(rec(1000, 'client-complete', { latencyMs: 12, type: 'info', f: 'write' }))).toEqual({
      t: 988e6,
      ms: 12,
      outcome: 'unknown',
      f: 'write',
    });
    expect(pointOfRecord(rec(1, 'client-invoke', {}))).toBeNull();
    const h: HistoryOp[] = [
      { index: 0, time: 1e9, process: 0, type: 'invoke', f: 'write', key: 'x', value: '1' },
      { index: 1, time: 1.5e9, process: 1, type: 'invoke', f: 'read', key: 'x', value: null },
      { index: 2, time: 1.002e9, process: 0, type: 'ok', f: 'write', key: 'x', value: '1' },
      { index: 3, time: 2.5e9, process: 1, type: 'fail', f: 'read', key: 'x', value: null },
    ];
    const pts = sampleHistory(h)
      .points()
      .sort((a, b) => a.t - b.t);
    expect(pts.map((p) => [p.f, p.outcome, Math.round(p.ms)])).toEqual([
      ['write', 'ok', 2],
      ['read', 'fail', 1000],
    ]);
  });
});

describe('latencySvg / throughputSvg', () => {
  const points = [
    { t: 1e9, ms: 0.8, outcome: 'ok' as const, f: 'write' },
    { t: 2.5e9, ms: 35, outcome: 'fail' as const, f: 'read' },
    { t: 3e9, ms: 900, outcome: 'unknown' as const, f: 'cas' },
  ];
  const base = { width: 500, height: 260, from: 0, to: 8e9, now: 8e9, faults: FAULTS };

  it('draws a log-scale scatter: a colour per outcome, a shape per operation, fault bands with labelled lanes', () => {
    const els = parseXml(latencySvg({ ...base, points, cursor: 3e9, total: 10 }));
    const texts = textsOf(els).join('|');
    for (const t of ['0.1 ms', '1 ms', '10 ms', '100 ms', '1 s']) expect(texts).toContain(t);
    const classes = els.map((e) => e.attrs.class ?? '');
    expect(classes).toEqual(
      expect.arrayContaining(['points ok circle', 'points fail triangle', 'points unknown square']),
    );
    expect(els.filter((e) => e.attrs.class === 'fault-lane').map((e) => e.attrs['data-lane'])).toEqual([
      'partition',
      'n2 down',
    ]);
    expect(texts).toContain('partition · n1 | n2 n3');
    expect(texts).toContain('3 of 10 ops drawn (sampled)');
    const legend = els
      .filter((e) => e.name === 'text')
      .map((e) => e.text)
      .join(' ');
    expect(legend).toMatch(/ok.*fail.*unknown/);
    expect(legend).toMatch(/● write.*▲ read.*■ cas/);
    expect(els.filter((e) => e.attrs.class === 'cursor').length).toBe(1);
  });

  it('puts a slow operation higher than a fast one (log scale) and draws nothing after now', () => {
    const els = parseXml(latencySvg({ ...base, points, now: 2.8e9 }));
    const d = (cls: string): string => els.find((e) => e.attrs.class === cls)?.attrs.d ?? '';
    const y = (path: string): number => Number(/,([\d.]+)/.exec(path)![1]);
    expect(y(d('points fail triangle'))).toBeLessThan(y(d('points ok circle')));
    expect(d('points unknown square')).toBe('');
  });

  it('draws throughput as stacked ok / fail / unknown bars with the same fault lanes', () => {
    const r = new RateSeries();
    for (let i = 0; i < 800; i++) r.add(i * 1e7, i % 10 === 0 ? 'fail' : i % 33 === 0 ? 'unknown' : 'ok');
    const els = parseXml(throughputSvg({ ...base, columns: r.columns(0, 8e9, 100) }));
    expect(els.map((e) => e.attrs.class)).toEqual(expect.arrayContaining(['bars ok', 'bars fail', 'bars unknown']));
    expect(textsOf(els).join('|')).toContain('100/s');
    expect(els.filter((e) => e.attrs.class === 'fault-lane').length).toBe(2);
  });

  it('draws fault bands behind the points, and many faults at once stay see-through', () => {
    // Six links made lossy at once (what `partition` presets and the churn scenario do), then a crash inside them.
    const links = ['n2', 'n3', 'n4', 'n5'].flatMap((b) => [
      rec(2000, 'link-rule', { from: 'n1', to: b, loss: 0.05, both: true }),
      rec(4000, 'link-rule', { from: 'n1', to: b, loss: 0, both: true }),
    ]);
    const faults = faultPeriods(
      byTime([
        rec(0, 'cluster-created'),
        ...links,
        rec(2500, 'link-rule', { from: 'n2', to: 'n3', loss: 0.05, both: true }),
        rec(3000, 'crash', { node: 'n2' }),
        rec(3500, 'restart', { node: 'n2' }),
        rec(3600, 'link-rule', { from: 'n2', to: 'n3', loss: 0, both: true }),
      ]),
    );
    const inside = [
      { t: 3.2e9, ms: 12, outcome: 'fail' as const, f: 'write' },
      { t: 3.3e9, ms: 40, outcome: 'ok' as const, f: 'write' },
    ];
    const svg = latencySvg({ ...base, points: inside, faults });
    const els = parseXml(svg);
    const bands = els.filter((e) => e.attrs.class === 'fault-band');
    const firstPoints = els.findIndex((e) => (e.attrs.class ?? '').startsWith('points'));
    expect(firstPoints).toBeGreaterThan(0);
    expect(bands.length).toBeGreaterThan(0);
    // Behind: every band comes before the points in the document, so the points paint over it.
    for (const b of bands) expect(els.indexOf(b)).toBeLessThan(firstPoints);
    // See-through: where the points are, the bands covering them add up to a light tint.
    const x0 = Number(/M([\d.]+),/.exec(els[firstPoints]!.attrs.d ?? '')![1]) + 2.4;
    const covering = bands.filter((b) => Number(b.attrs.x) <= x0 && x0 <= Number(b.attrs.x) + Number(b.attrs.width));
    expect(covering.map((b) => b.attrs['data-kind']).sort()).toEqual(['down', 'link']);
    const tint = 1 - covering.reduce((a, b) => a * (1 - Number(b.attrs['fill-opacity'])), 1);
    expect(tint).toBeLessThanOrEqual(0.3);
    // Every fault still has its labelled lane beneath.
    expect(els.filter((e) => e.attrs.class === 'fault-lane').length).toBe(6);
  });

  it('keeps a long lane label inside the figure: moved left, or cut with an ellipsis and its full text as a title', () => {
    // A link made slow, lossy and duplicating late in the run: its lane label is long and its span starts near the right edge.
    const faults = faultPeriods([
      rec(0, 'cluster-created'),
      rec(7000, 'link-rule', {
        from: 'n1',
        to: 'n2',
        latencyMs: 200,
        jitterMs: 50,
        loss: 0.1,
        duplicate: 0.05,
        both: true,
      }),
    ]);
    const full = 'link n1↔n2 · +200 ms ± 50, 10% lost, 5% dup';
    const laneText = (width: number): XmlElement => {
      const els = parseXml(latencySvg({ ...base, width, points, faults }));
      const lane = els.findIndex((e) => e.attrs.class === 'fault-lane');
      const t = els.slice(lane).find((e) => e.name === 'text');
      expect(t).toBeDefined();
      return t!;
    };
    const right = (t: XmlElement): number => Number(t.attrs.x) + Array.from(t.text).length * CHAR_PX;
    // Wide enough for the whole label: all of it is shown, moved left so it ends inside the figure.
    const wide = laneText(500);
    expect(wide.text).toBe(full);
    expect(right(wide)).toBeLessThanOrEqual(500);
    // Too narrow for it: cut with an ellipsis, still inside, and the full text is the tooltip.
    const els = parseXml(latencySvg({ ...base, width: 200, points, faults }));
    const narrow = laneText(200);
    expect(narrow.text).toMatch(/^link n1↔n2 · .*…$/);
    expect(narrow.text.length).toBeLessThan(full.length);
    expect(right(narrow)).toBeLessThanOrEqual(200);
    expect(Number(narrow.attrs.x)).toBeGreaterThanOrEqual(0);
    const title = els[els.indexOf(els.find((e) => e.name === 'text' && e.text === narrow.text)!) + 1];
    expect(title?.name).toBe('title');
    expect(title?.text).toBe(full);
  });

  it('says so when the window holds no operation', () => {
    expect(textsOf(parseXml(latencySvg({ ...base, points: [] }))).join()).toContain('no completed operations');
    expect(textsOf(parseXml(throughputSvg({ ...base, columns: [] }))).join()).toContain('no completed operations');
  });
});

describe('runReportFiles', () => {
  it('builds latency.svg, throughput.svg, messages.svg and index.html from a run, all well-formed', () => {
    const log = byTime([
      rec(0, 'cluster-created'),
      rec(5, 'role', { node: 'n1', role: 'leader', term: 2 }),
      rec(3000, 'partition', { groups: [['n1'], ['n2', 'n3']] }),
      ...message({ id: 1, from: 'n1', to: 'n2', sendMs: 2900, endMs: 2901, label: 'AppendEntries t2 [4] c=3' }),
      ...message({
        id: 2,
        from: 'n1',
        to: 'n3',
        sendMs: 3100,
        endMs: 3100,
        drop: 'partition',
        label: 'Heartbeat t2 c=4',
      }),
    ]);
    const history: HistoryOp[] = [
      { index: 0, time: 1e9, process: 0, type: 'invoke', f: 'write', key: 'x', value: '1' },
      { index: 1, time: 1.01e9, process: 0, type: 'ok', f: 'write', key: 'x', value: '1' },
    ];
    const files = runReportFiles({
      log,
      history,
      settings: { nodes: 3, protocol: 'raft', heartbeatMs: 100, electionMs: 1000, seed: 1 },
      check: { ok: false, summary: 'not linearizable: read x returned <1>' },
      name: 'run-a',
    });
    expect(files.map((f) => f.name)).toEqual(Object.values(REPORT_FILES));
    for (const f of files.filter((x) => x.name.endsWith('.svg'))) expect(() => parseXml(f.text), f.name).not.toThrow();
    const msgs = textsOf(parseXml(files.find((f) => f.name === 'messages.svg')!.text)).join('|');
    expect(msgs).toContain('✕ partition');
    expect(msgs).toContain('AppendEntries t2 [4] c=3');
    const html = files.find((f) => f.name === 'index.html')!.text;
    expect(html).toContain('NOT consistent');
    expect(html).toContain('read x returned &lt;1&gt;');
    for (const n of ['latency.svg', 'throughput.svg', 'messages.svg']) expect(html).toContain(`src="${n}"`);
    expect(html).not.toContain('<script');
  });
});
