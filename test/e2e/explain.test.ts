/**
 * Explain in the browser: a real 3-node lab (`quorum-lab serve`) and the built renderer in
 * Debian's Chromium. The leader is cut off from everyone and a write is sent to it alone;
 * in the node inspector, a click on that entry of the log answers that it is stored on the
 * leader only (1 of 3) with 2 needed; a click on the role answers why the node is in it,
 * naming the check-quorum step-down; the console's `why` prints the same answers.
 * Screenshots land in artifacts/e2e/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import {
  buildWeb,
  CHROMIUM,
  markStart,
  openBrowser,
  ROOT,
  screenshot,
  startServe,
  stopServe,
  type Served,
} from './helpers';

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? ` (${String(last)})` : ''}`);
}

describe('Explain in the node inspector and the console', () => {
  let served: Served | null = null;
  let context: BrowserContext | null = null;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (see .ci/run)`);
    const web = buildWeb(join(ROOT, 'artifacts', 'e2e-web-explain'));
    served = await startServe(['--web', web, '--nodes', '3', '--heartbeat-ms', '50', '--election-ms', '300']);
    ({ context, page } = await openBrowser());
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await stopServe(served);
  });

  const view = async (): Promise<ClusterView> => (await (await served!.api('/api/cluster')).json()) as ClusterView;
  const post = (path: string, body: unknown) => served!.api(path, { method: 'POST', body: JSON.stringify(body) });

  async function consoleRun(line: string): Promise<void> {
    const input = page.getByLabel('Console', { exact: true });
    await input.fill(line);
    await input.press('Enter');
  }

  it('answers why an entry is not committed and why the node is in its role', { timeout: 120_000 }, async () => {
    onTestFailed(async () => {
      await screenshot(page, 'explain-failure').catch(() => undefined);
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    markStart();
    await page.goto(served!.pageUrl);
    const leader = await waitFor('a leader', async () => (await view()).leader, 15_000);
    expect((await post('/api/kv', { op: 'put', key: 'a', value: '1' })).status).toBe(200);

    // Cut the leader off from everyone, then write to it alone: the entry cannot commit.
    const others = (await view()).nodes.map((n) => n.id).filter((id) => id !== leader);
    expect((await post('/api/partition', { groups: [[leader], ...others.map((o) => [o])] })).status).toBe(200);
    const w = await post('/api/kv', { op: 'put', key: 'b', value: '2', node: leader, timeoutMs: 300 });
    expect(w.status).not.toBe(200);
    const ins = await (await served!.api(`/api/nodes/${leader}/inspect`)).json();
    const stuck: number = ins.status.lastIndex;
    // CheckQuorum: the cut-off leader steps down within an election timeout.
    await waitFor(
      'the old leader to step down',
      async () => {
        const n = (await view()).nodes.find((x) => x.id === leader);
        return n && n.role !== 'leader';
      },
      10_000,
    );

    // Open its inspector and click the stuck entry of its log.
    await consoleRun(`inspect ${leader}`);
    const inspector = page.getByTestId('inspector');
    const entry = inspector.getByTestId('log-entry').filter({ hasText: new RegExp(`^\\s*${stuck}\\s*$`) });
    await waitFor('the stuck entry in the log', async () => (await entry.count()) === 1, 10_000);
    await entry.click();
    const answer = page.getByTestId('why-answer');
    await waitFor('the entry answer', async () => (await page.getByTestId('why-summary').count()) === 1, 10_000);
    expect(await page.getByTestId('why-summary').textContent()).toContain(`entry ${stuck} (t`);
    expect(await page.getByTestId('why-summary').textContent()).toContain('is not committed');
    const entryText = (await answer.textContent()) ?? '';
    expect(entryText).toContain(`tored on ${leader} (1 of 3); 2 needed`);
    expect(entryText).toMatch(/No quorum: at most 1 of 3 nodes reach each other, 2 needed/);
    for (const o of others) expect(entryText).toContain(`${o}: does not store it`);
    await screenshot(page, 'explain-entry');

    // Click the role: why it is in it, with its check-quorum step-down.
    await inspector.getByTestId('why-role').click();
    await waitFor(
      'the role answer',
      async () => /because of|no reason/.test((await page.getByTestId('why-summary').textContent()) ?? ''),
      10_000,
    );
    const roleText = (await answer.textContent()) ?? '';
    expect(roleText).toMatch(new RegExp(`Why is ${leader} in its role\\?`));
    expect(roleText).toMatch(/leader → follower — check-quorum: heard from only/);
    await screenshot(page, 'explain-role');

    // The console says the same.
    await consoleRun(`why ${leader} entry ${stuck}`);
    const out = page.getByTestId('console-output');
    await waitFor('the console answer', async () => /1 of 3\); 2 needed/.test((await out.textContent()) ?? ''), 10_000);
    await consoleRun(`why ${leader}`);
    await waitFor('the console role answer', async () => /check-quorum/.test((await out.textContent()) ?? ''), 10_000);
    await screenshot(page, 'explain-console');
    expect(errors).toEqual([]);
  });
});
