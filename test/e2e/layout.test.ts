/**
 * The lab's layout at a small window (1024×700) and the usual one (1400×900), in a real
 * Chromium on a real 5-node lab: with the network partitioned, the partition wall's label
 * and the zones' labels stay clear of the membership line under the graph; the Messages
 * diagram gets room enough to read five lanes; a frozen cluster's banner covers no node or
 * label; and adding a node from the graph reads in
 * the timeline as one row that says what happened, whose steps show when it is selected.
 * Screenshots of each land in artifacts/e2e/layout/.
 */
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import { LARGE, labInBrowser, resize, screenshot, SMALL, waitFor } from './helpers';

const SIZES = [
  { width: 1024, height: 700, canvas: { w: 340, h: 150 } },
  { width: 1400, height: 900, canvas: { w: 350, h: 200 } },
] as const;

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** boxesOf returns the on-screen boxes of every element a locator matches. */
async function boxesOf(l: Locator): Promise<Box[]> {
  const out: Box[] = [];
  for (const el of await l.all()) {
    const b = await el.boundingBox();
    if (b) out.push(b);
  }
  return out;
}

/** overlap is the area two boxes share (0 when they do not touch). */
function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

describe('layout at 1024×700 and 1400×900', () => {
  const lab = labInBrowser('layout', ['--nodes', '5', '--heartbeat-ms', '50', '--election-ms', '300']);

  it(
    'keeps the wall label off the membership line and gives the Messages diagram room',
    { timeout: 120_000 },
    async () => {
      const errors = await lab.open('layout');
      const page = lab.page;
      await lab.api('/api/partition', {
        groups: [
          ['n1', 'n2'],
          ['n3', 'n4', 'n5'],
        ],
      });
      const label = page.getByTestId('partition-label');
      await label.waitFor({ timeout: 10_000 });
      await page.getByTestId('tab-messages').click();
      const canvas = page.getByTestId('spacetime-canvas');
      await canvas.waitFor({ timeout: 10_000 });

      for (const s of SIZES) {
        await resize(page, s);
        await screenshot(page, `layout-partition-${s.width}x${s.height}`);
        const bar = (await page.getByTestId('membership-bar').boundingBox())!;
        const graph = (await page.locator('.panel.graph').boundingBox())!;
        const wall = (await label.boundingBox())!;
        const at = `at ${s.width}×${s.height}`;
        expect(overlap(wall, bar), `the wall's label over the membership line ${at}`).toBe(0);
        // The label is whole and inside the graph's panel, not clipped by it.
        expect(wall.y + wall.height, `the wall's label inside the graph ${at}`).toBeLessThanOrEqual(
          graph.y + graph.height,
        );
        expect(wall.x).toBeGreaterThanOrEqual(graph.x);
        for (const z of await boxesOf(page.getByTestId('zone-label')))
          expect(overlap(z, bar), `a zone label over the membership line ${at}`).toBe(0);
        for (const c of await boxesOf(page.getByTestId('node-chip')))
          expect(overlap(c, bar), `a node's chip over the membership line ${at}`).toBe(0);
        // The Messages diagram: five lanes a person can read, not a thumbnail.
        const d = (await canvas.boundingBox())!;
        expect(d.width, `the diagram's width ${at}`).toBeGreaterThanOrEqual(s.canvas.w);
        expect(d.height, `the diagram's height ${at}`).toBeGreaterThanOrEqual(s.canvas.h);
      }
      await lab.api('/api/heal', {});
      expect(errors).toEqual([]);
    },
  );

  it('keeps the frozen banner off the wall label and the nodes at 1024×700', { timeout: 120_000 }, async () => {
    const page = lab.page;
    await resize(page, SMALL);
    const v = await lab.api<ClusterView>('/api/cluster');
    const leader = v.leader!;
    await page.getByLabel('Freeze on a role change').check();
    // Cut the leader off: the others' election freezes the cluster, partition wall and all.
    await lab.api('/api/partition', { groups: [[leader], v.nodes.map((n) => n.id).filter((n) => n !== leader)] });
    const banner = page.getByTestId('frozen-banner');
    await banner.waitFor({ timeout: 15_000 });
    await page.waitForTimeout(700);
    await screenshot(page, 'layout-frozen-1024x700');
    const b = (await banner.boundingBox())!;
    for (const what of ['partition-label', 'node-chip', 'node-label', 'zone-label'])
      for (const box of await boxesOf(page.getByTestId(what)))
        expect(overlap(box, b), `the frozen banner over a ${what}`).toBe(0);
    await page.getByLabel('Freeze on a role change').uncheck();
    // The switch goes to the lab as a request of its own: until the lab has it, the heal's
    // role changes would freeze the cluster again (and the next test's add would wait on it).
    await waitFor(
      'freeze on a role change off',
      async () => (await lab.api<ClusterView>('/api/cluster')).pauseOn?.role !== true,
      10_000,
    );
    // Thawed through the API: under load the banner's button can be re-rendered under a click.
    // (A 409 only says the cluster is no longer frozen.)
    await lab.api('/api/continue', {}).catch((e: Error) => expect(e.message).toContain('409'));
    await lab.api('/api/heal', {});
    await banner.waitFor({ state: 'detached', timeout: 10_000 });
  });

  it('tells adding a node in one timeline row, with its steps when selected', { timeout: 120_000 }, async () => {
    const page = lab.page;
    await resize(page, LARGE);
    await page.getByTestId('add-node').click();
    const view = (): Promise<ClusterView> => lab.api<ClusterView>('/api/cluster');
    await waitFor('n6 a voter', async () => (await view()).config?.voters.includes('n6') === true, 30_000).catch(
      async (e: unknown) => {
        // Say where the add stood, for whoever reads the failure.
        const v = await view();
        console.log('the lab:', JSON.stringify({ frozen: v.frozen, pauseOn: v.pauseOn, config: v.config }));
        throw e;
      },
    );
    const rows = page.getByTestId('timeline-rows');
    const summary = rows.locator('.ev', { hasText: /^[\d.]+\s*n6 added: started · learner/ });
    // The list may have stopped following the newest rows (the window was resized): ask for
    // them. On a loaded machine the page can lag the lab by seconds, and more rows (elections,
    // commits) may follow the add than the list shows at once (only rows in view are drawn):
    // for up to `ms`, look at the newest rows and page back from them.
    const newest = page.getByRole('button', { name: '↓ newest' });
    const seen = new Set<string>();
    const find = async (ms: number): Promise<void> => {
      const until = Date.now() + ms;
      while (Date.now() < until) {
        if (await newest.isVisible()) await newest.click();
        await page.waitForTimeout(300);
        for (let i = 0; i < 40; i++) {
          if (await summary.first().isVisible()) return;
          for (const t of await rows.locator('.ev').allTextContents()) if (/\bn6\b/.test(t)) seen.add(t);
          const top = await rows.evaluate((el) => {
            el.scrollTop = Math.max(0, el.scrollTop - el.clientHeight / 2);
            return el.scrollTop;
          });
          await page.waitForTimeout(100);
          if (top === 0) break;
        }
        await page.waitForTimeout(1000);
      }
    };
    await find(30_000);
    // Found, it is read the way a person would: with the view paused. A list that follows the
    // newest rows pushes the row out of view (and out of the DOM) as rows keep coming, which
    // under load is faster than a click. Paused, the rows stand still: find it again.
    await page.getByRole('button', { name: 'Pause view' }).click();
    await find(10_000);
    await summary
      .first()
      .waitFor({ timeout: 1000 })
      .catch(async (e: unknown) => {
        await screenshot(page, 'layout-node-added-failure');
        // Say what the list showed instead, for whoever reads the failure.
        console.log('rows in view:', (await rows.locator('.ev').allTextContents()).join('\n'));
        console.log('rows about n6 seen on the way:', [...seen].join('\n'));
        throw e;
      });
    // One row for the add: none of the near-identical ones it stands for. Rows about n6 after
    // the add ended are its later life (under load a new voter that misses heartbeats asks
    // for a pre-vote: news, rows of their own); within the add, there is only its row.
    const addMs = Number(/ in (\d+) ms/.exec((await summary.first().getAttribute('title')) ?? '')?.[1]);
    expect(addMs, "the add's duration in its row").toBeGreaterThan(0);
    const t0 = Number(await summary.first().locator('.t').textContent());
    const inView = await rows
      .locator('.ev')
      .evaluateAll((els) =>
        els.map((e) => [e.querySelector('.t')?.textContent ?? '', e.querySelector('.s')?.textContent ?? '']),
      );
    const aboutN6 = inView
      .filter(([t, text]) => Number(t) >= t0 && Number(t) <= t0 + addMs / 1000 + 0.001 && /\bn6\b/.test(text!))
      .map(([, text]) => text!)
      .filter((text) => !/committed/.test(text));
    expect(aboutN6, `the timeline rows about n6 during the add:\n${aboutN6.join('\n')}\n`).toHaveLength(1);
    expect(aboutN6[0]).toMatch(/^n6 added: started · learner/);
    await summary.first().click();
    // Selected, the row says it all (the list cuts long sentences to its width).
    expect(await page.getByTestId('timeline-detail').textContent()).toMatch(
      /n6 added: started · learner \(entry \d+\) · caught up \(applied \d+\) · voter \(entry \d+\), in \d+ ms/,
    );
    const steps = page.getByTestId('timeline-steps').locator('li');
    expect(await steps.count()).toBeGreaterThan(5);
    expect((await steps.allTextContents()).join('\n')).toMatch(/n6 is a voter now/);
    for (const s of SIZES) {
      await resize(page, s);
      await screenshot(page, `layout-node-added-${s.width}x${s.height}`);
    }
    await page.getByRole('button', { name: 'Resume view' }).click();
    await resize(page, LARGE);
  });
});
