/**
 * The topology's colours and glyphs, and the WCAG arithmetic that keeps them readable:
 * every node state has its own hue and a glyph (so colour is never the only cue), every
 * text colour is chosen for its fill by contrast ratio, and the legend lists the same
 * table the graph draws from.
 */

/** NodeState is what a node's fill says: its role while up, or why it is not. */
export type NodeState = 'leader' | 'follower' | 'candidate' | 'precandidate' | 'learner' | 'paused' | 'down';

/** NODE_STATES lists the states in the legend's order. */
export const NODE_STATES: readonly NodeState[] = [
  'leader',
  'follower',
  'candidate',
  'precandidate',
  'learner',
  'paused',
  'down',
];

/** STATE_FILLS maps a node state to its fill: distinct hues, not only distinct shades. */
export const STATE_FILLS: Record<NodeState, string> = {
  leader: '#f59e0b',
  follower: '#2563eb',
  candidate: '#9333ea',
  precandidate: '#f472b6',
  learner: '#0d9488',
  paused: '#cbd5e1',
  down: '#3f3f46',
};

/**
 * STATE_GLYPHS marks the states a learner must tell apart without colour (★ is the
 * cluster's leader). Paused is ❚❚ rather than ⏸, which common Linux fonts lack.
 */
export const STATE_GLYPHS: Record<NodeState, string> = {
  leader: '★',
  follower: '',
  candidate: '!',
  precandidate: '?',
  learner: 'L',
  paused: '❚❚',
  down: '✕',
};

/** STATE_MEANING is the legend's one-line explanation of each state. */
export const STATE_MEANING: Record<NodeState, string> = {
  leader: 'leader (★ = the one the cluster follows)',
  follower: 'follower',
  candidate: 'candidate: asking for votes',
  precandidate: 'pre-candidate: checking it could win',
  learner: 'learner (L, dotted ring): copies the log, does not vote',
  paused: 'paused (SIGSTOP): answers nothing',
  down: 'down (crashed)',
};

/**
 * PICKED_COLOR marks what the event selected in the timeline (or a replay tick) concerns: a
 * square drawn behind each of its nodes, its links drawn thick in the same colour.
 */
export const PICKED_COLOR = '#38bdf8';

/** PICKED_LABEL / PICKED_MEANING are the legend's words for that square (shown while something is picked). */
export const PICKED_LABEL = 'in the selected event';
export const PICKED_MEANING =
  'a square behind a node (and a thick blue link): what the event selected in the timeline concerns (✕ under the timeline clears it)';

/** MESSAGE_KINDS lists the message kinds the graph animates, in the legend's order. */
export const MESSAGE_KINDS = ['vote', 'append', 'heartbeat', 'snapshot', 'client', 'other'] as const;

/** MESSAGE_COLORS maps a message kind to its dot colour (each at least 3:1 against the canvas). */
export const MESSAGE_COLORS: Record<(typeof MESSAGE_KINDS)[number], string> = {
  vote: '#c084fc',
  append: '#22c55e',
  heartbeat: '#94a3b8',
  snapshot: '#f472b6',
  client: '#22d3ee',
  other: '#e5e7eb',
};

/** MESSAGE_MEANING is the legend's label of each message kind. */
export const MESSAGE_MEANING: Record<(typeof MESSAGE_KINDS)[number], string> = {
  vote: 'vote request/reply',
  append: 'log append',
  heartbeat: 'heartbeat',
  snapshot: 'snapshot',
  client: 'client/read',
  other: 'other',
};

/** DROPPED_COLOR colours a dropped message (a diamond that stops half-way). */
export const DROPPED_COLOR = '#ef4444';

/** CANVAS_BG is the graph panel's background (var(--panel)). */
export const CANVAS_BG = '#111827';
/** CHIP_BG is the background of labels drawn over the graph (term/commit, zones, walls, links). */
export const CHIP_BG = '#0b1120';
/** DARK_TEXT / LIGHT_TEXT are the two text colours a fill may get. */
export const DARK_TEXT = '#0b1120';
export const LIGHT_TEXT = '#ffffff';
/** QUORUM_OK / QUORUM_NO colour a zone's quorum label on CHIP_BG. */
export const QUORUM_OK = '#4ade80';
export const QUORUM_NO = '#f87171';
/** WALL_COLOR draws the partition wall and its label. */
export const WALL_COLOR = '#f87171';
/** RULE_TEXT colours a link rule's label (latency, loss, cut) on CHIP_BG. */
export const RULE_TEXT = '#fbbf24';
/** CHIP_TEXT colours term/commit chips on CHIP_BG. */
export const CHIP_TEXT = '#e5e7eb';

/** rgbOf reads #rrggbb (or #rgb) into 0..255 channels. */
export function rgbOf(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!m) throw new Error(`not a hex colour: ${hex}`);
  let h = m[1]!;
  if (h.length === 3) h = [...h].map((c) => c + c).join('');
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
}

/** relativeLuminance is WCAG 2's relative luminance of an sRGB colour. */
export function relativeLuminance([r, g, b]: readonly [number, number, number]): number {
  const lin = (c: number): number => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

/** contrastRatio is WCAG 2's contrast ratio of two colours (1..21); AA asks 4.5 for text, 3 for graphics. */
export function contrastRatio(a: string, b: string): number {
  const la = relativeLuminance(rgbOf(a));
  const lb = relativeLuminance(rgbOf(b));
  return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
}

/** textOn picks the text colour (dark or white) that contrasts most with `fill`. */
export function textOn(fill: string): string {
  return contrastRatio(fill, DARK_TEXT) >= contrastRatio(fill, LIGHT_TEXT) ? DARK_TEXT : LIGHT_TEXT;
}

/** labOf converts an sRGB colour to CIE L*a*b* (D65). */
export function labOf(hex: string): [number, number, number] {
  const lin = rgbOf(hex).map((c) => {
    const s = c / 255;
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const [r, g, b] = lin;
  const xyz = [
    (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
    0.2126 * r + 0.7152 * g + 0.0722 * b,
    (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
  ].map((t) => (t > 216 / 24389 ? Math.cbrt(t) : ((24389 / 27) * t + 16) / 116)) as [number, number, number];
  const [fx, fy, fz] = xyz;
  return [116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)];
}

/** deltaE is the CIE76 distance between two colours: about 2.3 is barely noticeable; 30+ reads as another colour. */
export function deltaE(a: string, b: string): number {
  const la = labOf(a);
  const lb = labOf(b);
  return Math.hypot(la[0] - lb[0], la[1] - lb[1], la[2] - lb[2]);
}
