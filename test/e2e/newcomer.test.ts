/**
 * What a newcomer finds unclear on screen, end to end in Chromium on a real 5-node lab and a
 * real sharded lab, mostly at the small window (1024×700): a one-node side's "1/5 · no
 * quorum" stays whole inside the graph; timeline rows show what a sentence is about; the
 * timeline keeps following new rows after the window is resized; empty charts say "no load
 * yet"; links under one rule are one lane in the Report; "?n1" is explained in words on its
 * card and in the inspector; a partition that is over is labelled with its time span in the
 * Messages diagram; in a sharded cluster, Start here says what a shard, a group and the
 * controller are, and a `shards` answer from an older configuration says "as of" it.
 * Screenshots land in artifacts/e2e/newcomer/.
 */
import type { Core as CyCore } from 'cytoscape';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ShardsView } from '../../src-main/api/shards';
import { LARGE, labInBrowser, resize, screenshot, shootOnFailure, SMALL, waitFor } from './helpers';
import { exportedSvg } from './spacetime-svg';

/** hoverNode moves the mouse over node `id` on the graph. */
async function hoverNode(page: Page, id: string): Promise<void> {
  const p = await page.evaluate((nid) => {
    const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
    const b = cy.container()!.getBoundingClientRect();
    const n = cy.getElementById(nid);
    return { x: b.left + n.renderedPosition().x, y: b.top + n.renderedPosition().y };
  }, id);
  await page.mouse.move(p.x, p.y);
}

/** timelineFollows says whether the timeline shows its newest row and offers no "↓ newest". */
async function timelineFollows(page: Page): Promise<boolean> {
  if (await page.getByRole('button', { name: '↓ newest' }).isVisible()) return false;
  return page.getByTestId('timeline-rows').evaluate((el) => el.scrollTop + el.clientHeight >= el.scrollHeight - 30);
}

/** timelineHeaderOneLine checks that the timeline's title, count and pause button share one line (a wrapped button takes a row). */
async function timelineHeaderOneLine(page: Page, button: 'Pause view' | 'Resume view', size: string): Promise<void> {
  const b = (await page.getByRole('button', { name: button }).boundingBox())!;
  const c = (await page.getByTestId('timeline-count').boundingBox())!;
  const mid = (x: { y: number; height: number }): number => x.y + x.height / 2;
  expect(Math.abs(mid(b) - mid(c)), `"${button}" on the title's line at ${size}`).toBeLessThan(6);
}

/**
 * blankRows returns the rows drawn with about a line's worth of blank (10 px or more) beside
 * their text: a one-line sentence in a row sized for two leaves ~14 px; a row's own padding
 * is under 8.
 */
async function blankRows(page: Page): Promise<string[]> {
  return page
    .getByTestId('timeline-rows')
    .locator('.ev')
    .evaluateAll((els) =>
      els.flatMap((el) => {
        const s = el.querySelector('.s')!;
        const range = document.createRange();
        range.selectNodeContents(s);
        // The text's own boxes (one a line), not its line boxes: what the eye sees as filled.
        const lines = new Map<number, number>();
        for (const r of range.getClientRects())
          lines.set(Math.round(r.top), Math.max(lines.get(Math.round(r.top)) ?? 0, r.height));
        const textH = [...lines.values()].reduce((a, b) => a + b, 0);
        const h = el.getBoundingClientRect().height;
        return h - textH >= 10 ? [`${s.textContent} (${lines.size} line(s), ${textH} px of text in ${h} px)`] : [];
      }),
    );
}

/**
 * chartsLegendWhole checks that the charts' legend wraps between its items, never inside
 * one ("p50 — ms" on one line), and that an empty window says when the last operation was.
 */
async function chartsLegendWhole(page: Page): Promise<void> {
  const items = await page
    .getByTestId('charts-legend')
    .locator('.item')
    .evaluateAll((els) =>
      els.map((e) => ({ text: e.textContent?.trim() ?? '', boxes: e.getClientRects().length, h: e.clientHeight })),
    );
  expect(items.map((i) => i.text)).toContainEqual(expect.stringMatching(/^p50 (—|[\d.]+) ms,$/));
  for (const i of items) expect(i.boxes === 1 && i.h < 20, `legend item "${i.text}" on one line`).toBe(true);
  // The put of the first test is over a minute old by now: the empty window says when it was.
  const note = page.getByTestId('charts-empty');
  if ((await note.count()) > 0)
    expect(await note.textContent()).toMatch(/^last operation (\d+ min )?\d+ s ago — pick 5 min or run to see it/);
}

