/**
 * Test helpers for real-process lab tests: a LabService behind a real HTTP host on a free
 * port, a tiny JSON client, and polling with a deadline.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterSettings, ClusterView } from '../../src-main/api/contract';
import { LabService } from '../../src-main/lab/lab-service';
import { HttpHost } from '../../src-main/web/http-host';

/** FAST: short timers keep real-process tests quick. */
export const FAST: Partial<ClusterSettings> = { heartbeatMs: 50, electionMs: 300 };

/** EXPORTED_FILES lists, sorted, what an export writes: the run, its verdict and its report. */
export const EXPORTED_FILES = [
  'check.json',
  'history.jsonl',
  'index.html',
  'latency.svg',
  'messages.svg',
  'run.jsonl',
  'settings.json',
  'throughput.svg',
];

/** TestLab is a running lab with its HTTP base URL. */
export interface TestLab {
  lab: LabService;
  host: HttpHost;
  base: string;
  /** token: the host's launch token (`api` sends it). */
  token: string;
  dir: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read whatever shape a route answers
  api: <T = any>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ) => Promise<{ status: number; body: T }>;
  stop: () => Promise<void>;
}

/** startLab starts a cluster and its HTTP host. */
export async function startLab(settings: Partial<ClusterSettings>): Promise<TestLab> {
  const dir = mkdtempSync(join(tmpdir(), 'ql-test-'));
  const lab = new LabService({ dataDir: dir, settings: { ...FAST, ...settings } });
  await lab.start();
  const host = new HttpHost({ lab, webRoot: join(dir, 'no-web') });
  const port = await host.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${port}`;
  const api = async <T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }> => {
    const headers: Record<string, string> = { authorization: `Bearer ${host.token}` };
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const res = await fetch(base + path, init);
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T };
  };
  return {
    lab,
    host,
    base,
    token: host.token,
    dir,
    api,
    stop: async () => {
      await host.close();
      await lab.stop();
      // QUORUM_KEEP_TEST_DIR=1 keeps the lab's folder (node files, run log, history) for a post-mortem.
      if (process.env.QUORUM_KEEP_TEST_DIR !== '1') rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** waitFor polls `fn` until it returns a truthy value or `ms` pass (then throws with `what`). */
export async function waitFor<T>(
  fn: () => Promise<T | null | undefined | false>,
  ms: number,
  what: string,
): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown = null;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** leaderOf returns the single leader every up node agrees on (same term), or null. */
export function leaderOf(v: ClusterView, among?: string[]): string | null {
  const nodes = v.nodes.filter((n) => n.status === 'up' && (!among || among.includes(n.id)));
  const leaders = nodes.filter((n) => n.role === 'leader');
  if (leaders.length === 0) return null;
  const top = leaders.reduce((a, b) => (b.term > a.term ? b : a));
  return nodes.every((n) => n.leader === top.id && n.term === top.term) ? top.id : null;
}

/** waitLeader waits until the up nodes (optionally a subset) agree on one leader. */
export async function waitLeader(t: TestLab, ms = 15_000, among?: string[]): Promise<string> {
  return waitFor(async () => leaderOf(await t.lab.cluster(), among), ms, 'a leader');
}

/** ServeProcess is `quorum-lab serve` running as its own OS process, as a user starts it. */
export interface ServeProcess {
  base: string;
  /** token: the launch token from the start line, for `Authorization: Bearer`. */
  token: string;
  pid: number;
  stop: () => Promise<void>;
}

/** spawnServe starts one `quorum-lab serve --port 0` and resolves with it once it prints its URL. */
function spawnServe(tag: string, args: string[]): Promise<ServeProcess> {
  const dir = mkdtempSync(join(tmpdir(), `ql-${tag}-`));
  const p = spawn(
    process.execPath,
    [
      'bin/quorum-lab.mjs',
      'serve',
      '--port',
      '0',
      '--nodes',
      '3',
      '--heartbeat-ms',
      '50',
      '--election-ms',
      '300',
      '--data',
      dir,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const stop = async (): Promise<void> => {
    if (p.exitCode === null && p.signalCode === null) {
      const exited = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return new Promise<ServeProcess>((resolve, reject) => {
    let out = '';
    const fail = (why: string): void => {
      clearTimeout(t);
      void stop().then(() => reject(new Error(`${why}: ${out}`)));
    };
    const t = setTimeout(() => fail('serve did not start within 45 s'), 45_000);
    p.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /Quorum Lab on (http:\/\/127\.0\.0\.1:\d+)\/\?token=([A-Za-z0-9._~-]+)\n/.exec(out);
      if (m) {
        clearTimeout(t);
        resolve({ base: m[1]!, token: m[2]!, pid: p.pid!, stop });
      }
    });
    p.stderr!.on('data', (b: Buffer) => (out += b.toString()));
    p.on('exit', (code) => fail(`serve exited ${code}`));
  });
}

/**
 * startServeProcess starts `quorum-lab serve` on a free port. On a machine loaded by other
 * suites a node can miss the host's start-up deadline, so it tries once more before failing.
 */
export async function startServeProcess(tag: string, args: string[] = []): Promise<ServeProcess> {
  try {
    return await spawnServe(tag, args);
  } catch (e) {
    console.warn(`quorum-lab serve failed to start, retrying once: ${String(e).slice(0, 300)}`);
    return spawnServe(tag, args);
  }
}
