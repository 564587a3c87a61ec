/**
 * shardMapLines turns GET /api/shards into the console's `shards` answer: one line for
 * the configuration, one per group with its shards, one per shard on its way (how many of
 * its pages are in, and why it waits if it does).
 */
import type { ShardMoving, ShardsView } from '../../../src-main/api/shards';

/** movingText says where a shard on its way stands: "g1 → g2 · page 3 of 24 in · stalled: …". */
export function movingText(m: ShardMoving): string {
  const pages = m.pages !== undefined ? ` · page ${m.parts ?? 0} of ${m.pages} in` : '';
  return `${m.from} → ${m.to}${pages}${m.stalled ? ` · stalled: ${m.stalled}` : ''}`;
}

/** nextGroup is the id of the group `join` would start next (g4 after g1…g3). */
export function nextGroup(v: ShardsView): string {
  return `g${v.groups.length + 1}`;
}

/** shardMapLines is the map as text, one line per group (see the file comment). */
export function shardMapLines(v: ShardsView): string[] {
  const scheme =
    v.scheme.kind === 'range'
      ? `${v.scheme.shards} shards by hash range`
      : `${v.scheme.shards} shards on a ring (${v.scheme.vnodes} virtual nodes each)`;
  const out = [`configuration ${v.config} · ${scheme} · controller ${v.controller.join(',')}`];
  for (const g of v.groups) {
    const mine = v.shards.filter((s) => s.group === g.id).map((s) => String(s.shard));
    const state = !g.joined ? 'not joined' : g.config === null ? 'unreachable' : `at configuration ${g.config}`;
    const leader = g.leader ? `leader ${g.leader}` : 'no leader';
    out.push(
      `${g.id} (${g.nodes.join(',')}; ${leader}; ${state}): ${mine.length > 0 ? `shards ${mine.join(' ')}` : 'no shards'}`,
    );
  }
  for (const s of v.shards) if (s.moving) out.push(`moving: shard ${s.shard} ${movingText(s.moving)}`);
  const none = v.shards.filter((s) => s.group === '').map((s) => s.shard);
  if (none.length > 0) out.push(`no group yet: shards ${none.join(' ')}`);
  return out;
}
