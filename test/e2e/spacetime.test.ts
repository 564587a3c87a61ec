/**
 * The Messages and Report tabs in a real Chromium against a real 5-node lab: with the
 * leader cut off by a partition, the space-time diagram shows its cut messages ending in ✕
 * with the rule "partition" (read from the diagram's own SVG export, which draws the scene
 * on screen); a click on a delivered message shows its body from the lab; the Export SVG
 * link holds a document the browser parses; the large view opens and closes; the Report
 * tab shows the latency scatter with a point per outcome and the partition as a fault lane.
 * Screenshots at 1400×900 and 1024×700 land in artifacts/e2e/spacetime/.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import { HEARTBEAT_KEY, heartbeatKeyShown, labInBrowser, screenshot, waitFor } from './helpers';
import { clearance, exportedSvg } from './spacetime-svg';

describe('space-time diagram and report', () => {
  const lab = labInBrowser('spacetime', ['--nodes', '5', '--heartbeat-ms', '50', '--election-ms', '300']);

  const api = <T>(path: string, body?: unknown): Promise<T> => lab.api<T>(path, body);

  const shoot = async (name: string): Promise<void> => {
    for (const [w, h] of [
      [1400, 900],
      [1024, 700],
    ] as const) {
      await lab.page.setViewportSize({ width: w, height: h });
      await lab.page.waitForTimeout(500);
      await screenshot(lab.page, `${name}-${w}x${h}`);
    }
    await lab.page.setViewportSize({ width: 1400, height: 900 });
  };

  it(
    'shows cut messages ending in ✕ "partition", a message body, an SVG export and the report',
    { timeout: 240_000 },
    async () => {
      const errors = await lab.open('spacetime');

      // Writes before the cut (appends to draw, points for the scatter).
      await api('/api/load', { op: 'put', count: 300, clients: 4 });
      await lab.page.getByTestId('tab-messages').click();
      await expect.poll(() => lab.page.getByTestId('spacetime-canvas').isVisible()).toBe(true);

      // 1. Cut the leader off; the diagram's scene shows its messages dropped by the partition.
      const view = await api<ClusterView>('/api/cluster');
      const leader = view.leader!;
      const others = view.nodes.map((n) => n.id).filter((n) => n !== leader);
      await api('/api/partition', { groups: [[leader], others] });
      const newLeader = await waitFor(
        'a new leader among the majority',
        async () => {
          const v = await api<ClusterView>('/api/cluster');
          return v.leader !== null && v.leader !== leader ? v.leader : null;
        },
        20_000,
      );
      const svg = await waitFor(
        'cut messages in the diagram',
        async () => {
          const s = await exportedSvg(lab.page);
          return s.drops > 0 && s.texts.some((t) => t.includes('partition')) ? s : null;
        },
        10_000,
      );
      expect(svg.error).toBeNull();
      expect(svg.texts.join('\n')).toMatch(new RegExp(`#\\d+ ${leader} → n\\d: .* — dropped \\(partition\\)`));
      await shoot('spacetime-partition');
      // The "♥7" on every lane is explained where the legend's one line shows it, at both sizes.
      for (const size of [
        { width: 1024, height: 700 },
        { width: 1400, height: 900 },
      ]) {
        await lab.page.setViewportSize(size);
        await lab.page.waitForTimeout(400);
        expect(
          await heartbeatKeyShown(lab.page),
          `"${HEARTBEAT_KEY}" shown whole at ${size.width}×${size.height}`,
        ).toBe(true);
      }

      // 2. A slow link from the new leader to one follower draws its messages slanted, apart from the
      //    rest; a few writes; then at once pin the 2 s view (a click on the diagram stops following)
      //    and click one of that link's delivered messages: its body.
      const slow = others.find((n) => n !== newLeader)!;
      await api('/api/links', { from: newLeader, to: slow, latencyMs: 150, both: true });
      const canvas = lab.page.getByTestId('spacetime-canvas');
      const follow = lab.page.getByTestId('spacetime-follow');
      // Under load the pinned window may hold no message clear of the others: then follow again,
      // write a few more and pin a later window.
      const target = await waitFor(
        'a delivered message long enough to click',
        async () => {
          if ((await follow.count()) > 0 && (await follow.getAttribute('aria-pressed')) === 'false')
            await follow.click();
          for (let i = 0; i < 6; i++) await api('/api/kv', { op: 'put', key: `k${i}`, value: String(i) });
          // The bottom-right corner (the time axis, no message there), kept inside the panel: on a
          // busy machine the canvas may not have shrunk yet to a panel that did, and the panel clips it.
          const box = (await canvas.boundingBox())!;
          const panel = (await lab.page.getByTestId('spacetime').boundingBox())!;
          const y = Math.min(box.height - 4, panel.y + panel.height - box.y - 12);
          await canvas.click({ position: { x: box.width - 4, y } });
          await follow.waitFor();
          expect(await follow.getAttribute('aria-pressed')).toBe('false');
          const pinned = await exportedSvg(lab.page);
          // The exported SVG's lines are in the diagram's own coordinates (its title line is a translate above them).
          // Only a message whose middle the panel shows can be clicked: a canvas that has not shrunk
          // yet to its panel is clipped by it, and the click would land on the panel.
          const shownW = Math.min(box.width, panel.x + panel.width - box.x) - 4;
          const shownH = Math.min(box.height, panel.y + panel.height - box.y) - 4;
          return pinned.arrows.find(
            (a) =>
              a.delivered &&
              Math.hypot(a.x2 - a.x1, a.y2 - a.y1) > 20 &&
              clearance(a, pinned.arrows) > 7 &&
              (a.x1 + a.x2) / 2 < shownW &&
              (a.y1 + a.y2) / 2 < shownH,
          );
        },
        30_000,
      );
      await canvas.click({ position: { x: (target!.x1 + target!.x2) / 2, y: (target!.y1 + target!.y2) / 2 } });
      const detail = lab.page.getByTestId('message-detail');
      await detail.waitFor({ timeout: 5000 });
      expect(await detail.textContent()).toContain(`#${target!.id}`);
      const body = await lab.page.getByTestId('message-body').textContent({ timeout: 5000 });
      expect(body).toMatch(/"type": "\w+"/);
      expect(body).toMatch(/"term": \d+/);
      await shoot('spacetime-message-body');

      // 3. The large view opens over the window and closes again. Its button says so in a word,
      // not a bare ⤢ that needs a hover, keeps its aria label, and shows whole in the panel at
      // both window sizes.
      const enlarge = lab.page.getByTestId('spacetime-open-large');
      expect(await enlarge.getAttribute('aria-label')).toBe('Open the diagram large');
      for (const [w, h] of [
        [1024, 700],
        [1400, 900],
      ] as const) {
        await lab.page.setViewportSize({ width: w, height: h });
        expect((await enlarge.innerText()).trim()).toBe('⤢ Enlarge');
        const whole = await enlarge.evaluate((el) => {
          const b = el.getBoundingClientRect();
          const p = el.closest('[data-testid=spacetime]')!.getBoundingClientRect();
          return b.width > 0 && b.left >= p.left && b.right <= p.right && el.scrollWidth <= el.clientWidth;
        });
        expect(whole, `⤢ Enlarge whole at ${w}×${h}`).toBe(true);
      }
      await enlarge.click();
      await lab.page.getByRole('dialog', { name: 'Messages, large' }).waitFor();
      await lab.page.waitForTimeout(400);
      await shoot('spacetime-large');
      await lab.page.getByTestId('spacetime-close-large').click();
      await expect.poll(() => lab.page.getByRole('dialog', { name: 'Messages, large' }).count()).toBe(0);

      // 4. The Report tab: the latency scatter with points and the partition as a fault lane.
      await lab.page.getByTestId('tab-report').click();
      const plot = lab.page.getByTestId('latency-plot');
      await waitFor(
        'the partition lane on the latency scatter',
        async () => (await plot.locator('g.fault-lane[data-lane="partition"]').count()) > 0,
        5000,
      );
      expect(await plot.locator('path.points.ok').count()).toBeGreaterThan(0);
      expect(await plot.textContent()).toContain('partition · ');
      expect(await lab.page.getByTestId('throughput-plot').locator('path.bars.ok').count()).toBe(1);
      await shoot('report');
      expect(errors).toEqual([]);
    },
  );
});
