/**
 * Validation of the IPC messages the lab host sends a node (contract.ts HostToNode): the
 * channel is an input from outside the process like any other.
 */
import type { HostToNode } from './contract';
import { describe, isObject } from './frames';

/** MAX_INSPECT_ENTRIES bounds the entries one inspect reply carries. */
export const MAX_INSPECT_ENTRIES = 1000;

/** validateHostToNode checks an IPC message from the host; returns it or what is wrong. */
export function validateHostToNode(x: unknown): HostToNode | string {
  if (!isObject(x)) return 'ipc message must be an object';
  switch (x.t) {
    case 'inspect': {
      if (typeof x.reqId !== 'number' || !Number.isSafeInteger(x.reqId)) return 'inspect: reqId must be an integer';
      if (typeof x.lastN !== 'number' || !Number.isInteger(x.lastN) || x.lastN < 0 || x.lastN > MAX_INSPECT_ENTRIES)
        return `inspect: lastN must be an integer in [0, ${MAX_INSPECT_ENTRIES}]`;
      return { t: 'inspect', reqId: x.reqId, lastN: x.lastN };
    }
    case 'time-scale':
      if (typeof x.scale !== 'number' || !Number.isFinite(x.scale) || x.scale < 0.001 || x.scale > 1000)
        return 'time-scale: scale must be a number in [0.001, 1000]';
      return { t: 'time-scale', scale: x.scale };
    case 'shutdown':
      return { t: 'shutdown' };
    default:
      return `unknown ipc message t=${describe(x.t)}`;
  }
}