/** kindsByKeyboard unfolds the timeline's kinds with the keyboard, ticks one, and folds them again. */
async function kindsByKeyboard(page: Page): Promise<void> {
  const toggle = page.getByTestId('timeline-filters');
  const kinds = page.getByRole('group', { name: 'Timeline filters' });
  expect(await toggle.textContent()).toMatch(/filters: 6\/7/);
  expect(await kinds.count()).toBe(0);
  await toggle.focus();
  await page.keyboard.press('Enter');
  expect(await toggle.getAttribute('aria-expanded')).toBe('true');
  const message = kinds.getByLabel('message', { exact: true });
  await message.focus();
  await page.keyboard.press('Space');
  expect(await message.isChecked()).toBe(true);
  expect(await toggle.textContent()).toMatch(/filters: all/);
  await screenshot(page, 'newcomer-timeline-kinds-open-1024x700');
  await page.keyboard.press('Space');
  expect(await toggle.textContent()).toMatch(/filters: 6\/7/);
  await page.keyboard.press('Escape');
  expect(await kinds.count()).toBe(0);
  expect(await toggle.evaluate((el) => el === document.activeElement), 'the focus back on the toggle').toBe(true);
}

describe('what a newcomer reads on a 5-node lab', () => {
  const lab = labInBrowser('newcomer', ['--nodes', '5', '--heartbeat-ms', '50', '--election-ms', '300']);

  it('empty charts say there is no load yet, until there is', { timeout: 120_000 }, async () => {
    const errors = await lab.open('newcomer');
    const page = lab.page;
    await resize(page, SMALL);
    const note = page.getByTestId('charts-empty');
    await note.waitFor({ timeout: 10_000 });
    expect(await note.textContent()).toMatch(/no load yet — send a put/);
    expect(await page.getByTestId('ops-max').count()).toBe(0);
    await screenshot(page, 'newcomer-charts-empty-1024x700');
    await lab.consoleRun('put a 1');
    await note.waitFor({ state: 'detached', timeout: 10_000 });
    await page.getByTestId('ops-max').waitFor({ timeout: 5000 });
    expect(errors).toEqual([]);
  });

  it(
    'a one-node side keeps its quorum tag inside the graph, and ?n1 is explained in words',
    { timeout: 180_000 },
    async () => {
      const page = lab.page;
      await resize(page, SMALL);
      await lab.api('/api/partition', { groups: [['n1'], ['n2', 'n3', 'n4', 'n5']] });
      const tag = page.locator('[data-testid="zone-label"][data-members="n1"]');
      await tag.waitFor({ timeout: 10_000 });
      await page.waitForTimeout(500);
      expect((await tag.textContent())?.trim()).toBe('1/5 · no quorum');
      const graph = (await page.locator('.panel.graph').boundingBox())!;
      await screenshot(page, 'newcomer-one-node-side-1024x700');
      // Panned so that the lone node sits by the graph's left wall (as a reader may pan it):
      // its tag, wider than its one-node side, must still be whole and inside.
      await page.evaluate(() => {
        const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
        cy.panBy({ x: 22 - cy.getElementById('n1').renderedPosition().x, y: 0 });
      });
      await page.waitForTimeout(500);
      for (const t of await page.getByTestId('zone-label').all()) {
        const b = (await t.boundingBox())!;
        const what = `the tag of ${await t.getAttribute('data-members')}`;
        expect(b.x, `${what}: left edge inside the graph`).toBeGreaterThanOrEqual(graph.x + 2);
        expect(b.x + b.width, `${what}: right edge inside the graph`).toBeLessThanOrEqual(graph.x + graph.width - 2);
        // Whole: its text is not cut by its own box.
        expect(await t.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      }
      const wall = (await page.getByTestId('partition-label').boundingBox())!;
      expect(wall.x).toBeGreaterThanOrEqual(graph.x + 2);
      expect(wall.x + wall.width).toBeLessThanOrEqual(graph.x + graph.width - 2);
      await screenshot(page, 'newcomer-one-node-side-panned-1024x700');
      await page.evaluate(() => (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy.fit());

      // Cut off alone, n1 asks whether it could win, again and again: a pre-candidate.
      const label = page.locator('[data-testid="node-label"][data-node="n1"]');
      await waitFor(
        'n1 a pre-candidate',
        async () => (await label.getAttribute('data-state')) === 'precandidate',
        20_000,
      );
      await hoverNode(page, 'n1');
      const words = page.getByTestId('node-card-words');
      await words.waitFor({ timeout: 5000 });
      const text = (await words.textContent()) ?? '';
      expect(text).toMatch(/\?n1 is a pre-candidate: it has heard from no leader/);
      expect(text).toMatch(/without raising its term/);
      await screenshot(page, 'newcomer-precandidate-card-1024x700');
      await page.mouse.move(5, 5);
      await resize(page, LARGE);
      await hoverNode(page, 'n1');
      await page.mouse.down();
      await page.mouse.up();
      const line = page.getByTestId('role-words');
      await line.waitFor({ timeout: 5000 });
      expect(await line.textContent()).toMatch(/\?n1 is a pre-candidate/);
      // The log's boxes are coloured by term, and the key under them says which colour is which.
      const key = page.getByTestId('log-key');
      await key.waitFor({ timeout: 5000 });
      expect((await key.textContent())?.replace(/\s+/g, ' ').trim()).toMatch(
        /^colour = term: (\d+ )+· solid = committed, dashed = not yet$/,
      );
      await screenshot(page, 'newcomer-precandidate-inspector');
      await page.getByLabel('Close inspector').click();
      await lab.api('/api/heal', {});
    },
  );

  /** The time-scale row at real speed: shorter than one line of the 1024×700 timeline. */
  const SHORT_ROW = 'timers back to normal speed';

  it('timeline rows at 1024×700 show the end of their sentence', { timeout: 60_000 }, async () => {
    const page = lab.page;
    shootOnFailure(page, 'newcomer-timeline');
    await resize(page, SMALL);
    const rows = page.getByTestId('timeline-rows');
    // A known short sentence among the newest rows ("timers back to normal speed"), so the
    // one-line check below does not depend on which rows a load happened to leave in view.
    await lab.api('/api/time-scale', { scale: 1 });
    await rows.locator('.ev', { hasText: SHORT_ROW }).last().waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Pause view' }).click();
    try {
      // Every row in the DOM (those in view and a few either side).
      const shown = await rows.locator('.ev').evaluateAll((els) =>
        els.map((el) => {
          const s = el.querySelector('.s') as HTMLElement;
          return {
            full: (el.getAttribute('title') ?? '').split('\n')[0]!.replace(/^[^·]*· /, ''),
            shown: s.textContent?.trim() ?? '',
            fits: s.scrollHeight <= s.clientHeight + 1,
          };
        }),
      );
      expect(shown.length).toBeGreaterThan(4);
      expect(shown.some((r) => r.full.length > 40)).toBe(true);
      for (const r of shown) {
        // Nothing drawn past its row, and at least 38 characters of each sentence (one line held ~30),
        // cut at a word: all of it when it is short.
        expect(r.fits, r.full).toBe(true);
        expect(r.shown.replace(/…$/, '').length, r.full).toBeGreaterThanOrEqual(Math.min(38, r.full.length));
        if (r.full.length <= 44) expect(r.shown).toBe(r.full);
      }
      // Drawn where the list shows them (a resize that switches the row height must not leave it blank).
      const list = (await rows.boundingBox())!;
      let inView = 0;
      for (const el of await rows.locator('.ev').all()) {
        const b = await el.boundingBox();
        if (b && b.y >= list.y - 1 && b.y + b.height <= list.y + list.height + 1) inView++;
      }
      // The kinds' checkboxes fold into one line of controls, so six rows or more fit at 1024×700.
      expect(inView, 'rows drawn wholly inside the list at 1024×700').toBeGreaterThanOrEqual(6);
      // The time column says its unit and what it counts from, on one line over the rows.
      const head = page.getByTestId('timeline-time-head');
      expect((await head.textContent())?.replace(/\s+/g, ' ').trim()).toBe('seconds since the cluster started');
      expect(await head.getAttribute('title')).toMatch(
        /^Each row's time is in seconds .* since this cluster started \(/,
      );
      expect(await head.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), 'the heading whole').toBe(true);
      // A short sentence gets a one-line row: no blank half-row under it.
      expect(shown.some((r) => r.full === SHORT_ROW)).toBe(true);
      expect(await blankRows(page), 'rows taller than their text at 1024×700').toEqual([]);
      await timelineHeaderOneLine(page, 'Resume view', '1024×700');
      await chartsLegendWhole(page);
      await screenshot(page, 'newcomer-timeline-1024x700');
      await kindsByKeyboard(page);
      // And at the default size, paused and following.
      await resize(page, LARGE);
      await timelineHeaderOneLine(page, 'Resume view', '1400×900');
      expect(await blankRows(page), 'rows taller than their text at 1400×900').toEqual([]);
    } finally {
      await page.getByRole('button', { name: 'Resume view' }).click();
    }
    await timelineHeaderOneLine(page, 'Pause view', '1400×900');
  });

  it('the timeline keeps following new rows after the window is resized', { timeout: 120_000 }, async () => {
    const page = lab.page;
    shootOnFailure(page, 'newcomer-follow');
    await resize(page, LARGE);
    await waitFor('the timeline following', () => timelineFollows(page), 10_000);
    for (const [i, s] of [SMALL, LARGE, SMALL, LARGE].entries()) {
      if (i === 2) {
        // A pause and a resume of the view, then a larger window: the list must follow again.
        await page.getByRole('button', { name: 'Pause view' }).click();
        await page.getByRole('button', { name: 'Resume view' }).click();
      }
      await page.setViewportSize(s);
      // Something reads the layout at once (as the graph's own resize handling may): the
      // browser lays out and clamps the list's scroll position before the list hears of its
      // new size, and the scroll event that clamp sends must not read as the reader leaving.
      await page.getByTestId('timeline-rows').evaluate((el) => el.clientHeight);
      await page.waitForTimeout(700);
      await lab.consoleRun(`put follow${i} 1`);
      // The console's put, in the console's words: "put follow0 = 1 → ok (n2, 3.10 ms)".
      const row = page.getByTestId('timeline-rows').locator('.ev', { hasText: `put follow${i} = 1 → ok (` });
      await row.first().waitFor({ timeout: 10_000 });
      await page.waitForTimeout(300);
      expect(await timelineFollows(page), `following after resizing to ${s.width}×${s.height}`).toBe(true);
      // And drawn where the list shows: inside its visible box, not below it.
      const list = (await page.getByTestId('timeline-rows').boundingBox())!;
      const b = (await row.last().boundingBox())!;
      expect(b.y, 'the newest row in view').toBeGreaterThanOrEqual(list.y - 1);
      expect(b.y + b.height, 'the newest row in view').toBeLessThanOrEqual(list.y + list.height + 1);
    }
  });

  it('labels a partition that is over with its time span in the Messages diagram', { timeout: 120_000 }, async () => {
    const page = lab.page;
    shootOnFailure(page, 'newcomer-messages');
    await resize(page, LARGE);
    await lab.api('/api/partition', { groups: [['n1'], ['n2', 'n3', 'n4', 'n5']] });
    await page.waitForTimeout(1500);
    await lab.api('/api/heal', {});
    await page.waitForTimeout(500);
    await lab.api('/api/partition', { groups: [['n5'], ['n1', 'n2', 'n3', 'n4']] });
    await page.waitForTimeout(1500);
    await page.getByTestId('tab-messages').click();
    await page.getByRole('button', { name: '10 s', exact: true }).click();
    await page.waitForTimeout(800);
    const texts = (await exportedSvg(page)).texts;
    const bands = texts.filter((t) => t.startsWith('partition: '));
    expect(
      bands.some((t) => /^partition: n1 \| n2 n3 n4 n5 \(\d+\.\d–\d+\.\d s, over\)$/.test(t)),
      bands.join('\n'),
    ).toBe(true);
    expect(
      bands.some((t) => /^partition: n5 \| n1 n2 n3 n4 \(since \d+\.\d s, now\)$/.test(t)),
      bands.join('\n'),
    ).toBe(true);
    await screenshot(page, 'newcomer-messages-past-partition');
    await resize(page, SMALL);
    // The P on n5's lane is keyed where it is seen: in the diagram's tools, whole, inside the panel.
    const key = page.getByTestId('spacetime-role-key');
    await waitFor(
      'the key to the P marks',
      async () => /P pre-candidate/.test((await key.textContent())?.replace(/\s+/g, ' ') ?? ''),
      5000,
    );
    const [k, panel] = [(await key.boundingBox())!, (await page.getByTestId('spacetime').boundingBox())!];
    expect(k.x >= panel.x && k.x + k.width <= panel.x + panel.width + 1, 'the key inside the panel').toBe(true);
    expect(await key.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), 'the key whole').toBe(true);
    await screenshot(page, 'newcomer-messages-past-partition-1024x700');
    await lab.api('/api/heal', {});
  });

  it('one rule on several links is one lane in the Report', { timeout: 120_000 }, async () => {
    const page = lab.page;
    await resize(page, LARGE);
    for (const to of ['n2', 'n3', 'n4', 'n5']) await lab.api('/api/links', { from: 'n1', to, loss: 0.1, both: true });
    await lab.api('/api/load', { op: 'put', count: 100, clients: 4 });
    await page.getByTestId('tab-report').click();
    const plot = page.getByTestId('latency-plot');
    await waitFor(
      'the links lane',
      async () => (await plot.locator('g.fault-lane[data-lane="links n1↔n2,n3,n4,n5"]').count()) === 1,
      15_000,
    );
    const lanes = await plot.locator('g.fault-lane').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-lane')));
    expect(lanes.filter((l) => l?.startsWith('link'))).toEqual(['links n1↔n2,n3,n4,n5']);
    await screenshot(page, 'newcomer-report-links-lane');
    await resize(page, SMALL);
    await screenshot(page, 'newcomer-report-links-lane-1024x700');
    await lab.api('/api/heal', {});
    await page.getByTestId('tab-charts').click();
  });
});

