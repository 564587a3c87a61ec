/** Types of scripts/check-package.mjs (what a packed app must and must not hold), for its tests. */

/** REQUIRED_UNPACKED are files a node process loads from app.asar.unpacked. */
export const REQUIRED_UNPACKED: string[];
/** FORBIDDEN are path prefixes that must appear nowhere in the package. */
export const FORBIDDEN: string[];

/** asarFiles lists the files inside app.asar. */
export function asarFiles(asar: string, list?: (asar: string) => string[]): string[];

/** checkPackedApp returns what is wrong with the packed app whose resources folder is `resources`. */
export function checkPackedApp(resources: string, list?: (asar: string) => string[]): string[];
