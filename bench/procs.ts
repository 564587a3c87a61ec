/**
 * Child processes of the bench (etcd members, the lab host, and the lab's node processes
 * it reports), tracked by PID so every one is ended on the way out: normal end, an error,
 * Ctrl-C or SIGTERM. Nothing here ends a process by name.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const live = new Map<number, { name: string; child: ChildProcess | null }>();
const cleanups: (() => void)[] = [];
let hooked = false;

/** onExit registers a synchronous cleanup (e.g. removing a temp dir) run when the bench exits, however it exits. */
export function onExit(fn: () => void): void {
  hookExit();
  cleanups.push(fn);
}

/** startProcess spawns a command and registers its PID for cleanup. */
export function startProcess(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
  hookExit();
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  if (child.pid === undefined) {
    // spawn reports ENOENT asynchronously; a missing pid means it never started.
    throw new Error(`could not start ${name}: ${cmd}`);
  }
  const pid = child.pid;
  live.set(pid, { name, child });
  child.once('exit', () => live.delete(pid));
  return child;
}

/** adoptPid registers a process the bench caused to exist (e.g. a lab node) so cleanup ends it too. */
export function adoptPid(name: string, pid: number): void {
  hookExit();
  if (!live.has(pid)) live.set(pid, { name, child: null });
}

/** forgetPid drops a PID that is known to be gone (killed and reaped by its owner). */
export function forgetPid(pid: number): void {
  live.delete(pid);
}

/** isAlive says whether a PID still names a running process. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** killPid sends a signal to one PID, ignoring a process that is already gone. */
export function killPid(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** waitExit resolves when a child exits, or after timeoutMs (false then). */
export function waitExit(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** stopAll asks every tracked process to stop (SIGTERM), then SIGKILLs whatever is left after graceMs. */
export async function stopAll(graceMs = 3000): Promise<void> {
  const pids = [...live.keys()];
  for (const pid of pids) killPid(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && pids.some(isAlive)) await sleep(50);
  for (const pid of pids) {
    if (isAlive(pid)) killPid(pid, 'SIGKILL');
    live.delete(pid);
  }
}

/** killAllNow SIGKILLs every tracked process synchronously (for the process 'exit' hook). */
function killAllNow(): void {
  for (const pid of live.keys()) killPid(pid, 'SIGKILL');
  live.clear();
  for (const fn of cleanups.splice(0)) {
    try {
      fn();
    } catch {
      // best effort on the way out
    }
  }
}

/** sleep waits ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.once('exit', killAllNow);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      console.error(`\nbench: ${sig}, stopping ${live.size} process(es)`);
      void stopAll(2000).finally(() => process.exit(130));
    });
  }
}
