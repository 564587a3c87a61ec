/** Types of scripts/node-entry-build.mjs (the node entry's bundle build), for tests and benches. */

/** NODE_ENTRY_SOURCE is the node process's TypeScript entry. */
export const NODE_ENTRY_SOURCE: string;
/** NODE_BUNDLE_DIR is where the bundle goes by default (out/node). */
export const NODE_BUNDLE_DIR: string;
/** NODE_BUNDLE_FILE is the bundle's file name (main.mjs). */
export const NODE_BUNDLE_FILE: string;
/** NODE_TARGET is the syntax level of the bundle. */
export const NODE_TARGET: string;

/** buildNodeEntry bundles the node entry into `outDir` and resolves with the bundle's path. */
export function buildNodeEntry(outDir?: string, logLevel?: 'info' | 'warn' | 'error' | 'silent'): Promise<string>;

/** nodeEntry is the electron-vite plugin that builds the node entry after the main process. */
export function nodeEntry(): { name: string; apply: 'build'; closeBundle(): Promise<void> };
