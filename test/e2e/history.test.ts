/**
 * The consistency verdict and the history view in a real Chromium against a real 3-node
 * lab: after puts, a crash and a short concurrent load the header's chip says the run is
 * linearizable with the lab's own operation count; the chip opens the history view, whose
 * lanes and bars are drawn (a lane per client — only a screenful of the 48 in the page at
 * once — and the crash as a band across them); the axis
 * switches between stretched and linear; the key filter leaves one key's bars; a click on
 * a bar moves the shared cursor; and a replay of the exported run shows the saved run's
 * verdict and its history; the same run with a stale read added replays red, and its chip
 * opens the view on the violation's window. Screenshots land in artifacts/e2e/history/.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CheckVerdict, ClusterView, HistoryOp } from '../../src-main/api/contract';
import { labInBrowser, openSavedRun, screenshot, waitFor } from './helpers';

/**
 * staleRun copies the exported run `from` into `to`, adding to its history, after
 * everything else, a stale read of a fresh key: put z=1, put z=2, then get z → 1.
 */
function staleRun(from: string, to: string): void {
  mkdirSync(to, { mode: 0o700 });
  for (const f of ['settings.json', 'run.jsonl']) copyFileSync(join(from, f), join(to, f));
  const lines = readFileSync(join(from, 'history.jsonl'), 'utf8').split('\n').filter(Boolean);
  const last = JSON.parse(lines.at(-1)!) as HistoryOp;
  const add = (
    [
      ['invoke', 'write', '1'],
      ['ok', 'write', '1'],
      ['invoke', 'write', '2'],
      ['ok', 'write', '2'],
      ['invoke', 'read', null],
      ['ok', 'read', '1'],
    ] as const
  ).map(([type, f, value], i): HistoryOp => ({
    index: last.index + 1 + i,
    time: last.time + (i + 1) * 1e8,
    process: 9000 + Math.floor(i / 2),
    type,
    f,
    key: 'z',
    value,
  }));
  writeFileSync(join(to, 'history.jsonl'), [...lines, ...add.map((e) => JSON.stringify(e))].join('\n') + '\n');
}

