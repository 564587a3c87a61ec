/**
 * useTopology owns the Cytoscape graph: the only place `cy` lives. It is kept out of Vue
 * reactivity (a plain variable), draws whatever ClusterView it is given as a diff inside
 * one cy.batch(), puts nodes in partition zones (compound nodes) with move({parent}),
 * turns a drag into a partition request, animates messages from run-log records (on a
 * canvas of their own, ./message-dots.ts, so the graph is redrawn only when it changes),
 * refits when its container changes size, and hands the HTML overlay (labels, quorum tags,
 * the partition wall) the rendered positions at most once per animation frame.
 */
import cytoscape, { type Core, type EdgeSingular, type EventObject, type NodeSingular } from 'cytoscape';
import type { ClusterView, RunLogRecord } from '../../../src-main/api/contract';
import { zonesOf } from '../../../src-main/api/quorum';
import { shardGroupOf, type ShardsView } from '../../../src-main/api/shards';
import { deliveryDelayMs } from '../../../src-main/api/slow-motion';
import { msgKindOf, num } from '../model/records';
import { createMessageDots, type MessageDots } from './message-dots';
import {
  EMPTY_OVERLAY,
  edgeLook,
  nodeLook,
  wallsBetween,
  wallText,
  zoneTags,
  type OverlayModel,
  type OverlayZone,
} from './topology-overlay';
import { NODE_SIZE, topologyStyle } from './topology-style';
import {
  boxId,
  groupBoxes,
  groupColumns,
  groupDropTarget,
  groupLayout,
  shardMoveEdges,
  type GroupBox,
} from './topology-groups';

export { ruleText } from './topology-overlay';

/** TopologyHandlers are what the graph asks of its owner (the component passes store actions). */
export interface TopologyHandlers {
  selectNode(id: string | null): void;
  selectLink(l: { from: string; to: string } | null): void;
  /** moveNode: the user dropped `id` into zone `target`, or onto empty canvas ('new'). */
  moveNode(id: string, target: number | 'new'): void;
  /** canDrag: false while replaying (a saved run cannot be partitioned). */
  canDrag(): boolean;
  /** overlay receives what to draw over the canvas, in container pixels. */
  overlay(m: OverlayModel): void;
  /** hover: the pointer is over node `id` (null: over none). */
  hover(id: string | null): void;
  /** menu: a right-click at container pixel `at`, on node `id` (null: on the background). */
  menu?(at: { x: number; y: number }, id: string | null): void;
}

declare global {
  interface Window {
    __quorumLab?: { cy: Core; flying: () => number };
  }
}

const NODE_R = NODE_SIZE / 2;
const ZONE_PAD = 30;
/** FIT_PAD leaves room around the zones for their labels and the wall's. */
const FIT_PAD = 34;
/** BOXES_FIT_PAD: a sharded cluster's boxes leave room above them for the partition banner. */
const BOXES_FIT_PAD = 42;
/** MAX_FIT_ZOOM keeps a small cluster on a big screen from being drawn huge. */
const MAX_FIT_ZOOM = 1.6;
/** MAX_ANIM_MS caps one message's flight on screen (0.001× would otherwise take 30 s). */
const MAX_ANIM_MS = 10_000;

/** layoutPositions places zones left to right and each zone's nodes on a small circle. */
export function layoutPositions(groups: readonly string[][]): Map<string, { x: number; y: number }> {
  const pos = new Map<string, { x: number; y: number }>();
  const radii = groups.map((g) => (g.length <= 1 ? 0 : g.length === 2 ? 70 : 60 + 18 * g.length));
  let x = 0;
  groups.forEach((g, i) => {
    const r = radii[i]!;
    if (i > 0) x += radii[i - 1]! + r + 2 * (NODE_R + ZONE_PAD) + 80;
    g.forEach((id, j) => {
      const a = -Math.PI / 2 + (2 * Math.PI * j) / Math.max(1, g.length);
      pos.set(id, { x: x + r * Math.cos(a), y: r * Math.sin(a) });
    });
  });
  return pos;
}

