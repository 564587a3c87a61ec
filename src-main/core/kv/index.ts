/** The replicated KV state machine: commands, codec and the machine itself. */
export * from './types';
export * from './codec';
export { KvStateMachine, SESSION_MAX, SESSION_IDLE_ENTRIES } from './state-machine';
export type { KvStateMachineOptions } from './state-machine';
