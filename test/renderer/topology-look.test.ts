/**
 * The graph a learner reads: WCAG contrast for every text colour on every fill it sits on,
 * node states that differ by more than a shade, each node's glyph and chip, the partition
 * drawn as one wall between zones (links it cuts hidden), one-way cuts marked on the
 * right end.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterNode, ClusterView } from '../../src-main/api/contract';
import {
  CANVAS_BG,
  CHIP_BG,
  CHIP_TEXT,
  DROPPED_COLOR,
  MESSAGE_COLORS,
  NODE_STATES,
  QUORUM_NO,
  QUORUM_OK,
  RULE_TEXT,
  STATE_FILLS,
  WALL_COLOR,
  contrastRatio,
  deltaE,
  textOn,
} from '../../src-renderer/src/composables/topology-colors';
import { edgeLook, nodeLook, wallsBetween } from '../../src-renderer/src/composables/topology-overlay';
import { viewAt } from '../../src-renderer/src/model/replay';

function node(id: string, over: Partial<ClusterNode> = {}): ClusterNode {
  return {
    id,
    status: 'up',
    role: 'follower',
    term: 3,
    commitIndex: 17,
    lastApplied: 17,
    lastIndex: 17,
    leader: 'n1',
    vote: 'n1',
    pid: 1,
    damaged: false,
    served: 0,
    inflight: 0,
    weight: 1,
    ...over,
  };
}

function view(nodes: ClusterNode[], over: Partial<ClusterView> = {}): ClusterView {
  const ids = nodes.map((n) => n.id);
  return {
    protocol: 'raft',
    settings: { nodes: ids.length, protocol: 'raft', heartbeatMs: 50, electionMs: 300, seed: 1 },
    nodes,
    links: [],
    groups: [ids],
    balance: { algorithm: 'leader-only', weights: {} },
    timeScale: 1,
    runStartedAt: 1,
    leader: null,
    ...over,
  };
}

describe('contrast', () => {
  it('computes WCAG 2 contrast ratios', () => {
    expect(contrastRatio('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrastRatio('#fff', '#fff')).toBeCloseTo(1, 5);
    // #767676 is the lightest grey that passes AA on white.
    expect(contrastRatio('#767676', '#ffffff')).toBeGreaterThanOrEqual(4.5);
    expect(contrastRatio('#777777', '#ffffff')).toBeLessThan(4.5);
    // The old leader label: white on amber.
    expect(contrastRatio('#ffffff', '#f59e0b')).toBeCloseTo(2.15, 1);
  });

  it.each(NODE_STATES)('the %s fill and its text colour meet AA (4.5:1)', (state) => {
    const fill = STATE_FILLS[state];
    expect(contrastRatio(fill, textOn(fill))).toBeGreaterThanOrEqual(4.5);
  });

  it('every label drawn on the graph meets AA on its chip', () => {
    for (const text of [CHIP_TEXT, QUORUM_OK, QUORUM_NO, RULE_TEXT, WALL_COLOR])
      expect(contrastRatio(text, CHIP_BG), text).toBeGreaterThanOrEqual(4.5);
  });

  it('message dots stand out from the canvas (3:1, for graphics)', () => {
    for (const c of [...Object.values(MESSAGE_COLORS), DROPPED_COLOR])
      expect(contrastRatio(c, CANVAS_BG), c).toBeGreaterThanOrEqual(3);
  });

  it('no two node states look alike (CIE76 ΔE ≥ 36; the old pre-candidate/paused pair was 31)', () => {
    // The old fills a user could not tell apart: lavender pre-candidate, slate paused.
    expect(deltaE('#c4b5fd', '#94a3b8')).toBeLessThan(36);
    for (const a of NODE_STATES)
      for (const b of NODE_STATES) {
        if (a >= b) continue;
        const d = deltaE(STATE_FILLS[a], STATE_FILLS[b]);
        expect(d, `${a} vs ${b}: ΔE ${d.toFixed(1)}`).toBeGreaterThanOrEqual(36);
      }
  });
});

describe('node look', () => {
  it('marks the cluster leader with a star, a stale leader without, and states that need it with a glyph', () => {
    const v = view(
      [
        node('n1', { role: 'leader', term: 4 }),
        node('n2', { role: 'leader', term: 3 }),
        node('n3', { status: 'paused' }),
        node('n4', { role: 'precandidate' }),
        node('n5', { status: 'down', role: null }),
      ],
      { leader: 'n1' },
    );
    const looks = v.nodes.map((n) => nodeLook(v, n));
    expect(looks.map((l) => [l.id, l.state, l.glyph])).toEqual([
      ['n1', 'leader', '★'],
      ['n2', 'leader', ''],
      ['n3', 'paused', '❚❚'],
      ['n4', 'precandidate', '?'],
      ['n5', 'down', '✕'],
    ]);
    expect(looks[0]!.chip).toBe('T4 · C17');
    expect(looks[4]!.chip).toBe('down');
  });

  it("shows a candidate's votes in its chip", () => {
    const v = view([
      node('n1', { role: 'candidate', term: 5, vote: 'n1' }),
      node('n2', { term: 5, vote: 'n1' }),
      node('n3', { term: 4 }),
    ]);
    expect(nodeLook(v, v.nodes[0]!).chip).toBe('T5 · votes 2, need 2');
  });

  it('names the host a remote node runs on, and says when none has joined', () => {
    const v = view([
      node('n1'),
      node('n2', { remote: true, host: 'lab-pc-2' }),
      node('n3', { remote: true, host: null, status: 'down', role: null }),
    ]);
    expect(v.nodes.map((n) => nodeLook(v, n).host)).toEqual([null, '@ lab-pc-2', '@ ? (not joined)']);
  });
});

describe('partition wall and link marks', () => {
  it('puts one wall in each gap between neighbouring zones', () => {
    expect(wallsBetween([{ x1: 0, x2: 100, y1: 10, y2: 90 }])).toEqual([]);
    expect(
      wallsBetween([
        { x1: 300, x2: 400, y1: 0, y2: 120 },
        { x1: 0, x2: 100, y1: 10, y2: 90 },
      ]),
    ).toEqual([{ x: 200, top: 0, bottom: 120 }]);
    expect(
      wallsBetween([
        { x1: 0, x2: 100, y1: 0, y2: 50 },
        { x1: 200, x2: 300, y1: 0, y2: 50 },
        { x1: 400, x2: 500, y1: 0, y2: 50 },
      ]).map((w) => w.x),
    ).toEqual([150, 350]);
  });

  it('hides links the partition cuts and marks a one-way cut at the end that hears nothing', () => {
    const v = view([node('n1'), node('n2'), node('n3')], {
      groups: [['n1'], ['n2', 'n3']],
      links: [
        { from: 'n1', to: 'n2', latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, blocked: true },
        { from: 'n3', to: 'n2', latencyMs: 0, jitterMs: 0, loss: 0, duplicate: 0, blocked: true },
      ],
    });
    expect(edgeLook(v, 'n1', 'n2', false)).toEqual({ cls: ['across'], label: '' });
    expect(edgeLook(v, 'n2', 'n3', true)).toEqual({ cls: ['oneway', 'reverse'], label: 'n3→n2 cut' });
    const both = view([node('n1'), node('n2')], {
      links: [
        { from: 'n1', to: 'n2', latencyMs: 200, jitterMs: 0, loss: 0, duplicate: 0, blocked: true },
        { from: 'n2', to: 'n1', latencyMs: 200, jitterMs: 0, loss: 0, duplicate: 0, blocked: true },
      ],
    });
    expect(edgeLook(both, 'n1', 'n2', true)).toEqual({ cls: ['cut', 'ruled'], label: 'cut 200ms' });
  });

  it('a replayed partition is rebuilt with its cuts, as the live lab lists them', () => {
    const run = {
      settings: { nodes: 5, protocol: 'raft' as const, heartbeatMs: 50, electionMs: 300, seed: 1 },
      history: [],
      log: [
        { t: 1, seq: 1, kind: 'link-rule', from: 'n1', to: 'n3', latencyMs: 200, both: false },
        {
          t: 2,
          seq: 2,
          kind: 'partition',
          groups: [
            ['n1', 'n2'],
            ['n3', 'n4', 'n5'],
          ],
        },
        { t: 3, seq: 3, kind: 'heal' },
      ],
    };
    const cut = viewAt(run, 2);
    const blocked = cut.links.filter((l) => l.blocked);
    expect(blocked).toHaveLength(12);
    expect(cut.links.find((l) => l.from === 'n1' && l.to === 'n3')).toMatchObject({ latencyMs: 200, blocked: true });
    expect(cut.links.some((l) => l.blocked && l.from === 'n1' && l.to === 'n2')).toBe(false);
    expect(viewAt(run, 3).links).toEqual([]);
  });
});
