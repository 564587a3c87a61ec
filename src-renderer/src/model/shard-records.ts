/**
 * Plain-language timeline rows for a sharded cluster's run-log records: the controller's
 * configuration changes, each group taking a configuration (the shards it freezes, pulls
 * or starts empty), a shard's pages arriving, its install at the new group and the
 * garbage collection of the old copy, and a group started while the cluster runs.
 */
import type { RunLogRecord } from '../../../src-main/api/contract';
import type { Described } from './describe';

const SHARD_KINDS = new Set([
  'shards-created',
  'shard-config',
  'shard-change',
  'shard-group-config',
  'shard-part',
  'shard-installed',
  'shard-collected',
  'shard-group-started',
]);

/** isShardRecord tells whether a run-log record is one of the sharding layer's. */
export function isShardRecord(kind: string): boolean {
  return SHARD_KINDS.has(kind);
}

const said = (text: string, tone: Described['tone'] = '', nodes: string[] = []): Described => ({
  text,
  tone,
  nodes,
  links: [],
});

/** pairs reads a [[shard, group], …] field (absent or malformed: none). */
function pairs(x: unknown): [number, string][] {
  if (!Array.isArray(x)) return [];
  return x.filter(
    (p): p is [number, string] => Array.isArray(p) && typeof p[0] === 'number' && typeof p[1] === 'string',
  );
}

const ids = (x: unknown): string[] => (Array.isArray(x) ? x.filter((v): v is string => typeof v === 'string') : []);

/** kib says a byte count the way the rest of the UI does: "384 KiB", "1.5 MiB". */
function kib(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MiB`;
  return n >= 1024 ? `${Math.round(n / 1024)} KiB` : `${n} B`;
}

/** groupTook: "g1 took configuration 5: froze shard 7 for g2; pulls shard 3 from g3". */
function groupTook(r: RunLogRecord, s: (k: string) => string): Described {
  const parts: string[] = [];
  for (const [shard, to] of pairs(r.freezes)) parts.push(`froze shard ${shard} (stops serving it; ${to} takes it)`);
  for (const [shard, from] of pairs(r.pulls)) parts.push(`pulls shard ${shard} from ${from}`);
  const fresh = Array.isArray(r.fresh) ? r.fresh.filter((v) => typeof v === 'number') : [];
  if (fresh.length > 0) parts.push(`serves shard${fresh.length > 1 ? 's' : ''} ${fresh.join(' ')} from empty`);
  const what = parts.length > 0 ? `: ${parts.join('; ')}` : '';
  return said(`${s('group')} took configuration ${s('config')}${what}`, pairs(r.freezes).length > 0 ? 'warn' : '');
}

/** changeText: "move shard 7 to g2 → configuration 5" / "g4 joins → configuration 6". */
function changeText(r: RunLogRecord, s: (k: string) => string): string {
  const groups = r.groups;
  const named =
    typeof groups === 'object' && groups !== null && !Array.isArray(groups) ? Object.keys(groups) : ids(groups);
  switch (r.op) {
    case 'move':
      return `asked the controller to move shard ${s('shard')} to ${s('group')}`;
    case 'join':
      return `${named.join(', ') || '?'} asked to join the shard configuration`;
    case 'leave':
      return `${named.join(', ') || '?'} asked to leave the shard configuration (its shards move away)`;
    default:
      return `shard configuration change ${s('op')}`;
  }
}

/** describeShard renders a sharding record in words. */
export function describeShard(r: RunLogRecord): Described {
  const s = (k: string): string =>
    typeof r[k] === 'string' || typeof r[k] === 'number' ? String(r[k] as string | number) : '?';
  switch (r.kind) {
    case 'shards-created': {
      const groups = typeof r.groups === 'object' && r.groups !== null ? Object.keys(r.groups) : [];
      return said(`sharded: ${groups.length} groups (${groups.join(', ')}) and a shard controller`, 'ok');
    }
    case 'shard-config':
      return said(`the shard controller made configuration ${s('config')}`);
    case 'shard-change':
      return said(`${changeText(r, s)} → configuration ${s('config')}`);
    case 'shard-group-config':
      return groupTook(r, s);
    case 'shard-part': {
      const bytes = typeof r.bytes === 'number' ? ` (${kib(r.bytes)})` : '';
      const n = typeof r.part === 'number' ? r.part + 1 : '?';
      return said(
        `shard ${s('shard')}: page ${n} of ${s('pages')}${bytes} carried from ${s('from')} into ${s('to')}'s log`,
      );
    }
    case 'shard-installed':
      return said(
        `shard ${s('shard')} installed in ${s('to')} (data and client sessions): ${s('to')} serves it now`,
        'ok',
      );
    case 'shard-collected':
      return said(`${s('group')} dropped its frozen copy of shard ${s('shard')} (garbage collected)`);
    case 'shard-group-started':
      return said(
        `group ${s('group')} started: new nodes ${ids(r.nodes).join(', ')} on empty files`,
        'ok',
        ids(r.nodes),
      );
    default:
      return said(r.kind);
  }
}
