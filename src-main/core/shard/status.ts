/**
 * groupStatus reads a replica group's shard status as its state machine answered a read of
 * STATUS_KEY. It crossed a socket (or the simulated network), so it is validated and bounded
 * like any input; the lab's and the simulator's coordinators both read it.
 */
import { array, checked, int, oneOf, optional, parseJsonBounded, record } from '../validate';
import { groupId } from './config';
import type { GroupShardStatus } from './group';
import { MAX_PAGES } from './pages';

/** groupStatus reads STATUS_KEY's answer; null if it is not a group status. */
export function groupStatus(text: string | null): GroupShardStatus | null {
  if (text === null) return null;
  const p = parseJsonBounded(text, { maxDepth: 6 });
  if (!p.ok) return null;
  const c = checked((): GroupShardStatus => {
    const o = record(p.value, 'status');
    return {
      group: groupId(o.group, 'group'),
      config: int(o.config, 'config'),
      shards: array(o.shards, 'shards', { max: 1000 }, (x, path) => {
        const s = record(x, path);
        const from = optional(s.from, (v) => groupId(v, `${path}.from`));
        return {
          shard: int(s.shard, `${path}.shard`, 0, 999),
          status: oneOf(s.status, `${path}.status`, ['serving', 'pulling', 'frozen'] as const),
          config: int(s.config, `${path}.config`),
          ...(from ? { from } : {}),
          keys: int(s.keys, `${path}.keys`),
          ...(s.parts !== undefined ? { parts: int(s.parts, `${path}.parts`, 0, MAX_PAGES) } : {}),
          ...(s.pages !== undefined ? { pages: int(s.pages, `${path}.pages`, 1, MAX_PAGES) } : {}),
        };
      }),
    };
  });
  return c.ok ? c.value : null;
}
