/**
 * Clarity, end to end in Chromium on a real 5-node cluster: what a newcomer reads at a
 * glance. The legend is there; every label over the graph is at least 11 px and meets
 * WCAG AA contrast on what it sits on; the keyboard never gets trapped (the console's
 * Tab completes only on a match, Shift+Tab and Esc leave; the New-cluster dialog takes
 * focus, keeps Tab inside, closes on Esc and gives focus back); a partition is one wall
 * with one label; zones and the header say whether they have a quorum; answers say what
 * was found and what is missing; at 1024×700 and 1920×1080 every node and every header
 * button is on screen. Screenshots at 1400×900, 1024×700 and 1920×1080 land in
 * artifacts/e2e/clarity/.
 */
import { join } from 'node:path';
import type { Core as CyCore } from 'cytoscape';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ClusterView, NodeInspect } from '../../src-main/api/contract';
import {
  ROOT,
  buildWeb,
  requireChromium,
  openBrowser,
  screenshot,
  startServe,
  stopServe,
  type Served,
  waitFor,
} from './helpers';

const SIZES = {
  default: { width: 1400, height: 900 },
  small: { width: 1024, height: 700 },
  large: { width: 1920, height: 1080 },
} as const;

/** lastAnswer is the console's newest non-input line. */
async function lastAnswer(page: Page): Promise<string> {
  return page.getByTestId('console-output').evaluate((el) => {
    const lines = [...el.querySelectorAll('.line:not(.input)')];
    return lines[lines.length - 1]?.textContent?.trim() ?? '';
  });
}

async function answerCount(page: Page): Promise<number> {
  return page.getByTestId('console-output').evaluate((el) => el.querySelectorAll('.line:not(.input)').length);
}

/** ask types a line and returns its answer once one arrives. */
async function ask(page: Page, line: string): Promise<string> {
  const before = await answerCount(page);
  const input = page.getByLabel('Console', { exact: true });
  await input.fill(line);
  await input.press('Enter');
  return waitFor(
    `an answer to '${line}'`,
    async () => ((await answerCount(page)) > before ? lastAnswer(page) : null),
    30_000,
  );
}

/** labelTexts returns the texts of one kind of overlay label. */
async function labelTexts(page: Page, testId: string): Promise<string[]> {
  return (await page.getByTestId(testId).allTextContents()).map((s) => s.trim());
}

/**
 * readability measures every label drawn over the graph, and the legend: its font size,
 * and the WCAG contrast ratio of its text colour against the first opaque background
 * behind it (its own, or an ancestor's). Returns the worst offenders.
 */
async function readability(page: Page): Promise<{ what: string; px: number; ratio: number }[]> {
  return page.evaluate(() => {
    const parse = (c: string): [number, number, number, number] => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      const p = (m?.[1] ?? '0,0,0,0').split(',').map((x) => Number(x.trim()));
      return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 1];
    };
    const lum = ([r, g, b]: number[]): number => {
      const f = (v: number): number => {
        const s = v / 255;
        return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
    };
    const bgOf = (el: Element | null): [number, number, number, number] => {
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3] >= 0.99) return c;
      }
      return [17, 24, 39, 1]; // the panel behind the graph
    };
    const sel =
      '[data-testid=node-label], [data-testid=node-chip], [data-testid=zone-label], [data-testid=link-label], ' +
      '[data-testid=partition-label], [data-testid=legend] .item, [data-testid=quorum-chip]';
    return [...document.querySelectorAll(sel)].map((el) => {
      const cs = getComputedStyle(el);
      const fg = lum(parse(cs.color));
      const bg = lum(bgOf(el));
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      return {
        what: `${el.getAttribute('data-testid') ?? el.className}: ${el.textContent?.trim()}`,
        px: parseFloat(cs.fontSize),
        ratio,
      };
    });
  });
}

