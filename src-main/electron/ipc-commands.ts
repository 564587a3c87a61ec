/**
 * The IPC surface between the preload and the main process: one command per LabApi
 * method, each taking the same JSON argument as its HTTP route, so the main process
 * validates it with the same schemas (src-main/api/schemas.ts). No Electron imports
 * here: the renderer's IPC transport imports these names and types too.
 */
import type { LabEvent, SavedRun, ExportResult } from '../api/contract';

/** IPC_COMMANDS lists every command window.lab.invoke accepts (one per LabApi method). */
export const IPC_COMMANDS = [
  'cluster',
  'createCluster',
  'crash',
  'restart',
  'pause',
  'resume',
  'inspect',
  'partition',
  'heal',
  'setLink',
  'setTimeScale',
  'setBalance',
  'kv',
  'lock',
  'renew',
  'unlock',
  'fencedWrite',
  'load',
  'log',
  'history',
  'exportRun',
  'openRun',
] as const;

/** IpcCommand names one command. */
export type IpcCommand = (typeof IPC_COMMANDS)[number];

/** IPC_CHANNEL_PREFIX prefixes every invoke channel ('lab:crash', …). */
export const IPC_CHANNEL_PREFIX = 'lab:';

/** MenuAction is what the app menu asks the renderer to do. */
export type MenuAction =
  | { action: 'new-cluster' }
  | { action: 'exported'; result: ExportResult }
  | { action: 'opened'; run: SavedRun; dir: string }
  | { action: 'error'; message: string }
  | { action: 'shortcuts' }
  | { action: 'about'; version: string };

/** BridgeEvents maps each event the preload forwards to its payload. */
export interface BridgeEvents {
  event: LabEvent;
  menu: MenuAction;
}

/** IpcReply wraps every invoke answer so a refused argument comes back as a plain message. */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: string };

/** LabBridge is window.lab, exposed by the preload through contextBridge. */
export interface LabBridge {
  invoke(cmd: IpcCommand, arg?: unknown): Promise<IpcReply>;
  /** on subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof BridgeEvents>(event: K, cb: (payload: BridgeEvents[K]) => void): () => void;
}
