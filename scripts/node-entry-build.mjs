// The node process entry as one file: src-main/node/main.ts and everything it imports
// (protocol cores, storage, transport) bundled into out/node/main.mjs, with only
// better-sqlite3 (a native module) and Node's built-ins left outside. The installed app
// runs that file on Electron as Node, with no TypeScript and no tsx; the tests and
// `quorum-lab serve` can run the same file on the system Node.
//
// `.mjs` because the packaged file sits in app.asar.unpacked/out/node/, where no
// package.json says "type": "module". The target is the oldest Node the project supports
// (package.json engines), so one bundle runs on both runtimes.
//
// Run by hand: `node scripts/node-entry-build.mjs [OUT_DIR]`.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** NODE_ENTRY_SOURCE is the node process's TypeScript entry. */
export const NODE_ENTRY_SOURCE = join(ROOT, 'src-main', 'node', 'main.ts');
/** NODE_BUNDLE_DIR is where the bundle goes by default. */
export const NODE_BUNDLE_DIR = join(ROOT, 'out', 'node');
/** NODE_BUNDLE_FILE is the bundle's file name. */
export const NODE_BUNDLE_FILE = 'main.mjs';
/** NODE_TARGET is the syntax level of the bundle: the oldest supported Node. */
export const NODE_TARGET = 'node20';

/**
 * buildNodeEntry bundles the node entry into `outDir` and resolves with the bundle's path.
 * The file is written beside its final place and renamed over it, so a node process
 * starting meanwhile (another test, a running lab) reads the old file or the new one,
 * never half of one.
 */
export async function buildNodeEntry(outDir = NODE_BUNDLE_DIR, logLevel = 'warn') {
  const { build } = await import('vite');
  const staging = `${outDir}.building-${process.pid}`;
  await build({
    configFile: false,
    root: ROOT,
    logLevel,
    publicDir: false,
    // Bundle every import (the node has no node_modules of its own to load TypeScript from)…
    ssr: { noExternal: true, external: ['better-sqlite3'] },
    build: {
      ssr: NODE_ENTRY_SOURCE,
      outDir: staging,
      emptyOutDir: true,
      target: NODE_TARGET,
      minify: false,
      sourcemap: false,
      copyPublicDir: false,
      reportCompressedSize: false,
      rollupOptions: {
        // …except the native SQLite module and Node's built-ins.
        external: ['better-sqlite3', ...builtinModules.flatMap((m) => [m, `node:${m}`])],
        output: { format: 'es', entryFileNames: NODE_BUNDLE_FILE },
      },
    },
  });
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, NODE_BUNDLE_FILE);
  renameSync(join(staging, NODE_BUNDLE_FILE), file);
  rmSync(staging, { recursive: true, force: true });
  return file;
}

/** nodeEntry is the electron-vite plugin (main config) that builds the node entry after the main process. */
export function nodeEntry() {
  return {
    name: 'quorum-lab:node-entry',
    apply: 'build',
    async closeBundle() {
      const file = await buildNodeEntry();
      console.log(`out/node/${NODE_BUNDLE_FILE} (the node process entry) built: ${file}`);
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const file = await buildNodeEntry(process.argv[2] ?? NODE_BUNDLE_DIR, 'info');
  console.log(file);
}
