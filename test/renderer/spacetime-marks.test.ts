/**
 * The Messages diagram's label plates keep off its marks. A leader's heartbeats fold into a
 * "♥4" just above each lane line, and an answer that crosses two lanes has its label in the
 * middle — on the lane between, over its ♥N counts, where a newcomer could read neither; the
 * ♥N counts sat on the ✕ of dropped heartbeats too. Now a ♥N moves off a ✕, and a label
 * moves along its arrow, beside it, or into the "hidden: zoom in" count.
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import type { Scene } from '../../src-main/report/spacetime';
import { crossBox, foldBox, type Box } from '../../src-main/report/spacetime-labels';
import { CHAR_PX } from '../../src-main/report/spacetime-scene';
import { labelPlate } from '../../src-main/report/spacetime-svg';
import { MS, layoutTwoSeconds } from './spacetime-run';

/**
 * heartbeats is 2 s of a 5-node run led by n1 (at `width`×`height`): n1's heartbeats every
 * 50 ms, answered by n2 n3 n4; n5 is cut off, so n1's heartbeats to it and its answers to n1
 * are dropped; every 300 ms n1 appends to n3, which answers (a label across the n2 lane).
 */
function heartbeats(width: number, height: number, orientation: 'horizontal' | 'vertical' = 'horizontal'): Scene {
  const recs: RunLogRecord[] = [];
  let id = 0;
  const send = (
    tMs: number,
    from: string,
    to: string,
    msgKind: string,
    label: string,
    drop: boolean,
    took = 6,
  ): void => {
    const base = { id: ++id, from, to, type: msgKind, msgKind, term: 2 };
    recs.push({ t: tMs * MS, seq: 0, kind: 'send', ...base, label });
    recs.push(
      drop
        ? { t: (tMs + 3) * MS, seq: 0, kind: 'drop', ...base, reason: 'partition' }
        : { t: (tMs + took) * MS, seq: 0, kind: 'deliver', ...base },
    );
  };
  for (let t = 0; t < 2000; t += 50) {
    for (const to of ['n2', 'n3', 'n4', 'n5']) send(t, 'n1', to, 'heartbeat', 'Heartbeat t2', to === 'n5');
    for (const from of ['n2', 'n3', 'n4', 'n5'])
      send(t + 8, from, 'n1', 'heartbeat', 'HeartbeatResp t2', from === 'n5');
  }
  for (let t = 20; t < 2000; t += 300) {
    send(t, 'n1', 'n3', 'append', `AppendEntries t2 [${t}] c=${t}`, false, 30);
    send(t + 60, 'n3', 'n1', 'append', `AppendResp t2 → ok, match ${300 + t}`, false, 30);
  }
  return layoutTwoSeconds(recs, width, height, orientation);
}

/** wider is a box 2 px wider each side (two ♥N counts closer than that read as one: "♥20♥16"). */
const wider = (b: Box): Box => ({ ...b, x0: b.x0 - 2, x1: b.x1 + 2 });
const meets = (a: Box, b: Box): boolean => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;

/** plates are the scene's label plates as drawn (CHAR_PX a character), as boxes. */
const plates = (scene: Scene): { s: string; box: Box }[] =>
  scene.arrows
    .filter((a) => a.text !== null)
    .map((a) => {
      const p = labelPlate(a.text!.x, a.text!.y, a.text!.s.length * CHAR_PX);
      return { s: a.text!.s, box: { x0: p.x, y0: p.y, x1: p.x + p.w, y1: p.y + p.h } };
    });

describe('the space-time diagram’s labels and its ♥N and ✕ marks', () => {
  const sizes = [
    [300, 190, 'horizontal'],
    [420, 200, 'horizontal'],
    [640, 260, 'horizontal'],
    [300, 420, 'vertical'],
  ] as const;

  for (const [w, h, o] of sizes)
    it(`no label plate covers a ♥N count or a ✕ (${w}×${h}, ${o})`, () => {
      const scene = heartbeats(w, h, o);
      const folds = scene.folds.map((f) => ({ s: `♥${f.count} of ${f.node}`, box: foldBox(f) }));
      const crosses = scene.arrows.filter((a) => a.state === 'dropped').map((a) => crossBox(a));
      expect(folds.length).toBeGreaterThan(10);
      expect(crosses.length).toBeGreaterThan(10);
      const ps = plates(scene);
      // The answers across the n2 lane are labelled where they find room, or counted as hidden.
      expect(ps.some((p) => p.s.startsWith('AppendResp')) || scene.labels.crowded > 0).toBe(true);
      for (const p of ps) {
        for (const f of folds) expect(meets(p.box, f.box), `"${p.s}" over ${f.s}`).toBe(false);
        for (const c of crosses) expect(meets(p.box, c), `"${p.s}" over a ✕`).toBe(false);
      }
    });

  it('labels the answers crossing a lane of ♥N counts, clear of them, when there is room', () => {
    const scene = heartbeats(640, 260);
    const resp = plates(scene).filter((p) => p.s.startsWith('AppendResp'));
    expect(resp.length).toBeGreaterThan(0);
    const n2 = scene.lanes.find((l) => l.node === 'n2')!;
    // Centred on its arrow, the plate would cover the n2 lane's ♥N (drawn 2–12 px above the line).
    for (const p of resp) expect(p.box.y1 <= n2.y1 - 12 || p.box.y0 >= n2.y1 - 2, p.s).toBe(true);
  });

  for (const [w, h, o] of sizes)
    it(`no ♥N count sits on a ✕ or against another count (${w}×${h}, ${o})`, () => {
      const scene = heartbeats(w, h, o);
      const crosses = scene.arrows.filter((a) => a.state === 'dropped').map((a) => crossBox(a));
      const boxes = scene.folds.map((f) => ({ s: `♥${f.count} of ${f.node} at ${f.t0 / MS} ms`, box: foldBox(f) }));
      for (const f of boxes) for (const c of crosses) expect(meets(f.box, c), `${f.s} over a ✕`).toBe(false);
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++)
          expect(meets(wider(boxes[i]!.box), boxes[j]!.box), `${boxes[i]!.s} touches ${boxes[j]!.s}`).toBe(false);
    });

  it('moves a ♥N only when it would sit on a ✕, and the same way every time', () => {
    const a = heartbeats(420, 200);
    const b = heartbeats(420, 200);
    expect(a.folds.map((f) => [f.x, f.y])).toEqual(b.folds.map((f) => [f.x, f.y]));
    expect(a.arrows.map((x) => x.text)).toEqual(b.arrows.map((x) => x.text));
    // A count is drawn above its lane, centred on its interval, unless a ✕ is there.
    const lanes = new Map(a.lanes.map((l) => [l.node, l.y1]));
    const crosses = a.arrows.filter((x) => x.state === 'dropped').map((x) => crossBox(x));
    let moved = 0;
    for (const f of a.folds) {
      const x = a.plot.x + (((f.t0 + f.t1) / 2 - a.view.from) / (a.view.to - a.view.from)) * a.plot.w;
      const home = { x, y: lanes.get(f.node)!, count: f.count };
      const blocked = crosses.some((c) => meets(foldBox(home), c));
      if (blocked) moved++;
      else expect([f.x, f.y], `♥${f.count} of ${f.node} at ${f.t0 / MS} ms`).toEqual([home.x, home.y]);
    }
    // n1's heartbeats to the cut-off n5 end in a ✕ just above n3's lane: some of n3's counts moved.
    expect(moved).toBeGreaterThan(0);
  });
});
