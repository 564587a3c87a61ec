/**
 * Sharding in the browser: `quorum-lab serve --groups 3 --nodes 3` (12 node processes) and
 * the built renderer in Chromium. The Shards panel shows each group with its nodes and
 * shards; a move picked there reaches the lab and the shard shows up in its new group; the
 * console's `shards` prints the same map; the foot line lists the groups with their leaders,
 * a move cut off by a partition says why it waits, and "+ group g4" starts a new group's
 * processes and joins it. Screenshots land in artifacts/e2e/shards/.
 */
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ShardsView } from '../../src-main/api/shards';
import {
  buildWeb,
  markStart,
  openBrowser,
  requireChromium,
  ROOT,
  screenshot,
  startServe,
  stopServe,
  waitFor,
  type Served,
} from './helpers';

describe('the Shards panel of a 3-group cluster', () => {
  let served: Served | null = null;
  let context: BrowserContext | null = null;
  let page: Page;

  beforeAll(async () => {
    requireChromium();
    const web = buildWeb(join(ROOT, 'artifacts', 'e2e-web-shards'));
    served = await startServe(['--web', web, '--groups', '3', '--nodes', '3', '--shards', '6']);
    ({ context, page } = await openBrowser());
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await stopServe(served);
  });

  const shards = async (): Promise<ShardsView> => (await (await served!.api('/api/shards')).json()) as ShardsView;

  it('shows the groups with their shards and moves a shard picked in the panel', { timeout: 180_000 }, async () => {
    onTestFailed(async () => void (await screenshot(page, 'shards-failure').catch(() => undefined)));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.setViewportSize({ width: 1400, height: 900 });
    markStart();
    await page.goto(served!.pageUrl);
    const panel = page.getByTestId('shard-map');
    await waitFor('the Shards panel', async () => (await panel.count()) === 1, 30_000);
    for (const g of ['g1', 'g2', 'g3'])
      await waitFor(`group ${g}`, async () => (await panel.getByTestId(`shard-group-${g}`).count()) === 1, 15_000);
    const v = await shards();
    const g3 = panel.getByTestId('shard-group-g3');
    expect(await g3.textContent()).toContain('n10 n11 n12');
    for (const s of v.shards.filter((x) => x.group === 'g3'))
      expect(await g3.getByRole('button', { name: `shard ${s.shard}`, exact: true }).count()).toBe(1);
    // The header speaks per group: each group's own leader, each group's own quorum.
    const leaderChip = page.getByTestId('leader');
    await waitFor(
      'a leader in every group',
      async () => /^leaders ctl n\d+ · g1 n\d+ · g2 n\d+ · g3 n\d+$/.test((await leaderChip.textContent()) ?? ''),
      20_000,
    );
    const named = [...((await leaderChip.textContent()) ?? '').matchAll(/n(\d+)/g)].map((m) => Number(m[1]));
    // Each group's leader is one of its own nodes: ctl n1–n3, g1 n4–n6, g2 n7–n9, g3 n10–n12.
    named.forEach((n, i) => expect(Math.ceil(n / 3)).toBe(i + 1));
    expect((await page.getByTestId('quorum-chip').textContent())?.trim()).toBe(
      'quorum ctl 3/3 ✓ · g1 3/3 ✓ · g2 3/3 ✓ · g3 3/3 ✓',
    );
    // The graph draws each group as a box of its own nodes, labelled with its shards and its quorum.
    const parents = await page.evaluate(() =>
      Object.fromEntries(window.__quorumLab!.cy.nodes('.member').map((n) => [n.id(), String(n.data('parent') ?? '')])),
    );
    expect(parents).toMatchObject({ n1: 'sg-controller', n4: 'sg-g1', n9: 'sg-g2', n12: 'sg-g3' });
    const boxLabel = (members: string) => page.locator(`[data-testid="zone-label"][data-members="${members}"]`);
    const g3Shards = v.shards.filter((x) => x.group === 'g3').map((x) => x.shard);
    expect((await boxLabel('n10,n11,n12').textContent())?.trim()).toBe(`g3 · shards ${g3Shards.join(' ')} · 3/3 ✓`);
    expect((await boxLabel('n1,n2,n3').textContent())?.trim()).toBe('controller · 3/3 ✓');
    // The foot line lists the groups with their own leaders, not one group's voters; no single-node Add.
    const foot = page.getByTestId('membership-bar');
    await waitFor(
      'the foot line per group',
      async () =>
        /^4 groups, each its own Raft group with its own leader:\s*ctl .*★n\d.*g3 .*★n1[012]/.test(
          ((await foot.textContent()) ?? '').replace(/\s+/g, ' ').trim(),
        ),
      10_000,
    );
    expect(await page.getByTestId('add-node').count()).toBe(0);
    await screenshot(page, 'shards-3-groups');
    await page.setViewportSize({ width: 1024, height: 768 });
    await screenshot(page, 'shards-3-groups-1024');
    await page.setViewportSize({ width: 1400, height: 900 });

    // Cut g1 off from the other groups: the shard's data cannot reach g3, so the move stays on its way.
    const cutOff = ['n1', 'n2', 'n3', 'n7', 'n8', 'n9', 'n10', 'n11', 'n12'];
    const cut = await served!.api('/api/partition', {
      method: 'POST',
      body: JSON.stringify({ groups: [['n4', 'n5', 'n6'], cutOff] }),
    });
    expect(cut.status).toBe(200);
    const banner = page.getByTestId('partition-label');
    await waitFor(
      'the partition banner',
      async () => ((await banner.textContent()) ?? '').includes('{n4,n5,n6} |'),
      10_000,
    );
    const shard = v.shards.find((x) => x.group === 'g1')?.shard ?? 0;
    await panel.getByLabel('Shard to move').selectOption(String(shard));
    await panel.getByLabel('Destination group').selectOption('g3');
    await panel.getByRole('button', { name: 'Move', exact: true }).click();
    await waitFor('the move under way', async () => (await shards()).shards[shard]?.moving?.from === 'g1', 20_000);
    const arrows = async (): Promise<string[]> =>
      page.evaluate(() =>
        window.__quorumLab!.cy.edges('.shard-move').map((e) => `${e.source().id()}>${e.target().id()}`),
      );
    await waitFor('the dashed arrow g1 → g3', async () => (await arrows()).join() === 'sg-g1>sg-g3', 10_000);
    await waitFor(
      'g3’s box marking the shard on its way',
      async () => ((await boxLabel('n10,n11,n12').textContent()) ?? '').includes(`${shard} ← g1`),
      10_000,
    );
    expect(await page.getByTestId('link-label').getByText(`shard ${shard} → g3`).count()).toBe(1);
    // The Shards panel says why the move waits.
    await waitFor(
      'the panel saying why the move waits',
      async () =>
        new RegExp(`^shard ${shard} waits: page 1 of \\d+ dropped on n[456] → n1[012]: partition$`).test(
          ((await panel.getByTestId('shard-stalled').first().textContent()) ?? '').trim(),
        ),
      15_000,
    );
    await screenshot(page, 'shards-moving');
    expect((await served!.api('/api/heal', { method: 'POST' })).status).toBe(200);
    await waitFor(
      'the move',
      async () => {
        const s = (await shards()).shards[shard];
        return s?.group === 'g3' && s.moving === undefined;
      },
      30_000,
    );
    await waitFor('the arrow gone', async () => (await arrows()).length === 0, 10_000);
    await waitFor(
      'the moved shard in g3’s box',
      async () => (await g3.getByRole('button', { name: `shard ${shard}`, exact: true }).count()) === 1,
      15_000,
    );
    await screenshot(page, 'shards-after-move');

    const input = page.getByLabel('Console', { exact: true });
    await input.fill('shards');
    await input.press('Enter');
    await waitFor('the console map', async () => (await page.getByText(/g3 \(n10,n11,n12; /).count()) > 0, 10_000);

    // The timeline's commit rows are per group: each names its group, and only that group's nodes.
    const timeline = page.getByTestId('timeline');
    await timeline.getByTestId('timeline-filters').click();
    for (const c of ['state', 'lifecycle', 'fault', 'client', 'other'])
      await timeline.getByLabel(c, { exact: true }).uncheck();
    const commitRows = async (): Promise<string[]> =>
      await timeline
        .locator('[data-testid="timeline-rows"] .ev')
        .evaluateAll((els) => els.map((e) => e.getAttribute('title') ?? ''));
    await waitFor('a commit row of g3', async () => (await commitRows()).some((t) => / · g3: entr/.test(t)), 10_000);
    const firstOf: Record<string, number> = { controller: 1, g1: 4, g2: 7, g3: 10 };
    for (const t of await commitRows()) {
      const m = / · (controller|g\d): (?:entry|entries) [\d–]+ committed \((.*)\)$/.exec(t);
      expect(m, t).not.toBeNull();
      const lo = firstOf[m![1]!]!;
      for (const n of m![2]!.match(/n\d+/g) ?? [])
        expect(Number(n.slice(1)), t).toSatisfy((k: number) => k >= lo && k < lo + 3);
    }

    // A partition that splits g3: the links it cuts stay drawn (red, dashed), and g3's box keeps its quorum on its side of two.
    const rest = Array.from({ length: 12 }, (_, i) => `n${i + 1}`).filter((n) => n !== 'n10');
    const split = await served!.api('/api/partition', {
      method: 'POST',
      body: JSON.stringify({ groups: [['n10'], rest] }),
    });
    expect(split.status).toBe(200);
    const linkClasses = async (id: string): Promise<string> =>
      page.evaluate((x) => window.__quorumLab!.cy.getElementById(x).classes().join(' '), id);
    await waitFor(
      'the cut link n10–n11 drawn',
      async () => (await linkClasses('link:n10:n11')).split(' ').includes('cut'),
      10_000,
    );
    expect(await linkClasses('link:n10:n11')).not.toContain('across');
    await waitFor(
      'g3 at 2/3',
      async () => ((await boxLabel('n10,n11,n12').textContent()) ?? '').endsWith('· 2/3 ✓'),
      10_000,
    );
    await screenshot(page, 'shards-split-group');
    expect((await served!.api('/api/heal', { method: 'POST' })).status).toBe(200);

    // Two of g3's three down: g3 alone loses its quorum and its leader; the others keep theirs.
    for (const n of ['n10', 'n11'])
      expect((await served!.api(`/api/nodes/${n}/crash`, { method: 'POST' })).status).toBe(200);
    await waitFor(
      'g3 without quorum in the header',
      async () =>
        (await page.getByTestId('quorum-chip').textContent())?.trim() ===
        'quorum ctl 3/3 ✓ · g1 3/3 ✓ · g2 3/3 ✓ · g3 1/3 ✗',
      15_000,
    );
    await waitFor('g3 without a leader', async () => /· g3 none$/.test((await leaderChip.textContent()) ?? ''), 15_000);
    for (const n of ['n10', 'n11'])
      expect((await served!.api(`/api/nodes/${n}/restart`, { method: 'POST' })).status).toBe(200);
    await waitFor('g3 leading again', async () => /· g3 n1[012]$/.test((await leaderChip.textContent()) ?? ''), 20_000);

    // "+ group g4" starts three new node processes, waits for their leader and joins them: shards move to g4.
    await panel.getByTestId('add-group').click();
    await waitFor(
      'g4 started, joined and serving shards',
      async () => {
        const x = await shards();
        const g4 = x.groups.find((g) => g.id === 'g4');
        return g4?.joined && g4.nodes.join() === 'n13,n14,n15' && x.shards.some((s) => s.group === 'g4' && !s.moving);
      },
      60_000,
    );
    await waitFor('g4’s box on the graph', async () => (await boxLabel('n13,n14,n15').count()) === 1, 15_000);
    await waitFor(
      'g4’s leader in the header',
      async () => /· g4 n1[345]$/.test((await leaderChip.textContent()) ?? ''),
      15_000,
    );
    await screenshot(page, 'shards-new-group');
    expect(errors).toEqual([]);
  });
});
