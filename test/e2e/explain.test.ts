/**
 * Explain in the browser: a real 3-node lab (`quorum-lab serve`) and the built renderer in
 * Debian's Chromium. The leader is cut off from everyone and a write is sent to it alone;
 * in the node inspector, a click on that entry of the log answers that it is stored on the
 * leader only (1 of 3) with 2 needed; a click on the role answers why the node is in it,
 * naming the check-quorum step-down; the console's `why` prints the same answers.
 * Screenshots land in artifacts/e2e/explain/.
 */
import { describe, expect, it, onTestFailed } from 'vitest';
import type { ClusterView } from '../../src-main/api/contract';
import { labInBrowser, markStart, screenshot, waitFor } from './helpers';

describe('Explain in the node inspector and the console', () => {
  const lab = labInBrowser('explain', ['--nodes', '3', '--heartbeat-ms', '50', '--election-ms', '300']);

  const view = async (): Promise<ClusterView> => (await (await lab.served.api('/api/cluster')).json()) as ClusterView;
  const post = (path: string, body: unknown) => lab.served.api(path, { method: 'POST', body: JSON.stringify(body) });

  const consoleRun = (line: string): Promise<void> => lab.consoleRun(line);

  it('answers why an entry is not committed and why the node is in its role', { timeout: 120_000 }, async () => {
    onTestFailed(async () => {
      await screenshot(lab.page, 'explain-failure').catch(() => undefined);
    });
    const errors: string[] = [];
    lab.page.on('pageerror', (e) => errors.push(e.message));
    markStart();
    await lab.page.goto(lab.served.pageUrl);
    // Cut the leader off from everyone, then write to it alone: the entry cannot commit. On a
    // loaded machine the cut-off leader may step down (CheckQuorum, 300 ms) before the write
    // reaches it, and then nothing is stuck: heal, and set it up again with the next leader.
    let leader = '';
    let others: string[];
    let stuck: number;
    for (let attempt = 1; ; attempt++) {
      leader = await waitFor('a leader', async () => (await view()).leader, 15_000);
      expect((await post('/api/kv', { op: 'put', key: 'a', value: String(attempt) })).status).toBe(200);
      others = (await view()).nodes.map((n) => n.id).filter((id) => id !== leader);
      expect((await post('/api/partition', { groups: [[leader], ...others.map((o) => [o])] })).status).toBe(200);
      const w = await post('/api/kv', { op: 'put', key: 'b', value: '2', node: leader, timeoutMs: 300 });
      expect(w.status).not.toBe(200);
      const ins = await (await lab.served.api(`/api/nodes/${leader}/inspect`)).json();
      stuck = ins.status.lastIndex;
      if (stuck > ins.status.commitIndex || attempt === 3) break;
      expect((await post('/api/heal', {})).status).toBe(200);
    }
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
    const inspector = lab.page.getByTestId('inspector');
    const entry = inspector.getByTestId('log-entry').filter({ hasText: new RegExp(`^\\s*${stuck}\\s*$`) });
    await waitFor('the stuck entry in the log', async () => (await entry.count()) === 1, 10_000);
    await entry.click();
    const answer = lab.page.getByTestId('why-answer');
    await waitFor('the entry answer', async () => (await lab.page.getByTestId('why-summary').count()) === 1, 10_000);
    expect(await lab.page.getByTestId('why-summary').textContent()).toContain(`entry ${stuck} (t`);
    expect(await lab.page.getByTestId('why-summary').textContent()).toContain('is not committed');
    const entryText = (await answer.textContent()) ?? '';
    expect(entryText).toContain(`tored on ${leader} (1 of 3); 2 needed`);
    expect(entryText).toMatch(/No quorum: at most 1 of 3 nodes reach each other, 2 needed/);
    for (const o of others) expect(entryText).toContain(`${o}: does not store it`);
    await screenshot(lab.page, 'explain-entry');

    // Click the role: why it is in it, with its check-quorum step-down.
    await inspector.getByTestId('why-role').click();
    await waitFor(
      'the role answer',
      async () => /because of|no reason/.test((await lab.page.getByTestId('why-summary').textContent()) ?? ''),
      10_000,
    );
    const roleText = (await answer.textContent()) ?? '';
    expect(roleText).toMatch(new RegExp(`Why is ${leader} in its role\\?`));
    expect(roleText).toMatch(/leader → follower — check-quorum: heard from only/);
    await screenshot(lab.page, 'explain-role');

    // The console says the same.
    await consoleRun(`why ${leader} entry ${stuck}`);
    const out = lab.page.getByTestId('console-output');
    await waitFor('the console answer', async () => /1 of 3\); 2 needed/.test((await out.textContent()) ?? ''), 10_000);
    await consoleRun(`why ${leader}`);
    await waitFor('the console role answer', async () => /check-quorum/.test((await out.textContent()) ?? ''), 10_000);
    await screenshot(lab.page, 'explain-console');
    expect(errors).toEqual([]);
  });
});
