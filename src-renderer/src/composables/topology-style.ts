/**
 * topologyStyle is the Cytoscape stylesheet: node states by fill, the cluster's leader
 * outstanding, zones, link rules (messages in flight are drawn by message-dots.ts). The
 * canvas draws no text: every label (node ids, term/commit, zone quorums, the partition
 * wall, link rules) is an HTML overlay with a fixed CSS size (topology-overlay.ts), so it
 * stays readable at every zoom.
 */
import type { StylesheetJson } from 'cytoscape';
import { PICKED_COLOR, STATE_FILLS } from './topology-colors';

/** NODE_SIZE is a member node's diameter in model units (the cluster's leader is drawn larger). */
export const NODE_SIZE = 56;
/** LEADER_SIZE is the cluster leader's diameter in model units. */
export const LEADER_SIZE = 66;

export const topologyStyle: StylesheetJson = [
  {
    selector: 'node.zone',
    style: {
      'background-color': '#1e293b',
      'background-opacity': 0.45,
      'border-color': '#475569',
      'border-width': 2,
      'border-style': 'dashed',
      shape: 'round-rectangle',
      padding: '26px',
      label: '',
      events: 'no',
    },
  },
  { selector: 'node.zone.no-quorum', style: { 'border-color': '#b91c1c', 'background-color': '#2a1215' } },
  // A sharded cluster's group: a solid box (a dashed one is a partition zone), red without its own quorum.
  { selector: 'node.zone.shard-group', style: { 'border-style': 'solid', 'border-color': '#64748b', padding: '30px' } },
  {
    selector: 'node.zone.shard-group.no-quorum',
    style: { 'border-color': '#b91c1c', 'background-color': '#2a1215' },
  },
  {
    selector: 'node.member',
    style: {
      width: NODE_SIZE,
      height: NODE_SIZE,
      'z-index': 20,
      'background-color': STATE_FILLS.follower,
      'border-width': 2,
      'border-color': '#0f172a',
      label: '',
    },
  },
  ...Object.entries(STATE_FILLS).map(([state, color]) => ({
    selector: `node.member.${state}`,
    style: { 'background-color': color },
  })),
  {
    // The cluster's leader (ClusterView.leader); an old leader cut off in a minority only has the colour.
    selector: 'node.member.cluster-leader',
    style: { width: LEADER_SIZE, height: LEADER_SIZE, 'border-width': 5, 'border-color': '#fde68a' },
  },
  // A learner copies the log but has no vote: a dotted ring sets it apart from the voters.
  {
    selector: 'node.member.learner',
    style: { 'border-style': 'dotted', 'border-width': 4, 'border-color': '#5eead4' },
  },
  { selector: 'node.member.down', style: { 'border-style': 'dashed', 'border-color': '#ef4444', 'border-width': 3 } },
  { selector: 'node.member.paused', style: { 'border-style': 'double', 'border-width': 6, 'border-color': '#64748b' } },
  {
    // What the selected timeline event concerns: a square behind the node (the legend says so).
    selector: 'node.member.highlight',
    style: { 'underlay-color': PICKED_COLOR, 'underlay-opacity': 0.5, 'underlay-padding': 10 },
  },
  {
    selector: 'node.member:selected',
    style: { 'overlay-color': '#38bdf8', 'overlay-opacity': 0.3, 'overlay-padding': 6, 'overlay-shape': 'ellipse' },
  },
  {
    selector: 'edge.link',
    style: { width: 2, 'line-color': '#475569', 'curve-style': 'straight', label: '' },
  },
  // Links the partition cuts are not drawn: the wall between the zones says it once.
  { selector: 'edge.link.across', style: { display: 'none' } },
  { selector: 'edge.link.ruled', style: { 'line-color': '#f59e0b', width: 3 } },
  { selector: 'edge.link.cut', style: { 'line-color': '#ef4444', 'line-style': 'dashed', width: 3 } },
  {
    selector: 'edge.link.oneway',
    style: {
      'line-color': '#ef4444',
      'line-style': 'dotted',
      width: 3,
      'target-arrow-shape': 'tee',
      'target-arrow-color': '#ef4444',
    },
  },
  {
    selector: 'edge.link.oneway.reverse',
    style: { 'target-arrow-shape': 'none', 'source-arrow-shape': 'tee', 'source-arrow-color': '#ef4444' },
  },
  { selector: 'edge.link.dim', style: { opacity: 0.3 } },
  { selector: 'edge.link.highlight', style: { 'line-color': PICKED_COLOR, width: 5, opacity: 1 } },
  { selector: 'edge.link:selected', style: { 'line-color': '#38bdf8', width: 5 } },
  // A shard on its way: a dashed arrow from the source group's box to the destination's.
  {
    selector: 'edge.shard-move',
    style: {
      width: 3,
      'line-color': '#22d3ee',
      'line-style': 'dashed',
      'line-dash-pattern': [8, 6],
      // Arced below the row of boxes, so it never runs through a group between the two.
      'curve-style': 'unbundled-bezier',
      'control-point-distances': [360],
      'control-point-weights': [0.5],
      'target-arrow-shape': 'triangle',
      'target-arrow-color': '#22d3ee',
      'z-index': 30,
      events: 'no',
      label: '',
    },
  },
  // Messages in flight are not graph elements: ./message-dots.ts draws them on their own canvas.
];
