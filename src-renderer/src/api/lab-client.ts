/**
 * LabClient is the renderer's one typed door to the lab: LabApi plus the live event
 * stream. One client (./table-client.ts) is built from the command table over a small
 * LabTransport (Electron IPC, or HTTP + WebSocket); only Pinia stores use it, and they
 * reach it through labClient() so tests can install a double.
 */
import type { MenuAction } from '../../../src-main/api/bridge';
import type { CommandName, LabApi } from '../../../src-main/api/commands';
import type { LabEvent } from '../../../src-main/api/contract';
import { isRecord } from '../../../src-main/api/schemas';

/** Connection is the state of the event stream. */
export type Connection = 'connecting' | 'open' | 'closed';

/** LabEvents is how a client follows the lab: its live events, the stream's state, the app menu. */
export interface LabEvents {
  /** onEvent subscribes to the lab's live events; returns the unsubscribe function. */
  onEvent(cb: (e: LabEvent) => void): () => void;
  /** onConnection reports the event stream opening and closing. */
  onConnection(cb: (c: Connection) => void): () => void;
  /** onMenu reports app-menu actions (desktop only; the browser never fires it). */
  onMenu(cb: (m: MenuAction) => void): () => void;
}

/** LabClient is LabApi plus events; `transport` says which bridge carries it. */
export interface LabClient extends LabApi, LabEvents {
  readonly transport: 'ipc' | 'http';
}

/**
 * LabTransport carries commands and events between a LabClient and the lab. It knows the
 * table's names and wire arguments only; packing and checking arguments is the table's.
 */
export interface LabTransport extends LabEvents {
  readonly kind: LabClient['transport'];
  /** send delivers command `name` with its wire argument and resolves with the lab's answer; refusals reject with LabError. */
  send(name: CommandName, wire: unknown): Promise<unknown>;
}

/** LabError is a refused or failed call, with the lab's own one-line message. */
export class LabError extends Error {
  /** status: the HTTP status when there was one. */
  readonly status: number | null;
  constructor(message: string, status: number | null = null) {
    super(message);
    this.name = 'LabError';
    this.status = status;
  }
}

let current: LabClient | null = null;

/** setLabClient installs the client the stores use (the app at start, tests per test). */
export function setLabClient(c: LabClient | null): void {
  current = c;
}

/** labClient returns the installed client; a store calling it before start-up is a bug. */
export function labClient(): LabClient {
  if (!current) throw new LabError('the lab is not connected yet');
  return current;
}

/** errorText turns anything thrown into one line for the UI. */
export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message.split('\n')[0] ?? e.message;
  return String(e);
}

/** isLabEvent checks the shape of an event off the wire before any store sees it. */
export function isLabEvent(x: unknown): x is LabEvent {
  if (!isRecord(x)) return false;
  switch (x.type) {
    case 'log':
      return isRecord(x.record) && typeof x.record.kind === 'string' && typeof x.record.seq === 'number';
    case 'cluster':
      return isRecord(x.cluster) && Array.isArray(x.cluster.nodes);
    case 'load-progress':
      return typeof x.done === 'number' && typeof x.total === 'number';
    case 'load-done':
      return isRecord(x.summary);
    case 'check':
      return isRecord(x.check) && typeof x.check.ops === 'number' && typeof x.check.lagOps === 'number';
    case 'scenario':
      return isRecord(x.scenario) && typeof x.scenario.name === 'string' && Array.isArray(x.scenario.stepStates);
    default:
      return false;
  }
}
