/**
 * What the graph writes over the canvas, decided from a ClusterView (pure): each node's
 * state, glyph and chip ("T4 · C17", or a candidate's "T9 · votes 2, need 3"), each zone's quorum label,
 * the partition wall (one wall between neighbouring zones, one label naming the groups),
 * and each link's rule label and drawing class. useTopology places these at the rendered
 * positions; TopologyOverlay.vue draws them as HTML with fixed CSS sizes.
 */
import { formatBandwidth, formatBytes } from '../../../src-main/api/bandwidth';
import type { ClusterNode, ClusterView, LinkRule } from '../../../src-main/api/contract';
import {
  voteTally,
  votersOf,
  zoneLabel,
  zoneQuorums,
  partitionText,
  type VoteTally,
} from '../../../src-main/api/quorum';
import { groupLeaderIds } from '../model/shard-groups';
import { wordsOf } from '../model/protocol-words';
import { STATE_FILLS, STATE_GLYPHS, textOn, type NodeState } from './topology-colors';

/** stateOf is what a node's fill shows: down or paused first, else its role. */
export function stateOf(n: Pick<ClusterNode, 'status' | 'role'>): NodeState {
  if (n.status === 'down') return 'down';
  if (n.status === 'paused') return 'paused';
  return n.role ?? 'follower';
}

/** NodeLook is how one node is drawn: fill, text colour, glyph, and the chip under it. */
export interface NodeLook {
  id: string;
  state: NodeState;
  fill: string;
  text: string;
  glyph: string;
  /** chip: "T4 · C17" (term, commit index; Paxos: "B2.n3 · C17", ballot); a candidate's shows its votes and the majority it needs ("T9 · votes 2, need 3"; Paxos: promises); a down node's says so. */
  chip: string;
  clusterLeader: boolean;
  /** host: where a node on another host runs ("@ lab-pc-2"; "@ ? (not joined)" before its agent attached); null for the lab's own. */
  host: string | null;
}

/** nodeLook decides how node `n` of `view` is drawn. */
export function nodeLook(view: ClusterView, n: ClusterNode): NodeLook {
  const state = stateOf(n);
  // In a sharded cluster every group has a leader of its own, and each is the one its group follows.
  const leaders = groupLeaderIds(view);
  const clusterLeader = leaders ? leaders.has(n.id) : n.id === view.leader;
  // A leader cut off in a minority keeps the colour but not the star: the cluster does not follow it.
  const glyph = state === 'leader' && !clusterLeader ? '' : STATE_GLYPHS[state];
  const w = wordsOf(view.protocol);
  const term = `${w.short}${w.num(n.term)}`;
  let chip = `${term} · C${n.commitIndex}`;
  const tally = voteTally(view, n.id);
  // "votes 2/3" read as "2 of 3 nodes" in a 5-node cluster: name what the second number is.
  if (tally) chip = `${term} · ${w.votes} ${tally.granted.length}, need ${tally.needed}`;
  if (state === 'down') chip = 'down';
  const fill = STATE_FILLS[state];
  const host = n.remote ? `@ ${n.host ?? '? (not joined)'}` : null;
  return { id: n.id, state, fill, text: textOn(fill), glyph, chip, clusterLeader, host };
}

/** tallyText is a candidate's votes in its hover card, in the timeline's words: "n1, n2 — 2 of 5, 3 needed". */
export function tallyText(view: Pick<ClusterView, 'nodes' | 'config'>, tally: VoteTally): string {
  const who = tally.granted.length > 0 ? tally.granted.join(', ') : 'none';
  return `${who} — ${tally.granted.length} of ${votersOf(view).length}, ${tally.needed} needed`;
}

/** Box is a rendered bounding box (CSS pixels inside the graph container). */
export interface Box {
  x1: number;
  x2: number;
  y1: number;
  y2: number;
}

/** Wall is one vertical segment of the partition wall. */
export interface Wall {
  x: number;
  top: number;
  bottom: number;
}

/** wallsBetween puts one wall in the gap between each pair of neighbouring zones (zones are laid out left to right). */
export function wallsBetween(zones: readonly Box[]): Wall[] {
  if (zones.length < 2) return [];
  const sorted = [...zones].sort((a, b) => a.x1 - b.x1);
  const top = Math.min(...sorted.map((z) => z.y1));
  const bottom = Math.max(...sorted.map((z) => z.y2));
  const walls: Wall[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const left = sorted[i - 1]!;
    const right = sorted[i]!;
    walls.push({ x: (left.x2 + right.x1) / 2, top, bottom });
  }
  return walls;
}

/** ZoneTag is a zone's quorum label, e.g. "3/5 · has quorum". */
export interface ZoneTag {
  label: string;
  ok: boolean;
  members: string[];
}

/** zoneTags labels the zones of a view, in zone order (the order useTopology numbers them). */
export function zoneTags(view: ClusterView): ZoneTag[] {
  return zoneQuorums(view).map((z) => ({ label: zoneLabel(z), ok: z.hasQuorum, members: z.members }));
}

