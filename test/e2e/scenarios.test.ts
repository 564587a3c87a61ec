/**
 * The Scenarios panel in a real Chromium against a real lab: three clicks from opening
 * the app (Scenarios, a scenario, Run) to a scenario running on real processes; its
 * narration step by step; a step the user performs (dragging the leader away — here the
 * same partition call the drag makes) detected from the cluster's state; a pause the
 * author asked for, Next; Back (the run replays up to the step before and holds); the
 * checks banner; at the end, the verdict and "run again with <contrast>". A screenshot
 * of every step lands in artifacts/e2e/scenarios/.
 */
import { describe, expect, it } from 'vitest';
import type { Core as CyCore } from 'cytoscape';
import type { ClusterView } from '../../src-main/api/contract';
import type { ScenarioState } from '../../src-main/api/scenario-api';
import { labInBrowser, screenshot } from './helpers';

describe('the Scenarios panel', () => {
  const lab = labInBrowser('scenarios', ['--nodes', '3', '--heartbeat-ms', '50', '--election-ms', '300']);

  const api = <T>(path: string, body?: unknown): Promise<T> => lab.api<T>(path, body);

  /** until polls the lab's scenario state until `pred` holds. */
  async function until(what: string, pred: (s: ScenarioState) => boolean, ms = 60_000): Promise<ScenarioState> {
    const end = Date.now() + ms;
    let last: ScenarioState | null = null;
    while (Date.now() < end) {
      last = await api<ScenarioState | null>('/api/scenario');
      if (last && pred(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; last: ${last?.status} at step ${last?.current}`);
  }

  it(
    'runs a scenario in three clicks, with the user’s step, a pause, Next, Back and the verdict',
    { timeout: 300_000 },
    async () => {
      const errors = await lab.open('scenarios');
      await screenshot(lab.page, 'scenarios-0-opened');

      // Click 1: the header's Scenarios button opens the list.
      await lab.page.getByTestId('scenarios-button').click();
      const panel = lab.page.getByTestId('scenarios-panel');
      await panel.getByTestId('scenario-list').getByRole('button').first().waitFor();
      expect(await panel.getByTestId('scenario-list').getByRole('button').count()).toBe(23);
      await screenshot(lab.page, 'scenarios-1-list');

      // Click 2: pick the minority-leader scenario: what it teaches, Run.
      await panel.getByTestId('scenario-minority-leader').click();
      await expect.poll(() => panel.getByTestId('scenario-picked').textContent()).toContain('never commit');
      await screenshot(lab.page, 'scenarios-2-picked');

      // Click 3: Run. A fresh cluster of the scenario's 5 nodes, narration, the checks banner.
      await panel.getByTestId('scenario-run').click();
      const banner = panel.getByTestId('scenario-banner');
      await banner.waitFor();
      await screenshot(lab.page, 'scenarios-3-running');

      // The user's step: the panel asks, and waits for the cluster to show it done.
      const asked = await until('the user step', (s) => s.status === 'waiting-user');
      const now = panel.getByTestId('scenario-now');
      await expect.poll(() => now.textContent()).toContain('drag the leader');
      await panel.getByTestId('scenario-auto').waitFor();
      await screenshot(lab.page, 'scenarios-4-your-turn');
      const view = await api<ClusterView>('/api/cluster');
      expect(view.nodes.length).toBe(5);
      const leader = view.leader!;
      // The drag: the topology moves the node into a zone of its own with this same call.
      await api('/api/partition', { groups: [[leader], view.nodes.map((n) => n.id).filter((id) => id !== leader)] });
      const after = await until('the step after the user’s', (s) => s.current > asked.current);
      expect(after.stepStates[asked.current]!.did).toMatch(/done by you/);
      await screenshot(lab.page, 'scenarios-5-detected');

      // Every step's narration in turn, until the end.
      let seen = after.current;
      const done = await until(
        'the end',
        (s) => {
          if (s.current !== seen) seen = s.current;
          return s.status === 'done';
        },
        90_000,
      );
      expect(done.verdict, JSON.stringify(done.stepStates.flatMap((x) => x.checks).filter((c) => !c.ok))).toBe(true);
      await expect.poll(() => banner.textContent()).toMatch(/✗ 0 failed/);
      await panel.getByTestId('scenario-end').waitFor();
      await screenshot(lab.page, 'scenarios-6-done');

      // A scenario with a pause the author asked for: Next; Back replays and holds; the contrast offer at the end.
      await panel.getByTestId('scenario-browse').click();
      await panel.getByTestId('scenario-split-vote').click();
      await panel.getByTestId('scenario-run').click();
      const paused = await until('the author’s pause', (s) => s.status === 'paused', 90_000);
      await expect.poll(() => panel.getByTestId('scenario-next').isEnabled()).toBe(true);
      expect(paused.stepStates[paused.current]!.checks.every((c) => c.ok)).toBe(true);
      await screenshot(lab.page, 'scenarios-7-paused');
      await panel.getByTestId('scenario-back').click();
      const held = await until(
        'Back: held before the step',
        (s) => s.status === 'paused' && s.heldAfter !== null,
        90_000,
      );
      expect(held.current).toBe(paused.current - 2);
      expect(held.stepStates[held.current + 1]!.status).toBe('pending');
      await screenshot(lab.page, 'scenarios-8-back');
      await panel.getByTestId('scenario-next').click();
      // The replay runs on into the author's pause again: Next once more.
      await until(
        'the author’s pause after Back',
        (s) => s.status === 'paused' && s.current === paused.current,
        60_000,
      );
      await panel.getByTestId('scenario-next').click();
      const final = await until('split-vote to end', (s) => s.status === 'done', 120_000);
      expect(final.verdict).toBe(true);
      await screenshot(lab.page, 'scenarios-9-split-vote-done');
      expect(errors).toEqual([]);
    },
  );

  it('offers "run again with" the contrast of a scenario that has one', async () => {
    const list = await api<{ name: string; contrast: { label: string }[] }[]>('/api/scenarios');
    const withContrast = list.filter((s) => s.contrast.length > 0).map((s) => s.name);
    expect(withContrast).toContain('disruptive-rejoin');
    await lab.page.getByTestId('scenario-browse').click();
    await lab.page.getByTestId('scenario-disruptive-rejoin').click();
    await lab.page.getByTestId('scenario-run').click();
    await until('disruptive-rejoin to end', (s) => s.name === 'disruptive-rejoin' && s.status === 'done', 120_000);
    const offer = lab.page.getByTestId('scenario-contrast-1');
    await offer.waitFor();
    expect(await offer.textContent()).toContain('Run again with without PreVote');
    await screenshot(lab.page, 'scenarios-10-contrast-offer');
  }, 200_000);

  it('the graph offers the partition presets on a right-click', async () => {
    await api('/api/heal', {});
    const at = await lab.page.evaluate(() => {
      const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
      const b = cy.container()!.getBoundingClientRect();
      const n = cy.getElementById('n2') as unknown as { renderedPosition(): { x: number; y: number } };
      return { x: b.left + n.renderedPosition().x, y: b.top + n.renderedPosition().y };
    });
    await lab.page.mouse.click(at.x, at.y, { button: 'right' });
    const menu = lab.page.getByTestId('topology-menu');
    await menu.waitFor();
    expect(await menu.textContent()).toContain('Partition around n2');
    await screenshot(lab.page, 'scenarios-11-preset-menu');
    await menu.getByRole('menuitem', { name: 'Isolate n2' }).click();
    await expect
      .poll(async () => (await api<ClusterView>('/api/cluster')).groups.find((g) => g.includes('n2')))
      .toEqual(['n2']);
    // On the background: the cluster-wide presets.
    // A point of the graph's own canvas that no node, zone or overlay covers (the layout moves
    // with the header and the zones, so it is looked for rather than fixed).
    const bg = await lab.page.evaluate(() => {
      const cy = (window as unknown as { __quorumLab: { cy: CyCore } }).__quorumLab.cy;
      const c = cy.container()!;
      const b = c.getBoundingClientRect();
      for (let y = b.top + 20; y < b.bottom - 20; y += 15)
        for (let x = b.left + 20; x < b.right - 20; x += 15) {
          const el = document.elementFromPoint(x, y);
          if (el instanceof HTMLCanvasElement && c.contains(el)) {
            const hit = (
              cy as unknown as {
                renderer(): { findNearestElement(x: number, y: number, i: boolean, v: boolean): unknown };
              }
            )
              .renderer()
              .findNearestElement(x - b.left, y - b.top, true, false);
            if (!hit) return { x, y };
          }
        }
      return null;
    });
    expect(bg, 'an empty point of the graph').not.toBeNull();
    await lab.page.mouse.click(bg!.x, bg!.y, { button: 'right' });
    await menu.waitFor();
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual(
      expect.arrayContaining(['Halves', 'Isolate the leader', 'Majorities ring', 'Heal']),
    );
    await menu.getByRole('menuitem', { name: 'Heal' }).click();
    await expect.poll(async () => (await api<ClusterView>('/api/cluster')).groups.length).toBe(1);
  });
});
