/**
 * createMachine picks what a node applies its log to: the plain KV store, or in a sharded
 * cluster a replica group's shard layer or the shard controller (NodeConfig.machine).
 */
import { KvStateMachine, type KvStateMachineOptions } from '../core/kv/state-machine';
import { ControllerMachine } from '../core/shard/controller-machine';
import { ShardGroupMachine } from '../core/shard/group';
import type { ReplicatedKv } from '../core/shard/machine';
import type { NodeMachine } from './contract';

/** createMachine builds the node's replicated state machine. */
export function createMachine(machine: NodeMachine | undefined, opts: KvStateMachineOptions): ReplicatedKv {
  if (!machine) return new KvStateMachine(opts);
  if (machine.kind === 'shard-group') return new ShardGroupMachine(machine.group, opts);
  return new ControllerMachine(machine.scheme);
}
