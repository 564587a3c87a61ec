/**
 * The scenario report's "Who led when" strip: when steps start close together (a crash,
 * then an election a few milliseconds later), their numbers above the strip must still be
 * readable — no two labels overlap, every step is named once (close ones share a label
 * such as "4–6"), and the same run gives the same strip.
 */
import { describe, expect, it } from 'vitest';
import { LABEL_CHAR_PX, roleStrip, stepLabels } from '../../src-main/scenario/report-html';
import type { RunReport, StepReport } from '../../src-main/scenario/report-types';
import type { Sample } from '../../src-main/scenario/target';

function step(index: number, startedAt: number): StepReport {
  return {
    index,
    kind: 'wait',
    did: `step number ${index + 1}`,
    say: null,
    look: null,
    startedAt,
    endedAt: startedAt + 5,
    lines: [],
    checks: [],
    skipped: null,
  };
}

function report(starts: number[]): RunReport {
  return {
    scenario: 'quick',
    title: 'Quick leadership changes',
    target: 'sim',
    protocol: 'raft',
    seed: 1,
    unsafe: {},
    passed: true,
    stopped: false,
    steps: starts.map((t, i) => step(i, t)),
    closing: [],
    durationMs: 10_000,
  };
}

interface Label {
  x: number;
  y: number;
  text: string;
}

/** labelsOf reads the step labels (the 9 px texts) of a strip, with their text outside any <title>. */
function labelsOf(svg: string): Label[] {
  const out: Label[] = [];
  for (const m of svg.matchAll(/<text([^>]*font-size="9"[^>]*)>([\s\S]*?)<\/text>/g)) {
    const x = Number(/ x="([\d.]+)"/.exec(m[1]!)![1]);
    const y = Number(/ y="([\d.]+)"/.exec(m[1]!)![1]);
    out.push({ x, y, text: m[2]!.replace(/<title>[\s\S]*?<\/title>/g, '') });
  }
  return out;
}

/** overlaps says whether two centred labels on the same row overlap. */
function overlaps(a: Label, b: Label): boolean {
  if (a.y !== b.y) return false;
  const ha = (a.text.length * LABEL_CHAR_PX) / 2;
  const hb = (b.text.length * LABEL_CHAR_PX) / 2;
  return Math.abs(a.x - b.x) < ha + hb;
}

/** named lists the step numbers a label text stands for ("4", "4,5", "4–7"). */
function named(text: string): number[] {
  const range = /^(\d+)–(\d+)$/.exec(text);
  if (range) {
    const out: number[] = [];
    for (let n = Number(range[1]); n <= Number(range[2]); n++) out.push(n);
    return out;
  }
  return text.split(',').map(Number);
}

const samples: Sample[] = [
  { t: 0, node: 'n1', status: 'up', role: 'leader', term: 1, commit: 1 },
  { t: 0, node: 'n2', status: 'up', role: 'follower', term: 1, commit: 1 },
];

describe('the Who led when strip', () => {
  // A calm start, then leadership changing every few milliseconds, then calm again, over a 10 s run.
  const starts = [0, 1000, 2000, 2010, 2020, 2030, 2045, 2050, 2400, 2430, 6000, 9990, 9995];

  it('labels quick steps without overlap, naming every step exactly once', () => {
    const labels = labelsOf(roleStrip(samples, ['n1', 'n2'], report(starts)));
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++)
        expect(overlaps(labels[i]!, labels[j]!), `${labels[i]!.text} and ${labels[j]!.text}`).toBe(false);
    const all = labels.flatMap((l) => named(l.text)).sort((a, b) => a - b);
    expect(all).toEqual(starts.map((_, i) => i + 1));
    // Calm steps keep a label of their own.
    expect(labels.map((l) => l.text)).toEqual(expect.arrayContaining(['1', '2', '11']));
    // Every label stays inside the picture.
    for (const l of labels) {
      expect(l.x - (l.text.length * LABEL_CHAR_PX) / 2).toBeGreaterThanOrEqual(0);
      expect(l.x + (l.text.length * LABEL_CHAR_PX) / 2).toBeLessThanOrEqual(900);
    }
  });

  it('gives the same labels for the same run', () => {
    const a = roleStrip(samples, ['n1', 'n2'], report(starts));
    expect(roleStrip(samples, ['n1', 'n2'], report(starts))).toBe(a);
  });

  it('keeps one label per step when steps are far apart', () => {
    const far = [0, 1000, 2000, 3000, 4000];
    expect(labelsOf(roleStrip(samples, ['n1'], report(far))).map((l) => l.text)).toEqual(['1', '2', '3', '4', '5']);
  });

  it('names a hundred steps in one instant with one label', () => {
    const xs = Array.from({ length: 100 }, () => 300);
    const labels = stepLabels(
      xs,
      xs.map((_, i) => i + 1),
      { left: 40, right: 896 },
    );
    expect(labels.map((l) => l.text)).toEqual(['1–100']);
  });
});
