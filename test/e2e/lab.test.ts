/**
 * The lab end to end, through the browser UI as a user would use it: a real 3-node
 * cluster (`quorum-lab serve`), the built renderer in Debian's Chromium. Screenshots of
 * each step land in artifacts/e2e/lab/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import type { Core as CyCore } from 'cytoscape';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import {
  buildWeb,
  markStart,
  openBrowser,
  openSavedRun,
  requireChromium,
  screenshot,
  startServe,
  stopServe,
  type Served,
  waitFor,
} from './helpers';

interface CyNodeInfo {
  id: string;
  classes: string[];
  x: number;
  y: number;
}

/** graphNodes reads the member nodes as drawn: id, classes and page coordinates. */
async function graphNodes(page: Page): Promise<CyNodeInfo[]> {
  return page.evaluate(() => {
    const w = window as unknown as { __quorumLab?: { cy: CyCore } };
    const cy = w.__quorumLab?.cy;
    if (!cy) return [];
    const box = cy.container()!.getBoundingClientRect();
    return cy.nodes('.member').map((n) => ({
      id: n.id(),
      classes: n.classes(),
      x: box.left + n.renderedPosition().x,
      y: box.top + n.renderedPosition().y,
    }));
  });
}

async function leaderText(page: Page): Promise<string> {
  return (await page.getByTestId('leader').textContent()) ?? '';
}

/** shownLeader returns the node id the header names as leader, or null. */
async function shownLeader(page: Page): Promise<string | null> {
  return /leader (n\d+)/.exec(await leaderText(page))?.[1] ?? null;
}

async function consoleRun(page: Page, line: string): Promise<void> {
  const input = page.getByLabel('Console', { exact: true });
  await input.fill(line);
  await input.press('Enter');
}

async function answerCount(page: Page): Promise<number> {
  return page.getByTestId('console-output').evaluate((el) => el.querySelectorAll('.line:not(.input)').length);
}

/**
 * ask types a line and returns its answer once it matches `want`. An answer that says the
 * request failed or its outcome is unknown (an election under a loaded machine) is asked
 * again, as a user would; an answer matching `never` fails the test at once.
 */
async function ask(page: Page, line: string, want: RegExp, never: RegExp | null, attempts = 4): Promise<string> {
  let last = '';
  for (let i = 0; i < attempts; i++) {
    const before = await answerCount(page);
    await consoleRun(page, line);
    last = await waitFor(
      `an answer to '${line}'`,
      async () => ((await answerCount(page)) > before ? lastAnswer(page) : null),
      30_000,
    );
    if (want.test(last)) return last;
    if (never?.test(last)) throw new Error(`'${line}' answered '${last}'`);
  }
  throw new Error(`'${line}' never answered as expected; last answer: '${last}'`);
}

/** lastAnswer returns the text of the console's newest non-input line. */
async function lastAnswer(page: Page): Promise<string> {
  return page.getByTestId('console-output').evaluate((el) => {
    const lines = [...el.querySelectorAll('.line:not(.input)')];
    return lines[lines.length - 1]?.textContent?.trim() ?? '';
  });
}

