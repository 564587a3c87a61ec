/**
 * Validation of the IPC messages the lab host sends a node (contract.ts HostToNode): the
 * channel is an input from outside the process like any other. Also the node's side of
 * the token hand-over: the token never travels on argv or in the environment.
 */
import type { ConfChangeType } from '../core/types';
import type { HostToNode } from './contract';
import { MAX_ID_BYTES, describe, isObject } from './frames';

/** MAX_INSPECT_ENTRIES bounds the entries one inspect reply carries. */
export const MAX_INSPECT_ENTRIES = 1000;
/** TOKEN_WAIT_MS: a node whose host does not hand over the token in time exits (code 2). */
export const TOKEN_WAIT_MS = 30_000;

const CONF_CHANGE_TYPES: readonly ConfChangeType[] = ['addLearner', 'promote', 'remove'];

function isNodeId(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && Buffer.byteLength(x) <= MAX_ID_BYTES;
}

/** validateHostToNode checks an IPC message from the host; returns it or what is wrong. */
export function validateHostToNode(x: unknown): HostToNode | string {
  if (!isObject(x)) return 'ipc message must be an object';
  switch (x.t) {
    case 'inspect': {
      if (typeof x.reqId !== 'number' || !Number.isSafeInteger(x.reqId)) return 'inspect: reqId must be an integer';
      if (typeof x.lastN !== 'number' || !Number.isInteger(x.lastN) || x.lastN < 0 || x.lastN > MAX_INSPECT_ENTRIES)
        return `inspect: lastN must be an integer in [0, ${MAX_INSPECT_ENTRIES}]`;
      if (x.from === undefined) return { t: 'inspect', reqId: x.reqId, lastN: x.lastN };
      if (typeof x.from !== 'number' || !Number.isSafeInteger(x.from) || x.from < 1)
        return 'inspect: from must be a positive integer';
      return { t: 'inspect', reqId: x.reqId, lastN: x.lastN, from: x.from };
    }
    case 'time-scale':
      if (typeof x.scale !== 'number' || !Number.isFinite(x.scale) || x.scale < 0.001 || x.scale > 1000)
        return 'time-scale: scale must be a number in [0.001, 1000]';
      return { t: 'time-scale', scale: x.scale };
    case 'conf-change': {
      if (typeof x.reqId !== 'number' || !Number.isSafeInteger(x.reqId)) return 'conf-change: reqId must be an integer';
      const cc = isObject(x.change) ? x.change : null;
      if (!cc || !CONF_CHANGE_TYPES.includes(cc.type as ConfChangeType))
        return `conf-change: change.type must be one of ${CONF_CHANGE_TYPES.join(', ')}`;
      if (!isNodeId(cc.node)) return 'conf-change: change.node must be a node id';
      return { t: 'conf-change', reqId: x.reqId, change: { type: cc.type as ConfChangeType, node: cc.node } };
    }
    case 'transfer':
      if (typeof x.reqId !== 'number' || !Number.isSafeInteger(x.reqId)) return 'transfer: reqId must be an integer';
      if (!isNodeId(x.to)) return 'transfer: to must be a node id';
      return { t: 'transfer', reqId: x.reqId, to: x.to };
    case 'shutdown':
      return { t: 'shutdown' };
    case 'token':
      if (typeof x.token !== 'string' || x.token.length === 0 || Buffer.byteLength(x.token) > MAX_ID_BYTES)
        return `token: must be a string of 1..${MAX_ID_BYTES} bytes`;
      return { t: 'token', token: x.token };
    default:
      return `unknown ipc message t=${describe(x.t)}`;
  }
}

/** IpcChannel is the part of `process` the token hand-over uses (a fake in tests). */
export interface IpcChannel {
  send(m: unknown): unknown;
  on(event: 'message', fn: (m: unknown) => void): unknown;
  off(event: 'message', fn: (m: unknown) => void): unknown;
}

/**
 * receiveToken asks the host for the cluster token over the IPC channel and resolves with
 * it. The node asks (rather than the host sending first) because a message that arrives
 * before the node's listener exists would be lost while the entry module still loads.
 */
export function receiveToken(ch: IpcChannel, ms = TOKEN_WAIT_MS): Promise<string> {
  return new Promise((resolve, reject) => {
    const onMessage = (raw: unknown): void => {
      const m = validateHostToNode(raw);
      if (typeof m === 'string' || m.t !== 'token') return;
      clearTimeout(timer);
      ch.off('message', onMessage);
      resolve(m.token);
    };
    const timer = setTimeout(() => {
      ch.off('message', onMessage);
      reject(new Error(`the host did not hand over the cluster token within ${ms} ms`));
    }, ms);
    ch.on('message', onMessage);
    ch.send({ t: 'token-request' });
  });
}
