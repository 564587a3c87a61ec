/**
 * ControllerMachine is the shard controller's replicated state machine: the node processes
 * of the controller group apply their log to it. A join, leave or move arrives as a write
 * of its JSON to ADMIN_KEY (core/shard/admin.ts) and answers with the configuration in
 * force after it; CONFIG_KEY (and `${CONFIG_KEY}/N`) read the newest configuration (or
 * configuration N) through ReadIndex.
 */
import { decodeCommand } from '../kv/codec';
import type { KvResult, LockInfo } from '../kv/types';
import { array, fail, int, isRecord, parseJsonBounded, valueOrError } from '../validate';
import { ADMIN_KEY, CONFIG_KEY, decodeControllerOp } from './admin';
import { shardConfig, type ShardConfig, type ShardScheme } from './config';
import { MAX_CONFIGS, ShardController } from './controller';
import type { ReplicatedKv } from './machine';

/** ControllerMachine is the controller group's state machine (see the file comment). */
export class ControllerMachine implements ReplicatedKv {
  private readonly ctrl: ShardController;
  private applied = 0;

  constructor(scheme: ShardScheme) {
    this.ctrl = new ShardController(scheme);
  }

  /** appliedIndex is the index of the last entry applied, skipped or restored. */
  get appliedIndex(): number {
    return this.applied;
  }

  /** latest is the newest configuration. */
  latest(): ShardConfig {
    return this.ctrl.latest();
  }

  /** apply applies a controller command (anything else is refused as bad-command). */
  apply(index: number, data: string): KvResult {
    this.skipTo(index);
    const c = decodeCommand(data);
    if (typeof c === 'string' || c.cmd.op !== 'put' || c.cmd.key !== ADMIN_KEY)
      return { ok: false, error: 'bad-command', value: 'the shard controller takes only join, leave and move' };
    const op = decodeControllerOp(c.cmd.value);
    if (typeof op === 'string') return { ok: false, error: 'bad-command', value: op };
    const r = this.ctrl.apply(op);
    return r.ok
      ? { ok: true, value: JSON.stringify(r.config) }
      : { ok: false, error: 'controller-refused', value: r.error };
  }

  /** skipTo advances appliedIndex over entries that carry no command. */
  skipTo(index: number): void {
    if (!Number.isSafeInteger(index) || index <= this.applied)
      throw new RangeError(`entry ${index} applied out of order (appliedIndex ${this.applied})`);
    this.applied = index;
  }

  /** get reads CONFIG_KEY (the newest configuration) or `${CONFIG_KEY}/N`; anything else is null. */
  get(key: string): string | null {
    if (key === CONFIG_KEY) return JSON.stringify(this.ctrl.latest());
    const m = key.startsWith(CONFIG_KEY) ? /^\/(\d{1,15})$/.exec(key.slice(CONFIG_KEY.length)) : null;
    if (!m) return null;
    const r = this.ctrl.apply({ op: 'query', num: Number(m[1]) });
    return r.ok ? JSON.stringify(r.config) : null;
  }

  /** readError: the controller serves only its configuration keys. */
  readError(key: string): string | null {
    return key.startsWith(CONFIG_KEY) ? null : 'wrong-group';
  }

  /** size is the number of configurations made so far (the newest's number + 1). */
  size(): number {
    return this.ctrl.latest().num + 1;
  }

  /** locks: the controller holds none. */
  locks(): LockInfo[] {
    return [];
  }

  /** snapshot serializes the kept configurations and the applied index. */
  snapshot(): string {
    return JSON.stringify({ v: 1, appliedIndex: this.applied, configs: this.ctrl.snapshot() });
  }

  /** restore replaces the state with a snapshot; throws (state untouched) if it is malformed. */
  restore(data: string, index?: number): void {
    const p = parseJsonBounded(data, { maxDepth: 8 });
    const r = valueOrError(() => {
      if (!p.ok || !isRecord(p.value) || p.value.v !== 1) fail('not a controller snapshot');
      const o = p.value;
      return {
        applied: int(o.appliedIndex, 'appliedIndex'),
        configs: array(o.configs, 'configs', { min: 1, max: MAX_CONFIGS }, shardConfig),
      };
    });
    if (typeof r === 'string') throw new Error(`bad controller snapshot: ${r}`);
    this.ctrl.restore(r.configs);
    this.applied = index !== undefined && Number.isSafeInteger(index) && index > r.applied ? index : r.applied;
  }
}
