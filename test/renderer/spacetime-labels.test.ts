/**
 * The Messages diagram's labels stay readable where drops crowd: under a partition every
 * message to the far side ends in a red ✕, and the "✕ partition" beside each ran through
 * the lines of its neighbours. Each label now sits on a plate of the plot's colour, drawn
 * after every line and ✕ it covers — on the canvas (drawScene) and in the exported SVG.
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { messageLogOf } from '../../src-main/report/message-log';
import { layoutDiagram, type Scene } from '../../src-main/report/spacetime';
import { CHAR_PX } from '../../src-main/report/spacetime-scene';
import { LABEL_PLATE_OPACITY, spaceTimeSvg } from '../../src-main/report/spacetime-svg';
import { PALETTES } from '../../src-main/report/xml';
import { drawScene } from '../../src-renderer/src/composables/space-time-draw';

const MS = 1e6;

/** partitioned is 2 s of a 5-node run cut n1 n2 | n3 n4 n5: votes and appends across it dropped, those within delivered. */
function partitioned(): Scene {
  const recs: RunLogRecord[] = [];
  let id = 0;
  const send = (tMs: number, from: string, to: string, type: string, label: string, drop: boolean): void => {
    const base = { id: ++id, from, to, type, msgKind: type === 'vote' ? 'vote' : 'append', term: 3 };
    recs.push({ t: tMs * MS, seq: 0, kind: 'send', ...base, label });
    recs.push(
      drop
        ? { t: (tMs + 3) * MS, seq: 0, kind: 'drop', ...base, reason: 'partition' }
        : { t: (tMs + 6) * MS, seq: 0, kind: 'deliver', ...base },
    );
  };
  for (let t = 0; t < 2000; t += 90) {
    for (const to of ['n3', 'n4', 'n5']) send(t, 'n1', to, 'vote', 'PreVote? t4 log 9@t3', true);
    for (const to of ['n4', 'n5']) send(t + 20, 'n3', to, 'append', 'AppendEntries t3 [] c=9', false);
    send(t + 40, 'n2', 'n4', 'vote', 'PreVote? t4 log 9@t3', true);
  }
  recs.sort((a, b) => a.t - b.t);
  recs.forEach((r, i) => (r.seq = i + 1));
  return layoutDiagram(messageLogOf(recs), {
    from: 0,
    to: 2000 * MS,
    now: 2000 * MS,
    width: 360,
    height: 200,
    orientation: 'horizontal',
    foldHeartbeats: true,
    cursor: null,
    nodes: ['n1', 'n2', 'n3', 'n4', 'n5'],
  });
}

interface Call {
  op: string;
  args: unknown[];
  fillStyle: string;
  alpha: number;
}

/** recording is a 2D context that logs its calls in order (measureText: 5 px a character). */
function recording(): { ctx: CanvasRenderingContext2D; calls: Call[] } {
  const calls: Call[] = [];
  const state: Record<string, unknown> = { globalAlpha: 1, fillStyle: '', strokeStyle: '', lineWidth: 1 };
  const ctx = new Proxy(state, {
    get(target, key) {
      if (key === 'measureText') return (s: string) => ({ width: s.length * 5 });
      if (key in target) return target[key as string];
      return (...args: unknown[]) =>
        calls.push({ op: String(key), args, fillStyle: String(target.fillStyle), alpha: target.globalAlpha as number });
    },
    set(target, key, v) {
      target[key as string] = v;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
  return { ctx, calls };
}

describe('a message label over crowded drops', () => {
  const scene = partitioned();
  const labelled = scene.arrows.filter((a) => a.text !== null);

  it('the scene has drops labelled with their rule, over other lines', () => {
    expect(labelled.filter((a) => a.text!.s.endsWith('partition')).length).toBeGreaterThan(3);
  });

  it('on the canvas sits on a plate of the plot colour, drawn after the lines and ✕ marks under it', () => {
    const { ctx, calls } = recording();
    drawScene(ctx, scene, null);
    const plot = PALETTES.dark.plot;
    for (const a of labelled) {
      const { x, y, s } = a.text!;
      const i = calls.findIndex((c) => c.op === 'fillText' && c.args[0] === s && c.args[1] === x && c.args[2] === y);
      expect(i, s).toBeGreaterThan(0);
      const before = calls.slice(0, i);
      const lastStroke = before.map((c) => c.op).lastIndexOf('stroke');
      const covers = (c: Call): boolean => {
        if (c.op !== 'fillRect' || c.fillStyle !== plot || c.alpha < 0.8) return false;
        const [px, py, pw, ph] = c.args as number[];
        // It covers the text: from its start to its end (5 px a character here), ascent to descent.
        return px! <= x && px! + pw! >= x + s.length * 5 && py! <= y - 8 && py! + ph! >= y + 2;
      };
      const plate = before.map(covers).lastIndexOf(true);
      expect(plate, `a plate under "${s}"`).toBeGreaterThan(lastStroke);
    }
  });

  it('in the exported SVG sits on a plate too, after every line', () => {
    const svg = spaceTimeSvg(scene);
    const lastLine = svg.lastIndexOf('<line ', svg.indexOf('<text class="label"'));
    const plates = [
      ...svg.matchAll(
        /<rect class="label-plate" x="([\d.-]+)" y="([\d.-]+)" width="([\d.]+)" height="([\d.]+)"[^>]*fill-opacity="([\d.]+)"\/><text class="label" x="([\d.-]+)" y="([\d.-]+)"[^>]*>([^<]*)<\/text>/g,
      ),
    ];
    expect(plates).toHaveLength(labelled.length);
    for (const m of plates) {
      const [px, py, pw, ph, op, tx, ty] = m.slice(1, 8).map(Number) as number[];
      const chars = m[8]!.replace(/&[a-z]+;/g, '&').length;
      expect(op).toBe(LABEL_PLATE_OPACITY);
      expect(px! <= tx! && px! + pw! >= tx! + chars * CHAR_PX - 0.1, m[8]).toBe(true);
      expect(py! <= ty! - 8 && py! + ph! >= ty! + 2, m[8]).toBe(true);
      expect(m.index).toBeGreaterThan(lastLine);
    }
  });
});
