// electron-builder's afterPack hook (package.json build.afterPack): flips the packaged
// Electron binary's fuses before it is signed. Fuses are compile-time switches in the
// binary; turning one off removes a way to make the installed app run code it did not ship.
//
//  RunAsNode                   on only if the app ships an Electron-ABI better-sqlite3
//                              (resources/sqlite-electron/): then nodes can run on Electron
//                              as Node where there is no system Node. Without it that
//                              fallback cannot open SQLite anyway, so the fuse goes off.
//  EnableCookieEncryption      on: cookies on disk are encrypted with an OS-held key.
//  EnableNodeOptionsEnvironmentVariable, EnableNodeCliInspectArguments
//                              off: NODE_OPTIONS / --inspect cannot inject code.
//  EnableEmbeddedAsarIntegrityValidation
//                              on where Electron supports it (macOS, Windows): app.asar
//                              must match the hash electron-builder embeds.
//  OnlyLoadAppFromAsar         on: the app's code is loaded from app.asar only.
//  LoadBrowserProcessSpecificV8Snapshot
//                              off: no separate snapshot file is read for the main process.
//  GrantFileProtocolExtraPrivileges
//                              off: the window's page comes from the app's own scheme
//                              (quorum://app), not file://, so file:// needs no extra powers.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** fuseConfig is the fuse wire for one packaged platform; it names the fuses by their @electron/fuses option numbers. */
export function fuseConfig(fuses, { platform, arch, shipsElectronSqlite }) {
  const o = fuses.FuseV1Options;
  return {
    version: fuses.FuseVersion.V1,
    // An arm64 macOS binary is ad-hoc signed; flipping fuses breaks that signature unless it is redone.
    resetAdHocDarwinSignature: platform === 'darwin' && arch === 'arm64',
    [o.RunAsNode]: shipsElectronSqlite,
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

/** afterPack flips the fuses of the app electron-builder just packed (`load` brings in @electron/fuses; tests stand in for it). */
export default async function afterPack(context, load = () => import('@electron/fuses')) {
  const fuses = await load();
  const { binary, resources } = packagedPaths(context);
  const shipsElectronSqlite = existsSync(join(resources, 'sqlite-electron', 'better_sqlite3.node'));
  const platform = context.electronPlatformName;
  const arch = typeof context.arch === 'number' ? ARCH_NAMES[context.arch] : context.arch;
  const config = fuseConfig(fuses, { platform, arch, shipsElectronSqlite });
  await fuses.flipFuses(binary, config);
  console.log(
    `  • fuses flipped on ${binary}: RunAsNode ${shipsElectronSqlite ? 'on (Electron-ABI SQLite shipped)' : 'off'}`,
  );
  return config;
}
