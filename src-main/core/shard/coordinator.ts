/**
 * The shard coordinator's decisions, pure: given what a replica group's state machine says
 * of itself (its GroupShardStatus, read linearizably) and the newest configuration number,
 * what to do next for that group. The lab's coordinator (lab/shard-lab.ts) and the
 * simulator's (sim/shard/coordinator.ts) both act on these, so the simulator tests the
 * rules the lab runs; each does the I/O its own way (real gateways and the router, or
 * simulated ones).
 *
 * The coordinator holds no state: every fact comes from a group's or the controller's
 * state machine and every action is a command in a group's log, so a pass cut short by a
 * crash or a partition is simply planned again by the next.
 */
import type { GroupShardStatus } from './group';

/** CoordinatorAction is one thing to do for a group. */
export type CoordinatorAction =
  /** config: propose configuration `num` (the group's next) to the group. */
  | { a: 'config'; num: number }
  /** pull: read shard `shard`'s export at `config` from group `from` and propose its install here. */
  | { a: 'pull'; shard: number; config: number; from: string }
  /** collect: once the shard's new owner at `config` confirms it installed it, propose the garbage collection here. */
  | { a: 'collect'; shard: number; config: number };

/**
 * planGroup lists what to do for one group: a settled group (every shard it holds is
 * serving) behind the newest configuration takes the next one — one at a time, in order;
 * an unsettled one pulls each shard it is waiting for and collects each shard it froze.
 */
export function planGroup(st: GroupShardStatus, newest: number): CoordinatorAction[] {
  const settled = st.shards.every((s) => s.status === 'serving');
  if (settled) return st.config < newest ? [{ a: 'config', num: st.config + 1 }] : [];
  const out: CoordinatorAction[] = [];
  for (const s of st.shards) {
    if (s.status === 'pulling' && s.from) out.push({ a: 'pull', shard: s.shard, config: s.config, from: s.from });
    else if (s.status === 'frozen') out.push({ a: 'collect', shard: s.shard, config: s.config });
  }
  return out;
}

/**
 * installedAt tells whether the new owner's own status confirms it installed `shard` at
 * `config`: it took that configuration and does not hold the shard as a pull of it. Only
 * this lets the old owner drop its frozen copy — nothing the coordinator remembers.
 */
export function installedAt(owner: GroupShardStatus | undefined, shard: number, config: number): boolean {
  if (!owner || owner.config < config) return false;
  return !owner.shards.some((s) => s.shard === shard && s.status === 'pulling' && s.config === config);
}
