/**
 * The supervisor's start-up failure path: a node command that dies before it says 'ready'
 * (a broken runtime, a bad config) fails the cluster's creation at once with a message
 * naming the node, instead of hanging until the ready timeout.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LabService } from '../../src-main/lab/lab-service';
import { forkSpawner } from '../../src-main/lab/supervisor';

const dir = mkdtempSync(join(tmpdir(), 'ql-sup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('supervisor', () => {
  it('a node that exits before it is ready fails createCluster at once, and leaves the lab usable', async () => {
    const script = join(dir, 'dies.mjs');
    writeFileSync(script, 'process.exit(3);\n');
    const lab = new LabService({
      dataDir: dir,
      spawnNode: forkSpawner({ script, execArgv: [] }),
      readyTimeoutMs: 60_000,
    });
    const t0 = Date.now();
    await expect(lab.start()).rejects.toThrow(/n[123] exited \(code 3\) before it was ready/);
    expect(Date.now() - t0).toBeLessThan(30_000);
    // The first death fails creation; the other nodes die the same way a moment later.
    const end = Date.now() + 10_000;
    while (Date.now() < end && !(await lab.cluster()).nodes.every((n) => n.status === 'down'))
      await new Promise((r) => setTimeout(r, 50));
    const v = await lab.cluster();
    expect(v.nodes.every((n) => n.status === 'down' && n.pid === null)).toBe(true);
    const log = await lab.log();
    expect(log.filter((r) => r.kind === 'node-died').length).toBe(3);
    await lab.stop();
  });
});
