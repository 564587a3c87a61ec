/**
 * Membership in a real Chromium against a real 3-node lab: "+ Add node" starts a node
 * that the graph draws as a learner while the config line says it is catching up, then
 * as a voter; the inspector's Make leader moves leadership to it and Remove takes it out
 * again (handing leadership back first). Screenshots land in artifacts/e2e/membership/.
 */
import type { Core as CyCore } from 'cytoscape';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import { labInBrowser, screenshot } from './helpers';

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn().catch(() => null);
    if (v !== null && v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

/** classesOf reads a graph node's classes. */
async function classesOf(page: Page, id: string): Promise<string[]> {
  return page.evaluate((nid) => {
    const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
    const n = cy.getElementById(nid);
    return n.empty() ? [] : n.classes();
  }, id);
}

/** clickNode clicks a graph node at its rendered position. */
async function clickNode(page: Page, id: string): Promise<void> {
  const p = await page.evaluate((nid) => {
    const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
    const box = cy.container()!.getBoundingClientRect();
    const pos = cy.getElementById(nid).renderedPosition();
    return { x: box.left + pos.x, y: box.top + pos.y };
  }, id);
  await page.mouse.click(p.x, p.y);
}

describe('membership from the UI', () => {
  const lab = labInBrowser('membership', ['--nodes', '3', '--heartbeat-ms', '50', '--election-ms', '300']);

  const view = async (): Promise<ClusterView> => (await (await lab.served.api('/api/cluster')).json()) as ClusterView;

  it(
    'adds a node, shows it as a learner catching up, makes it lead, then removes it',
    { timeout: 180_000 },
    async () => {
      await lab.open('membership');
      const bar = lab.page.getByTestId('membership-bar');
      expect(await bar.getByTestId('config-voters').textContent()).toContain('n1 n2 n3');
      // Some data to copy, and a slow link from the leader to the new node once it exists, so
      // the catch-up lasts long enough to see.
      const load = await lab.served.api('/api/load', {
        method: 'POST',
        body: JSON.stringify({ op: 'put', count: 200, clients: 4, valueBytes: 2048 }),
      });
      expect(load.status).toBe(200);
      await bar.getByTestId('add-node').click();
      await waitFor('n4 in the cluster', async () => (await view()).nodes.some((n) => n.id === 'n4'), 20_000);
      // Every link into n4 is slow (whoever leads by then), so its catch-up lasts long enough to see.
      for (const from of ['n1', 'n2', 'n3'])
        await lab.served.api('/api/links', {
          method: 'POST',
          body: JSON.stringify({ from, to: 'n4', bandwidth: 32768 }),
        });
      await waitFor(
        'n4 on the graph as a learner',
        async () => (await classesOf(lab.page, 'n4')).includes('learner'),
        20_000,
      );
      await waitFor(
        'the config line to say n4 is being added',
        async () => /adding n4/.test((await bar.textContent()) ?? ''),
        20_000,
      );
      await screenshot(lab.page, 'node-being-added');
      await lab.served.api('/api/heal', { method: 'POST' });
      await waitFor('n4 a voter', async () => (await view()).config?.voters.includes('n4') === true, 30_000);
      await waitFor(
        'the config line to settle',
        async () => (await bar.getByTestId('config-pending').count()) === 0,
        10_000,
      );
      expect(await bar.getByTestId('config-voters').textContent()).toContain('n1 n2 n3 n4');
      // n4 draws itself a voter once its own log has the promotion (its report may come a moment later).
      await waitFor('n4 drawn as a voter', async () => !(await classesOf(lab.page, 'n4')).includes('learner'), 10_000);
      await screenshot(lab.page, 'node-added');

      // The inspector: n4 is a voter; Make leader hands leadership to it.
      await clickNode(lab.page, 'n4');
      const inspector = lab.page.getByTestId('inspector');
      await inspector.waitFor({ timeout: 5000 });
      expect(await inspector.getByTestId('inspector-membership').textContent()).toBe('voter');
      await inspector.getByTestId('transfer-here').click();
      await waitFor('n4 leads', async () => (await view()).leader === 'n4', 15_000);
      // Remove: n4 leads, so it hands over first, then leaves the graph.
      await inspector.getByTestId('remove-node').click();
      await waitFor('n4 gone', async () => !(await view()).nodes.some((n) => n.id === 'n4'), 30_000);
      await waitFor('n4 off the graph', async () => (await classesOf(lab.page, 'n4')).length === 0, 10_000);
      const v = await view();
      expect(v.config!.voters).toEqual(['n1', 'n2', 'n3']);
      expect(v.leader).not.toBeNull();
    },
  );
});
