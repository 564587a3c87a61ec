/**
 * The IPC commands' argument checks and dispatch to LabService, with no Electron import
 * so they are unit-tested under plain Node. Every command is a row of the command table
 * (api/commands.ts): its wire argument is checked by the row's validator — the same one
 * the HTTP host uses — before the lab sees it.
 */
import { callLab, decodeArgs, type CommandName, type LabApi, type ResultOf } from '../api/commands';
import { MAX_BODY_DEPTH } from '../api/schemas';
import { boundedDepth } from '../core/validate';

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

/** originOf returns a URL's origin, treating every file: URL as one origin ("file://"). */
export function originOf(url: string): string {
  try {
    const u = new URL(url);
    return u.protocol === 'file:' ? 'file://' : u.origin;
  } catch {
    return '';
  }
}
