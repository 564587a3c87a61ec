/**
 * Test helpers for real-process lab tests: a LabService behind a real HTTP host on a free
 * port, a tiny JSON client, and polling with a deadline.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClusterSettings, ClusterView } from '../../src-main/api/contract';
import { LabService } from '../../src-main/lab/lab-service';
import { HttpHost } from '../../src-main/web/http-host';

/** FAST: short timers keep real-process tests quick. */
export const FAST: Partial<ClusterSettings> = { heartbeatMs: 50, electionMs: 300 };

/** TestLab is a running lab with its HTTP base URL. */
export interface TestLab {
  lab: LabService;
  host: HttpHost;
  base: string;
  dir: string;
  api: <T = any>(method: 'GET' | 'POST', path: string, body?: unknown) => Promise<{ status: number; body: T }>;
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
  const api = async <T,>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const init: RequestInit = { method };
    if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
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
    dir,
    api,
    stop: async () => {
      await host.close();
      await lab.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** waitFor polls `fn` until it returns a truthy value or `ms` pass (then throws with `what`). */
export async function waitFor<T>(fn: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
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
