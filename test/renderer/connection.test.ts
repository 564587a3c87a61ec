/**
 * useConnectionStore: the one subscriber to the LabClient. It loads the cluster and the run
 * log so far, and routes each live event and desktop menu action to the store that owns
 * it; the header's Export run goes through the run store and lands in the console. Also:
 * only stores reach the LabClient, never a component.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { setLabClient } from '../../src-renderer/src/api/lab-client';
import { useClusterStore } from '../../src-renderer/src/stores/cluster';
import { useConnectionStore } from '../../src-renderer/src/stores/connection';
import { useConsoleStore } from '../../src-renderer/src/stores/console';
import { useReplayStore } from '../../src-renderer/src/stores/replay';
import { useRunStore } from '../../src-renderer/src/stores/run';
import { useTimelineStore } from '../../src-renderer/src/stores/timeline';
import { useUiStore } from '../../src-renderer/src/stores/ui';
import { FakeLabClient } from './fake-client';

let fake: FakeLabClient;

beforeEach(() => {
  setActivePinia(createPinia());
  fake = new FakeLabClient(3);
  setLabClient(fake);
});
afterEach(() => setLabClient(null));

const settings = { nodes: 3, protocol: 'raft' as const, heartbeatMs: 50, electionMs: 300, seed: 1 };
const rec = (seq: number, kind: string, fields: Record<string, unknown> = {}): RunLogRecord => ({
  t: seq * 1e6,
  seq,
  kind,
  ...fields,
});

/** timelineKinds lists the kinds of the timeline's rows, oldest first. */
function timelineKinds(): string[] {
  const rows = useTimelineStore().rows;
  return rows.slice(0, rows.count).map((r) => r.kind);
}

describe('useConnectionStore', () => {
  it('connect loads the cluster and the run log so far, and reports the stream opening', async () => {
    fake.backlog = [rec(1, 'role', { node: 'n1', role: 'leader', term: 1 })];
    const conn = useConnectionStore();
    expect(conn.status).toBe('connecting');
    await conn.connect();
    expect(conn.status).toBe('open');
    expect(useClusterStore().live?.nodes).toHaveLength(3);
    expect(useClusterStore().leader?.id).toBe('n1');
    expect(timelineKinds()).toEqual(['role']);
    expect(fake.calls.map((c) => c.method)).toEqual(['cluster', 'check', 'log']);
  });

  it('says why the run log could not be loaded, and still follows events', async () => {
    const conn = useConnectionStore();
    const log = fake.log.bind(fake);
    fake.log = () => Promise.reject(new Error('log unreadable'));
    await conn.connect();
    expect(conn.error).toBe('log unreadable');
    fake.log = log;
    fake.emit({ type: 'log', record: rec(5, 'crash', { node: 'n2' }) });
    useTimelineStore().flush();
    expect(timelineKinds()).toEqual(['crash']);
  });

  it('routes each event to its store: cluster views, run-log records, load progress', async () => {
    await useConnectionStore().connect();
    const next = structuredClone(fake.view);
    next.nodes[0]!.status = 'paused';
    fake.emit({ type: 'cluster', cluster: next });
    expect(useClusterStore().live?.nodes[0]?.status).toBe('paused');
    // The lab names no leader while its leader is paused; the header follows.
    expect(useClusterStore().leader).toBeNull();

    fake.emit({ type: 'log', record: rec(1, 'heal') });
    useTimelineStore().flush();
    expect(timelineKinds().at(-1)).toBe('heal');

    const con = useConsoleStore();
    fake.emit({ type: 'load-progress', done: 3, total: 10 });
    expect(con.loadProgress).toEqual({ done: 3, total: 10 });
    const summary = { count: 10, ok: 10, fail: 0, unknown: 0, seconds: 1, opsPerSec: 10, p50Ms: 1, p99Ms: 2 };
    fake.emit({ type: 'load-done', summary });
    expect(con.loadProgress).toBeNull();
  });

  it('routes each desktop menu action: setup, shortcuts, about, errors, export, open', async () => {
    await useConnectionStore().connect();
    const ui = useUiStore();
    fake.menu({ action: 'new-cluster' });
    expect(ui.showSetup).toBe(true);
    fake.menu({ action: 'shortcuts' });
    expect(ui.showShortcuts).toBe(true);
    fake.menu({ action: 'about', version: '9.9.9' });
    expect(ui.notice).toContain('Quorum Lab 9.9.9');
    fake.menu({ action: 'error', message: 'Export failed: disk full' });
    expect(ui.notice).toBe('Export failed: disk full');

    fake.menu({ action: 'exported', result: { dir: '/runs/m', files: ['/runs/m/run.jsonl'] } });
    expect(ui.notice).toBe('Run exported to /runs/m');
    expect(useConsoleStore().lines.at(-1)).toMatchObject({
      kind: 'ok',
      text: 'exported to /runs/m (/runs/m/run.jsonl)',
    });

    fake.menu({ action: 'opened', run: { settings, log: [], history: [] }, dir: '/runs/o' });
    expect(useReplayStore().dir).toBe('/runs/o');
    fake.menu({ action: 'opened', run: { settings, log: 'nope', history: [] } as never, dir: '/runs/bad' });
    expect(ui.notice).toBe('Could not open /runs/bad: the saved run has no run log');
    expect(useReplayStore().dir).toBe('/runs/o');
  });

  it('disconnect stops the routing', async () => {
    const conn = useConnectionStore();
    await conn.connect();
    conn.disconnect();
    fake.menu({ action: 'new-cluster' });
    fake.emit({ type: 'load-progress', done: 1, total: 2 });
    expect(useUiStore().showSetup).toBe(false);
    expect(useConsoleStore().loadProgress).toBeNull();
  });
});

describe('Export run (the header button)', () => {
  it('exports through the run store and prints the outcome in the console, typed nothing', async () => {
    await useConnectionStore().connect();
    const con = useConsoleStore();
    expect(await useRunStore().exportRun()).toBe(true);
    expect(fake.calls.at(-1)).toEqual({ method: 'exportRun', args: [undefined] });
    expect(con.lines.map((l) => l.kind)).toEqual(['ok']);
    expect(con.lines[0]!.text).toBe('exported to /runs/run-1 (run.jsonl, history.jsonl, settings.json)');
    expect(con.history).toEqual([]);
    fake.failNext = 'cannot create /runs/run-1: read-only file system';
    expect(await useRunStore().exportRun()).toBe(false);
    expect(con.lines.at(-1)).toMatchObject({ kind: 'error', text: 'cannot create /runs/run-1: read-only file system' });
  });
});

describe('layering', () => {
  const src = join(import.meta.dirname, '../../src-renderer/src');
  const files = (dir: string): string[] =>
    readdirSync(join(src, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => /\.(vue|ts)$/.test(f))
      .map((f) => join(dir, f));

  it('no component, composable, App or console module talks to the LabClient; only stores do', () => {
    const outside = ['App.vue', ...files('components'), ...files('composables'), ...files('console')];
    expect(outside.length).toBeGreaterThan(10);
    for (const f of outside) {
      const text = readFileSync(join(src, f), 'utf8');
      expect(text, f).not.toMatch(/from '(\.\.?\/)+api(\/|')/);
      expect(text, f).not.toMatch(/labClient\(/);
    }
  });

  it('no store subscribes to the LabClient but the connection store', () => {
    for (const f of files('stores')) {
      const text = readFileSync(join(src, f), 'utf8');
      const subscribes = /\.on(Event|Menu|Connection)\(/.test(text);
      expect(subscribes, f).toBe(f.endsWith('connection.ts'));
    }
  });
});
