/**
 * The red path rendered: a lab (the fake client) whose verdict is a violation — a read of
 * x that returned 1 after put x=2 had completed — and whose history holds those
 * operations. The header's chip says so; clicking it opens the history view on the
 * violation's key and window; the view, rendered to HTML by Vue's server renderer (the
 * very components the page mounts), highlights the window, marks the culprit and the write
 * it could have seen, and prints the sentence. Also: the live verdict follows 'check'
 * events, a new run's verdict replaces the old one, and a replayed run gets its own.
 */
import { createPinia, setActivePinia, type Pinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSSRApp, type Component } from 'vue';
import { renderToString } from 'vue/server-renderer';
import { checkViolation } from '../../src-main/api/check-core';
import type { CheckVerdict, HistoryOp } from '../../src-main/api/contract';
import { checkHistory } from '../../src-main/check/check';
import { setLabClient } from '../../src-renderer/src/api/lab-client';
import HistoryView from '../../src-renderer/src/components/history/HistoryView.vue';
import VerdictChip from '../../src-renderer/src/components/history/VerdictChip.vue';
import { useCheckStore } from '../../src-renderer/src/stores/check';
import { useConnectionStore } from '../../src-renderer/src/stores/connection';
import { REFRESH_MS, useHistoryStore } from '../../src-renderer/src/stores/history';
import { useReplayStore } from '../../src-renderer/src/stores/replay';
import { useTimelineStore } from '../../src-renderer/src/stores/timeline';
import { FakeLabClient } from './fake-client';

const S = 1e9;
/** A second of other work on key y, then the stale read on x at 10–12 s. */
const HISTORY: HistoryOp[] = (
  [
    [5, 'invoke', 'write', 'y', 'a', 1 * S],
    [5, 'ok', 'write', 'y', 'a', 1.1 * S],
    [0, 'invoke', 'write', 'x', '1', 10 * S],
    [0, 'ok', 'write', 'x', '1', 10.2 * S],
    [1, 'invoke', 'write', 'x', '2', 10.4 * S],
    [1, 'ok', 'write', 'x', '2', 10.6 * S],
    [2, 'invoke', 'read', 'x', null, 11 * S],
    [2, 'ok', 'read', 'x', '1', 11.3 * S],
  ] as const
).map(([process, type, f, key, value, time], index) => ({ index, time, process, type, f, key, value }));

const RED: CheckVerdict = {
  linearizable: false,
  ops: 4,
  keys: 2,
  lagOps: 0,
  violation: checkViolation(checkHistory(HISTORY, { model: 'kv' }).violation!, 'key'),
  reason: null,
};

let fake: FakeLabClient;
let pinia: Pinia;

beforeEach(async () => {
  pinia = createPinia();
  setActivePinia(pinia);
  fake = new FakeLabClient(3);
  fake.historyEvents = HISTORY;
  fake.verdict = RED;
  setLabClient(fake);
  await useConnectionStore().connect();
});
afterEach(() => setLabClient(null));

