/**
 * How the graph draws a sharded cluster (pure; useTopology applies it). Each group — the
 * shard controller's and every replica group — is a box (a Cytoscape compound node)
 * holding its own nodes, labelled with its id, its shards and its own quorum
 * ("g2 · shards 3 4 7 · 3/3 ✓"); a shard on its way is marked in its destination's label
 * ("(7 ← g1)") and drawn as a dashed arrow from the source box to the destination's.
 *
 * Why groups and not partition zones are the boxes here: in a single-group cluster the
 * boxes are the partition zones, because a zone is what decides who can form a quorum.
 * In a sharded cluster every group forms its quorum among its own members only, so the
 * group is the unit a reader needs to see; a partition cuts across groups, and drawing
 * zones as boxes too would either nest a group inside several zones (one group drawn as
 * several boxes) or a zone inside several groups. So a partition there is drawn by what
 * it does inside each group: the links it cuts stay drawn (red, dashed), each box's
 * quorum says whether its group still has a majority on one side, and one banner names
 * the partition.
 */
import type { ClusterView } from '../../../src-main/api/contract';
import type { ShardsView } from '../../../src-main/api/shards';
import { groupHealth, type GroupHealth } from '../model/shard-groups';

/** GroupBox is one group's box: its compound node id, its members, its label and whether it has a quorum. */
export interface GroupBox {
  id: string;
  group: string;
  members: string[];
  label: string;
  ok: boolean;
}

/** ShardMoveEdge is a shard on its way: an arrow between two group boxes. */
export interface ShardMoveEdge {
  id: string;
  source: string;
  target: string;
  label: string;
}

/** boxId is the compound node id of group `g`'s box. */
export function boxId(g: string): string {
  return `sg-${g}`;
}

function shardList(g: GroupHealth, shards: ShardsView | null): string {
  if (!shards) return '';
  const mine = shards.shards.filter((s) => s.group === g.id);
  if (mine.length === 0) return ' · no shards';
  // A shard on its way is already the destination's in the configuration: say where it comes from.
  const text = mine.map((s) => (s.moving ? `(${s.shard} ← ${s.moving.from})` : String(s.shard)));
  return ` · shards ${text.join(' ')}`;
}

/** groupBoxes lists the boxes of a sharded view (null when the cluster is not sharded). */
export function groupBoxes(view: ClusterView, shards: ShardsView | null): GroupBox[] | null {
  const gs = groupHealth(view);
  if (!gs) return null;
  return gs.map((g) => {
    const q = `${g.quorum.best}/${g.quorum.total} ${g.quorum.ok ? '✓' : '✗'}`;
    // Labels keep a fixed CSS size over boxes that shrink with the graph: only what a box must say.
    const name = g.id === 'controller' ? 'controller' : g.id;
    const joined = shards?.groups.find((x) => x.id === g.id)?.joined ?? true;
    const label = `${name}${g.id === 'controller' ? '' : joined ? shardList(g, shards) : ' · not joined'} · ${q}`;
    return { id: boxId(g.id), group: g.id, members: g.nodes, label, ok: g.quorum.ok };
  });
}

/** shardMoveEdges lists the shards on their way, as arrows from the source's box to the destination's. */
export function shardMoveEdges(shards: ShardsView | null): ShardMoveEdge[] {
  if (!shards) return [];
  return shards.shards.flatMap((s) =>
    s.moving
      ? [
          {
            id: `move:${s.shard}`,
            source: boxId(s.moving.from),
            target: boxId(s.moving.to),
            label: `shard ${s.shard} → ${s.moving.to}`,
          },
        ]
      : [],
  );
}

/** GROUP_RADIUS is the radius of the circle a group's nodes sit on (model units). */
const GROUP_RADIUS = 64;
/** GROUP_STEP is the distance between neighbouring groups' centres (room for the boxes and their labels). */
const GROUP_STEP = 300;
/** GROUP_COLUMNS: at most this many boxes side by side, then the next row (8 boxes make two rows of four). */
const GROUP_COLUMNS = 4;

/** BOX_SPAN is a box's width and height with its padding and labels (model units), for choosing the grid. */
const BOX_SPAN = 250;

/** LABEL_ROOM is the on-screen distance (CSS px) box centres need so their labels (fixed CSS size) do not touch. */
const LABEL_ROOM = 200;

/**
 * groupColumns picks how many boxes stand side by side in a width × height graph: the grid
 * drawn largest, counting a grid whose box labels lack their room as smaller (labels have a
 * fixed CSS size, so a long row on a small screen would run them into each other).
 */
export function groupColumns(n: number, width: number, height: number): number {
  if (n <= 1 || width <= 0 || height <= 0) return Math.min(GROUP_COLUMNS, Math.max(1, n));
  const zoom = (c: number): number => {
    const rows = Math.ceil(n / c);
    return Math.min(width / ((c - 1) * GROUP_STEP + BOX_SPAN), height / ((rows - 1) * GROUP_STEP + BOX_SPAN));
  };
  // A grid whose labels would not have their room counts as drawn that much smaller.
  const score = (c: number): number => zoom(c) * Math.min(1, (zoom(c) * GROUP_STEP) / LABEL_ROOM);
  const all = Array.from({ length: Math.min(GROUP_COLUMNS, n) }, (_, i) => i + 1);
  return all.reduce((best, c) => (score(c) > score(best) ? c : best), 1);
}

/** groupLayout places the groups on a grid of `columns` (at most four), left to right, and each group's nodes on a small circle. */
export function groupLayout(
  groups: readonly string[][],
  columns = GROUP_COLUMNS,
): Map<string, { x: number; y: number }> {
  const pos = new Map<string, { x: number; y: number }>();
  const cols = Math.min(GROUP_COLUMNS, Math.max(1, columns), Math.max(1, groups.length));
  groups.forEach((g, i) => {
    const cx = (i % cols) * GROUP_STEP;
    const cy = Math.floor(i / cols) * GROUP_STEP;
    const r = g.length <= 1 ? 0 : GROUP_RADIUS;
    g.forEach((id, j) => {
      const a = -Math.PI / 2 + (2 * Math.PI * j) / Math.max(1, g.length);
      pos.set(id, { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a) });
    });
  });
  return pos;
}

/**
 * groupDropTarget decides what dropping node `id` does in a sharded cluster: outside its
 * group's box it is cut off alone ('new'); inside it, it goes back to the partition zone
 * where most of its group is (its own zone, or null, when that changes nothing). `inOwnBox` says where it was dropped.
 */
export function groupDropTarget(
  zones: readonly string[][],
  members: readonly string[],
  id: string,
  inOwnBox: boolean,
): number | 'new' | null {
  if (!inOwnBox) return 'new';
  // Its own zone wins a tie: a node already among as many of its group as anywhere stays put.
  const own = zones.findIndex((z) => z.includes(id));
  let best: number | null = own >= 0 ? own : null;
  let most = own >= 0 ? members.filter((m) => m !== id && zones[own]!.includes(m)).length : 0;
  zones.forEach((z, i) => {
    const n = members.filter((m) => m !== id && z.includes(m)).length;
    if (n > most) {
      most = n;
      best = i;
    }
  });
  return best;
}
