/**
 * The desktop bridge's types: what the preload exposes as window.lab (one method per
 * command of the table, plus `on` for the two event channels), what every call answers,
 * and what the app menu asks of the renderer. No Electron import: the renderer's IPC
 * transport uses these types too.
 */
import type { CommandName } from './commands';
import type { ExportResult, LabEvent, SavedRun } from './contract';

/** MenuAction is what the app menu asks the renderer to do. */
export type MenuAction =
  | { action: 'new-cluster' }
  | { action: 'exported'; result: ExportResult }
  | { action: 'opened'; run: SavedRun; dir: string }
  | { action: 'error'; message: string }
  | { action: 'notice'; message: string }
  | { action: 'shortcuts' }
  | { action: 'about'; version: string };

/** BridgeEvents maps each event the preload forwards to its payload. */
export interface BridgeEvents {
  event: LabEvent;
  menu: MenuAction;
}

/** BRIDGE_EVENT_CHANNELS are the IPC channels of the bridge's events. */
export const BRIDGE_EVENT_CHANNELS: Readonly<Record<keyof BridgeEvents, string>> = {
  event: 'lab:event',
  menu: 'lab:menu',
};

/** IpcReply wraps every answer over IPC so a refused argument comes back as a plain message. */
export type IpcReply = { ok: true; value: unknown } | { ok: false; error: string };

/** BridgeCommands: one method per command; each sends the command's wire argument, which the main process validates. */
export type BridgeCommands = { readonly [K in CommandName]: (wire?: unknown) => Promise<IpcReply> };

/** LabBridge is window.lab, exposed by the preload through contextBridge. */
export interface LabBridge extends BridgeCommands {
  /** on subscribes to an event; returns the unsubscribe function. */
  on<K extends keyof BridgeEvents>(event: K, cb: (payload: BridgeEvents[K]) => void): () => void;
}

// A command named 'on' would clash with the event method, and one named 'event' or 'menu'
// with an event channel: make either a compile error.
const _noReservedCommandNames: [Extract<CommandName, 'on' | 'event' | 'menu'>] extends [never] ? true : never = true;
