/**
 * useTopology owns the Cytoscape graph: the only place `cy` lives. It is kept out of Vue
 * reactivity (a plain variable), draws whatever ClusterView it is given as a diff inside
 * one cy.batch(), puts nodes in partition zones (compound nodes) with move({parent}),
 * turns a drag into a partition request, and animates messages from run-log records.
 */
import cytoscape, { type Core, type EventObject, type NodeSingular } from 'cytoscape';
import type { ClusterNode, ClusterView, LinkRule, RunLogRecord } from '../../../src-main/api/contract';
import { msgKindOf, num } from '../model/records';
import { topologyStyle } from './topology-style';

/** TopologyHandlers are what the graph asks of its owner (the component passes store actions). */
export interface TopologyHandlers {
  selectNode(id: string | null): void;
  selectLink(l: { from: string; to: string } | null): void;
  /** moveNode: the user dropped `id` into zone `target`, or onto empty canvas ('new'). */
  moveNode(id: string, target: number | 'new'): void;
  /** canDrag: false while replaying (a saved run cannot be partitioned). */
  canDrag(): boolean;
}

declare global {
  interface Window {
    __quorumLab?: { cy: Core };
  }
}

const NODE_R = 28;
const ZONE_PAD = 34;
const MAX_FLYING = 24;
const MAX_NEW_PER_SECOND = 40;

/** layoutPositions places zones left to right and each zone's nodes on a small circle. */
export function layoutPositions(groups: readonly string[][]): Map<string, { x: number; y: number }> {
  const pos = new Map<string, { x: number; y: number }>();
  const radii = groups.map((g) => (g.length <= 1 ? 0 : g.length === 2 ? 70 : 60 + 18 * g.length));
  let x = 0;
  groups.forEach((g, i) => {
    const r = radii[i]!;
    if (i > 0) x += radii[i - 1]! + r + 2 * (NODE_R + ZONE_PAD) + 60;
    g.forEach((id, j) => {
      const a = -Math.PI / 2 + (2 * Math.PI * j) / Math.max(1, g.length);
      pos.set(id, { x: x + r * Math.cos(a), y: r * Math.sin(a) });
    });
  });
  return pos;
}

function roleClass(n: ClusterNode): string {
  if (n.status === 'down') return 'down';
  if (n.status === 'paused') return 'paused';
  return n.role ?? 'follower';
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
  return parts.join(' ');
}

function edgeId(a: string, b: string): string {
  return a < b ? `link:${a}:${b}` : `link:${b}:${a}`;
}

/** edgeLabel describes both directions of a pair; one-way rules name their direction. */
function edgeData(view: ClusterView, a: string, b: string): { label: string; cls: string[] } {
  const ab = view.links.find((l) => l.from === a && l.to === b);
  const ba = view.links.find((l) => l.from === b && l.to === a);
  const ta = ab ? ruleText(ab) : '';
  const tb = ba ? ruleText(ba) : '';
  const cls: string[] = [];
  if (ab?.blocked && ba?.blocked) cls.push('cut');
  else if (ab?.blocked || ba?.blocked) cls.push('oneway');
  if ((ab && ab.latencyMs > 0) || (ba && ba.latencyMs > 0) || (ab?.loss ?? 0) > 0 || (ba?.loss ?? 0) > 0)
    cls.push('ruled');
  let label: string;
  if (ta !== '' && ta === tb) label = ta;
  else
    label = [ta !== '' ? `${a}→${b} ${ta}` : '', tb !== '' ? `${b}→${a} ${tb}` : ''].filter((s) => s !== '').join('\n');
  const down = view.nodes.some((n) => (n.id === a || n.id === b) && n.status !== 'up');
  if (down) cls.push('dim');
  return { label, cls };
}

/** groupsOf returns the view's groups with every node in exactly one (stray nodes get their own). */
function groupsOf(view: ClusterView): string[][] {
  const ids = view.nodes.map((n) => n.id);
  const seen = new Set<string>();
  const groups = view.groups
    .map((g) => g.filter((id) => ids.includes(id) && !seen.has(id) && (seen.add(id), true)))
    .filter((g) => g.length > 0);
  const stray = ids.filter((id) => !seen.has(id));
  if (stray.length > 0) groups.push(stray);
  return groups;
}

/** Topology is the handle the component keeps. */
export interface Topology {
  render(view: ClusterView | null): void;
  /** setDraggable turns dragging nodes on (live) or off (replaying a saved run). */
  setDraggable(on: boolean): void;
  animateMessage(r: RunLogRecord): void;
  fit(): void;
  destroy(): void;
}

