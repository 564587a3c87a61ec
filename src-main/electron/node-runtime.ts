/**
 * How the desktop app starts node processes. Nodes open SQLite through better-sqlite3,
 * whose native module is built for one ABI. npm installs the Node-ABI build, so inside
 * Electron we prefer the system `node` on PATH; only when there is none do we run nodes
 * with Electron's own binary as plain Node (ELECTRON_RUN_AS_NODE=1), which then needs a
 * better_sqlite3.node built for Electron's ABI, passed as QUORUM_SQLITE_BINDING.
 * In a packaged app the code lives in app.asar, which only Electron can read: the node
 * entry, tsx and better-sqlite3 are unpacked next to it (package.json build.asarUnpack)
 * and run from app.asar.unpacked.
 * No 'electron' import here, so this is testable under plain Node.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { forkSpawner, type SpawnNode } from '../lab/supervisor';

/** NodeRuntime is the interpreter that runs node processes and the environment it needs. */
export interface NodeRuntime {
  execPath: string;
  env: Record<string, string>;
  /** why: one line for the log, saying which runtime was chosen and why. */
  why: string;
}

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
 * chooseNodeRuntime picks the interpreter for node processes: system node on PATH, else
 * Electron as Node with an Electron-ABI SQLite binding from `electronBinding` (if that
 * file exists; otherwise the nodes will fail to open SQLite and say so in the run log).
 */
export function chooseNodeRuntime(opts: {
  pathEnv: string | undefined;
  electronExecPath: string;
  electronBinding: string;
}): NodeRuntime {
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

/** nodeSpawner returns the Supervisor's SpawnNode for `runtime`, running appRoot/src-main/node/main.ts under tsx (unpacked, in a packaged app). */
export function nodeSpawner(runtime: NodeRuntime, packagedRoot: string): SpawnNode {
  // A system Node cannot read app.asar: the node entry and its modules run unpacked.
  const appRoot = unpackedRoot(packagedRoot);
  // tsx by absolute URL: a desktop app's working directory is anywhere (often /), so a bare
  // `--import tsx` would not resolve.
  const tsx = pathToFileURL(join(appRoot, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  return forkSpawner({
    script: join(appRoot, 'src-main', 'node', 'main.ts'),
    execPath: runtime.execPath,
    execArgv: ['--import', tsx],
    env: runtime.env,
  });
}
