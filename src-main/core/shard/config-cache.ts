/**
 * ConfigCache is what a shard coordinator knows of the controller's configurations: the
 * newest it has seen and the older ones it has read. The lab's coordinator (lab/shard-lab.ts)
 * and the simulator's (sim/shard/shard-layer.ts) both keep one; each reads the controller
 * its own way (a real gateway or a simulated one), through `read`.
 */
import { checked, parseJsonBounded } from '../validate';
import { CONFIG_KEY } from './admin';
import { initialConfig, shardConfig, type ShardConfig, type ShardScheme } from './config';
import type { ControllerOp } from './controller';

/** ShardChangeOp is a move, join or leave asked of the controller. */
export type ShardChangeOp = { op: 'move'; shard: number; group: string } | { op: 'join' | 'leave'; group: string };

/** controllerOpOf is the controller operation for a change; `nodes` are the group's members (a join names them). */
export function controllerOpOf(op: ShardChangeOp, nodes: string[]): ControllerOp {
  if (op.op === 'move') return op;
  return op.op === 'join' ? { op: 'join', groups: { [op.group]: nodes } } : { op: 'leave', groups: [op.group] };
}

/** parseConfig reads a configuration the controller answered with (null if it is not one). */
export function parseConfig(text: string | null): ShardConfig | null {
  if (text === null) return null;
  const p = parseJsonBounded(text, { maxDepth: 8 });
  if (!p.ok) return null;
  const c = checked(() => shardConfig(p.value, 'config'));
  return c.ok ? c.value : null;
}

/** ConfigCache holds the newest configuration seen and the ones read by number (see the file comment). */
export class ConfigCache {
  private newest: ShardConfig;
  private readonly known = new Map<number, ShardConfig>();
  private refreshing: Promise<void> | null = null;

  /**
   * `read` reads a controller key (CONFIG_KEY, or `${CONFIG_KEY}/N` for configuration N)
   * linearizably and parses it (null: no answer, or not a configuration); `adopted` hears
   * of each newer configuration taken.
   */
  constructor(
    scheme: ShardScheme,
    private readonly read: (key: string) => Promise<ShardConfig | null>,
    private readonly adopted: (c: ShardConfig) => void,
  ) {
    this.newest = initialConfig(scheme);
  }

  /** current is the newest configuration seen. */
  get current(): ShardConfig {
    return this.newest;
  }

  /** offer takes `c` if it is newer than the newest seen (a controller's answer to a change carries one). */
  offer(c: ShardConfig | null): void {
    if (!c || c.num <= this.newest.num) return;
    this.newest = c;
    this.known.set(c.num, c);
    this.adopted(c);
  }

  /** refresh reads the controller's newest configuration (one read at a time; callers share it). */
  refresh(): Promise<void> {
    this.refreshing ??= this.read(CONFIG_KEY).then((c) => {
      this.refreshing = null;
      this.offer(c);
    });
    return this.refreshing;
  }

  /** at is configuration `num`, read from the controller the first time (null if it cannot be had now). */
  async at(num: number): Promise<ShardConfig | null> {
    const hit = this.known.get(num);
    if (hit) return hit;
    const c = await this.read(`${CONFIG_KEY}/${num}`);
    if (!c || c.num !== num) return null;
    this.known.set(num, c);
    return c;
  }
}
