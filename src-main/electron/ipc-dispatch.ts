/**
 * The IPC commands' argument checks and dispatch to LabService, with no Electron import
 * so they are unit-tested under plain Node. Every command is a row of the command table
 * (api/commands.ts): its wire argument is checked by the row's validator — the same one
 * the HTTP host uses — before the lab sees it. Export and Open are the exceptions: in the
 * desktop app the window sends no folder at all; the main process asks the user in a
 * dialog (./desktop-runs.ts).
 */
import { callLab, decodeArgs, type CommandName, type LabApi, type ResultOf } from '../api/commands';
import { isRecord, MAX_BODY_DEPTH } from '../api/schemas';
import { boundedDepth } from '../core/validate';
import { APP_SCHEME } from './app-protocol';
import type { DesktopRuns } from './desktop-runs';

/** LabCalls is the part of LabService the IPC commands reach: the whole LabApi. */
export type LabCalls = LabApi;

/** Refused is an IPC argument the command's validator turned down. */
export class Refused extends Error {}

/** dispatch validates `arg` for `cmd` and calls the lab. */
export async function dispatch<K extends CommandName>(lab: LabCalls, cmd: K, arg: unknown): Promise<ResultOf<K>> {
  // An IPC argument arrives already parsed (structured clone: it may even hold cycles), so
  // its depth is bounded here, as an HTTP body's is while it is parsed.
  if (!boundedDepth(arg, MAX_BODY_DEPTH))
    throw new Refused(`the argument is nested deeper than ${MAX_BODY_DEPTH} levels`);
  const args = decodeArgs(cmd, arg);
  if (!args.ok) throw new Refused(args.error);
  return callLab(lab, cmd, args.value);
}

/** NO_PATHS_FROM_WINDOW is the refusal of a folder sent by the window. */
export const NO_PATHS_FROM_WINDOW =
  'the desktop app takes no folder from the window: Export run… and Open run… (File menu, Ctrl+S / Ctrl+O) ask for one in a dialog';

/** noArgument: nothing, or an object whose fields are all absent (what a client sends for an omitted argument). */
function noArgument(arg: unknown): boolean {
  return arg === undefined || arg === null || (isRecord(arg) && Object.values(arg).every((v) => v === undefined));
}

/**
 * dispatchDesktop is dispatch for the desktop window: exportRun and openRun take no
 * argument and go through `runs` (a dialog; a cancelled one is an error the window shows);
 * every other command goes to dispatch.
 */
export async function dispatchDesktop<K extends CommandName>(
  lab: LabCalls,
  runs: DesktopRuns,
  cmd: K,
  arg: unknown,
): Promise<ResultOf<K> | ResultOf<'exportRun' | 'openRun'>> {
  if (cmd !== 'exportRun' && cmd !== 'openRun') return dispatch(lab, cmd, arg);
  if (!noArgument(arg)) throw new Refused(NO_PATHS_FROM_WINDOW);
  if (cmd === 'exportRun') {
    const done = await runs.exportRun();
    if (!done) throw new Refused('export cancelled');
    return done;
  }
  const opened = await runs.openRun();
  if (!opened) throw new Refused('open cancelled');
  return opened.run;
}

/**
 * originOf returns a URL's origin: scheme://host[:port] for http(s), ws(s) and the app's
 * own scheme (which Node's URL calls opaque), "file://" for every file: URL, and '' for
 * anything else — an opaque origin (data:, about:, a sandboxed frame's "null") never
 * equals ours.
 */
export function originOf(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return '';
  }
  if (u.protocol === 'file:') return 'file://';
  if (u.protocol === `${APP_SCHEME}:`) return u.host === '' ? '' : `${APP_SCHEME}://${u.host}`;
  return u.origin === 'null' ? '' : u.origin;
}
