/**
 * The timeline, charts and replay in a real Chromium against a real 5-node lab: after a
 * crash and a 32-client put load, the crash's fault lane and its timeline row are still
 * there; the timeline keeps a bounded number of rows in the DOM however many events it
 * holds; a click on a row moves the shared cursor; a replay of the exported run has tick
 * marks, previous/next event buttons, and animates messages while playing. Screenshots at
 * 1400×900, 1024×700 and 1920×1080 land in artifacts/e2e/views/.
 */
import type { Core as CyCore } from 'cytoscape';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import { labInBrowser, openSavedRun, screenshot, waitFor } from './helpers';

const SIZES = [
  [1400, 900],
  [1024, 700],
  [1920, 1080],
] as const;

/** shootSizes takes one screenshot per window size, then goes back to 1400×900. */
async function shootSizes(page: Page, name: string): Promise<void> {
  for (const [w, h] of SIZES) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(400);
    await screenshot(page, `${name}-${w}x${h}`);
  }
  await page.setViewportSize({ width: 1400, height: 900 });
}

describe('timeline, charts and replay under load', () => {
  const lab = labInBrowser('views', ['--nodes', '5', '--heartbeat-ms', '50', '--election-ms', '300']);

  const api = <T>(path: string, body?: unknown): Promise<T> => lab.api<T>(path, body);

  it(
    'keeps the crash after a load, renders a bounded list, moves the cursor, and replays with ticks',
    { timeout: 300_000 },
    async () => {
      const errors = await lab.open('views');

      // 1. Crash a follower, bring it back, then a 32-client put load.
      const view = await api<ClusterView>('/api/cluster');
      const victim = view.nodes.find((n) => n.id !== view.leader)!.id;
      await api(`/api/nodes/${victim}/crash`, {});
      await new Promise((r) => setTimeout(r, 1000));
      await api(`/api/nodes/${victim}/restart`, {});
      const load = await api<{ ok: number }>('/api/load', { op: 'put', count: 6000, clients: 32 });
      expect(load.ok).toBeGreaterThan(5000);

      // 2. The crash's fault lane is still on the charts (whole-run window), and its row in the timeline.
      const charts = lab.page.getByTestId('charts');
      await charts.getByRole('button', { name: 'run', exact: true }).click();
      await waitFor(
        'the crash lane on the charts',
        async () =>
          (await charts.getByTestId('fault-lane').allTextContents()).some((t) => t.includes(`${victim} down`)),
        5000,
      );
      const timeline = lab.page.getByTestId('timeline');
      const rows = lab.page.getByTestId('timeline-rows');
      // Every category, messages too: tens of thousands of events, a screenful of rows in the DOM.
      // The kinds' checkboxes are folded behind the "filters" toggle; they stay open from here.
      await timeline.getByTestId('timeline-filters').click();
      await timeline.getByLabel('message').check();
      const count = await waitFor(
        'a long timeline',
        async () => {
          const n = Number((await lab.page.getByTestId('timeline-count').textContent())?.replace(/\D/g, ''));
          return n > 10_000 ? n : null;
        },
        10_000,
      );
      const inDom = await rows.locator('.ev').count();
      expect(inDom).toBeGreaterThan(3);
      expect(inDom).toBeLessThan(80);
      expect(count).toBeGreaterThan(inDom * 100);
      await shootSizes(lab.page, 'views-after-load');
      await timeline.getByLabel('message').uncheck();

      // Only the crash's node, lifecycle events: the crash row is there, from before the load.
      await timeline.getByLabel('Filter by node').selectOption(victim);
      for (const c of ['state', 'commit', 'client']) await timeline.getByLabel(c, { exact: true }).uncheck();
      const crashRow = rows.locator('.ev', { hasText: `${victim} crashed` });
      await crashRow.waitFor({ timeout: 5000 });

      // 3. A click on the row moves the shared cursor there: selected, described, drawn on the charts.
      await crashRow.click();
      await expect.poll(() => crashRow.getAttribute('aria-selected')).toBe('true');
      expect(await lab.page.getByTestId('timeline-detail').textContent()).toContain(`${victim} crashed`);
      await charts.locator('line.cursor').waitFor({ state: 'attached', timeout: 3000 });
      // ... and marked on the graph: the crashed node is highlighted.
      await expect
        .poll(() =>
          lab.page.evaluate((id) => {
            const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
            return cy.getElementById(id).hasClass('highlight');
          }, victim),
        )
        .toBe(true);
      await screenshot(lab.page, 'views-row-selected');
      await timeline.getByLabel('Filter by node').selectOption({ label: 'all nodes' });
      for (const c of ['state', 'commit', 'client']) await timeline.getByLabel(c, { exact: true }).check();

      // 4. Export, open the run: ticks on the slider, previous/next move between events.
      await lab.page.getByRole('button', { name: 'Export run' }).click();
      const exported = await waitFor(
        'export answer',
        async () =>
          /exported to (\S+) \(/.exec(
            await lab.page
              .getByTestId('console-output')
              .evaluate((el) => [...el.querySelectorAll('.line')].map((l) => l.textContent ?? '').join('\n')),
          )?.[1],
        30_000,
      );
      await openSavedRun(lab.page, exported);
      await lab.page.getByTestId('replay-status').waitFor({ timeout: 20_000 });
      const ticks = lab.page.getByTestId('replay-ticks').locator('.tick');
      expect(await ticks.count()).toBeGreaterThan(1);
      expect(await lab.page.getByTestId('replay-ticks').locator('.tick.crash').count()).toBeGreaterThan(0);
      expect(await lab.page.getByTestId('replay-ticks').locator('.tick.election').count()).toBeGreaterThan(0);

      const position = lab.page.getByLabel('Replay position');
      await position.evaluate((el) => {
        const input = el as HTMLInputElement;
        input.value = '0';
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
      const pos = async (): Promise<number> => Number(await position.inputValue());
      await lab.page.getByRole('button', { name: 'Next event' }).click();
      const first = await pos();
      expect(first).toBeGreaterThan(0);
      expect(await lab.page.getByTestId('replay-reached').textContent()).toMatch(/became leader/);
      // The load comes later in the saved run: the empty charts say so (not "0 s ago"), and offer nothing to send.
      const note = await waitFor(
        'the replay charts say the operations come later',
        async () => {
          const t = (await lab.page.getByTestId('charts-empty').textContent()) ?? '';
          return /later/.test(t) ? t : null;
        },
        5000,
      );
      expect(note).toMatch(/^no operations in this window; the run's last one is later, at \d+:\d\d/);
      expect(note).not.toMatch(/send a put/);
      let reached = '';
      for (let i = 0; i < 20 && !reached.includes(`${victim} crashed`); i++) {
        await lab.page.getByRole('button', { name: 'Next event' }).click();
        reached = (await lab.page.getByTestId('replay-reached').textContent()) ?? '';
      }
      expect(reached).toContain(`${victim} crashed`);
      const atCrash = await pos();
      expect(atCrash).toBeGreaterThan(first);
      await waitFor(
        'the replayed graph shows the crashed node down',
        async () =>
          lab.page.evaluate(
            (id) =>
              (window as unknown as { __quorumLab?: { cy: CyCore } }).__quorumLab?.cy
                .getElementById(id)
                .hasClass('down'),
            victim,
          ),
        5000,
      );
      await lab.page.getByRole('button', { name: 'Previous event' }).click();
      expect(await pos()).toBeLessThan(atCrash);
      await shootSizes(lab.page, 'views-replay-ticks');

      // 5. Play animates messages from the run, at the cursor's pace.
      await lab.page.getByRole('button', { name: 'Play' }).click();
      const flying = await waitFor(
        'messages in flight during Play',
        async () => {
          const n = await lab.page.evaluate(
            () => (window as unknown as { __quorumLab?: { flying: () => number } }).__quorumLab?.flying() ?? 0,
          );
          return n > 0 ? n : null;
        },
        5000,
      );
      expect(flying).toBeGreaterThan(0);
      await screenshot(lab.page, 'views-replay-playing');
      await lab.page.getByRole('button', { name: 'Pause' }).click();
      await lab.page.getByRole('button', { name: 'Back to live' }).click();
      expect(errors).toEqual([]);
    },
  );
});