describe('Quorum Lab in the browser', () => {
  let served: Served | null = null;
  let context: BrowserContext | null = null;
  let page: Page;

  beforeAll(async () => {
    // Not skipped when missing: one line says what to install.
    requireChromium();
    const t0 = Date.now();
    const web = buildWeb();
    const t1 = Date.now();
    served = await startServe(['--web', web, '--nodes', '3', '--heartbeat-ms', '50', '--election-ms', '300']);
    const t2 = Date.now();
    ({ context, page } = await openBrowser());
    console.log(
      `e2e setup: build ${((t1 - t0) / 1000).toFixed(1)} s, serve ${((t2 - t1) / 1000).toFixed(1)} s, browser ${((Date.now() - t2) / 1000).toFixed(1)} s`,
    );
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await stopServe(served);
  });

  async function api(): Promise<ClusterView> {
    const r = await served!.api('/api/cluster');
    return (await r.json()) as ClusterView;
  }

  it(
    'partitions by drag, sets a link rule, crashes from the inspector, exports and replays',
    { timeout: 240_000 },
    async () => {
      // On failure, the page as it was: the screenshot says more than the assertion.
      onTestFailed(async () => {
        await screenshot(page, 'failure').catch(() => undefined);
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));

      // 1. Three nodes and a leader, within 10 s of opening the page.
      markStart();
      await page.goto(served!.pageUrl);
      const firstLeader = await waitFor(
        '3 nodes and a leader',
        async () => {
          const nodes = await graphNodes(page);
          const id = await shownLeader(page);
          return nodes.length === 3 && id !== null && nodes.find((n) => n.id === id)?.classes.includes('leader')
            ? id
            : null;
        },
        10_000,
      );
      await screenshot(page, 'three-nodes-and-leader');

      // 2. put a 1, then get a prints 1 (with the node that served it).
      await ask(page, 'put a 1', /^OK — n\d/, null);
      // Once the put is acknowledged, a read may never miss it: (nil) or another value fails the test.
      const got = await ask(page, 'get a', /^1 — n\d/, /^(\(nil\)|(?!1 )\S+ — n\d)/);
      expect(got).toMatch(/^1 — n\d, [\d.]+ ms$/);
      // The throughput chart draws the two operations.
      await waitFor(
        'throughput drawn',
        async () => (await page.locator('[data-testid=charts] path.ops').first().getAttribute('d'))?.startsWith('M'),
        5000,
      );
      await screenshot(page, 'console-put-get');

      // 2b. Balance panel: pick weighted round-robin 1:2:3 in the UI; 60 reads split 10/20/30
      // (writes go to the leader, reads follow the balancer); a lock shows who holds it.
      const balance = page.getByTestId('balance');
      await balance.getByLabel('Balance algorithm').selectOption('weighted-round-robin');
      for (const [id, w] of [
        ['n1', '1'],
        ['n2', '2'],
        ['n3', '3'],
      ] as const)
        await balance.getByLabel(`Weight of ${id}`).fill(w);
      await balance.getByRole('button', { name: 'Apply' }).click();
      await waitFor('balance applied', async () => (await api()).balance.algorithm === 'weighted-round-robin', 5000);
      expect((await api()).balance.weights).toEqual({ n1: 1, n2: 2, n3: 3 });
      const post = (path: string, body: unknown) => served!.api(path, { method: 'POST', body: JSON.stringify(body) });
      expect((await post('/api/load', { op: 'get', count: 60, clients: 4, keys: 1 })).status).toBe(200);
      const shares = async () => balance.locator('[data-testid=share]').allTextContents();
      await waitFor('shares 17/33/50', async () => (await shares()).join(' ') === '17% 33% 50%', 5000);
      expect((await post('/api/lock', { name: 'jobs', ttlMs: 60_000, owner: 'alice' })).status).toBe(200);
      await waitFor(
        'lock shown',
        async () => /jobs\s*alice\s*\d+\s*\d+ s/.test((await page.getByTestId('locks').textContent()) ?? ''),
        10_000,
      );
      await screenshot(page, 'balance-and-locks');

      // 3. Drag the leader onto empty canvas: it gets a zone of its own, another node leads.
      const before = await graphNodes(page);
      const leaderNode = before.find((n) => n.id === firstLeader)!;
      const box = (await page.getByTestId('topology').boundingBox())!;
      await page.mouse.move(leaderNode.x, leaderNode.y);
      await page.mouse.down();
      const target = { x: box.x + 40, y: box.y + box.height - 40 };
      await page.mouse.move(target.x, target.y, { steps: 12 });
      await page.mouse.up();
      await waitFor(
        'two sides',
        async () => (await page.getByTestId('cluster-summary').textContent())?.includes('partitioned: 2 sides'),
        10_000,
      );
      const view = await api();
      expect(view.groups).toHaveLength(2);
      expect(view.groups).toContainEqual([firstLeader]);
      const newLeader = await waitFor(
        'another node to become leader',
        async () => {
          const id = await shownLeader(page);
          return id !== null && id !== firstLeader ? id : null;
        },
        15_000,
      );
      expect(newLeader).not.toBe(firstLeader);
      await screenshot(page, 'leader-dragged-out-new-leader');

      // 4. Heal.
      await page.getByRole('button', { name: 'Heal' }).click();
      await waitFor(
        'no partition again',
        async () => (await page.getByTestId('cluster-summary').textContent())?.includes('no partition'),
        10_000,
      );
      expect((await api()).groups).toHaveLength(1);
      await screenshot(page, 'healed');

      // 5. Select a link on the canvas, set 200 ms ± 50 ms both ways: GET /api/cluster shows it.
      const [a, b] = await page.evaluate(() => {
        const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
        const e = cy.edges('.link').first();
        const box = cy.container()!.getBoundingClientRect();
        const m = e.renderedMidpoint();
        return [
          e.data('source') as string,
          { x: box.left + m.x, y: box.top + m.y, target: e.data('target') as string },
        ] as const;
      });
      await page.mouse.click(b.x, b.y);
      const panel = page.getByTestId('link-panel');
      await panel.waitFor({ timeout: 5000 });
      await page.getByLabel('Latency (ms)').fill('200');
      await page.getByLabel('Jitter (ms)').fill('50');
      await page.getByLabel('Bandwidth (bytes per second)').fill('64KiB/s');
      await panel.getByRole('button', { name: 'Apply' }).click();
      const rule = await waitFor(
        'the rule in GET /api/cluster',
        async () => (await api()).links.find((l) => l.from === a && l.to === b.target && l.latencyMs === 200),
        5000,
      );
      expect(rule.jitterMs).toBe(50);
      expect(rule.bandwidth).toBe(64 * 1024);
      expect((await api()).links.find((l) => l.from === b.target && l.to === a)?.latencyMs).toBe(200);
      await screenshot(page, 'link-latency');

      // 6. Crash a follower from the inspector: the node shows down.
      const victim = (await graphNodes(page)).find((n) => !n.classes.includes('leader'))!;
      await page.mouse.click(victim.x, victim.y);
      const inspector = page.getByTestId('inspector');
      await inspector.waitFor({ timeout: 5000 });
      await inspector.getByRole('button', { name: 'Crash' }).click();
      await waitFor(
        'inspector says down',
        async () => (await page.getByTestId('inspector-status').textContent()) === 'down',
        10_000,
      );
      await waitFor(
        'graph draws the node down',
        async () => (await graphNodes(page)).find((n) => n.id === victim.id)?.classes.includes('down'),
        5000,
      );
      expect((await api()).nodes.find((n) => n.id === victim.id)?.status).toBe('down');
      await screenshot(page, 'crashed-from-inspector');

      // 6b. Damage its disk from the inspector's menu: the lab says what broke, the node shows recovering.
      await inspector.getByTestId('damage-button').click();
      await inspector.getByTestId('damage-log-tail').click();
      await waitFor(
        'the damage note',
        async () => /garbled log entries \d+\.\.\d+/.test((await page.getByTestId('damage-note').textContent()) ?? ''),
        20_000,
      );
      await waitFor(
        'the inspector says recovering',
        async () => (await page.getByTestId('inspector-recovering').textContent()) === 'recovering',
        5000,
      );
      expect((await api()).nodes.find((n) => n.id === victim.id)?.damaged).toBe(true);
      await screenshot(page, 'damaged-from-inspector');

      // 7. Export: the run's log holds what happened.
      await page.getByRole('button', { name: 'Export run' }).click();
      const exported = await waitFor(
        'export answer',
        async () => /exported to (\S+) \(/.exec(await lastAnswer(page))?.[1],
        30_000,
      );
      const log = readFileSync(join(exported, 'run.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as { kind: string; node?: string; t: number });
      const kinds = new Set(log.map((r) => r.kind));
      for (const k of ['partition', 'heal', 'link-rule', 'crash', 'damage', 'client-complete', 'role'])
        expect(kinds, `run log has ${k}`).toContain(k);
      const crashT = log.find((r) => r.kind === 'crash' && r.node === victim.id)!.t;
      await screenshot(page, 'exported');

      // 8. Open the run: the graph replays it, with no live cluster involved.
      await openSavedRun(page, exported);
      await page.getByTestId('replay-status').waitFor({ timeout: 10_000 });
      await waitFor(
        'replay at its end shows the crash',
        async () => (await graphNodes(page)).find((n) => n.id === victim.id)?.classes.includes('down'),
        5000,
      );
      await screenshot(page, 'replay-end');
      // Scrub to just before the crash: the node is up again in the replayed picture.
      await page.getByLabel('Replay position').evaluate(
        (el, ms) => {
          const input = el as HTMLInputElement;
          input.value = String(ms);
          input.dispatchEvent(new Event('input', { bubbles: true }));
        },
        Math.max(0, Math.floor(crashT / 1e6) - 20),
      );
      await waitFor(
        'replay before the crash shows the node up',
        async () => {
          const n = (await graphNodes(page)).find((x) => x.id === victim.id);
          return n && !n.classes.includes('down');
        },
        5000,
      );
      // The inspector shows the replayed moment: not the note of the damage done later, live.
      expect(await page.getByTestId('damage-note').count(), 'a live damage note in the replay').toBe(0);
      expect(await page.getByTestId('inspector').textContent()).not.toMatch(/garbled log entries/);
      // Live cluster untouched: the victim is still down there.
      expect((await api()).nodes.find((n) => n.id === victim.id)?.status).toBe('down');
      await screenshot(page, 'replay-scrubbed-before-crash');

      expect(errors).toEqual([]);
    },
  );
});
