/**
 * shardStep plays a sharded cluster's move, join or leave step and says what changed.
 */
import type { ScenarioTarget } from './target';
import type { Step } from './types';

/** shardStep plays a move, join or leave: the controller makes the next configuration; the groups then move the data. */
export async function shardStep(
  t: ScenarioTarget,
  st: Extract<Step, { do: 'move' | 'join' | 'leave' }>,
): Promise<string> {
  const before = (await t.view()).shards;
  if (st.do === 'move') {
    const from = before?.shards[st.shard]?.group || 'no group';
    await t.shardChange({ op: 'move', shard: st.shard, group: st.group });
    const cfg = (await t.view()).shards?.config ?? 0;
    return `move shard ${st.shard}: ${from} → ${st.group} (configuration ${cfg}); the data follows`;
  }
  await t.shardChange({ op: st.do, group: st.group });
  const after = (await t.view()).shards;
  const gained = (after?.shards ?? []).filter((s, i) => s.group !== (before?.shards[i]?.group ?? '')).length;
  return `${st.do} ${st.group} (configuration ${after?.config ?? 0}): ${gained} shard(s) change group`;
}
