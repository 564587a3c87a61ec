/**
 * Unsafe modes in a real Chromium against a real lab: the New-cluster dialog breaks a rule
 * (reads: local, no fencing), the header shows the broken rules in red for as long as they
 * are in force, GET /api/cluster echoes them; the console's cluster command makes a safe
 * cluster again (the badge goes) and then one with lease reads. Screenshots in artifacts/e2e/unsafe/.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import { UNSAFE_DEFAULTS } from '../../src-main/api/unsafe';
import { headerLayout, labInBrowser, markStart, screenshot } from './helpers';

describe('unsafe modes in the browser', () => {
  const lab = labInBrowser('unsafe', ['--nodes', '3', '--heartbeat-ms', '50', '--election-ms', '300']);

  const view = async (): Promise<ClusterView> => (await (await lab.served.api('/api/cluster')).json()) as ClusterView;
  const badge = () => lab.page.getByTestId('unsafe-badge');

  const consoleRun = (line: string): Promise<void> => lab.consoleRun(line);

  it(
    'the dialog breaks a rule, the header says so in red, the console puts it back',
    { timeout: 180_000 },
    async () => {
      onTestFailed(async () => {
        await screenshot(lab.page, 'unsafe-failure').catch(() => undefined);
      });
      markStart();
      await lab.page.goto(lab.served.pageUrl);
      await expect
        .poll(async () => lab.page.getByTestId('connection').textContent(), { timeout: 30_000 })
        .toBe('connected');
      expect(await badge().count()).toBe(0);

      await lab.page.getByRole('button', { name: 'New cluster…' }).click();
      const dialog = lab.page.getByRole('dialog', { name: 'New cluster' });
      await dialog.getByText('Unsafe modes').click();
      await dialog.getByLabel('Reads').selectOption('local');
      await dialog.getByLabel('no fencing').check();
      await expect
        .poll(async () => dialog.getByTestId('unsafe-modes').textContent())
        .toContain('reads=local · fencing=false');
      await screenshot(lab.page, 'unsafe-dialog');
      await dialog.getByRole('button', { name: 'Create cluster' }).click();

      await expect.poll(async () => dialog.count(), { timeout: 60_000 }).toBe(0);
      await expect
        .poll(async () => badge().textContent(), { timeout: 10_000 })
        .toBe('UNSAFE reads=local · fencing=false');
      const bg = await badge().evaluate((el) => getComputedStyle(el).backgroundColor);
      expect(bg).toBe('rgb(127, 29, 29)');
      expect(await badge().getAttribute('title')).toMatch(/fencing false: the fenced resource accepts stale tokens/);
      expect((await view()).unsafe).toEqual({ ...UNSAFE_DEFAULTS, reads: 'local', fencing: false });
      await screenshot(lab.page, 'unsafe-header');
      // At 1400×900 the header stays one row with the UNSAFE chip on: Export run and Open run…
      // do not drop to a second line, and the chip's words all show (the summary gives way first).
      const one = await headerLayout(lab.page);
      expect(one.rows, JSON.stringify(one.items)).toBe(1);
      expect(one.cut).not.toContain('UNSAFE reads=local · fencing=false');
      expect(one.items.map((i) => i.text)).toEqual(expect.arrayContaining(['Export run', 'Open run…']));

      // The console's cluster command: every setting left out is safe again, so the badge goes.
      const out = () => lab.page.getByTestId('console-output').textContent();
      await consoleRun('cluster 3 raft');
      await expect.poll(out, { timeout: 60_000 }).toContain('a fresh 3-node cluster (raft), every rule kept');
      await expect.poll(async () => badge().count(), { timeout: 10_000 }).toBe(0);
      expect((await view()).unsafe).toEqual(UNSAFE_DEFAULTS);
      // A safe cluster with a leader: one row, and no chip cut short.
      await expect
        .poll(async () => lab.page.getByTestId('leader').textContent(), { timeout: 30_000 })
        .toMatch(/^leader n/);
      const safe = await headerLayout(lab.page);
      expect(safe.rows, JSON.stringify(safe.items)).toBe(1);
      expect(safe.cut).toEqual([]);
      await consoleRun('cluster reads=lease');
      await expect.poll(async () => badge().textContent(), { timeout: 60_000 }).toBe('UNSAFE reads=lease');
      await expect.poll(out, { timeout: 60_000 }).toContain('a fresh cluster — UNSAFE: reads=lease');
      await screenshot(lab.page, 'unsafe-console');

      // Every rule broken at once, 9 nodes: still one row; the long chips end in "…" and
      // keep their whole words in the tooltip, and UNSAFE itself still shows.
      await consoleRun(
        'cluster 9 raft reads=local commitRule=count-old-terms fsync=false sessions=false fencing=false prevote=false checkQuorum=false',
      );
      await expect
        .poll(async () => badge().textContent(), { timeout: 60_000 })
        .toMatch(/^UNSAFE reads=local · commitRule=/);
      const long = await headerLayout(lab.page);
      expect(long.rows, JSON.stringify(long.items)).toBe(1);
      const shown = await badge().evaluate((el) => el.clientWidth);
      expect(shown).toBeGreaterThan(100);
      await screenshot(lab.page, 'unsafe-header-long');
    },
  );
});
