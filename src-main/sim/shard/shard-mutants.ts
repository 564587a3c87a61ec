/**
 * Shard mutants: a test-only hook that breaks one rule of moving shards on purpose, to show
 * the sharded simulation catches it (test/sim/shards.test.ts), in the manner of
 * sim/mutants.ts — the rule's method on ShardGroupMachine's prototype is patched for one
 * run and put back after, so production paths carry no switch. If the method is renamed,
 * installShardMutant throws and the test expecting a violation fails instead of passing.
 *
 *  - shard-sessions-dropped: a shard is installed without its client-session table, so a
 *    command the old group applied and that is asked again at the new group applies twice.
 *  - shard-serve-frozen: a group keeps serving a shard it froze for a move, so writes it
 *    takes after the freeze never reach the new group.
 */
import type { KvResult } from '../../core/kv/types';
import { parseState, serializeState } from '../../core/kv/snapshot';
import { shardOf, type ShardConfig } from '../../core/shard/config';
import { ShardGroupMachine } from '../../core/shard/group';

/** SHARD_MUTANTS describes each shard mutant. */
export const SHARD_MUTANTS = {
  'shard-sessions-dropped': 'a shard is installed without its client-session table: a retried command applies twice',
  'shard-serve-frozen': 'a group keeps serving a shard it froze for a move: writes after the freeze are lost',
} as const;

/** ShardMutantName names a shard mutant. */
export type ShardMutantName = keyof typeof SHARD_MUTANTS;

/** Internals is what the mutants reach inside ShardGroupMachine (private there; checked at run time). */
interface Internals {
  cfg: ShardConfig | null;
  slots: Map<number, { status: string }>;
  install(index: number, shard: number, config: number, data: string): KvResult;
  servingSlot(key: string): unknown;
}

/** installShardMutant breaks one rule until the returned function is called. */
export function installShardMutant(name: ShardMutantName): () => void {
  const proto = ShardGroupMachine.prototype as unknown as Internals;
  const method = name === 'shard-sessions-dropped' ? 'install' : 'servingSlot';
  const orig = proto[method];
  if (typeof orig !== 'function') throw new Error(`shard mutant: ShardGroupMachine.${method} is not a method any more`);
  if (name === 'shard-sessions-dropped') {
    proto.install = function (this: Internals, index, shard, config, data): KvResult {
      const st = parseState(data);
      if (typeof st !== 'string') st.sessions.clear();
      const install = orig as Internals['install'];
      return install.call(this, index, shard, config, typeof st === 'string' ? data : serializeState(st, false));
    };
  } else {
    proto.servingSlot = function (this: Internals, key: string): unknown {
      const serving = (orig as Internals['servingSlot']).call(this, key);
      if (serving || !this.cfg) return serving;
      const slot = this.slots.get(shardOf(this.cfg.scheme, key));
      return slot && slot.status === 'frozen' ? slot : null;
    };
  }
  return () => {
    (proto as unknown as Record<string, unknown>)[method] = orig;
  };
}
