/** Types of scripts/after-pack.mjs (electron-builder's afterPack hook), for its tests. */

import type * as Fuses from '@electron/fuses';

/** FusesModule is @electron/fuses, which the hook loads (tests may stand in for it). */
export type FusesModule = typeof Fuses;

/** PackContext is the part of electron-builder's AfterPackContext the hook reads. */
export interface PackContext {
  electronPlatformName: string;
  appOutDir: string;
  arch: number | string;
  packager: { appInfo: { productFilename: string }; executableName: string };
}

/** fuseConfig is the fuse wire for one packaged platform. */
export function fuseConfig(
  fuses: FusesModule,
  o: { platform: string; arch: string | undefined },
): Record<string | number, unknown>;

/** packagedPaths finds the Electron binary and the resources folder in a packed app. */
export function packagedPaths(context: PackContext): { binary: string; resources: string };

/** afterPack checks the packed files and flips the fuses of the packed app. */
export default function afterPack(
  context: PackContext,
  load?: () => Promise<FusesModule>,
  check?: (resources: string) => string[],
): Promise<Record<string | number, unknown>>;
