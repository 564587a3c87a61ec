/**
 * Which file a lab node process runs. The bundle (out/node/main.mjs: the node entry and
 * everything it imports as one JavaScript file, built by `electron-vite build` or
 * `node scripts/node-entry-build.mjs`) is what the installed app ships, and it starts a
 * cluster about twice as fast as the TypeScript entry under tsx (`bench/node-start.ts`).
 * The lab uses it whenever it is up to date — built after the last change to any source
 * under src-main/ — and the TypeScript entry otherwise, so an edited source is never
 * shadowed by a stale bundle. QUORUM_NODE_ENTRY=bundle|tsx forces one.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** NODE_SOURCE is the node process entry in TypeScript (run through tsx). */
export const NODE_SOURCE = fileURLToPath(new URL('../node/main.ts', import.meta.url));
/** NODE_BUNDLE is the bundled node entry. */
export const NODE_BUNDLE = fileURLToPath(new URL('../../out/node/main.mjs', import.meta.url));
/** SOURCE_ROOT is the folder whose files the bundle is made from (src-main/). */
const SOURCE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** newestSource is the latest modification time (ms) of any .ts file under `dir`. */
export function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** bundleIsFresh says whether `bundle` exists and is newer than every source under `sources`. */
export function bundleIsFresh(bundle = NODE_BUNDLE, sources = SOURCE_ROOT): boolean {
  if (!existsSync(bundle)) return false;
  return statSync(bundle).mtimeMs >= newestSource(sources);
}

/** NodeEntry is how a node process is started: the script and the runtime flags it needs. */
export interface NodeEntry {
  script: string;
  execArgv: string[];
  kind: 'bundle' | 'tsx';
}

/** chooseNodeEntry picks the bundle when it is fresh (or forced by QUORUM_NODE_ENTRY), else the TypeScript entry under tsx. */
export function chooseNodeEntry(env: NodeJS.ProcessEnv = process.env, fresh = bundleIsFresh): NodeEntry {
  const forced = env.QUORUM_NODE_ENTRY;
  const useBundle = forced === 'bundle' || (forced !== 'tsx' && fresh());
  return useBundle
    ? { script: NODE_BUNDLE, execArgv: [], kind: 'bundle' }
    : { script: NODE_SOURCE, execArgv: ['--import', 'tsx'], kind: 'tsx' };
}
