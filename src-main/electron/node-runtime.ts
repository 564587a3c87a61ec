/**
 * How the desktop app starts node processes. Every node runs the bundled node entry
 * (out/node/main.mjs, built by `electron-vite build`: no TypeScript, no tsx at run time)
 * as its own OS process, forked with an IPC channel, so SIGKILL and SIGSTOP reach it and
 * the cluster token travels over that channel (never argv or the environment).
 *
 * - The installed app runs nodes on its own runtime: the app's binary as plain Node
 *   (ELECTRON_RUN_AS_NODE=1, which the RunAsNode fuse keeps working; see
 *   scripts/after-pack.mjs), with the better-sqlite3 the release build made for Electron's
 *   ABI. No Node.js is needed on the user's machine.
 * - From a checkout (`npm start`), better-sqlite3 is npm's Node-ABI build, so nodes run on
 *   the system `node` on PATH; without one, on Electron as Node with an Electron-ABI build
 *   named by QUORUM_SQLITE_BINDING (see resources/README.md).
 *
 * A packaged app's code lives in app.asar; the node bundle and better-sqlite3 are unpacked
 * next to it (package.json build.asarUnpack) and run from app.asar.unpacked as plain files.
 * No 'electron' import here, so this is testable under plain Node.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { forkSpawner, type SpawnNode } from '../lab/supervisor';

/** NodeRuntime is the interpreter that runs node processes and the environment it needs. */
export interface NodeRuntime {
  execPath: string;
  env: Record<string, string>;
  /** why: one line for the log, saying which runtime was chosen and why. */
  why: string;
}

/** NODE_BUNDLE_PATH is the bundled node entry, relative to the app's root. */
export const NODE_BUNDLE_PATH = ['out', 'node', 'main.mjs'] as const;

/** findOnPath returns the first executable `name` on the PATH string, or null. */
export function findOnPath(
  name: string,
  pathEnv: string | undefined,
  isWindows = process.platform === 'win32',
): string | null {
  if (!pathEnv) return null;
  const exts = isWindows ? ['.exe', '.cmd', ''] : [''];
  for (const dir of pathEnv.split(isWindows ? ';' : delimiter)) {
    if (dir === '') continue;
    for (const ext of exts) {
      const p = join(dir, name + ext);
      try {
        accessSync(p, constants.X_OK);
        return p;
      } catch {
        /* not here */
      }
    }
  }
  return null;
}

/**
 * chooseNodeRuntime picks the interpreter for node processes: the app's own binary as Node
 * when packaged; from a checkout the system node on PATH, else Electron as Node with an
 * Electron-ABI SQLite binding from `electronBinding` (if that file exists; otherwise the
 * nodes fail to open SQLite and say so in the run log).
 */
export function chooseNodeRuntime(opts: {
  packaged?: boolean;
  pathEnv: string | undefined;
  electronExecPath: string;
  electronBinding: string;
}): NodeRuntime {
  if (opts.packaged)
    return {
      execPath: opts.electronExecPath,
      env: { ELECTRON_RUN_AS_NODE: '1' },
      why: `nodes run on the app's own runtime as Node (${opts.electronExecPath})`,
    };
  const sys = findOnPath('node', opts.pathEnv);
  if (sys) return { execPath: sys, env: {}, why: `nodes run on the system Node.js at ${sys}` };
  const env: Record<string, string> = { ELECTRON_RUN_AS_NODE: '1' };
  if (existsSync(opts.electronBinding)) env.QUORUM_SQLITE_BINDING = opts.electronBinding;
  return {
    execPath: opts.electronExecPath,
    env,
    why: existsSync(opts.electronBinding)
      ? `no node on PATH: nodes run on Electron as Node with ${opts.electronBinding}`
      : `no node on PATH and no Electron-ABI SQLite binding at ${opts.electronBinding}: nodes cannot open SQLite (install Node.js)`,
  };
}

/** unpackedRoot maps a packaged app's root (…/app.asar) to the folder its unpacked files are in (…/app.asar.unpacked). */
export function unpackedRoot(appRoot: string): string {
  return basename(appRoot) === 'app.asar' ? `${appRoot}.unpacked` : appRoot;
}

/** nodeBundle is the bundled node entry of the app at `appRoot` (unpacked, in a packaged app). */
export function nodeBundle(appRoot: string): string {
  return join(unpackedRoot(appRoot), ...NODE_BUNDLE_PATH);
}

/** nodeSpawner returns the Supervisor's SpawnNode for `runtime`, running the bundled node entry of the app at `appRoot`. */
export function nodeSpawner(runtime: NodeRuntime, appRoot: string): SpawnNode {
  // No loader flags: the bundle is plain JavaScript, and the runtime may be Electron as Node.
  return forkSpawner({ script: nodeBundle(appRoot), execPath: runtime.execPath, execArgv: [], env: runtime.env });
}