describe('the verdict chip and the history view', () => {
  const lab = labInBrowser('history', ['--nodes', '3', '--heartbeat-ms', '50', '--election-ms', '300']);

  const api = <T>(path: string, body?: unknown): Promise<T> => lab.api<T>(path, body);

  const bars = (): Promise<{ key: string; x: number; outcome: string }[]> =>
    lab.page.getByTestId('history-plot').evaluate((svg) =>
      [...svg.querySelectorAll('[data-testid="history-bar"]')].map((g) => ({
        key: g.getAttribute('data-key') ?? '',
        x: Number(g.querySelector('rect')?.getAttribute('x')),
        outcome: g.getAttribute('data-outcome') ?? '',
      })),
    );

  it(
    'shows linearizable after some puts, and draws, switches and filters the history',
    { timeout: 300_000 },
    async () => {
      const errors = await lab.open('history');

      // 1. Puts and reads on two keys, a follower crashed and back, then 16 clients on 4 keys.
      for (let i = 0; i < 5; i++) {
        await api('/api/kv', { op: 'put', key: 'x', value: String(i) });
        await api('/api/kv', { op: 'get', key: 'x' });
      }
      await api('/api/kv', { op: 'put', key: 'y', value: 'a' });
      const view = await api<ClusterView>('/api/cluster');
      const victim = view.nodes.find((n) => n.id !== view.leader)!.id;
      await api(`/api/nodes/${victim}/crash`, {});
      await api('/api/kv', { op: 'put', key: 'x', value: 'during-crash' });
      await new Promise((r) => setTimeout(r, 300));
      await api(`/api/nodes/${victim}/restart`, {});
      const load = await api<{ ok: number; unknown: number }>('/api/load', {
        op: 'put',
        count: 600,
        clients: 48,
        keys: 4,
        valueBytes: 8,
      });

      // 2. The chip: green, with the lab's own count once the checker has caught up.
      const verdict = await waitFor(
        'the checker to catch up',
        async () => {
          const v = await api<CheckVerdict>('/api/check');
          return v.lagOps === 0 ? v : null;
        },
        20_000,
      );
      expect(verdict.linearizable).toBe(true);
      expect(verdict.ops).toBe(12 + load.ok + load.unknown);
      const chip = lab.page.getByTestId('verdict-chip');
      await expect
        .poll(() => chip.textContent(), { timeout: 5000 })
        .toBe(`Linearizable ✓ · checked live: ${verdict.ops.toLocaleString('en-US')} ops`);
      expect(await chip.getAttribute('class')).toContain('ok');
      await screenshot(lab.page, 'history-chip-green');

      // 3. The chip opens the history view: a lane per client, a bar per operation, the crash as a band.
      await chip.click();
      const hv = lab.page.getByTestId('history-view');
      await hv.waitFor({ timeout: 5000 });
      await hv.getByTestId('history-follow').uncheck();
      await hv.getByTitle('Zoom out').click();
      await hv.getByTitle('Zoom out').click();
      await hv.getByTitle('Zoom out').click();
      await waitFor('bars', async () => (await bars()).length > 20, 10_000);
      // 48 clients: a screenful of lanes in the lab.page, the rest a scroll away.
      const lanes = await hv.locator('.lane-label').count();
      expect(lanes).toBeGreaterThan(10);
      expect(lanes).toBeLessThan(40);
      const lastLane = (): Promise<string | null> => hv.locator('.lane-label').last().textContent();
      const before = await lastLane();
      await hv.locator('.scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await expect.poll(lastLane).not.toBe(before);
      await hv.locator('.scroll').evaluate((el) => el.scrollTo(0, 0));
      // The crash came before the load: zoom out until the window reaches back to it (how far
      // that is depends on how long the load took on a busy machine).
      for (let i = 0; i < 6 && (await hv.getByTestId('fault-band').count()) === 0; i++)
        await hv.getByTitle('Zoom out').click();
      await expect.poll(() => hv.getByTestId('fault-band').count(), { timeout: 3000 }).toBeGreaterThan(0);
      expect(await hv.locator('.band-label').allTextContents()).toContainEqual(
        expect.stringContaining(`${victim} down`),
      );
      expect(await hv.getByTestId('lin-line').count()).toBeGreaterThan(0);
      expect(await lab.page.getByTestId('history-plot').getAttribute('data-mode')).toBe('stretched');
      await screenshot(lab.page, 'history-view-stretched');

      // 4. Linear time: the same bars, placed by time instead.
      const stretched = await bars();
      await hv.getByTestId('mode-linear').click();
      await expect.poll(() => lab.page.getByTestId('history-plot').getAttribute('data-mode')).toBe('linear');
      const linear = await bars();
      expect(linear.length).toBe(stretched.length);
      expect(linear.map((b) => b.x)).not.toEqual(stretched.map((b) => b.x));
      await screenshot(lab.page, 'history-view-linear');

      // 5. One key: only its bars are left.
      await hv.getByTestId('history-key').fill('x');
      await hv.getByTestId('history-key').press('Enter');
      await expect
        .poll(async () => {
          const b = await bars();
          return b.length > 0 && b.every((x) => x.key === 'x');
        })
        .toBe(true);
      expect((await bars()).filter((b) => b.outcome === 'ok').length).toBeGreaterThanOrEqual(11);
      await screenshot(lab.page, 'history-view-key-x');

      // 6. A click on a bar moves the shared cursor: drawn in the view and on the charts.
      await hv.getByTestId('history-bar').first().click();
      await hv.locator('line.cursor').waitFor({ state: 'attached', timeout: 3000 });
      await lab.page.getByTestId('charts').locator('line.cursor').waitFor({ state: 'attached', timeout: 3000 });
      await screenshot(lab.page, 'history-bar-selected');
      await hv.getByTestId('history-close').click();
      await hv.waitFor({ state: 'detached', timeout: 3000 });

      // 7. The exported run, replayed: the saved run's own verdict, and its history.
      const exported = await api<{ dir: string }>('/api/export', { name: 'history-e2e' });
      await openSavedRun(lab.page, exported.dir);
      await lab.page.getByTestId('replay-status').waitFor({ timeout: 20_000 });
      await expect
        .poll(() => chip.textContent(), { timeout: 10_000 })
        .toBe(`Linearizable ✓ · checked: ${verdict.ops.toLocaleString('en-US')} ops`);
      await lab.page.getByTestId('history-button').click();
      // The key filter stays as it was left; clear it for the whole saved history.
      expect(await hv.getByTestId('history-key').inputValue()).toBe('x');
      await hv.getByTestId('history-key').fill('');
      await hv.getByTestId('history-key').press('Enter');
      await hv.getByTestId('history-follow').uncheck();
      for (let i = 0; i < 4; i++) await hv.getByTitle('Zoom out').click();
      await waitFor('replayed bars', async () => (await bars()).length > 20, 10_000);
      await screenshot(lab.page, 'history-replay');
      await hv.getByTestId('history-close').click();

      // 8. The same run with a stale read added: red in replay, and the chip opens on the window.
      const stale = join(dirname(exported.dir), 'history-e2e-stale');
      staleRun(exported.dir, stale);
      await lab.page.getByRole('button', { name: 'Back to live' }).click();
      // Back to live: the lab's own verdict again.
      await expect.poll(() => chip.getAttribute('data-verdict'), { timeout: 5000 }).toBe('true');
      await openSavedRun(lab.page, stale);
      await expect.poll(() => chip.getAttribute('data-verdict'), { timeout: 20_000 }).toBe('false');
      expect(await chip.textContent()).toMatch(/^Not linearizable: key z at \d+(\.\d)? s$/);
      await chip.click();
      await hv.getByTestId('violation-window').waitFor({ timeout: 5000 });
      expect(await hv.getByTestId('violation-sentence').textContent()).toBe(
        'read z returned 1 after write z=2 had completed.',
      );
      const culprit = hv.locator('[data-testid="history-bar"][data-role="culprit"]');
      expect(await culprit.getAttribute('data-key')).toBe('z');
      expect(await hv.locator('[data-testid="history-bar"][data-role="seen"]').count()).toBe(1);
      expect(await hv.getByTestId('could-have-seen').first().textContent()).toMatch(
        /read z → 1\s*could have seen:\s*op \d+ write z=1/,
      );
      await screenshot(lab.page, 'history-violation-replay');
      expect(errors).toEqual([]);
    },
  );
});
