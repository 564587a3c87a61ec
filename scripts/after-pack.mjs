// electron-builder's afterPack hook (package.json build.afterPack): checks what was packed
// (scripts/check-package.mjs: the node bundle and better-sqlite3 unpacked, no TypeScript
// sources, no tsx), then flips the packaged Electron binary's fuses before it is signed.
// Fuses are compile-time switches in the binary; turning one off removes a way to make the
// installed app run code it did not ship.
//
//  RunAsNode                   on: the app's node processes are the app's own binary run as
//                              Node (ELECTRON_RUN_AS_NODE=1, electron/node-runtime.ts), so the
//                              installed app needs no Node.js. docs/SECURITY.md weighs it.
//  EnableCookieEncryption      on: cookies on disk are encrypted with an OS-held key.
//  EnableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments
//                              off: NODE_OPTIONS / --inspect cannot inject code (into the app
//                              or into its nodes: the fuses hold in run-as-Node mode too).
//  EnableEmbeddedAsarIntegrityValidation
//                              on where Electron supports it (macOS, Windows): app.asar
//                              must match the hash electron-builder embeds.
//  OnlyLoadAppFromAsar         on: the app's code is loaded from app.asar only.
//  LoadBrowserProcessSpecificV8Snapshot
//                              off: no separate snapshot file is read for the main process.
//  GrantFileProtocolExtraPrivileges
//                              off: the window's page comes from the app's own scheme
//                              (quorum://app), not file://, so file:// needs no extra powers.
import { join } from 'node:path';
import { checkPackedApp } from './check-package.mjs';

/** fuseConfig is the fuse wire for one packaged platform; it names the fuses by their @electron/fuses option numbers. */
export function fuseConfig(fuses, { platform, arch }) {
  const o = fuses.FuseV1Options;
  return {
    version: fuses.FuseVersion.V1,
    // An arm64 macOS binary is ad-hoc signed; flipping fuses breaks that signature unless it is redone.
    resetAdHocDarwinSignature: platform === 'darwin' && arch === 'arm64',
    [o.RunAsNode]: true,
    [o.EnableCookieEncryption]: true,
    [o.EnableNodeOptionsEnvironmentVariable]: false,
    [o.EnableNodeCliInspectArguments]: false,
    [o.EnableEmbeddedAsarIntegrityValidation]: platform === 'darwin' || platform === 'win32',
    [o.OnlyLoadAppFromAsar]: true,
    [o.LoadBrowserProcessSpecificV8Snapshot]: false,
    [o.GrantFileProtocolExtraPrivileges]: false,
  };
}

/** ARCH_NAMES maps electron-builder's Arch enum (its numbers) to names. */
const ARCH_NAMES = ['ia32', 'x64', 'armv7l', 'arm64', 'universal'];

/** packagedPaths finds the Electron binary (the .app bundle on macOS) and the resources folder in a packed app. */
export function packagedPaths(context) {
  const platform = context.electronPlatformName;
  const name = context.packager.appInfo.productFilename;
  if (platform === 'darwin') {
    const app = join(context.appOutDir, `${name}.app`);
    return { binary: app, resources: join(app, 'Contents', 'Resources') };
  }
  const exe = platform === 'win32' ? `${name}.exe` : context.packager.executableName;
  return { binary: join(context.appOutDir, exe), resources: join(context.appOutDir, 'resources') };
}

/**
 * afterPack checks the packed files and flips the fuses of the app electron-builder just
 * packed (`load` brings in @electron/fuses, `check` the content check; tests stand in for both).
 */
export default async function afterPack(context, load = () => import('@electron/fuses'), check = checkPackedApp) {
  const { binary, resources } = packagedPaths(context);
  const problems = check(resources);
  if (problems.length > 0) throw new Error(`the packed app is not what ships:\n  ${problems.join('\n  ')}`);
  const fuses = await load();
  const platform = context.electronPlatformName;
  const arch = typeof context.arch === 'number' ? ARCH_NAMES[context.arch] : context.arch;
  const config = fuseConfig(fuses, { platform, arch });
  await fuses.flipFuses(binary, config);
  console.log(`  • packed files checked; fuses flipped on ${binary}`);
  return config;
}
