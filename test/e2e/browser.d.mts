/** Types of test/e2e/browser.mjs (finding a Chromium-family browser for the browser tests). */

/** BROWSER_ENV names the environment variable that picks the browser (QUORUM_CHROMIUM). */
export const BROWSER_ENV: string;

/** browserCandidates lists where a Chromium-family browser may be installed on `platform`, in order of preference. */
export function browserCandidates(platform: string, env: Record<string, string | undefined>, home?: string): string[];

/** installHint says, in one line, what to install on `platform`. */
export function installHint(platform: string): string;

/** findChromium returns the browser to drive, or null and one line saying what to install. */
export function findChromium(o?: {
  platform?: string;
  env?: Record<string, string | undefined>;
  isExecutable?: (path: string) => boolean;
  home?: string;
}): { path: string | null; problem: string | null };