/** onScreen checks every member node lies inside the graph's visible canvas, and the header's buttons inside the window. */
async function onScreen(page: Page): Promise<{ nodesOut: string[]; buttonsOut: string[] }> {
  return page.evaluate(() => {
    const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
    const box = cy.container()!.getBoundingClientRect();
    const nodesOut = cy
      .nodes('.member')
      .filter((n) => {
        const b = n.renderedBoundingBox({});
        return b.x1 < 0 || b.y1 < 0 || b.x2 > box.width || b.y2 > box.height;
      })
      .map((n) => n.id());
    const buttonsOut = [...document.querySelectorAll('header button')]
      .filter((b) => {
        const r = b.getBoundingClientRect();
        return r.width === 0 || r.left < 0 || r.top < 0 || r.right > window.innerWidth || r.bottom > window.innerHeight;
      })
      .map((b) => b.textContent?.trim() ?? '?');
    return { nodesOut, buttonsOut };
  });
}

/** fillShare is how much of the canvas the graph spans (the larger of width and height share). */
async function fillShare(page: Page): Promise<number> {
  return page.evaluate(() => {
    const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
    const bb = cy.nodes('.member, .zone').renderedBoundingBox({});
    const box = cy.container()!.getBoundingClientRect();
    return Math.max(bb.w / box.width, bb.h / box.height);
  });
}

async function focusedLabel(page: Page): Promise<string> {
  return page.evaluate(() => {
    const a = document.activeElement;
    return a ? (a.getAttribute('aria-label') ?? a.textContent?.trim() ?? a.tagName) : 'none';
  });
}

