/**
 * A node that dies of an error nobody caught says why (node/fatal.ts), end to end through
 * the headless host: the node process reports the error's message and stack, bounded, over
 * IPC before it exits with code 1; the host records them in the run log's 'node-died'
 * record (GET /api/log), the event log's sentence for it names the exit code and the
 * error (its stack frames listed when the row is selected), and so does the inspector's
 * "why is it down?" answer (GET /api/nodes/:id/why). Before, the run log said only
 * `{node, code: 1, signal: null}` and the timeline "n2 died unexpectedly".
 *
 * The node is made to fail by a test-only variable that this test's spawner sets on the
 * nodes it forks; the lab's spawner drops it from what nodes inherit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterView, RunLogRecord } from '../../src-main/api/contract';
import { LabService } from '../../src-main/lab/lab-service';
import { forkSpawner, nodeEnv } from '../../src-main/lab/node-spawn';
import {
  FATAL_MESSAGE_CHARS,
  FATAL_STACK_CHARS,
  TEST_THROW_ENV,
  fatalOf,
  fatalReport,
} from '../../src-main/node/fatal';
import { validateAgentToLab } from '../../src-main/node/remote-contract';
import { HttpHost } from '../../src-main/web/http-host';
import { describe as describeRecord } from '../../src-renderer/src/model/describe';
import { FAST, waitFor } from './helpers';

describe('a node that dies of an uncaught error, seen through the headless host', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ql-fatal-'));
  let lab: LabService;
  let host: HttpHost;
  let base = '';
  const api = async <T>(path: string): Promise<T> => {
    const res = await fetch(base + path, { headers: { authorization: `Bearer ${host.token}` } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    // n2 throws 1.5 s after it started, n3 leaves a promise rejected 2 s after; n1 lives.
    const env = { [TEST_THROW_ENV]: 'n2:exception:1500,n3:rejection:2000' };
    lab = new LabService({ dataDir: dir, settings: { ...FAST, nodes: 3 }, spawnNode: forkSpawner({ env }) });
    await lab.start();
    host = new HttpHost({ lab, webRoot: join(dir, 'no-web') });
    base = `http://127.0.0.1:${await host.listen(0, '127.0.0.1')}`;
  }, 60_000);

  afterAll(async () => {
    await host.close();
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the run log says why each died, and the event log shows it', async () => {
    const died = await waitFor(
      async () => {
        const log = await api<RunLogRecord[]>('/api/log');
        const d = log.filter((r) => r.kind === 'node-died');
        return d.length >= 2 ? d : null;
      },
      20_000,
      'n2 and n3 to die',
    );
    const n2 = died.find((r) => r.node === 'n2')!;
    const n3 = died.find((r) => r.node === 'n3')!;
    expect(n2).toMatchObject({
      code: 1,
      signal: null,
      origin: 'uncaught-exception',
      error: `Error: n2 fails on purpose (${TEST_THROW_ENV}=n2:exception:1500)`,
    });
    expect(n3).toMatchObject({
      code: 1,
      signal: null,
      origin: 'unhandled-rejection',
      error: `Error: n3 fails on purpose (${TEST_THROW_ENV}=n3:rejection:2000)`,
    });
    // The stack says where: the frame in the node's code that threw (fatal.ts, or the bundle main.mjs).
    expect(String(n2.stack)).toMatch(/^Error: n2 fails on purpose[^\n]*\n\s+at .*(fatal\.ts|main\.mjs):\d+/);
    const view = await api<ClusterView>('/api/cluster');
    expect(view.nodes.map((n) => n.status)).toEqual(['up', 'down', 'down']);

    // The timeline's row: the exit code and the error in the sentence, the frames when selected.
    const said = describeRecord(n2);
    expect(said.text).toBe(
      `n2 died unexpectedly (exit code 1): Error: n2 fails on purpose (${TEST_THROW_ENV}=n2:exception:1500)`,
    );
    expect(said.tone).toBe('fail');
    expect(said.steps?.[0]).toMatch(/^at .*(fatal\.ts|main\.mjs):\d+/);
    expect(describeRecord(n3).text).toMatch(/^n3 died unexpectedly \(exit code 1\): Error: n3 fails on purpose/);

    // The inspector's "down · why?" answer (GET /api/nodes/:id/why) says it too.
    const why = await api<{ summary: string }>('/api/nodes/n3/why');
    expect(why.summary).toMatch(
      /^n3 is down: it died unexpectedly \(exit code 1\) at [\d.]+ s, of an unhandled rejection: Error: n3 fails on purpose/,
    );
  }, 60_000);
});

describe('the fatal report is bounded, and checked on the host’s side', () => {
  it('a huge message and stack are clipped; a non-Error is put in words', () => {
    const e = new Error('x'.repeat(1_000_000));
    const f = fatalReport('uncaught-exception', e);
    expect(f.message.length).toBeLessThanOrEqual(FATAL_MESSAGE_CHARS);
    expect(f.stack!.length).toBeLessThanOrEqual(FATAL_STACK_CHARS);
    expect(fatalReport('unhandled-rejection', { code: 7 })).toEqual({
      origin: 'unhandled-rejection',
      message: 'a non-Error value was thrown: {"code":7}',
      stack: null,
    });
  });

  it('fatalOf refuses what is not a report and clips what is too long', () => {
    expect(fatalOf(null)).toBeNull();
    expect(fatalOf({ origin: 'rm -rf', message: 'x', stack: null })).toBeNull();
    expect(fatalOf({ origin: 'uncaught-exception', message: 5, stack: null })).toBeNull();
    expect(fatalOf({ origin: 'uncaught-exception', message: 'x', stack: 5 })).toBeNull();
    const long = fatalOf({ origin: 'uncaught-exception', message: 'm'.repeat(5000), stack: 's'.repeat(50_000) })!;
    expect(long.message.length).toBe(FATAL_MESSAGE_CHARS);
    expect(long.stack!.length).toBe(FATAL_STACK_CHARS);
  });

  it('a remote agent’s exit frame carries the report, checked like the IPC one', () => {
    const exit = { t: 'exit', code: 1, signal: null, expected: false };
    const fatal = { origin: 'uncaught-exception', message: 'Error: boom', stack: null };
    expect(validateAgentToLab({ ...exit, fatal })).toEqual({ ...exit, fatal });
    expect(validateAgentToLab(exit)).toEqual(exit);
    expect(validateAgentToLab({ ...exit, fatal: { message: 'x' } })).toMatch(/exit\.fatal must be/);
  });

  it('the lab never hands the test-only variable down to its nodes', () => {
    const env = nodeEnv({}, { PATH: '/bin', [TEST_THROW_ENV]: 'n1:exception' });
    expect(env).toEqual({ PATH: '/bin' });
    expect(nodeEnv({ [TEST_THROW_ENV]: 'n1:exception' }, { PATH: '/bin' })[TEST_THROW_ENV]).toBe('n1:exception');
  });
});