describe('what a newcomer reads on a sharded lab', () => {
  const lab = labInBrowser('newcomer-shards', ['--groups', '2', '--nodes', '3', '--shards', '4']);

  it(
    'Start here says what a shard, a group and the controller are; an older shards answer says as of what',
    { timeout: 180_000 },
    async () => {
      const page = lab.page;
      shootOnFailure(page, 'newcomer-shards');
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.setViewportSize(LARGE);
      await page.goto(lab.served.pageUrl);
      const chip = page.getByTestId('leader');
      await waitFor(
        'a leader in every group',
        async () => /^leaders ctl n\d+ · g1 n\d+ · g2 n\d+$/.test((await chip.textContent()) ?? ''),
        60_000,
      );
      const terms = page.getByTestId('shard-terms');
      await terms.waitFor({ timeout: 10_000 });
      const said = async (term: string): Promise<string> =>
        ((await terms.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]').textContent()) ?? '')
          .replace(/\s+/g, ' ')
          .trim();
      expect(await said('Shard')).toMatch(/^A slice of the keys/);
      expect(await said('Group')).toMatch(/^A small Raft cluster of its own/);
      expect(await said('Controller')).toMatch(/^A group too \(ctl\), that holds no keys: it keeps the shard map/);
      await screenshot(page, 'newcomer-shards-start-here');

      const out = page.getByTestId('console-output');
      await lab.consoleRun('shards');
      await waitFor('the map', async () => /configuration 1/.test((await out.textContent()) ?? ''), 15_000);
      expect(await page.getByTestId('console-stale').count()).toBe(0);
      const map = await lab.api<ShardsView>('/api/shards');
      const s = map.shards.find((x) => x.group === 'g1')!;
      await lab.api('/api/shards/move', { shard: s.shard, group: 'g2' });
      const stale = page.getByTestId('console-stale');
      await stale.first().waitFor({ timeout: 15_000 });
      expect(await stale.first().textContent()).toMatch(/as of configuration 1; now configuration 2/);
      // The entry itself is dimmed; a fresh answer is not.
      const entry = page.locator('.line.stale');
      expect(await entry.count()).toBeGreaterThanOrEqual(2);
      await lab.consoleRun('shards');
      await waitFor(
        'a current map',
        async () => (await page.locator('.line:not(.stale)', { hasText: /configuration 2/ }).count()) > 0,
        15_000,
      );
      expect(await stale.count()).toBe(1);
      await screenshot(page, 'newcomer-shards-stale-console');
      await resize(page, SMALL);
      await screenshot(page, 'newcomer-shards-stale-console-1024x700');
      expect(errors).toEqual([]);
    },
  );
});