/** useTopology mounts a graph in `container`. */
export function useTopology(container: HTMLElement, h: TopologyHandlers): Topology {
  // Plain variable on purpose: Vue must never proxy Cytoscape's internals.
  const cy: Core = cytoscape({
    container,
    style: topologyStyle,
    wheelSensitivity: 0.3,
    minZoom: 0.3,
    maxZoom: 2,
    boxSelectionEnabled: false,
    autoungrabify: false,
  });
  window.__quorumLab = { cy };
  let structure = '';
  let laid = new Map<string, { x: number; y: number }>();
  let groups: string[][] = [];
  let flying = 0;
  let windowStart = 0;
  let windowCount = 0;
  let msgSeq = 0;

  function render(view: ClusterView | null): void {
    if (!view) {
      cy.elements().remove();
      structure = '';
      return;
    }
    groups = groupsOf(view);
    const ids = view.nodes.map((n) => n.id);
    cy.batch(() => {
      // Zones first, so nodes can move into them.
      groups.forEach((g, i) => {
        const zid = `zone-${i}`;
        const label = groups.length === 1 ? 'cluster' : `zone ${i + 1}`;
        if (cy.getElementById(zid).empty()) cy.add({ group: 'nodes', data: { id: zid, label }, classes: 'zone' });
        else cy.getElementById(zid).data('label', label);
      });
      for (const n of view.nodes) {
        const parent = `zone-${groups.findIndex((g) => g.includes(n.id))}`;
        const data = {
          id: n.id,
          label: n.status === 'down' ? `${n.id}\ndown` : `${n.id}\nT${n.term} · C${n.commitIndex}`,
          role: roleClass(n),
        };
        const el = cy.getElementById(n.id);
        if (el.empty()) {
          cy.add({ group: 'nodes', data: { ...data, parent }, position: laid.get(n.id) ?? { x: 0, y: 0 } });
        } else {
          el.data(data);
          if (el.data('parent') !== parent) el.move({ parent });
        }
        // Look it up again: move() re-creates the element. The node the view names as
        // leader stands out; another that still believes it leads keeps only the colour.
        cy.getElementById(n.id).classes(`member ${roleClass(n)}${n.id === view.leader ? ' cluster-leader' : ''}`);
      }
      cy.nodes('.member').forEach((el) => {
        if (!ids.includes(el.id())) el.remove();
      });
      cy.nodes('.zone').forEach((z) => {
        const i = Number(z.id().slice(5));
        if (i >= groups.length) z.remove();
      });
      const wanted = new Set<string>();
      for (let i = 0; i < ids.length; i++)
        for (let j = i + 1; j < ids.length; j++) {
          const a = ids[i]!;
          const b = ids[j]!;
          const id = edgeId(a, b);
          wanted.add(id);
          const { label, cls } = edgeData(view, a, b);
          let e = cy.getElementById(id);
          if (e.empty())
            e = cy.add({ group: 'edges', data: { id, source: a < b ? a : b, target: a < b ? b : a, label } });
          else e.data('label', label);
          e.classes(['link', ...cls].join(' '));
        }
      cy.edges('.link').forEach((e) => {
        if (!wanted.has(e.id())) e.remove();
      });
    });
    const key = JSON.stringify(groups);
    if (key !== structure) {
      structure = key;
      laid = layoutPositions(groups);
      for (const [id, p] of laid) cy.getElementById(id).position(p);
      fit();
    }
  }

  function fit(): void {
    cy.fit(cy.nodes('.member'), 110);
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
  cy.on('dragfree', 'node.member', (e: EventObject) => {
    const n = e.target as NodeSingular;
    const id = n.id();
    const p = n.position();
    const own = groups.findIndex((g) => g.includes(id));
    const target = zoneAt(p, id);
    // Snap back at once: the graph only shows a new zone once the lab has cut the links.
    const home = laid.get(id);
    if (home) n.position(home);
    if (target === own || !h.canDrag()) return;
    h.moveNode(id, target ?? 'new');
  });

  function animateMessage(r: RunLogRecord): void {
    if (r.kind !== 'send' && r.kind !== 'drop') return;
    const from = cy.getElementById(String(r.from));
    const to = cy.getElementById(String(r.to));
    if (from.empty() || to.empty()) return;
    const nowMs = Date.now();
    if (nowMs - windowStart > 1000) {
      windowStart = nowMs;
      windowCount = 0;
    }
    // Sampling: heavy traffic would drown the view (and the CPU); show a bounded share.
    if (flying >= MAX_FLYING || windowCount >= MAX_NEW_PER_SECOND) return;
    windowCount++;
    flying++;
    const kind = msgKindOf(r);
    const a = from.position();
    const b = to.position();
    const dropped = r.kind === 'drop';
    const end = dropped ? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } : b;
    const latency = num(r, 'latencyMs') ?? 0;
    const dot = cy.add({
      group: 'nodes',
      data: { id: `msg-${++msgSeq}` },
      position: { ...a },
      classes: `msg ${kind}${dropped ? ' dropped' : ''}`,
    });
    dot.ungrabify();
    dot.unselectify();
    dot.animate({ position: end }, { duration: Math.min(2000, 350 + latency), easing: 'ease-in-out-sine' });
    setTimeout(
      () => {
        dot.remove();
        flying--;
      },
      Math.min(2000, 350 + latency) + 30,
    );
  }

  return {
    render,
    setDraggable(on: boolean) {
      cy.autoungrabify(!on);
    },
    animateMessage,
    fit,
    destroy() {
      cy.destroy();
      if (window.__quorumLab?.cy === cy) delete window.__quorumLab;
    },
  };
}
