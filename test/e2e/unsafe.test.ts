/**
 * Unsafe modes in a real Chromium against a real lab: the New-cluster dialog breaks a rule
 * (reads: local, no fencing), the header shows the broken rules in red for as long as they
 * are in force, GET /api/cluster echoes them; the console's cluster command makes a safe
 * cluster again (the badge goes) and then one with lease reads. Screenshots in artifacts/e2e/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import { UNSAFE_DEFAULTS } from '../../src-main/api/unsafe';
import {
  buildWeb,
  CHROMIUM,
  markStart,
  openBrowser,
  ROOT,
  screenshot,
  startServe,
  stopServe,
  type Served,
} from './helpers';

describe('unsafe modes in the browser', () => {
  let served: Served | null = null;
  let context: BrowserContext | null = null;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (see .ci/run)`);
    const web = buildWeb(join(ROOT, 'artifacts', 'e2e-web-unsafe'));
    served = await startServe(['--web', web, '--nodes', '3', '--heartbeat-ms', '50', '--election-ms', '300']);
    ({ context, page } = await openBrowser());
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await stopServe(served);
  });

  const view = async (): Promise<ClusterView> => (await (await served!.api('/api/cluster')).json()) as ClusterView;
  const badge = () => page.getByTestId('unsafe-badge');

  async function consoleRun(line: string): Promise<void> {
    const input = page.getByLabel('Console', { exact: true });
    await input.fill(line);
    await input.press('Enter');
  }

  it(
    'the dialog breaks a rule, the header says so in red, the console puts it back',
    { timeout: 180_000 },
    async () => {
      onTestFailed(async () => {
        await screenshot(page, 'unsafe-failure').catch(() => undefined);
      });
      markStart();
      await page.goto(served!.pageUrl);
      await expect
        .poll(async () => page.getByTestId('connection').textContent(), { timeout: 30_000 })
        .toBe('connected');
      expect(await badge().count()).toBe(0);

      await page.getByRole('button', { name: 'New cluster…' }).click();
      const dialog = page.getByRole('dialog', { name: 'New cluster' });
      await dialog.getByText('Unsafe modes').click();
      await dialog.getByLabel('Reads').selectOption('local');
      await dialog.getByLabel('no fencing').check();
      await expect
        .poll(async () => dialog.getByTestId('unsafe-modes').textContent())
        .toContain('reads=local · fencing=false');
      await screenshot(page, 'unsafe-dialog');
      await dialog.getByRole('button', { name: 'Create cluster' }).click();

      await expect.poll(async () => dialog.count(), { timeout: 60_000 }).toBe(0);
      await expect
        .poll(async () => badge().textContent(), { timeout: 10_000 })
        .toBe('UNSAFE reads=local · fencing=false');
      const bg = await badge().evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(bg).toBe('rgb(127, 29, 29)');
      expect(await badge().getAttribute('title')).toMatch(/fencing false: the fenced resource accepts stale tokens/);
      expect((await view()).unsafe).toEqual({ ...UNSAFE_DEFAULTS, reads: 'local', fencing: false });
      await screenshot(page, 'unsafe-header');

      // The console's cluster command: every setting left out is safe again, so the badge goes.
      const out = () => page.getByTestId('console-output').textContent();
      await consoleRun('cluster 3 raft');
      await expect.poll(out, { timeout: 60_000 }).toContain('a fresh 3-node cluster (raft), every rule kept');
      await expect.poll(async () => badge().count(), { timeout: 10_000 }).toBe(0);
      expect((await view()).unsafe).toEqual(UNSAFE_DEFAULTS);
      await consoleRun('cluster reads=lease');
      await expect.poll(async () => badge().textContent(), { timeout: 60_000 }).toBe('UNSAFE reads=lease');
      await expect.poll(out, { timeout: 60_000 }).toContain('a fresh cluster — UNSAFE: reads=lease');
      await screenshot(page, 'unsafe-console');
    },
  );
});
