/**
 * Five screens a reader found unclear in the e2e screenshots, in a real Chromium on a real
 * 5-node lab: the Balance panel's shares beside "0.0 req/s" (now said to be of earlier
 * requests, or "no requests yet") and its Apply button below the fold at 1400×900; the
 * timeline at 1024×700 with a node's add selected (its details now scroll inside a bounded
 * box, so the list keeps its rows); the square behind a node a selected event concerns (now
 * in the legend); the filter toggle that named the hidden kinds only in its tooltip (now
 * "filters: 6/7 · hiding message"); and "✕ partition" labels run through by message lines
 * in the Messages diagram (now on plates; a cut-off node's repeated requests now labelled
 * once with "(N times)", no label over another). Screenshots land in artifacts/e2e/screens/.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import {
  HEARTBEAT_KEY,
  heartbeatKeyShown,
  labInBrowser,
  LARGE,
  resize,
  screenshot,
  shootOnFailure,
  SMALL,
  waitFor,
} from './helpers';

/** inside says whether `inner`'s box lies wholly within `outer`'s (what a scrolling or clipping box shows). */
async function inside(inner: Locator, outer: Locator): Promise<boolean> {
  const a = (await inner.boundingBox())!;
  const b = (await outer.boundingBox())!;
  return a.x >= b.x - 1 && a.y >= b.y - 1 && a.x + a.width <= b.x + b.width + 1 && a.y + a.height <= b.y + b.height + 1;
}

/** rowsInView counts the timeline rows drawn wholly inside the list's visible box. */
async function rowsInView(page: Page): Promise<number> {
  return page.getByTestId('timeline-rows').evaluate((list) => {
    const box = list.getBoundingClientRect();
    return [...list.querySelectorAll('.ev')].filter((el) => {
      const b = el.getBoundingClientRect();
      return b.top >= box.top - 1 && b.bottom <= box.bottom + 1;
    }).length;
  });
}

/** cutAtTop lists the timeline rows the list's top edge runs through (half hidden above it). */
async function cutAtTop(page: Page): Promise<string[]> {
  return page.getByTestId('timeline-rows').evaluate((list) => {
    const box = list.getBoundingClientRect();
    return [...list.querySelectorAll('.ev')]
      .filter((el) => {
        const b = el.getBoundingClientRect();
        return b.top < box.top - 1 && b.bottom > box.top + 1;
      })
      .map((el) => el.textContent ?? '');
  });
}