describe('a lab a newcomer reads at a glance', () => {
  let served: Served | null = null;
  let context: BrowserContext | null = null;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    // Not skipped when missing: one line says what to install.
    requireChromium();
    // Its own build folder: lab.test.ts builds into the shared one at the same time.
    const web = buildWeb(join(ROOT, 'artifacts', 'e2e-web-clarity'));
    served = await startServe(['--web', web, '--nodes', '5', '--heartbeat-ms', '50', '--election-ms', '300']);
    ({ context, page } = await openBrowser());
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(served.pageUrl);
    await waitFor(
      '5 nodes and a leader',
      async () => /leader n\d/.test((await page.getByTestId('leader').textContent()) ?? ''),
      15_000,
    );
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await stopServe(served);
  });

  async function api(): Promise<ClusterView> {
    return (await (await served!.api('/api/cluster')).json()) as ClusterView;
  }

  it('shows a legend, and every label is at least 11 px and meets AA contrast', { timeout: 60_000 }, async () => {
    onTestFailed(async () => void (await screenshot(page, 'clarity-failure').catch(() => undefined)));
    const legend = page.getByTestId('legend');
    expect(await legend.isVisible()).toBe(true);
    const text = (await legend.textContent()) ?? '';
    expect(text).toContain('T = term · C = commit index');
    for (const word of [
      'leader',
      'follower',
      'candidate',
      'pre-candidate',
      'paused',
      'down',
      'vote',
      'append',
      'heartbeat',
      'snapshot',
      'client',
    ])
      expect(text).toContain(word);
    expect(await labelTexts(page, 'zone-label')).toEqual(['5/5 · has quorum']);
    expect(await page.getByTestId('quorum-chip').textContent()).toBe('quorum 5/5 ✓');
    expect(await labelTexts(page, 'node-chip')).toHaveLength(5);
    for (const size of [SIZES.default, SIZES.small]) {
      await page.setViewportSize(size);
      await page.waitForTimeout(400);
      const rows = await readability(page);
      expect(rows.length).toBeGreaterThan(15);
      const small = rows.filter((r) => r.px < 11);
      const faint = rows.filter((r) => r.ratio < 4.5);
      expect(small, `labels under 11 px at ${size.width}×${size.height}`).toEqual([]);
      expect(faint, `labels under 4.5:1 at ${size.width}×${size.height}`).toEqual([]);
    }
    await page.setViewportSize(SIZES.default);
    await screenshot(page, 'clarity-1400x900-healthy');
  });

  it('a node has a hover card that says what it is', async () => {
    const p = await page.evaluate(() => {
      const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
      const b = cy.container()!.getBoundingClientRect();
      const n = cy.nodes('.member').first();
      return { id: n.id(), x: b.left + n.renderedPosition().x, y: b.top + n.renderedPosition().y };
    });
    await page.mouse.move(p.x, p.y);
    const card = page.getByTestId('node-card');
    await card.waitFor({ timeout: 5000 });
    const text = (await card.textContent()) ?? '';
    for (const word of ['status', 'term', 'commit', 'applied', 'follows', 'last heard']) expect(text).toContain(word);
    expect(text).toContain(p.id);
    await screenshot(page, 'clarity-hover-card');
    await page.mouse.move(5, 5);
  });

  it('the keyboard is never trapped: console and dialog', { timeout: 60_000 }, async () => {
    const input = page.getByLabel('Console', { exact: true });
    // Tab completes when something matches and keeps focus.
    await input.fill('cr');
    await input.press('Tab');
    expect(await input.inputValue()).toBe('crash ');
    expect(await focusedLabel(page)).toBe('Console');
    // With nothing to complete, Tab moves on.
    await input.fill('zz');
    await input.press('Tab');
    expect(await focusedLabel(page)).not.toBe('Console');
    // Shift+Tab always leaves, even on a line Tab would complete.
    await input.fill('cr');
    await input.press('Shift+Tab');
    expect(await focusedLabel(page)).not.toBe('Console');
    // Esc leaves.
    await input.focus();
    await input.press('Escape');
    expect(await focusedLabel(page)).not.toBe('Console');
    await input.fill('');

    // The dialog takes focus, keeps Tab inside, closes on Esc and gives focus back.
    const opener = page.getByRole('button', { name: 'New cluster…' });
    await opener.focus();
    await opener.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New cluster' });
    await dialog.waitFor({ timeout: 5000 });
    const inside = () => dialog.evaluate((d) => d.contains(document.activeElement));
    expect(await focusedLabel(page)).toBe('Nodes');
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      expect(await inside(), `focus inside the dialog after ${i + 1} Tab`).toBe(true);
    }
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Shift+Tab');
      expect(await inside(), `focus inside the dialog after ${i + 1} Shift+Tab`).toBe(true);
    }
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 5000 });
    expect(await focusedLabel(page)).toBe('New cluster…');
  });

  it('answers say what was found', { timeout: 60_000 }, async () => {
    expect(await ask(page, 'put a 2')).toMatch(/^OK — n\d/);
    expect(await ask(page, 'cas a 1 3')).toMatch(/^not swapped: a is 2, expected 1 \(nothing was written\) — n\d/);
    await page.getByRole('button', { name: 'Export run' }).click();
    const exported = await waitFor(
      'export answer',
      async () => {
        const a = await lastAnswer(page);
        return a.startsWith('exported to') ? a : null;
      },
      30_000,
    );
    expect(exported).toMatch(/ — consistency: ok: \d+ keys? with acknowledged writes/);
  });

  it(
    'freezes the cluster on a commit, says on what, and Continue lets the write finish',
    { timeout: 60_000 },
    async () => {
      // Settled first: every node, asked live, has committed its whole log and the lab has seen it
      // report that index, so the freeze is the put's own commit, not a late report of the last one.
      await waitFor(
        'every node to commit and report its whole log',
        async () => {
          const v = await api();
          const live = await Promise.all(
            v.nodes.map(async (n) => (await (await served!.api(`/api/nodes/${n.id}/inspect`)).json()) as NodeInspect),
          );
          const top = Math.max(...live.map((i) => i.status.lastIndex));
          return live.every((i) => i.status.commitIndex === top) && v.nodes.every((n) => n.commitIndex === top);
        },
        10_000,
      );
      const freeze = page.getByLabel('Freeze on a commit');
      await freeze.check();
      await waitFor('the switch applied', async () => (await api()).pauseOn?.commit === true, 5000);
      const input = page.getByLabel('Console', { exact: true });
      const before = await answerCount(page);
      await input.fill('put frozen 1');
      await input.press('Enter');
      const banner = page.getByTestId('frozen-banner');
      await banner.waitFor({ timeout: 10_000 });
      expect(await banner.textContent()).toMatch(/Frozen on: n\d committed index \d+/);
      expect((await api()).frozen).toMatch(/^n\d committed index \d+$/);
      await screenshot(page, 'clarity-1400x900-frozen');
      await banner.getByRole('button', { name: 'Continue' }).click();
      await banner.waitFor({ state: 'detached', timeout: 5000 });
      const answer = await waitFor(
        'the put to finish',
        async () => ((await answerCount(page)) > before ? lastAnswer(page) : null),
        15_000,
      );
      expect(answer).toMatch(/^OK — n\d/);
      await freeze.uncheck();
      await waitFor('the switch off', async () => (await api()).pauseOn?.commit === false, 5000);
    },
  );

  it(
    'draws a partition as one wall with one label, and labels each zone with its quorum',
    { timeout: 60_000 },
    async () => {
      expect(await ask(page, 'partition n1,n2 | n3,n4,n5')).toMatch(/^partitioned/);
      await waitFor('the wall', async () => (await page.getByTestId('partition-wall').count()) === 1, 5000);
      expect(await labelTexts(page, 'partition-label')).toEqual(['partition: {n1,n2} | {n3,n4,n5}']);
      expect(await labelTexts(page, 'zone-label')).toEqual(['2/5 · no quorum', '3/5 · has quorum']);
      // No link across the wall is drawn: the wall says it once.
      const across = await page.evaluate(() => {
        const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
        const left = new Set(['n1', 'n2']);
        return cy
          .edges('.link')
          .filter((e) => e.visible() && left.has(e.data('source') as string) !== left.has(e.data('target') as string))
          .map((e) => e.id());
      });
      expect(across).toEqual([]);
      // The wall stands between the zones: right of n1 and n2, left of n3, n4, n5.
      const [wallX, xs] = await page.evaluate(() => {
        const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
        const wall = document.querySelector('[data-testid=partition-wall]')!.getBoundingClientRect();
        const box = cy.container()!.getBoundingClientRect();
        const pos = Object.fromEntries(cy.nodes('.member').map((n) => [n.id(), box.left + n.renderedPosition().x]));
        return [wall.left + wall.width / 2, pos] as const;
      });
      for (const id of ['n1', 'n2']) expect(xs[id]!).toBeLessThan(wallX);
      for (const id of ['n3', 'n4', 'n5']) expect(xs[id]!).toBeGreaterThan(wallX);
      await screenshot(page, 'clarity-1400x900-partition');
      expect(await ask(page, 'heal')).toMatch(/^healed/);
      await waitFor('no wall', async () => (await page.getByTestId('partition-wall').count()) === 0, 5000);
    },
  );

  it('with 3 of 5 nodes down: the zone, the chip and a put say there is no quorum', { timeout: 90_000 }, async () => {
    const leader = (await api()).leader;
    const victims = ['n1', 'n2', 'n3', 'n4', 'n5'].filter((n) => n !== leader).slice(0, 3);
    for (const v of victims) expect(await ask(page, `crash ${v}`)).toMatch(/crashed/);
    await waitFor(
      'the zone label',
      async () => (await labelTexts(page, 'zone-label')).join() === '2/5 · no quorum',
      5000,
    );
    expect(await page.getByTestId('quorum-chip').textContent()).toBe('quorum 2/5 ✗');
    const down = victims.join(', ');
    expect(await ask(page, 'put b 1')).toMatch(
      new RegExp(`^(failed|unknown): .*no quorum: 2 of 5 nodes reachable, 3 needed \\(${down} down\\)`),
    );
    for (const size of Object.values(SIZES)) {
      await page.setViewportSize(size);
      await page.waitForTimeout(600);
      await screenshot(page, `clarity-${size.width}x${size.height}-no-quorum`);
    }
    await page.setViewportSize(SIZES.default);
  });

  it('at 1024×700 and 1920×1080 every node and every header button is on screen', { timeout: 60_000 }, async () => {
    for (const size of [SIZES.small, SIZES.large, SIZES.default]) {
      await page.setViewportSize(size);
      // A resize refits the graph on the next frame: wait for it, then check.
      const look = async () => ({ ...(await onScreen(page)), share: await fillShare(page) });
      const seen = await waitFor(
        `the graph refitted at ${size.width}×${size.height}`,
        async () => {
          const o = await look();
          return o.nodesOut.length === 0 && o.buttonsOut.length === 0 && o.share > 0.6 ? o : null;
        },
        5000,
      ).catch(look);
      expect(seen.nodesOut, `nodes outside the canvas at ${size.width}×${size.height}`).toEqual([]);
      expect(seen.buttonsOut, `header buttons off screen at ${size.width}×${size.height}`).toEqual([]);
      // The graph uses its room: it spans most of the canvas one way or the other, not a corner.
      expect(seen.share, `graph fills its canvas at ${size.width}×${size.height}`).toBeGreaterThan(0.6);
    }
    expect(errors).toEqual([]);
  });
});