/** wallText is the partition wall's label, or null when there is no partition. */
export function wallText(view: ClusterView): string | null {
  return partitionText(view);
}

function pct(p: number): string {
  return `${Math.round(p * 1000) / 10}%`;
}

/** ruleText renders one directed rule as a short label ("200±50ms 10% loss"). */
export function ruleText(r: LinkRule): string {
  const parts: string[] = [];
  if (r.blocked) parts.push('cut');
  if (r.latencyMs > 0) parts.push(`${r.latencyMs}${r.jitterMs > 0 ? `±${r.jitterMs}` : ''}ms`);
  if (r.loss > 0) parts.push(`${pct(r.loss)} loss`);
  if (r.duplicate > 0) parts.push(`${pct(r.duplicate)} dup`);
  if ((r.bandwidth ?? 0) > 0) parts.push(formatBandwidth(r.bandwidth ?? 0));
  // What waits on a slow link is what makes a follower fall behind: show it while it is there.
  if (r.queue && r.queue.messages > 0) parts.push(`[${formatBytes(r.queue.bytes)} · ${r.queue.messages} queued]`);
  return parts.join(' ');
}

/** EdgeLook is how the link between a and b (a < b) is drawn: its classes and label. */
export interface EdgeLook {
  cls: string[];
  label: string;
}

/**
 * edgeLook draws the pair a–b (a < b). A pair in different zones is cut by the partition:
 * the wall says so, so the link is hidden ('across') and its own rules are not repeated.
 * Within a zone a link blocked both ways is 'cut', one way 'oneway' (with 'reverse' when
 * b→a is the blocked direction); a delayed or lossy link is 'ruled'; a link to a node
 * that is not up is 'dim'.
 */
export function edgeLook(view: ClusterView, a: string, b: string, sameZone: boolean): EdgeLook {
  if (!sameZone) return { cls: ['across'], label: '' };
  const ab = view.links.find((l) => l.from === a && l.to === b);
  const ba = view.links.find((l) => l.from === b && l.to === a);
  const ta = ab ? ruleText(ab) : '';
  const tb = ba ? ruleText(ba) : '';
  const cls: string[] = [];
  if (ab?.blocked && ba?.blocked) cls.push('cut');
  else if (ab?.blocked) cls.push('oneway');
  else if (ba?.blocked) cls.push('oneway', 'reverse');
  const slowed = [ab, ba].some(
    (l) => l !== undefined && (l.latencyMs > 0 || l.loss > 0 || l.duplicate > 0 || (l.bandwidth ?? 0) > 0),
  );
  if (slowed) cls.push('ruled');
  let label: string;
  if (ta !== '' && ta === tb) label = ta;
  else
    label = [ta !== '' ? `${a}→${b} ${ta}` : '', tb !== '' ? `${b}→${a} ${tb}` : ''].filter((s) => s !== '').join('\n');
  if (view.nodes.some((n) => (n.id === a || n.id === b) && n.status !== 'up')) cls.push('dim');
  return { cls, label };
}

/** OverlayNode is a node's look at its rendered place (r: rendered radius). */
export interface OverlayNode extends NodeLook {
  x: number;
  y: number;
  r: number;
}

/** OverlayZone is a zone's tag at its rendered box. */
export interface OverlayZone extends ZoneTag {
  box: Box;
}

/** OverlayEdge is a link label at its rendered midpoint. */
export interface OverlayEdge {
  id: string;
  x: number;
  y: number;
  label: string;
}

/** OverlayModel is everything the HTML overlay draws, in container pixels. */
export interface OverlayModel {
  nodes: OverlayNode[];
  zones: OverlayZone[];
  walls: Wall[];
  wallLabel: string | null;
  /** banner: the partition of a sharded cluster, named once over the graph (its boxes are groups, not zones). */
  banner: string | null;
  edges: OverlayEdge[];
}

/** EMPTY_OVERLAY draws nothing. */
export const EMPTY_OVERLAY: OverlayModel = {
  nodes: [],
  zones: [],
  walls: [],
  wallLabel: null,
  banner: null,
  edges: [],
};

/** TAG_MARGIN keeps a label this many pixels clear of the graph area's edges. */
export const TAG_MARGIN = 4;

/**
 * tagLeft places a label of `width` px centred on `center`, shifted just enough to stay
 * inside [TAG_MARGIN, areaWidth − TAG_MARGIN]: a zone holding one node is narrower than its
 * "1/5 · no quorum", and centred over a node near the edge the tag would run off the graph.
 * A label wider than the area starts at the left margin (its start is what reads first).
 */
export function tagLeft(center: number, width: number, areaWidth: number): number {
  const left = center - width / 2;
  if (areaWidth <= 0) return left;
  return Math.max(TAG_MARGIN, Math.min(left, areaWidth - TAG_MARGIN - width));
}

/** guessTagWidth is a label's width before it is measured (11 px bold text, its padding and border). */
export function guessTagWidth(label: string): number {
  return label.length * 6.6 + 12;
}
