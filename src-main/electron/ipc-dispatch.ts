/**
 * The IPC commands' argument checks and dispatch to LabService, with no Electron import
 * so they are unit-tested under plain Node. Every argument is validated with the same
 * schemas as the HTTP host (src-main/api/schemas.ts) before the lab sees it.
 */
import type { LabService } from '../lab/lab-service';
import { assertNever } from '../core/types';
import {
  isRecord,
  validateBalance,
  validateClusterSettings,
  validateDir,
  validateFencedWrite,
  validateKvRequest,
  validateLinkRule,
  validateLoadRequest,
  validateLockRequest,
  validateNodeId,
  validatePartition,
  validateRenewRequest,
  validateSince,
  validateTimeScale,
  validateUnlockRequest,
  type Checked,
} from '../api/schemas';
import type { IpcCommand } from './ipc-commands';

/** LabCalls is the part of LabService the IPC commands reach. */
export type LabCalls = Pick<
  LabService,
  | 'cluster'
  | 'createCluster'
  | 'crash'
  | 'restart'
  | 'pause'
  | 'resume'
  | 'inspect'
  | 'partition'
  | 'heal'
  | 'setLink'
  | 'setTimeScale'
  | 'setBalance'
  | 'kv'
  | 'lock'
  | 'renew'
  | 'unlock'
  | 'fencedWrite'
  | 'load'
  | 'log'
  | 'history'
  | 'exportRun'
  | 'openRun'
>;

/** Refused is an IPC argument the schemas turned down. */
export class Refused extends Error {}

function take<T>(c: Checked<T>): T {
  if (!c.ok) throw new Refused(c.error);
  return c.value;
}

function none(arg: unknown, cmd: string): void {
  if (arg !== undefined && arg !== null && !(isRecord(arg) && Object.keys(arg).length === 0))
    throw new Refused(`${cmd} takes no argument`);
}

function nodeArg(arg: unknown): string {
  if (!isRecord(arg)) throw new Refused('expected { id: "n1" }');
  return take(validateNodeId(arg.id));
}

/** dispatch validates `arg` for `cmd` and calls the lab. */
export async function dispatch(lab: LabCalls, cmd: IpcCommand, arg: unknown): Promise<unknown> {
  switch (cmd) {
    case 'cluster':
      none(arg, cmd);
      return lab.cluster();
    case 'createCluster':
      return lab.createCluster(take(validateClusterSettings(arg)));
    case 'crash':
      return lab.crash(nodeArg(arg));
    case 'restart':
      return lab.restart(nodeArg(arg));
    case 'pause':
      return lab.pause(nodeArg(arg));
    case 'resume':
      return lab.resume(nodeArg(arg));
    case 'inspect':
      return lab.inspect(nodeArg(arg));
    case 'partition':
      return lab.partition(take(validatePartition(arg)));
    case 'heal':
      none(arg, cmd);
      return lab.heal();
    case 'setLink':
      return lab.setLink(take(validateLinkRule(arg)));
    case 'setTimeScale':
      return lab.setTimeScale(take(validateTimeScale(arg)));
    case 'setBalance': {
      const b = take(validateBalance(arg));
      return lab.setBalance(b.algorithm, b.weights);
    }
    case 'kv':
      return lab.kv(take(validateKvRequest(arg)));
    case 'lock':
      return lab.lock(take(validateLockRequest(arg)));
    case 'renew':
      return lab.renew(take(validateRenewRequest(arg)));
    case 'unlock':
      return lab.unlock(take(validateUnlockRequest(arg)));
    case 'fencedWrite':
      return lab.fencedWrite(take(validateFencedWrite(arg)));
    case 'load':
      return lab.load(take(validateLoadRequest(arg)));
    case 'log':
      return lab.log(take(validateSince(isRecord(arg) ? arg.since : arg)));
    case 'history':
      none(arg, cmd);
      return lab.history();
    case 'exportRun':
      return lab.exportRun(take(validateDir(arg ?? {}, false)));
    case 'openRun':
      return lab.openRun(take(validateDir(arg, true)) as string);
    default:
      return assertNever(cmd, 'ipc command');
  }
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
