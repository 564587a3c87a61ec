/**
 * The shard controller's state machine (after the MIT 6.5840 shard controller): a list of
 * numbered configurations; join, leave and move each make the next one, query reads one.
 *
 * Rebalancing after join/leave moves as few shards as possible, deterministically: every
 * replica applies the same operations in the same order and must hand out the same
 * configurations, so nothing depends on Map iteration order of anything but sorted ids.
 * Target: with S shards over G groups each group serves ⌊S/G⌋, and S mod G of them one
 * more — those that already serve the most (ties: the lower id), so they keep what they
 * have. Shards of a group that left, and a group's shards beyond its target (its highest
 * shard numbers first), go to the groups below target, lowest id first, lowest shard first.
 *
 * A retried operation does no harm: a join of a group already there with the same nodes,
 * a leave of a group not there, or a move of a shard to the group serving it answer ok
 * and make no new configuration.
 */
import { copyConfig, initialConfig, type ShardConfig, type ShardScheme } from './config';

/** ControllerOp is one operation on the controller. */
export type ControllerOp =
  | { op: 'join'; groups: Record<string, string[]> }
  | { op: 'leave'; groups: string[] }
  | { op: 'move'; shard: number; group: string }
  | { op: 'query'; num: number };

/** ControllerResult is an operation's answer: the configuration in force after it (or the one queried), or why it was refused. */
export type ControllerResult = { ok: true; config: ShardConfig } | { ok: false; error: string };

/** MAX_CONFIGS bounds the configurations kept (the oldest are dropped beyond it; query of one gets an error). */
export const MAX_CONFIGS = 1000;

/** ShardController holds the configurations (see the file comment). */
export class ShardController {
  private configs: ShardConfig[];

  constructor(scheme: ShardScheme) {
    this.configs = [initialConfig(scheme)];
  }

  /** latest is the newest configuration (a copy). */
  latest(): ShardConfig {
    return copyConfig(this.last());
  }

  private last(): ShardConfig {
    const c = this.configs[this.configs.length - 1];
    if (!c) throw new Error('shard controller has no configuration');
    return c;
  }

  /** apply runs one operation and returns its answer. */
  apply(op: ControllerOp): ControllerResult {
    switch (op.op) {
      case 'query':
        return this.query(op.num);
      case 'join':
        return this.join(op.groups);
      case 'leave':
        return this.leave(op.groups);
      case 'move':
        return this.move(op.shard, op.group);
      default: {
        const never: never = op;
        return { ok: false, error: `unknown controller op ${String(never)}` };
      }
    }
  }

  /** query returns configuration `num`; -1 (or any number past the newest) is the newest. */
  private query(num: number): ControllerResult {
    const newest = this.last();
    if (num < 0 || num >= newest.num) return { ok: true, config: copyConfig(newest) };
    const c = this.configs.find((x) => x.num === num);
    return c ? { ok: true, config: copyConfig(c) } : { ok: false, error: `configuration ${num} is no longer kept` };
  }

  private join(groups: Record<string, string[]>): ControllerResult {
    const cur = this.last();
    const ids = Object.keys(groups).sort();
    if (ids.length === 0) return { ok: false, error: 'join names no group' };
    for (const g of ids) {
      const had = cur.groups[g];
      if (had && had.join(',') !== (groups[g] ?? []).join(','))
        return { ok: false, error: `${g} already joined with other nodes` };
    }
    if (ids.every((g) => cur.groups[g])) return { ok: true, config: copyConfig(cur) };
    const next = copyConfig(cur);
    for (const g of ids) next.groups[g] = [...(groups[g] ?? [])];
    return this.commit(rebalance(next));
  }

  private leave(groups: string[]): ControllerResult {
    const cur = this.last();
    const gone = groups.filter((g) => cur.groups[g]);
    if (gone.length === 0) return { ok: true, config: copyConfig(cur) };
    const next = copyConfig(cur);
    for (const g of gone) delete next.groups[g];
    next.shards = next.shards.map((g) => (gone.includes(g) ? '' : g));
    return this.commit(rebalance(next));
  }

  private move(shard: number, group: string): ControllerResult {
    const cur = this.last();
    if (!Number.isSafeInteger(shard) || shard < 0 || shard >= cur.shards.length)
      return { ok: false, error: `shard must be 0..${cur.shards.length - 1}, got ${shard}` };
    if (!cur.groups[group]) return { ok: false, error: `${group} has not joined` };
    if (cur.shards[shard] === group) return { ok: true, config: copyConfig(cur) };
    const next = copyConfig(cur);
    next.shards[shard] = group;
    return this.commit(next);
  }

  private commit(next: ShardConfig): ControllerResult {
    next.num = this.last().num + 1;
    this.configs.push(next);
    if (this.configs.length > MAX_CONFIGS) this.configs.shift();
    return { ok: true, config: copyConfig(next) };
  }

  /** snapshot serializes the kept configurations. */
  snapshot(): ShardConfig[] {
    return this.configs.map(copyConfig);
  }

  /** restore replaces the kept configurations (already validated, oldest first, at least one). */
  restore(configs: ShardConfig[]): void {
    if (configs.length === 0) throw new Error('a controller snapshot needs a configuration');
    this.configs = configs.map(copyConfig);
  }
}

/** rebalance spreads the shards evenly over the groups with the fewest moves (see the file comment); it changes `c`. */
export function rebalance(c: ShardConfig): ShardConfig {
  const ids = Object.keys(c.groups).sort();
  if (ids.length === 0) {
    c.shards = c.shards.map(() => '');
    return c;
  }
  const owned = new Map<string, number[]>(ids.map((g) => [g, []]));
  const free: number[] = [];
  c.shards.forEach((g, s) => {
    const list = owned.get(g);
    if (list) list.push(s);
    else free.push(s);
  });
  const base = Math.floor(c.shards.length / ids.length);
  let extra = c.shards.length % ids.length;
  // Those already serving the most keep the spare shards: fewer moves.
  const byLoad = [...ids].sort((a, b) => (owned.get(b)?.length ?? 0) - (owned.get(a)?.length ?? 0) || (a < b ? -1 : 1));
  const target = new Map<string, number>();
  for (const g of byLoad) target.set(g, base + (extra-- > 0 ? 1 : 0));
  for (const g of ids) {
    const list = owned.get(g) ?? [];
    while (list.length > (target.get(g) ?? 0)) free.push(list.pop() ?? 0);
  }
  free.sort((a, b) => a - b);
  for (const g of ids) {
    const list = owned.get(g) ?? [];
    while (list.length < (target.get(g) ?? 0) && free.length > 0) {
      const s = free.shift() ?? 0;
      list.push(s);
      c.shards[s] = g;
    }
  }
  return c;
}
