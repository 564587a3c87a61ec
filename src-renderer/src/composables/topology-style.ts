/** topologyStyle is the Cytoscape stylesheet: roles by colour, the cluster's leader outstanding, zones, link rules, messages. */
import type { StylesheetJson } from 'cytoscape';

/** ROLE_COLORS maps a node's displayed role to its fill (also used by the legend). */
export const ROLE_COLORS: Record<string, string> = {
  leader: '#f59e0b',
  candidate: '#a855f7',
  precandidate: '#c4b5fd',
  follower: '#3b82f6',
  learner: '#14b8a6',
  down: '#4b5563',
  paused: '#94a3b8',
};

/** MESSAGE_COLORS maps a message kind to its dot colour. */
export const MESSAGE_COLORS: Record<string, string> = {
  vote: '#a855f7',
  append: '#22c55e',
  heartbeat: '#64748b',
  snapshot: '#ec4899',
  client: '#06b6d4',
  other: '#e5e7eb',
};

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
      padding: '30px',
      label: 'data(label)',
      color: '#94a3b8',
      'font-size': 12,
      'text-valign': 'top',
      'text-halign': 'center',
      'text-margin-y': -4,
    },
  },
  {
    selector: 'node.member',
    style: {
      width: 56,
      height: 56,
      'z-index': 20,
      'background-color': ROLE_COLORS.follower!,
      'border-width': 2,
      'border-color': '#0f172a',
      label: 'data(label)',
      'text-wrap': 'wrap',
      'text-valign': 'center',
      'text-halign': 'center',
      color: '#fff',
      'font-size': 11,
      'font-weight': 'bold',
      'text-outline-color': '#0f172a',
      'text-outline-width': 1,
    },
  },
  ...Object.entries(ROLE_COLORS).map(([role, color]) => ({
    selector: `node.member.${role}`,
    style: { 'background-color': color },
  })),
  {
    // The cluster's leader (ClusterView.leader); an old leader cut off in a minority only has the colour.
    selector: 'node.member.cluster-leader',
    style: { width: 70, height: 70, 'border-width': 5, 'border-color': '#fde68a', 'font-size': 12 },
  },
  { selector: 'node.member.down', style: { 'border-style': 'dashed', 'border-color': '#ef4444', color: '#e5e7eb' } },
  { selector: 'node.member.paused', style: { 'border-style': 'double', 'border-width': 5, 'border-color': '#e2e8f0' } },
  {
    selector: 'node.member:selected',
    style: { 'overlay-color': '#38bdf8', 'overlay-opacity': 0.3, 'overlay-padding': 6, 'overlay-shape': 'ellipse' },
  },
  {
    selector: 'edge.link',
    style: {
      width: 2,
      'line-color': '#475569',
      'curve-style': 'straight',
      label: 'data(label)',
      'text-wrap': 'wrap',
      'font-size': 10,
      color: '#fbbf24',
      'text-background-color': '#0f172a',
      'text-background-opacity': 0.85,
      'text-background-padding': '2px',
    },
  },
  { selector: 'edge.link.ruled', style: { 'line-color': '#f59e0b', width: 3 } },
  { selector: 'edge.link.cut', style: { 'line-color': '#ef4444', 'line-style': 'dashed', opacity: 0.6 } },
  {
    selector: 'edge.link.oneway',
    style: {
      'line-color': '#ef4444',
      'line-style': 'dotted',
      'target-arrow-shape': 'tee',
      'source-arrow-shape': 'tee',
      'target-arrow-color': '#ef4444',
      'source-arrow-color': '#ef4444',
    },
  },
  { selector: 'edge.link.dim', style: { opacity: 0.25 } },
  { selector: 'edge.link:selected', style: { 'line-color': '#38bdf8', width: 5 } },
  {
    selector: 'node.msg',
    // Under the nodes, so a message emerges from its sender's edge rather than covering labels.
    style: { width: 9, height: 9, 'border-width': 0, label: '', events: 'no', 'z-index': 1 },
  },
  ...Object.entries(MESSAGE_COLORS).map(([kind, color]) => ({
    selector: `node.msg.${kind}`,
    style: { 'background-color': color },
  })),
  { selector: 'node.msg.dropped', style: { 'background-color': '#ef4444', shape: 'diamond' } },
];