async function render(c: Component): Promise<string> {
  const app = createSSRApp(c);
  app.use(pinia);
  return renderToString(app);
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

describe('the red verdict in the header and the history view', () => {
  it('the chip names the key and the time', async () => {
    await expect.poll(() => useCheckStore().displayed?.linearizable).toBe(false);
    const html = await render(VerdictChip);
    expect(html).toContain('Not linearizable: key x at 11.3 s');
    expect(html).toContain('data-verdict="false"');
    expect(html).toContain('read x returned 1 after write x=2 had completed');
  });

  it('opened from the red chip: the window highlighted, the culprit and what the read could have seen, the sentence', async () => {
    const history = useHistoryStore();
    history.show({ violation: true });
    await settle();
    // Focused on the violation: its key, a window around it, the lab asked for just that.
    expect(history.key).toBe('x');
    expect(history.follow).toBe(false);
    expect(history.from).toBeLessThanOrEqual(10 * S);
    expect(history.end).toBeGreaterThanOrEqual(11.3 * S);
    expect(fake.calls.filter((c) => c.method === 'history').at(-1)?.args[0]).toMatchObject({ key: 'x' });
    expect(history.bars.map((b) => b.label)).toEqual(['put x=1', 'put x=2', 'get x→1']);

    const html = await render(HistoryView);
    expect(html).toContain('data-testid="violation-window"');
    expect(html).toMatch(/data-index="6"[^>]*data-role="culprit"/);
    expect(html).toMatch(/data-index="2"[^>]*data-role="seen"/);
    expect(html).toMatch(/data-index="4"[^>]*data-role="window"/);
    expect(html).toContain('read x returned 1 after write x=2 had completed.');
    expect(html).toContain('Not linearizable: key x at 11.3 s');
    // (<!--[--> marks a list in Vue's server-rendered HTML.)
    expect(html).toMatch(/op 6 read x → 1<\/span> could have seen: (<!--\[-->)?<span[^>]*>op 2 write x=1<\/span>/);
    expect(html).toContain('the smallest window of operations on x that no order can explain.');
    // The longest legal order found (without the culprit) is drawn as a line.
    expect(html).toContain('data-testid="lin-line"');
  });

  it('a green run: no window, no violation panel', async () => {
    fake.verdict = { ...RED, linearizable: true, violation: null };
    fake.emit({ type: 'check', check: fake.verdict });
    useHistoryStore().show();
    await settle();
    const html = await render(HistoryView);
    expect(html).not.toContain('data-testid="violation-window"');
    expect(html).not.toContain('data-testid="violation-panel"');
    expect(html).not.toContain('data-role=');
    expect(await render(VerdictChip)).toContain('Linearizable ✓ · checked live: 4 ops');
  });
});

describe('a big history', () => {
  it('a following view zooms in until the newest operations fit in one fetch', async () => {
    // 6,000 operations of 1 ms, one every 0.5 ms on 8 processes, over 3 s.
    const evs: HistoryOp[] = [];
    for (let i = 0; i < 6000; i++) {
      const t = 1 * S + i * 0.5e6;
      const process = i % 8;
      evs.push({ index: evs.length, time: t, process, type: 'invoke', f: 'write', key: 'k', value: String(i) });
      evs.push({ index: evs.length, time: t + 0.4e6, process, type: 'ok', f: 'write', key: 'k', value: String(i) });
    }
    fake.historyEvents = evs;
    const timeline = useTimelineStore();
    timeline.push({ t: 4.1 * S, seq: 1, kind: 'heal' });
    const history = useHistoryStore();
    history.show();
    // Within the first fetch's answers, before the next refresh.
    await expect.poll(() => history.spanNs, { timeout: REFRESH_MS / 2 }).toBeLessThan(1.1 * S);
    await settle();
    expect(history.truncated).toBe(false);
    // The newest operation is in the view.
    expect(history.bars.at(-1)?.label).toBe('put k=5999');
    expect(history.end).toBeGreaterThanOrEqual(4 * S);
  });
});

describe('the verdict the header follows', () => {
  it('live: each check event replaces it', async () => {
    const check = useCheckStore();
    fake.emit({ type: 'check', check: { ...RED, linearizable: true, violation: null, ops: 7, lagOps: 2 } });
    expect(check.displayed).toMatchObject({ linearizable: true, ops: 7, lagOps: 2 });
    fake.emit({ type: 'check', check: RED });
    expect(check.displayed?.violation?.key).toBe('x');
  });

  it('replay: the saved run’s own verdict, computed from its history, not the live one', async () => {
    fake.savedRuns.set('r', { settings: fake.view.settings, log: [], history: HISTORY });
    fake.verdict = { ...RED, linearizable: true, violation: null };
    fake.emit({ type: 'check', check: fake.verdict });
    expect(await useReplayStore().open('r')).toBe(true);
    const check = useCheckStore();
    await expect.poll(() => check.displayed?.violation?.scope).toBe('key');
    expect(check.displayed).toMatchObject({ linearizable: false, ops: 4, lagOps: 0 });
    expect(check.displayed?.violation?.explanation).toBe('read x returned 1 after write x=2 had completed');
    useReplayStore().close();
    expect(check.displayed?.linearizable).toBe(true);
  });
});
