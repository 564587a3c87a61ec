/**
 * A stale read caught, in a real Chromium against real processes: the console creates a
 * 3-node cluster with `reads=local`, cuts the leader off, writes x=2 on the majority side
 * and reads x on the old leader — which answers 1. The header's verdict chip turns red, the
 * history view opens on the stale read (the read is the culprit, the write it missed is
 * named), and the space-time diagram shows the old leader's messages cut by the partition.
 * The same script on a cluster that keeps every rule (`read-index`) fails that read and the
 * chip stays green. Screenshots in artifacts/e2e/stale-read/.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import type { CheckVerdict, ClusterView } from '../../src-main/api/contract';
import { labInBrowser, markStart, screenshot, waitFor } from './helpers';
import { exportedSvg } from './spacetime-svg';

describe('a stale read under reads=local, and none under read-index', () => {
  const lab = labInBrowser('stale-read', ['--nodes', '3', '--heartbeat-ms', '50', '--election-ms', '300'], true);
  const api = <T>(path: string): Promise<T> => lab.api<T>(path);
  const chip = () => lab.page.getByTestId('verdict-chip');
  const lines = () => lab.page.getByTestId('console-output').locator('.line');

  /** say types a console line and returns the line the console answers it with. */
  async function say(line: string, timeoutMs = 30_000): Promise<{ text: string; kind: string }> {
    const before = await lines().count();
    await lab.consoleRun(line);
    // The echo of the input is one line; the answer is the next one.
    return waitFor(
      `the console's answer to '${line}'`,
      async () => {
        if ((await lines().count()) < before + 2) return null;
        const answer = lines().nth(before + 1);
        return { text: (await answer.textContent()) ?? '', kind: (await answer.getAttribute('class')) ?? '' };
      },
      timeoutMs,
    );
  }

  /**
   * staleScript plays the script on a fresh cluster made by `cluster 3 raft <setting>`: x=1,
   * cut the leader off, x=2 on the majority, then read x on the old leader. It returns the
   * old leader and the console's answer to that read.
   */
  async function staleScript(setting: string): Promise<{ old: string; read: { text: string; kind: string } }> {
    const made = await say(`cluster 3 raft ${setting}`, 90_000);
    expect(made.kind.split(' ')).not.toContain('error');
    const leader = await waitFor(
      'a leader of the fresh cluster',
      async () => (await api<ClusterView>('/api/cluster')).leader,
      30_000,
    );
    expect((await say('put x 1')).text).toMatch(/^OK/);
    const others = ['n1', 'n2', 'n3'].filter((n) => n !== leader);
    expect((await say(`partition ${leader} | ${others.join(',')}`)).kind.split(' ')).not.toContain('error');
    await waitFor(
      'a new leader among the majority',
      async () => {
        const v = await api<ClusterView>('/api/cluster');
        return v.leader !== null && v.leader !== leader ? v.leader : null;
      },
      20_000,
    );
    // The gateway sends the write to the majority's leader (it retries past the old one).
    expect((await say('put x 2')).text).toMatch(/^OK/);
    return { old: leader, read: await say(`get x on ${leader}`) };
  }

  it(
    'reads=local: the old leader answers 1, the chip turns red, the history and the diagram show why',
    { timeout: 240_000 },
    async () => {
      onTestFailed(async () => {
        await screenshot(lab.page, 'stale-read-failure').catch(() => undefined);
      });
      const errors: string[] = [];
      lab.page.on('pageerror', (e) => errors.push(e.message));
      markStart();
      await lab.page.getByTestId('connection').filter({ hasText: 'connected' }).waitFor({ timeout: 30_000 });
      const { old, read } = await staleScript('reads=local');
      expect(read.text).toMatch(/^1\b/);
      expect(read.kind.split(' ')).toContain('ok');

      // The live checker: red, naming key x.
      await expect.poll(() => chip().getAttribute('data-verdict'), { timeout: 20_000 }).toBe('false');
      expect(await chip().textContent()).toMatch(/^Not linearizable: key x at \d+(\.\d)? s$/);
      const verdict = await api<CheckVerdict>('/api/check');
      expect(verdict.linearizable).toBe(false);
      await screenshot(lab.page, 'stale-read-chip-red');

      // The history view opens on the smallest bad window: the read is the culprit.
      await chip().click();
      const hv = lab.page.getByTestId('history-view');
      await hv.getByTestId('violation-window').waitFor({ timeout: 5000 });
      expect(await hv.getByTestId('violation-sentence').textContent()).toBe(
        'read x returned 1 after write x=2 had completed.',
      );
      const culprit = hv.locator('[data-testid="history-bar"][data-role="culprit"]');
      expect(await culprit.getAttribute('data-key')).toBe('x');
      expect(await hv.getByTestId('could-have-seen').first().textContent()).toMatch(/read x → 1\s*could have seen:/);
      await screenshot(lab.page, 'stale-read-history');
      await hv.getByTestId('history-close').click();

      // The space-time diagram: the old leader's messages end in ✕, dropped by the partition.
      await lab.page.getByTestId('tab-messages').click();
      await expect.poll(() => lab.page.getByTestId('spacetime-canvas').isVisible()).toBe(true);
      const svg = await waitFor(
        'cut messages in the diagram',
        async () => {
          const s = await exportedSvg(lab.page);
          return s.drops > 0 ? s : null;
        },
        10_000,
      );
      expect(svg.texts.join('\n')).toMatch(new RegExp(`#\\d+ ${old} → n\\d: .* — dropped \\(partition\\)`));
      await screenshot(lab.page, 'stale-read-messages');
      expect(errors).toEqual([]);
    },
  );

  it(
    'read-index: the same script fails the read on the old leader, and the chip stays green',
    { timeout: 240_000 },
    async () => {
      onTestFailed(async () => {
        await screenshot(lab.page, 'stale-read-safe-failure').catch(() => undefined);
      });
      markStart();
      const { read } = await staleScript('reads=read-index');
      // Refused (not the leader, or no quorum to confirm it still leads): fail, never the old value.
      expect(read.kind.split(' ')).toContain('fail');
      expect(read.text).not.toMatch(/^1\b/);
      const verdict = await waitFor(
        'the checker to catch up',
        async () => {
          const v = await api<CheckVerdict>('/api/check');
          return v.lagOps === 0 ? v : null;
        },
        20_000,
      );
      expect(verdict.linearizable).toBe(true);
      expect(verdict.ops).toBeGreaterThanOrEqual(2);
      await expect.poll(() => chip().getAttribute('data-verdict'), { timeout: 10_000 }).toBe('true');
      await screenshot(lab.page, 'stale-read-safe');
    },
  );
});
