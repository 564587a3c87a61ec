/**
 * The paused timeline shows its top row whole: paused while rows pour in, then with a row
 * selected (its details take room under the list), the filters unfolded, the window made
 * smaller and larger, the selection cleared, the list scrolled by the wheel or by code — each
 * time the first row in view starts at or below the list's top edge, never half under the
 * controls above it. In Chromium on a real 5-node lab under load. Screenshots land in
 * artifacts/e2e/timeline/.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { LARGE, labInBrowser, resize, screenshot, shootOnFailure, SMALL } from './helpers';

/** TopRow is the first row the list shows (any part of it) and where it sits against the list's top edge. */
interface TopRow {
  text: string;
  /** cut: px of the row above the list's top edge (0 when whole). */
  cut: number;
  listTop: number;
  rowTop: number;
  debug?: string;
}

/** topRow finds the first row of the timeline that the list shows, and how much of it is above the list's top. */
async function topRow(page: Page): Promise<TopRow> {
  return page.getByTestId('timeline-rows').evaluate((list) => {
    const l = list.getBoundingClientRect();
    const rows = [...list.querySelectorAll<HTMLElement>('.ev')]
      .map((el) => ({ el, b: el.getBoundingClientRect() }))
      .filter(({ b }) => b.bottom > l.top + 0.5 && b.top < l.bottom - 0.5)
      .sort((a, b) => a.b.top - b.b.top);
    const first = rows[0];
    if (!first) return { text: '', cut: 0, listTop: l.top, rowTop: l.top };
    return {
      text: first.el.textContent?.trim() ?? '',
      cut: Math.max(0, l.top - first.b.top),
      listTop: l.top,
      rowTop: first.b.top,
      debug: `(scrollTop ${list.scrollTop}, row at ${first.el.style.top}, ${first.el.style.height} tall)`,
    };
  });
}

/** expectTopWhole asserts the paused list's top row is wholly inside it, and saves a shot. */
async function expectTopWhole(page: Page, what: string): Promise<void> {
  // Two frames for a resize or a details panel to settle.
  await page.waitForTimeout(400);
  const top = await topRow(page);
  await screenshot(page, `timeline-paused-${what}`);
  expect(top.text, `a row in view (${what})`).not.toBe('');
  expect(top.cut, `top row "${top.text}" cut by ${top.cut.toFixed(1)} px (${what}) ${top.debug}`).toBeLessThanOrEqual(
    0.5,
  );
}

describe('the paused timeline', () => {
  const lab = labInBrowser('timeline', ['--nodes', '5', '--heartbeat-ms', '50', '--election-ms', '300']);

  it('shows its top row whole, whatever takes room around the list', { timeout: 120_000 }, async () => {
    const errors = await lab.open('timeline');
    const page = lab.page;
    shootOnFailure(page, 'timeline');
    // Rows pour in (one-line and two-line sentences at 1024×700), then the view is paused.
    await lab.consoleRun('load put 400');
    await page.waitForTimeout(1500);
    for (const size of [SMALL, LARGE]) {
      const name = `${size.width}x${size.height}`;
      await resize(page, size);
      await page.getByRole('button', { name: 'Pause view' }).click();
      try {
        await expectTopWhole(page, `${name}`);
        // A row selected: its details take room under the list.
        // (Clicked where the list shows it: a click on a row out of view would scroll it in first.)
        const list = (await page.getByTestId('timeline-rows').boundingBox())!;
        await page.mouse.click(list.x + list.width / 2, list.y + list.height / 2);
        await expectTopWhole(page, `${name}-selected`);
        // The filters unfolded above the list, then folded again.
        await page.getByTestId('timeline-filters').click();
        await expectTopWhole(page, `${name}-filters-open`);
        await page.getByTestId('timeline-filters').click();
        await expectTopWhole(page, `${name}-filters-closed`);
        // The selection cleared: the details go and the list grows.
        await page.getByLabel('Clear the cursor').click();
        await expectTopWhole(page, `${name}-cleared`);
      } finally {
        await page.getByRole('button', { name: 'Resume view' }).click();
      }
    }
    // Paused while rows pour in and the window changes size under the paused list.
    await lab.consoleRun('load put 400');
    await resize(page, SMALL);
    await page.waitForTimeout(800);
    await page.getByRole('button', { name: 'Pause view' }).click();
    try {
      await page.waitForTimeout(2000);
      await expectTopWhole(page, 'held-1024x700');
      await resize(page, LARGE);
      await expectTopWhole(page, 'resized-1400x900');
      await resize(page, SMALL);
      await expectTopWhole(page, 'resized-1024x700');
      // Scrolled by the wheel, or by code, to where the list's top edge runs through a row: once
      // the scroll is over the list rests on a row's top (before, the row stayed cut: 10 px).
      const list = (await page.getByTestId('timeline-rows').boundingBox())!;
      await page.mouse.move(list.x + list.width / 2, list.y + list.height / 2);
      await page.mouse.wheel(0, -37);
      await expectTopWhole(page, 'wheel-1024x700');
      await page.getByTestId('timeline-rows').evaluate((el) => (el.scrollTop = Math.round(el.scrollHeight / 2) + 7));
      await resize(page, LARGE);
      await resize(page, SMALL);
      await expectTopWhole(page, 'scrolled-resized-1024x700');
    } finally {
      await page.getByRole('button', { name: 'Resume view' }).click();
    }
    expect(errors).toEqual([]);
  });
});
