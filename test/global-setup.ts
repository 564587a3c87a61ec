/**
 * Before any test: bundle the node entry into out/node/main.mjs (a fraction of a second),
 * so the real-process tests run the same file the installed app ships (the lab picks the
 * bundle when it is up to date: src-main/lab/node-entry.ts).
 */
import { buildNodeEntry } from '../scripts/node-entry-build.mjs';

export default async function setup(): Promise<void> {
  await buildNodeEntry();
}
