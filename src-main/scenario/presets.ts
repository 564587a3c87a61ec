/**
 * Partition presets: the shapes of network failure people draw on whiteboards, computed
 * for a concrete cluster. A preset becomes either partition groups (every link between
 * groups cut both ways) or a list of directed cuts, for the shapes groups cannot express:
 *
 * - halves: a majority and a minority — n1..n⌊N/2⌋ | the rest;
 * - isolate-leader / isolate <node>: one node alone | the rest;
 * - bridge <node>: the others split into two halves that cannot hear each other, and the
 *   bridge node hears both (both halves plus the bridge are majorities for N = 5);
 * - majorities-ring: nodes on a ring, each hears only its nearest neighbours — as many
 *   as make a majority with itself — so every node sees a majority, and no two see the
 *   same one (N >= 5);
 * - one-way <from> <to>: messages from → to are lost, to → from still arrive.
 *
 * Pure: the lab (LabService.partitionPreset), the simulator target and the tests share it.
 */
import type { NodeId } from '../core/types';
import type { Preset } from './types';

/** PresetCuts is what a preset does: groups to partition into, or directed links to cut. */
export type PresetCuts = { groups: NodeId[][] } | { cuts: [NodeId, NodeId][] };

/** PresetArgs are a preset's nodes (already resolved to ids). */
export interface PresetArgs {
  /** leader: the current leader (isolate-leader). */
  leader?: NodeId | null;
  node?: NodeId;
  from?: NodeId;
  to?: NodeId;
}

/** presetCuts computes a preset for the nodes `ids` (in ring order); throws an Error saying what is missing. */
export function presetCuts(preset: Preset, ids: readonly NodeId[], a: PresetArgs = {}): PresetCuts {
  const known = (id: NodeId | undefined | null, what: string): NodeId => {
    if (!id) throw new Error(`${preset} needs ${what}`);
    if (!ids.includes(id)) throw new Error(`${preset}: unknown node ${id} (have ${ids.join(', ')})`);
    return id;
  };
  switch (preset) {
    case 'halves': {
      if (ids.length < 2) throw new Error('halves needs at least 2 nodes');
      const k = Math.floor(ids.length / 2);
      return { groups: [ids.slice(0, k), ids.slice(k)] };
    }
    case 'isolate-leader': {
      const l = known(a.leader, 'a leader (there is none now)');
      return { groups: [[l], ids.filter((id) => id !== l)] };
    }
    case 'isolate': {
      const n = known(a.node, 'a node');
      return { groups: [[n], ids.filter((id) => id !== n)] };
    }
    case 'bridge':
      return { cuts: bridgeCuts(ids, known(a.node, 'the bridge node')) };
    case 'majorities-ring':
      return { cuts: ringCuts(ids) };
    case 'one-way': {
      const from = known(a.from, 'from');
      const to = known(a.to, 'to');
      if (from === to) throw new Error('one-way needs two different nodes');
      return { cuts: [[from, to]] };
    }
  }
}

/** bridgeCuts splits the nodes other than `bridge` into two halves and cuts every link between them. */
function bridgeCuts(ids: readonly NodeId[], bridge: NodeId): [NodeId, NodeId][] {
  if (ids.length < 3) throw new Error('bridge needs at least 3 nodes');
  const others = ids.filter((id) => id !== bridge);
  const k = Math.ceil(others.length / 2);
  return crossCuts(others.slice(0, k), others.slice(k));
}

function crossCuts(a: readonly NodeId[], b: readonly NodeId[]): [NodeId, NodeId][] {
  const out: [NodeId, NodeId][] = [];
  for (const x of a) {
    for (const y of b) {
      out.push([x, y]);
      out.push([y, x]);
    }
  }
  return out;
}

/**
 * ringReach is how many neighbours on each side a node of an N-ring must hear so that it
 * and they form a majority: 2d + 1 >= ⌊N/2⌋ + 1.
 */
export function ringReach(n: number): number {
  return Math.ceil(Math.floor(n / 2) / 2);
}

/** ringCuts cuts, both ways, every link between nodes further apart on the ring than ringReach. */
function ringCuts(ids: readonly NodeId[]): [NodeId, NodeId][] {
  const n = ids.length;
  if (n < 5) throw new Error('majorities-ring needs at least 5 nodes');
  const d = ringReach(n);
  const out: [NodeId, NodeId][] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dist = Math.min(Math.abs(i - j), n - Math.abs(i - j));
      if (i !== j && dist > d) out.push([ids[i]!, ids[j]!]);
    }
  }
  return out;
}

/**
 * hearsFrom returns, for each node, the set of nodes it hears from (itself included),
 * given directed cuts `from>to` (a partition's group cuts included) — what the preset
 * tests check, and the `isolated` condition reads.
 */
export function hearsFrom(
  ids: readonly NodeId[],
  cut: (from: NodeId, to: NodeId) => boolean,
): Map<NodeId, Set<NodeId>> {
  const out = new Map<NodeId, Set<NodeId>>();
  for (const to of ids) out.set(to, new Set(ids.filter((from) => from === to || !cut(from, to))));
  return out;
}

/** cutPredicate turns PresetCuts into a predicate `cut(from, to)`. */
export function cutPredicate(p: PresetCuts): (from: NodeId, to: NodeId) => boolean {
  if ('groups' in p) {
    const groupOf = new Map<NodeId, number>();
    p.groups.forEach((g, i) => g.forEach((id) => groupOf.set(id, i)));
    return (from, to) => {
      const a = groupOf.get(from);
      const b = groupOf.get(to);
      return a !== undefined && b !== undefined && a !== b;
    };
  }
  const set = new Set(p.cuts.map(([f, t]) => `${f}>${t}`));
  return (from, to) => set.has(`${from}>${to}`);
}

/** describePreset says in words what a preset did, for narration and the console. */
export function describePreset(preset: Preset, p: PresetCuts, n: number, a: PresetArgs = {}): string {
  if ('groups' in p) return `partition ${p.groups.map((g) => `{${g.join(',')}}`).join(' | ')}`;
  switch (preset) {
    case 'bridge':
      return `bridge: ${a.node} hears both sides; ${p.cuts.length / 2} links cut between them`;
    case 'majorities-ring':
      return `majorities ring: each node hears only its ${2 * ringReach(n)} nearest neighbours; ${p.cuts.length / 2} links cut`;
    case 'one-way':
      return `one-way cut ${a.from} -> ${a.to}`;
    default:
      return `${preset}: ${p.cuts.length} links cut`;
  }
}
