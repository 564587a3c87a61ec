/**
 * Before any test: bundle the node entry into out/node/main.mjs (a fraction of a second),
 * so the real-process tests run the same file the installed app ships (the lab picks the
 * bundle when it is up to date: src-main/lab/node-entry.ts); and build the browser UI
 * into dist-web/ if it is missing or stale, once, rather than in every `quorum-lab serve`
 * the tests start (each would build it on first use).
 */
import { buildNodeEntry } from '../scripts/node-entry-build.mjs';
import { DEFAULT_WEB_ROOT } from '../src-main/web/http-host';
import { ensureWebBuilt } from '../src-main/web/web-build';

export default async function setup(): Promise<void> {
  await buildNodeEntry();
  const web = await ensureWebBuilt(DEFAULT_WEB_ROOT, true, (line) => console.log(`test setup: ${line}`));
  if (!web.built && web.why) throw new Error(`test setup: the browser UI could not be built: ${web.why}`);
}
