/**
 * The wire form of sharding's own commands. They travel as ordinary KV requests so the
 * node's client port, request layer and log need nothing new: a write of a JSON value to
 * the reserved key ADMIN_KEY is a command to the group's (or controller's) shard layer, and
 * a read of a key under ADMIN_PREFIX is a query of it (served through ReadIndex, so it is
 * linearizable). User keys never start with ADMIN_PREFIX: the lab refuses them at its edge.
 */
import { array, int, oneOf, parseJsonBounded, record, str, valueOrError } from '../validate';
import { MAX_VALUE_BYTES } from '../kv/types';
import { MAX_SHARD_GROUPS, groupId, groupMap, shardConfig, type ShardConfig } from './config';
import type { ControllerOp } from './controller';
import { MAX_PAGES, MAX_PAGE_BYTES } from './pages';

/** ADMIN_PREFIX starts every reserved key (a NUL: no console or API user types one). */
export const ADMIN_PREFIX = '\u0000shard';
/** ADMIN_KEY is the key a shard command is written to. */
export const ADMIN_KEY = ADMIN_PREFIX;
/** STATUS_KEY reads a group's shard status (GroupShardStatus as JSON). */
export const STATUS_KEY = `${ADMIN_PREFIX}/status`;
/** CONFIG_KEY reads the controller's newest configuration (ShardConfig as JSON). */
export const CONFIG_KEY = `${ADMIN_PREFIX}/config`;

/** exportKey reads shard `shard` as frozen at configuration `config` (its KV snapshot), or null if it is not frozen there. */
export function exportKey(shard: number, config: number): string {
  return `${ADMIN_PREFIX}/export/${shard}/${config}`;
}

/** exportPageKey reads page `page` of shard `shard` as frozen at configuration `config` (an ExportPage as JSON, core/shard/pages.ts), or null. */
export function exportPageKey(shard: number, config: number, page: number): string {
  return `${exportKey(shard, config)}/${page}`;
}

/** parseExportKey reads an export key back (`page` for a page key); null if `key` is not one. */
export function parseExportKey(key: string): { shard: number; config: number; page?: number } | null {
  if (!key.startsWith(ADMIN_PREFIX)) return null;
  const m = /^\/export\/(\d{1,3})\/(\d{1,15})(?:\/(\d{1,5}))?$/.exec(key.slice(ADMIN_PREFIX.length));
  if (!m) return null;
  return m[3] === undefined
    ? { shard: Number(m[1]), config: Number(m[2]) }
    : { shard: Number(m[1]), config: Number(m[2]), page: Number(m[3]) };
}

/** isReservedKey tells whether a key belongs to the shard layer rather than to users. */
export function isReservedKey(key: string): boolean {
  return key.startsWith(ADMIN_PREFIX);
}

/** GroupCommand is a command to a replica group's shard layer. */
export type GroupCommand =
  /** config: take the next configuration (its num must be the group's + 1). */
  | { a: 'config'; config: ShardConfig }
  /** install: shard `shard`'s data (a KV snapshot), frozen by its previous group at configuration `config`. */
  | { a: 'install'; shard: number; config: number; data: string }
  /** part: page `part` of `pages` of shard `shard`'s data (`hash`: the whole export's digest); the last one installs it. */
  | { a: 'part'; shard: number; config: number; part: number; pages: number; hash: number; data: string }
  /** gc: the next group installed `shard` at `config`; drop the frozen copy. */
  | { a: 'gc'; shard: number; config: number };

/** ADMIN_DEPTH bounds a shard command's JSON (a configuration is 4 deep). */
const ADMIN_DEPTH = 8;

/** decodeGroupCommand checks a group command's JSON; returns it or what is wrong. */
export function decodeGroupCommand(value: string): GroupCommand | string {
  return valueOrError((): GroupCommand => {
    const p = parseJsonBounded(value, { maxDepth: ADMIN_DEPTH, maxBytes: MAX_VALUE_BYTES });
    const o = record(p.ok ? p.value : null, 'shard command', p.ok ? 'an object' : `JSON (${p.error})`);
    const a = oneOf(o.a, 'a', ['config', 'install', 'part', 'gc'] as const);
    if (a === 'config') return { a, config: shardConfig(o.config, 'config') };
    const shard = int(o.shard, 'shard', 0, 999);
    const config = int(o.config, 'config');
    if (a === 'gc') return { a, shard, config };
    if (a === 'part') {
      const pages = int(o.pages, 'pages', 1, MAX_PAGES);
      const part = int(o.part, 'part', 0, pages - 1);
      const data = str(o.data, 'data', { max: MAX_PAGE_BYTES });
      return { a, shard, config, part, pages, hash: int(o.hash, 'hash', 0, 0xffff_ffff), data };
    }
    return { a, shard, config, data: str(o.data, 'data', { max: MAX_VALUE_BYTES }) };
  });
}

/** decodeControllerOp checks a controller command's JSON (join, leave or move); returns it or what is wrong. */
export function decodeControllerOp(value: string): ControllerOp | string {
  return valueOrError((): ControllerOp => {
    const p = parseJsonBounded(value, { maxDepth: ADMIN_DEPTH, maxBytes: MAX_VALUE_BYTES });
    const o = record(p.ok ? p.value : null, 'controller command', p.ok ? 'an object' : `JSON (${p.error})`);
    const op = oneOf(o.op, 'op', ['join', 'leave', 'move'] as const);
    if (op === 'join') return { op, groups: groupMap(o.groups, 'groups') };
    if (op === 'move') return { op, shard: int(o.shard, 'shard', 0, 999), group: groupId(o.group, 'group') };
    return { op, groups: array(o.groups, 'groups', { min: 1, max: MAX_SHARD_GROUPS }, groupId) };
  });
}
