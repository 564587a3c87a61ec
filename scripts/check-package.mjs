// What a packed app must and must not hold, checked on electron-builder's output by the
// afterPack hook (before the installers are made) and runnable by hand:
//   node scripts/check-package.mjs release/linux-unpacked/resources
// The nodes run the bundle on the app's own runtime, so the package needs the bundle and
// better-sqlite3 (with its .node) unpacked beside app.asar, and must not carry the
// TypeScript sources or tsx: nothing in the installed app compiles TypeScript.
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** REQUIRED_UNPACKED are files a node process loads from app.asar.unpacked. */
export const REQUIRED_UNPACKED = ['out/node/main.mjs', 'node_modules/better-sqlite3/package.json'];
/** CHECK_WORKER is the live checker's worker thread, built beside the main process (electron.vite.config.ts). */
export const CHECK_WORKER = 'out/main/live-check-worker.mjs';
/** FORBIDDEN are path prefixes that must appear nowhere in the package. */
export const FORBIDDEN = ['src-main/', 'node_modules/tsx/', 'node_modules/esbuild/', 'node_modules/@esbuild/'];

/** filesUnder lists the files of a folder tree as paths relative to it, with '/' separators. */
function filesUnder(dir, prefix = '') {
  if (!existsSync(dir)) return [];
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix + e.name;
    if (e.isDirectory()) out.push(...filesUnder(join(dir, e.name), `${rel}/`));
    else out.push(rel);
  }
  return out;
}

/** asarFiles lists the files inside app.asar (relative, '/' separators); `list` stands in for @electron/asar in tests. */
export function asarFiles(asar, list = defaultList) {
  return list(asar).map((p) => p.replace(/\\/g, '/').replace(/^\//, ''));
}

function defaultList(asar) {
  const require = createRequire(import.meta.url);
  return require('@electron/asar').listPackage(asar, { isPack: false });
}

/** checkPackedApp returns what is wrong with the packed app whose resources folder is `resources` ([] when nothing). */
export function checkPackedApp(resources, list = defaultList) {
  const asar = join(resources, 'app.asar');
  if (!existsSync(asar)) return [`no app.asar in ${resources}`];
  const packed = asarFiles(asar, list);
  const unpacked = filesUnder(join(resources, 'app.asar.unpacked'));
  const problems = [];
  for (const f of REQUIRED_UNPACKED)
    if (!unpacked.includes(f)) problems.push(`${f} is not unpacked beside app.asar (node processes load it as a file)`);
  if (!unpacked.some((f) => f.startsWith('node_modules/better-sqlite3/') && f.endsWith('.node')))
    problems.push('no better_sqlite3 .node is unpacked: the nodes cannot open SQLite');
  if (!packed.includes('out/main/index.js')) problems.push('out/main/index.js (the main process) is not in app.asar');
  if (![...packed, ...unpacked].includes(CHECK_WORKER))
    problems.push(
      `${CHECK_WORKER} (the live checker's worker) is not packed: the checker would run on the main process`,
    );
  for (const f of [...packed, ...unpacked])
    for (const bad of FORBIDDEN) if (f.startsWith(bad)) problems.push(`${f} is packed, but ${bad} must not ship`);
  return [...new Set(problems)];
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const resources = process.argv[2];
  if (!resources) {
    console.error('usage: node scripts/check-package.mjs <packed app>/resources');
    process.exit(2);
  }
  const problems = checkPackedApp(resources);
  for (const p of problems.slice(0, 50)) console.error(`check-package: ${p}`);
  if (problems.length > 0) process.exit(1);
  console.log(`check-package: ${resources} holds the node bundle and SQLite unpacked, and no sources or tsx`);
}
