/**
 * The Messages diagram's labels stay readable where drops crowd: under a partition every
 * message to the far side ends in a red ✕, and the "✕ partition" beside each ran through
 * the lines of its neighbours. Each label now sits on a plate of the plot's colour, drawn
 * after every line and ✕ it covers — on the canvas (drawScene) and in the exported SVG.
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import type { Arrow, Scene } from '../../src-main/report/spacetime';
import { CHAR_PX } from '../../src-main/report/spacetime-scene';
import { LABEL_PLATE_OPACITY, labelPlate, spaceTimeSvg } from '../../src-main/report/spacetime-svg';
import { PALETTES } from '../../src-main/report/xml';
import { drawScene } from '../../src-renderer/src/composables/space-time-draw';
import { labelsNote, roleKey, rolesInView } from '../../src-renderer/src/model/spacetime-note';
import { MS, layoutTwoSeconds } from './spacetime-run';

/** partitioned is 2 s of a 5-node run (at `width`×`height`, horizontal or vertical) cut n1 n2 | n3 n4 n5: votes and appends across it dropped, those within delivered. */
function partitioned(width = 360, height = 200, orientation: 'horizontal' | 'vertical' = 'horizontal'): Scene {
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
    // n1 became a pre-candidate as the window began, and stays one (its mark on its lane).
    if (t === 0) recs.push({ t: (t + 1) * MS, seq: 0, kind: 'role', node: 'n1', role: 'precandidate', term: 3 });
    for (const to of ['n4', 'n5']) send(t + 20, 'n3', to, 'append', 'AppendEntries t3 [] c=9', false);
    send(t + 40, 'n2', 'n4', 'vote', 'PreVote? t4 log 9@t3', true);
  }
  return layoutTwoSeconds(recs, width, height, orientation);
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
    expect(labelled.filter((a) => /partition( \(\d+ times\))?$/.test(a.text!.s)).length).toBeGreaterThanOrEqual(2);
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

describe('a node that campaigns again and again under a partition', () => {
  /** plates: each label's plate (as drawn: CHAR_PX a character). */
  const plates = (scene: Scene) =>
    scene.arrows
      .filter((a) => a.text !== null)
      .map((a) => ({ s: `${a.from}: ${a.text!.s}`, ...labelPlate(a.text!.x, a.text!.y, a.text!.s.length * CHAR_PX) }));
  const meets = (
    p: { x: number; y: number; w: number; h: number },
    q: { x: number; y: number; w: number; h: number },
  ) => p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;

  it('is labelled once per sender, with how many times it sent that request in the window', () => {
    const scene = partitioned(600, 260);
    const texts = scene.arrows.filter((a) => a.text !== null).map((a) => `${a.from}: ${a.text!.s}`);
    // n1 asked n3, n4 and n5 23 times, each dropped: one label, not one per round (n2: 22 in the window).
    expect(texts.filter((t) => t.startsWith('n1: '))).toEqual(['n1: PreVote? t4 log 9@t3 ✕ partition (23 times)']);
    // n2's whole label would cover n1's ✕ marks wherever it went: its `✕ partition` stands beside its ✕.
    const n2 = texts.filter((t) => t.startsWith('n2: '));
    expect(n2).toHaveLength(1);
    expect(n2[0]).toMatch(/^n2: (PreVote\? t4 log 9@t3 )?✕ partition \(22 times\)$/);
    // The scene counts what the label stands for; the panel says it.
    expect(scene.labels.shown).toBe(texts.length);
    expect(scene.labels.folded).toBeGreaterThanOrEqual(22 + 21);
    expect(labelsNote(scene.labels)).toMatch(/^labels: \d+ repeats as "\(N times\)"/);
  });

  for (const [w, h, o] of [
    [360, 200, 'horizontal'],
    [600, 260, 'horizontal'],
    [300, 420, 'vertical'],
  ] as const)
    it(`leaves no label over another or over a role mark, no "✕ reason" over another ✕ (${w}×${h}, ${o})`, () => {
      const scene = partitioned(w, h, o);
      const ps = plates(scene);
      expect(ps.length).toBeGreaterThan(0);
      for (let i = 0; i < ps.length; i++)
        for (let j = i + 1; j < ps.length; j++)
          expect(meets(ps[i]!, ps[j]!), `"${ps[i]!.s}" over "${ps[j]!.s}"`).toBe(false);
      const roles = scene.marks.filter((m) => m.kind === 'role').map((m) => ({ x: m.x - 6, y: m.y - 6, w: 12, h: 12 }));
      expect(roles.length).toBeGreaterThan(0);
      for (const p of ps)
        expect(
          roles.some((c) => meets(p, c)),
          `"${p.s}" over a role mark`,
        ).toBe(false);
      // A "✕ partition" beside its ✕ keeps clear of the ✕ of any other message (of another sender or label).
      const labelOf = (a: Arrow): string => `${a.from}|${a.label}`;
      for (const a of scene.arrows.filter((x) => x.text?.s.startsWith('✕'))) {
        const p = labelPlate(a.text!.x, a.text!.y, a.text!.s.length * CHAR_PX);
        const others = scene.arrows.filter((b) => b.state === 'dropped' && labelOf(b) !== labelOf(a));
        expect(
          others.some((b) => meets(p, { x: b.x2 - 4, y: b.y2 - 4, w: 8, h: 8 })),
          a.text!.s,
        ).toBe(false);
      }
    });

  it('keys the letters on the lanes in view, as an election goes, in the run’s words', () => {
    const scene = partitioned(600, 260);
    // n1 became a pre-candidate as the window began: its P is in view, and so is its key.
    expect(rolesInView(scene.marks)).toEqual(['precandidate']);
    const mark = (role: string) => ({ node: 'n1', x: 0, y: 0, t: 0, kind: 'role' as const, text: role, role });
    const roles = rolesInView([
      mark('follower'),
      mark('leader'),
      mark('pre-candidate'),
      mark('candidate'),
      mark('leader'),
    ]);
    expect(roles).toEqual(['precandidate', 'candidate', 'leader', 'follower']);
    expect(roleKey(roles, false).map((k) => `${k.letter} ${k.word}`)).toEqual([
      'P pre-candidate',
      'C candidate',
      'L leader',
      'F follower',
    ]);
    expect(roleKey(['candidate'], true)[0]!.word).toBe('candidate (phase 1)');
    expect(rolesInView([])).toEqual([]);
  });

  it('says nothing is left out when every label found room', () => {
    expect(labelsNote({ shown: 3, folded: 0, crowded: 0 })).toBe('');
    expect(labelsNote({ shown: 1, folded: 1, crowded: 4 })).toBe('labels: 1 repeat as "(N times)" · 4 hidden: zoom in');
  });
});