function edgeId(a: string, b: string): string {
  return a < b ? `link:${a}:${b}` : `link:${b}:${a}`;
}

/** TopologyHighlight names the nodes and (directed) links to mark; a link is drawn marked whichever way it was named. */
export interface TopologyHighlight {
  nodes: readonly string[];
  links: readonly { from: string; to: string }[];
}

/** Topology is the handle the component keeps. */
export interface Topology {
  render(view: ClusterView | null): void;
  /** setShards gives a sharded cluster's shard map (each group box's shards, the moves on their way); null: none known. */
  setShards(shards: ShardsView | null): void;
  /** setDraggable turns dragging nodes on (live) or off (replaying a saved run). */
  setDraggable(on: boolean): void;
  animateMessage(r: RunLogRecord): void;
  /** highlight marks the nodes and links an event concerns (the shared cursor's highlight); empty clears. */
  highlight(h: TopologyHighlight): void;
  fit(): void;
  /** resize re-reads the container's size and refits the graph into it. */
  resize(): void;
  destroy(): void;
}

/** useTopology mounts a graph in `container`, with its messages in flight drawn on `dotsCanvas` (laid over it). */
export function useTopology(container: HTMLElement, h: TopologyHandlers, dotsCanvas: HTMLCanvasElement): Topology {
  // Plain variable on purpose: Vue must never proxy Cytoscape's internals.
  const cy: Core = cytoscape({
    container,
    style: topologyStyle,
    wheelSensitivity: 0.3,
    minZoom: 0.2,
    maxZoom: 3,
    boxSelectionEnabled: false,
    autoungrabify: false,
  });
  const dots: MessageDots = createMessageDots(dotsCanvas, {
    zoom: () => cy.zoom(),
    pan: () => cy.pan(),
    covers: () => cy.nodes('.member').map((n) => ({ ...n.position(), r: n.outerWidth() / 2 })),
    where: (id) => {
      const n = cy.getElementById(id);
      return n.empty() ? null : { ...n.position() };
    },
  });
  window.__quorumLab = { cy, flying: () => dots.flying() };
  let structure = '';
  let laid = new Map<string, { x: number; y: number }>();
  let groups: string[][] = [];
  let current: ClusterView | null = null;
  let overlayFrame = 0;
  /** boxes: a sharded cluster's group boxes (topology-groups.ts says why they replace the zones there); null: one group. */
  let boxes: GroupBox[] | null = null;
  let shards: ShardsView | null = null;

  /** renderZones draws the boxes: the partition zones of one group, or the groups of a sharded cluster. */
  function renderZones(view: ClusterView): void {
    const tags = zoneTags(view);
    const want = boxes
      ? boxes.map((b) => ({ id: b.id, ok: b.ok, cls: 'zone shard-group' }))
      : groups.map((_g, i) => ({ id: `zone-${i}`, ok: tags[i]?.ok !== false, cls: 'zone' }));
    for (const z of want) {
      if (cy.getElementById(z.id).empty()) cy.add({ group: 'nodes', data: { id: z.id }, classes: z.cls });
      cy.getElementById(z.id).classes(`${z.cls}${z.ok ? '' : ' no-quorum'}`);
    }
    const ids = new Set(want.map((z) => z.id));
    cy.nodes('.zone').forEach((z) => {
      if (!ids.has(z.id())) z.remove();
    });
  }

  /** parentOf is the box node `id` sits in. */
  function parentOf(id: string): string | null {
    if (boxes) {
      const b = boxes.find((x) => x.members.includes(id));
      return b ? b.id : null;
    }
    return `zone-${groups.findIndex((g) => g.includes(id))}`;
  }

  function renderMembers(view: ClusterView): void {
    const ids = view.nodes.map((n) => n.id);
    for (const n of view.nodes) {
      const parent = parentOf(n.id);
      const el = cy.getElementById(n.id);
      if (el.empty())
        cy.add({
          group: 'nodes',
          data: { id: n.id, ...(parent === null ? {} : { parent }) },
          position: laid.get(n.id) ?? { x: 0, y: 0 },
        });
      else if ((el.data('parent') ?? null) !== parent) el.move({ parent });
      // Look it up again: move() re-creates the element. The node the view names as
      // leader stands out; another that still believes it leads keeps only the colour.
      const look = nodeLook(view, n);
      const keep = cy.getElementById(n.id).hasClass('highlight') ? ' highlight' : '';
      cy.getElementById(n.id).classes(`member ${look.state}${look.clusterLeader ? ' cluster-leader' : ''}${keep}`);
    }
    cy.nodes('.member').forEach((el) => {
      if (!ids.includes(el.id())) el.remove();
    });
  }

  function renderLinks(view: ClusterView): void {
    const ids = view.nodes.map((n) => n.id);
    const zoneOf = new Map<string, number>();
    groups.forEach((g, i) => g.forEach((id) => zoneOf.set(id, i)));
    const wanted = new Set<string>();
    // In a sharded cluster only the nodes of one group talk to each other.
    const shardGroup = shardGroupOf(view.settings);
    for (let i = 0; i < ids.length; i++)
      for (let j = i + 1; j < ids.length; j++) {
        const [a, b] = ids[i]! < ids[j]! ? [ids[i]!, ids[j]!] : [ids[j]!, ids[i]!];
        if (shardGroup.get(a) !== shardGroup.get(b)) continue;
        const id = edgeId(a, b);
        wanted.add(id);
        // A sharded cluster draws the links a partition cuts (topology-groups.ts says why).
        const across = zoneOf.get(a) !== zoneOf.get(b);
        const ruled = edgeLook(view, a, b, boxes !== null || !across);
        // A link the partition cuts needs no "cut" label of its own: the banner names the partition.
        const look = boxes && across ? { ...ruled, label: '' } : ruled;
        let e = cy.getElementById(id);
        if (e.empty()) e = cy.add({ group: 'edges', data: { id, source: a, target: b, label: look.label } });
        // Setting data repaints the graph even when the value is the same: only a change is written.
        else if (e.data('label') !== look.label) e.data('label', look.label);
        const keep = e.hasClass('highlight') ? ['highlight'] : [];
        e.classes(['link', ...look.cls, ...keep].join(' '));
      }
    cy.edges('.link').forEach((e) => {
      if (!wanted.has(e.id())) e.remove();
    });
  }

  /** renderMoves draws each shard on its way as a dashed arrow between two group boxes. */
  function renderMoves(): void {
    const moves = boxes ? shardMoveEdges(shards) : [];
    for (const m of moves) {
      if (cy.getElementById(m.source).empty() || cy.getElementById(m.target).empty()) continue;
      if (cy.getElementById(m.id).empty()) cy.add({ group: 'edges', data: { ...m }, classes: 'shard-move' });
    }
    const ids = new Set(moves.map((m) => m.id));
    cy.edges('.shard-move').forEach((e) => {
      if (!ids.has(e.id())) e.remove();
    });
  }

  function render(view: ClusterView | null): void {
    current = view;
    if (!view) {
      cy.elements().remove();
      structure = '';
      scheduleOverlay();
      return;
    }
    groups = zonesOf(view);
    boxes = groupBoxes(view, shards);
    cy.batch(() => {
      // Zones first, so nodes can move into them.
      renderZones(view);
      renderMembers(view);
      renderLinks(view);
      renderMoves();
    });
    // A sharded cluster is laid out by its groups, which a partition does not change.
    // Its grid follows the graph's shape (groupColumns), so a resize may lay it out again.
    const cols = boxes ? groupColumns(boxes.length, container.clientWidth, container.clientHeight) : 0;
    const key = JSON.stringify(boxes ? [cols, boxes.map((b) => b.members)] : groups);
    if (key !== structure) {
      structure = key;
      laid = boxes
        ? groupLayout(
            boxes.map((b) => b.members),
            cols,
          )
        : layoutPositions(groups);
      for (const [id, p] of laid) cy.getElementById(id).position(p);
      fit();
    }
    scheduleOverlay();
  }

  function fit(): void {
    const els = cy.nodes('.member, .zone');
    if (els.empty()) return;
    // A sharded cluster's partition banner sits over the top of the graph: leave it room.
    cy.fit(els, boxes ? BOXES_FIT_PAD : FIT_PAD);
    if (cy.zoom() > MAX_FIT_ZOOM) {
      cy.zoom(MAX_FIT_ZOOM);
      cy.center(els);
    }
  }

  function resize(): void {
    // Cytoscape caches its container's size: without resize() a fit uses the old size.
    cy.resize();
    dots.resize();
    if (boxes && current) render(current);
    fit();
    scheduleOverlay();
  }

  /** overlayModel reads the rendered positions of what the overlay labels. */
  function overlayModel(): OverlayModel {
    const view = current;
    if (!view) return EMPTY_OVERLAY;
    const nodes = view.nodes.flatMap((n) => {
      const el = cy.getElementById(n.id);
      if (el.empty()) return [];
      const p = el.renderedPosition();
      return [{ ...nodeLook(view, n), x: p.x, y: p.y, r: el.renderedWidth() / 2 }];
    });
    const tags = boxes ?? zoneTags(view);
    const zones: OverlayZone[] = tags.flatMap((t, i) => {
      const z = cy.getElementById(boxes ? boxId(boxes[i]!.group) : `zone-${i}`);
      if (z.empty()) return [];
      const b = z.renderedBoundingBox({ includeLabels: false, includeOverlays: false });
      return [{ label: t.label, ok: t.ok, members: t.members, box: { x1: b.x1, x2: b.x2, y1: b.y1, y2: b.y2 } }];
    });
    const edges = cy
      .edges('.link, .shard-move')
      .filter((e) => e.data('label') !== '' && !e.hasClass('across'))
      .map((e: EdgeSingular) => {
        const m = e.renderedMidpoint();
        return { id: e.id(), x: m.x, y: m.y, label: String(e.data('label')) };
      });
    // Walls stand between zones; a sharded cluster's boxes are groups, so its partition is named in a banner.
    if (boxes) return { nodes, zones, walls: [], wallLabel: null, banner: wallText(view), edges };
    return {
      nodes,
      zones,
      walls: wallsBetween(zones.map((z) => z.box)),
      wallLabel: wallText(view),
      banner: null,
      edges,
    };
  }

  /** scheduleOverlay recomputes the overlay once, on the next animation frame. */
  function scheduleOverlay(): void {
    if (overlayFrame !== 0) return;
    overlayFrame = requestAnimationFrame(() => {
      overlayFrame = 0;
      h.overlay(overlayModel());
    });
  }

  /** zoneAt finds the zone whose members (other than `id`) surround the model point p. */
  function zoneAt(p: { x: number; y: number }, id: string): number | null {
    for (let i = 0; i < groups.length; i++) {
      const members = groups[i]!.filter((m) => m !== id);
      if (members.length === 0) continue;
      const xs = members.map((m) => laid.get(m)?.x ?? 0);
      const ys = members.map((m) => laid.get(m)?.y ?? 0);
      const pad = NODE_R + ZONE_PAD;
      if (
        p.x >= Math.min(...xs) - pad &&
        p.x <= Math.max(...xs) + pad &&
        p.y >= Math.min(...ys) - pad &&
        p.y <= Math.max(...ys) + pad
      )
        return i;
    }
    return null;
  }

  /** groupTarget: a sharded cluster's drop (groupDropTarget), inside or outside the node's own group box. */
  function groupTarget(p: { x: number; y: number }, id: string): number | 'new' | null {
    const members = boxes?.find((b) => b.members.includes(id))?.members ?? [];
    const peers = members.filter((m) => m !== id);
    const pad = NODE_R + ZONE_PAD;
    const xs = peers.map((m) => laid.get(m)?.x ?? 0);
    const ys = peers.map((m) => laid.get(m)?.y ?? 0);
    const inside =
      peers.length > 0 &&
      p.x >= Math.min(...xs) - pad &&
      p.x <= Math.max(...xs) + pad &&
      p.y >= Math.min(...ys) - pad &&
      p.y <= Math.max(...ys) + pad;
    return groupDropTarget(groups, members, id, inside);
  }

  cy.on('tap', 'node.member', (e: EventObject) => h.selectNode((e.target as NodeSingular).id()));
  cy.on('tap', 'edge.link', (e: EventObject) => {
    const edge = e.target;
    h.selectLink({ from: edge.data('source') as string, to: edge.data('target') as string });
  });
  cy.on('tap', (e: EventObject) => {
    if (e.target === cy) {
      h.selectNode(null);
      h.selectLink(null);
    }
  });
  // A right-click (or a long press) opens the partition presets, for that node or for the whole cluster.
  cy.on('cxttap', (e: EventObject) => {
    const onNode =
      e.target !== cy && (e.target as NodeSingular).isNode?.() && (e.target as NodeSingular).hasClass('member');
    h.menu?.(e.renderedPosition, onNode ? (e.target as NodeSingular).id() : null);
  });
  cy.on('mouseover', 'node.member', (e: EventObject) => h.hover((e.target as NodeSingular).id()));
  cy.on('mouseout', 'node.member', () => h.hover(null));
  cy.on('grab', 'node.member', () => h.hover(null));
  // Pan, zoom and drags move what the overlay labels.
  cy.on('viewport', scheduleOverlay);
  cy.on('position', 'node.member', scheduleOverlay);
  cy.on('dragfree', 'node.member', (e: EventObject) => {
    const n = e.target as NodeSingular;
    const id = n.id();
    const p = n.position();
    const own = groups.findIndex((g) => g.includes(id));
    const target = boxes ? groupTarget(p, id) : (zoneAt(p, id) ?? 'new');
    // Snap back at once: the graph only shows a new zone once the lab has cut the links.
    const home = laid.get(id);
    if (home) n.position(home);
    if (target === null || target === own || !h.canDrag()) return;
    h.moveNode(id, target);
  });

  /** flightMs is how long a message is drawn in flight: as long as the router holds it in slow motion. */
  function flightMs(r: RunLogRecord): number {
    const scale = current?.timeScale ?? 1;
    const rule = current?.links.find((l) => l.from === r.from && l.to === r.to);
    const latency = num(r, 'latencyMs') ?? rule?.latencyMs ?? 0;
    if (scale < 1) return Math.min(MAX_ANIM_MS, deliveryDelayMs(latency, scale));
    // In real time a loopback message takes a fraction of a millisecond: draw it long enough to see.
    return Math.min(2000, 350 + latency / scale);
  }

  function animateMessage(r: RunLogRecord): void {
    if (r.kind !== 'send' && r.kind !== 'drop') return;
    const from = cy.getElementById(String(r.from));
    const to = cy.getElementById(String(r.to));
    if (from.empty() || to.empty()) return;
    const a = from.position();
    const b = to.position();
    const dropped = r.kind === 'drop';
    dots.add({
      link: `${String(r.from)}>${String(r.to)}`,
      from: { ...a },
      to: dropped ? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } : { ...b },
      kind: msgKindOf(r),
      dropped,
      ms: dropped ? 350 : flightMs(r),
      ends: { from: String(r.from), to: String(r.to), half: dropped },
    });
  }

  function highlight(h: TopologyHighlight): void {
    cy.batch(() => {
      cy.elements('.highlight').removeClass('highlight');
      for (const id of h.nodes) cy.getElementById(id).addClass('highlight');
      for (const l of h.links) cy.getElementById(edgeId(l.from, l.to)).addClass('highlight');
    });
  }

  return {
    render,
    setShards(v: ShardsView | null) {
      shards = v;
      if (current && groupBoxes(current, null)) render(current);
    },
    setDraggable(on: boolean) {
      cy.autoungrabify(!on);
    },
    animateMessage,
    highlight,
    fit() {
      fit();
      scheduleOverlay();
    },
    resize,
    destroy() {
      if (overlayFrame !== 0) cancelAnimationFrame(overlayFrame);
      dots.destroy();
      cy.destroy();
      if (window.__quorumLab?.cy === cy) delete window.__quorumLab;
    },
  };
}