/** placeholderFits says whether an input's placeholder is drawn whole: its text's width within the input's content box. */
async function placeholderFits(input: Locator): Promise<{ fits: boolean; text: string; width: number; room: number }> {
  return input.evaluate((el: HTMLInputElement) => {
    const cs = getComputedStyle(el);
    const ctx = document.createElement('canvas').getContext('2d')!;
    ctx.font = `${cs.fontStyle} ${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
    const width = ctx.measureText(el.placeholder).width;
    const room = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    return { fits: width <= room, text: el.placeholder, width: Math.round(width), room: Math.round(room) };
  });
}

/** overlaps says whether two elements' boxes share any area. */
async function overlaps(a: Locator, b: Locator): Promise<boolean> {
  const x = (await a.boundingBox())!;
  const y = (await b.boundingBox())!;
  return x.x < y.x + y.width && y.x < x.x + x.width && x.y < y.y + y.height && y.y < x.y + x.height;
}

describe('five screens a reader found unclear', () => {
  const lab = labInBrowser('screens', ['--nodes', '5', '--heartbeat-ms', '50', '--election-ms', '300']);

  it(
    'Balance at 1400×900: shares with no requests now say what they are of, and Apply is in view',
    { timeout: 120_000 },
    async () => {
      const errors = await lab.open('screens');
      const page = lab.page;
      shootOnFailure(page, 'screens-balance');
      await resize(page, LARGE);
      const balance = page.getByTestId('balance');
      const note = balance.getByTestId('share-note');
      const shares = (): Promise<string[]> => balance.getByTestId('share').allTextContents();
      // Nothing served yet: no shares, and the note says so.
      await waitFor(
        'the note before any request',
        async () => /^no requests yet/.test((await note.textContent()) ?? ''),
        10_000,
      );
      expect(await shares()).toEqual(['—', '—', '—', '—', '—']);
      await lab.api('/api/load', { op: 'get', count: 60, clients: 4, keys: 1 });
      // The load is over: the rates fall to zero, and the shares beside them are said to be
      // of the requests before, not of now.
      await waitFor(
        'the rates back at zero',
        async () => (await balance.getByTestId('rate').allTextContents()).every((r) => r === '0.0'),
        15_000,
      );
      await waitFor(
        'the note on the shares',
        async () =>
          /^no requests for \d+ s · shares are of the last 60 requests$/.test((await note.textContent())?.trim() ?? ''),
        5000,
      );
      expect(await shares()).toEqual(['20%', '20%', '20%', '20%', '20%']);
      await page.waitForTimeout(500); // the bars' fall to zero is animated
      await screenshot(page, 'screens-balance-idle-1400x900');
      // "▾ more below" takes a line of its own under the side column: it covers no row of it
      // (it used to sit over the balancer's line), and the balancer's line is whole in view.
      const more = page.getByTestId('side-more');
      await more.waitFor({ state: 'visible', timeout: 5000 });
      const col = (await page.locator('aside').boundingBox())!;
      expect((await more.boundingBox())!.y, '"more below" under the column, not over it').toBeGreaterThanOrEqual(
        col.y + col.height - 1,
      );
      expect(await inside(balance.getByTestId('balance-now'), page.locator('aside')), 'the balancer line in view').toBe(
        true,
      );
      // Apply is in the side column's view (it scrolls), with the algorithm picker, with and without weights.
      const aside = page.locator('aside');
      const apply = balance.getByRole('button', { name: 'Apply' });
      expect(await inside(apply, aside), 'Apply inside the side column at 1400×900').toBe(true);
      await balance.getByLabel('Balance algorithm').selectOption('weighted-round-robin');
      await balance.getByLabel('Weight of n5').waitFor({ timeout: 5000 });
      expect(await inside(apply, aside), 'Apply inside the side column, weights shown').toBe(true);
      expect(await inside(balance.getByLabel('Weight of n5'), aside), 'the last weight inside the side column').toBe(
        true,
      );
      await screenshot(page, 'screens-balance-weights-1400x900');
      await balance.getByLabel('Balance algorithm').selectOption('round-robin');
      expect(errors).toEqual([]);
    },
  );

  it(
    'the filter toggle names the kinds it hides, and the list keeps its rows at 1024×700',
    { timeout: 60_000 },
    async () => {
      const page = lab.page;
      shootOnFailure(page, 'screens-filters');
      await resize(page, SMALL);
      const toggle = page.getByTestId('timeline-filters');
      expect((await toggle.textContent())?.trim()).toBe('filters: 6/7 · hiding message ▾');
      // Whole, not cut, inside the timeline.
      expect(await toggle.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
      expect(await inside(toggle, page.getByTestId('timeline'))).toBe(true);
      // The console's header whole at 1024×700: its hint takes a line of its own, not cut with "…".
      // Soft: each layout defect is reported, and the test goes on to the next (they are independent).
      const hint = page.getByTestId('console-hint');
      expect((await hint.textContent())?.trim()).toBe('help · Tab completes · ↑/↓ history · Esc leaves');
      expect.soft(await hint.evaluate((el) => el.scrollWidth <= el.clientWidth), 'the console hint not cut').toBe(true);
      expect
        .soft(await inside(hint, page.getByTestId('console-panel')), 'the console hint inside its panel')
        .toBe(true);
      // The console's placeholder reads whole at both sizes (it was cut after "partition n1 | n").
      const input = page.getByLabel('Console', { exact: true });
      expect
        .soft(await placeholderFits(input), 'the console placeholder whole at 1024×700')
        .toMatchObject({ fits: true });
      await resize(page, LARGE);
      expect
        .soft(await placeholderFits(input), 'the console placeholder whole at 1400×900')
        .toMatchObject({ fits: true });
      await resize(page, SMALL);
      await page.getByRole('button', { name: 'Pause view' }).click();
      try {
        expect(await rowsInView(page), 'rows wholly in view at 1024×700').toBeGreaterThanOrEqual(6);
        // At the newest rows, the top one is whole: no row half hidden above the list's edge.
        expect.soft(await cutAtTop(page), 'rows cut by the top edge at 1024×700').toEqual([]);
        await screenshot(page, 'screens-filters-1024x700');
        await resize(page, LARGE);
        expect.soft(await cutAtTop(page), 'rows cut by the top edge at 1400×900').toEqual([]);
        await resize(page, SMALL);
        await toggle.click();
        await page.getByRole('group', { name: 'Timeline filters' }).getByLabel('other', { exact: true }).uncheck();
        expect((await toggle.textContent())?.trim()).toBe('filters: 5/7 · hiding message, other ▴');
        await page.getByRole('group', { name: 'Timeline filters' }).getByLabel('other', { exact: true }).check();
        await toggle.click();
        expect((await toggle.textContent())?.trim()).toBe('filters: 6/7 · hiding message ▾');
      } finally {
        await page.getByRole('button', { name: 'Resume view' }).click();
      }
    },
  );

  it(
    'a selected add at 1024×700: its details scroll inside, the list keeps its rows, the legend names the square',
    { timeout: 120_000 },
    async () => {
      const page = lab.page;
      shootOnFailure(page, 'screens-add');
      await resize(page, LARGE);
      await page.getByTestId('add-node').click();
      await waitFor(
        'n6 a voter',
        async () => (await lab.api<ClusterView>('/api/cluster')).config?.voters.includes('n6') === true,
        30_000,
      );
      await resize(page, SMALL);
      await page.getByRole('button', { name: 'Pause view' }).click();
      try {
        const rows = page.getByTestId('timeline-rows');
        const add = rows.locator('.ev', { hasText: /n6 added: started · learner/ }).first();
        // Page back from the newest rows to the add's.
        await waitFor(
          "the add's row",
          async () => {
            if (await add.isVisible()) return true;
            await rows.evaluate((el) => (el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight / 2)));
            return false;
          },
          15_000,
        );
        await add.click();
        const detail = page.getByTestId('timeline-detail');
        await page.getByTestId('timeline-steps').waitFor({ timeout: 5000 });
        await page.waitForTimeout(300);
        await screenshot(page, 'screens-add-selected-1024x700');
        // The details are bounded and scroll inside; the list keeps a usable height.
        const d = await detail.evaluate((el) => ({ client: el.clientHeight, scroll: el.scrollHeight }));
        expect(d.scroll, 'the details hold more than they show').toBeGreaterThan(d.client);
        expect(d.client, "the details' height at 1024×700").toBeLessThanOrEqual(60);
        expect(await rowsInView(page), 'rows wholly in view with the add selected').toBeGreaterThanOrEqual(5);
        // The last step is there, a scroll away inside the details.
        await detail.evaluate((el) => (el.scrollTop = el.scrollHeight));
        expect(await inside(page.getByTestId('timeline-steps').locator('li').last(), detail)).toBe(true);

        // The square behind n6 (the event concerns it) is in the legend while the event is selected.
        const picked = page.getByTestId('legend-picked');
        await picked.waitFor({ timeout: 5000 });
        expect(await picked.textContent()).toBe('in the selected event');
        expect(await picked.getAttribute('title')).toMatch(/square behind a node/);
        // Scrolled away from the newest rows, "↓ newest" sits over the list, never over the details.
        const newest = page.getByTestId('timeline-newest');
        await rows.evaluate((el) => (el.scrollTop = 0));
        await newest.waitFor({ timeout: 5000 });
        expect.soft(await overlaps(newest, detail), '"↓ newest" over the details at 1024×700').toBe(false);
        expect.soft(await inside(newest, rows), '"↓ newest" inside the list at 1024×700').toBe(true);
        await screenshot(page, 'screens-add-newest-1024x700');
        await resize(page, LARGE);
        expect.soft(await overlaps(newest, detail), '"↓ newest" over the details at 1400×900').toBe(false);
        await newest.click();
        await newest.waitFor({ state: 'detached', timeout: 5000 });
        await screenshot(page, 'screens-add-selected-1400x900');
        // Six nodes at 1400×900: the Balance panel's note on its shares is whole in the side column.
        const note = page.getByTestId('balance').getByTestId('share-note');
        expect((await note.textContent())?.trim()).toMatch(
          /^no requests for \d+ s · shares are of the last 60 requests$/,
        );
        expect.soft(await inside(note, page.locator('aside')), 'the share note inside the side column').toBe(true);
        // Its table comes before the picker: the n6 row is whole in the column, clear of "more below".
        const n6 = page.getByTestId('balance').locator('.bar-row[data-node="n6"]');
        expect.soft(await inside(n6, page.locator('aside')), 'the n6 row inside the side column').toBe(true);
        expect.soft(await overlaps(n6, page.getByTestId('side-more')), 'the n6 row under "more below"').toBe(false);
        // The n6 row, the chart and the locks run past the column's end: the column says more lies
        // below while it does, and not once it is scrolled to its end.
        const side = page.locator('aside');
        const more = page.getByTestId('side-more');
        expect(await side.evaluate((el) => el.scrollHeight > el.clientHeight + 2), 'the side column overflows').toBe(
          true,
        );
        await more.waitFor({ state: 'visible', timeout: 5000 });
        await side.evaluate((el) => (el.scrollTop = el.scrollHeight));
        await more.waitFor({ state: 'hidden', timeout: 5000 });
        await screenshot(page, 'screens-side-scrolled-1400x900');
        await side.evaluate((el) => (el.scrollTop = 0));
        await more.waitFor({ state: 'visible', timeout: 5000 });
        await page.getByLabel('Clear the cursor').click();
        await picked.waitFor({ state: 'detached', timeout: 5000 });
      } finally {
        await page.getByRole('button', { name: 'Resume view' }).click();
      }
    },
  );

  it('"✕ partition" labels in the Messages diagram sit on plates over the lines', { timeout: 120_000 }, async () => {
    const page = lab.page;
    shootOnFailure(page, 'screens-messages');
    await resize(page, LARGE);
    await lab.api('/api/partition', {
      groups: [
        ['n1', 'n2'],
        ['n3', 'n4', 'n5', 'n6'],
      ],
    });
    // Following the present: no event picked in the timeline holds the diagram at its moment.
    const clear = page.getByLabel('Clear the cursor');
    if (await clear.isVisible()) await clear.click();
    await page.getByTestId('tab-messages').click();
    await page.getByRole('button', { name: '2 s', exact: true }).click();
    await page.waitForTimeout(2500);
    await screenshot(page, 'screens-messages-partition-1400x900');
    // n1 and n2, cut off, ask for pre-votes every election timeout: one row each counts the
    // rounds, instead of "n2 granted n1's pre-vote" again and again. Read with the view
    // paused, paging back from the newest rows to the split (a loaded machine may elect
    // again on the majority's side, and its rows push the pair's out of view).
    const rows = page.getByTestId('timeline-rows');
    const folded = rows.locator('.ev', { hasText: /n[12] asked for pre-votes \d+× \([\d.]+–[\d.]+ s\), / });
    const seen = new Map<string, string>();
    await waitFor(
      'a folded pre-vote row of each of n1 and n2',
      async () => {
        await page.getByRole('button', { name: 'Pause view' }).click();
        try {
          seen.clear();
          await rows.evaluate((el) => (el.scrollTop = el.scrollHeight));
          for (let i = 0; i < 60; i++) {
            await page.waitForTimeout(50);
            for (const [ord, text] of await rows
              .locator('.ev')
              .evaluateAll((els) =>
                els.map((e) => [e.getAttribute('data-ord') ?? '', (e.getAttribute('title') ?? '').split('\n')[0]!]),
              ))
              seen.set(ord!, text!);
            if ([...seen.values()].some((t) => /network split into 2 sides: n1 n2 \|/.test(t))) break;
            await rows.evaluate((el) => (el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight / 2)));
          }
          const texts = [...seen.values()];
          return ['n1', 'n2'].every((n) => texts.some((t) => t.includes(`${n} asked for pre-votes `)));
        } finally {
          await page.getByRole('button', { name: 'Resume view' }).click();
        }
      },
      20_000,
      500,
    );
    const since = [...seen]
      .filter(([, t]) => /network split into 2 sides: n1 n2 \|/.test(t))
      .map(([ord]) => Number(ord))[0]!;
    const after = [...seen].filter(([ord]) => Number(ord) > since).map(([, t]) => t);
    for (const n of ['n1', 'n2']) {
      expect(
        after.filter((t) => new RegExp(`granted ${n}'s pre-vote`).test(t)).length,
        `answers to ${n}`,
      ).toBeLessThanOrEqual(1);
      expect(
        after.filter((t) => t.includes(`${n} asked for pre-votes `)),
        `${n}'s folded row`,
      ).toHaveLength(1);
    }
    // Selected, it lists the rounds and what the partition dropped of them.
    await page.getByRole('button', { name: 'Pause view' }).click();
    try {
      await waitFor(
        'the folded row in view',
        async () => {
          if (await folded.first().isVisible()) return true;
          await rows.evaluate((el) => (el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight / 2)));
          return false;
        },
        10_000,
      );
      await folded.first().click();
      expect((await page.getByTestId('timeline-steps').locator('li').allTextContents()).join('\n')).toMatch(
        /asked n\d, n\d, n\d, n\d and n\d again \(round 2\): 4 dropped \(partition\)/,
      );
      // The row keeps counting while selected, and its details follow it.
      const selected = rows.locator('.ev.selected');
      const count = async (l: Locator): Promise<number> => Number(/ (\d+)× /.exec((await l.textContent()) ?? '')?.[1]);
      const first = await count(selected);
      await waitFor('another round', async () => (await count(selected)) > first, 10_000);
      await waitFor(
        'the details at the same count',
        async () => (await count(page.getByTestId('timeline-detail'))) === (await count(selected)),
        2000,
      );
      await screenshot(page, 'screens-prevote-folded-1400x900');
      // Each step reads whole: it wraps at the panel's width, none is cut with "…" (at both sizes).
      const cutSteps = (): Promise<string[]> =>
        page
          .getByTestId('timeline-steps')
          .locator('li')
          .evaluateAll((els) => els.filter((e) => e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent ?? ''));
      expect.soft(await cutSteps(), 'steps cut at 1400×900').toEqual([]);
      await resize(page, SMALL);
      expect.soft(await cutSteps(), 'steps cut at 1024×700').toEqual([]);
      await screenshot(page, 'screens-prevote-folded-1024x700');
      await resize(page, LARGE);
      await page.getByLabel('Clear the cursor').click();
    } finally {
      await page.getByRole('button', { name: 'Resume view' }).click();
    }
    // The diagram as the SVG button saves it: the labels of dropped messages, each on its plate.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('spacetime-export').click()]);
    const svg = await download.path().then((p) => import('node:fs').then((fs) => fs.readFileSync(p, 'utf8')));
    const labels = await page.evaluate((doc: string) => {
      const d = new DOMParser().parseFromString(doc, 'image/svg+xml');
      return [...d.querySelectorAll('text.label')].map((t) => {
        const plate = t.previousElementSibling;
        const n = (k: string): number => Number(plate?.getAttribute(k) ?? NaN);
        return {
          text: t.textContent ?? '',
          plated: plate?.getAttribute('class') === 'label-plate',
          box: { x: n('x'), y: n('y'), w: n('width'), h: n('height') },
        };
      });
    }, svg);
    expect(
      labels.filter((l) => /✕ partition( \(\d+ times\))?$/.test(l.text)).length,
      'labels of partition drops',
    ).toBeGreaterThan(0);
    expect(labels.filter((l) => !l.plated)).toEqual([]);
    // n1 and n2 ask again every election timeout: their requests are labelled once each, with
    // how many times they were sent, and no label lies over another (they piled up before).
    const counts = new Map<string, number>();
    for (const l of labels) counts.set(l.text, (counts.get(l.text) ?? 0) + 1);
    expect
      .soft(
        labels.filter((l) => /^PreVote\?/.test(l.text) && (counts.get(l.text) ?? 0) > 2).map((l) => l.text),
        'a pre-vote label repeated',
      )
      .toEqual([]);
    expect
      .soft(
        labels.some((l) => / \(\d+ times\)$/.test(l.text)),
        'a label that counts its repeats',
      )
      .toBe(true);
    const over: string[] = [];
    for (let i = 0; i < labels.length; i++)
      for (let j = i + 1; j < labels.length; j++) {
        const [a, b] = [labels[i]!.box, labels[j]!.box];
        if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h)
          over.push(`${labels[i]!.text} / ${labels[j]!.text}`);
      }
    expect.soft(over, 'labels over each other at 1400×900').toEqual([]);
    // Under the diagram, a line says what the labels leave out.
    expect
      .soft(await page.getByTestId('spacetime-labels').textContent(), 'what the labels leave out')
      .toMatch(/^\s*labels: \d+ repeats? as "\(N times\)"/);
    await resize(page, SMALL);
    await screenshot(page, 'screens-messages-partition-1024x700');
    const note = page.getByTestId('spacetime-labels');
    expect
      .soft(await note.evaluate((el) => el.scrollWidth <= el.clientWidth), 'the labels note whole at 1024×700')
      .toBe(true);
    // Beside the note, the legend still shows its first words whole (it used to be cut to "♥N: N h…").
    expect.soft(await heartbeatKeyShown(page), `"${HEARTBEAT_KEY}" beside the labels note at 1024×700`).toBe(true);
    await resize(page, LARGE);
    expect.soft(await heartbeatKeyShown(page), `"${HEARTBEAT_KEY}" beside the labels note at 1400×900`).toBe(true);
    await lab.api('/api/heal', {});
    await page.getByTestId('tab-charts').click();
  });
});
