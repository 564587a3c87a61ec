/**
 * LiveCheck without a cluster: the same verdicts whether the checking runs in its worker
 * thread or on the event loop; a worker that cannot start falls back to the event loop,
 * rebuilt from the history so far; the red verdict's sentence is re-derived from the key's
 * whole history; and the 'check' announcements are throttled but a turn to red is at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckVerdict, HistoryOp } from '../../src-main/api/contract';
import { generateHistory } from '../../src-main/check/generate';
import { seededRng } from '../../src-main/core/types';
import { CheckCore } from '../../src-main/api/check-core';
import { CHECK_DELAY_MS, CheckPump } from '../../src-main/lab/check-pump';
import { LiveCheck, type CheckEngine } from '../../src-main/lab/live-check';

const open: LiveCheck[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c.close();
});

function make(engine: CheckEngine, extra: ConstructorParameters<typeof LiveCheck>[0] = {}): LiveCheck {
  const c = new LiveCheck({ engine, ...extra });
  open.push(c);
  return c;
}

/** stale: write x=1, write x=2, then a read of x that returns 1 (events numbered from `at`). */
function stale(at: number, t0: number): HistoryOp[] {
  const ev = (i: number, type: HistoryOp['type'], f: string, value: unknown): HistoryOp => ({
    index: at + i,
    time: t0 + i * 1000,
    process: 900,
    type,
    f,
    key: 'x',
    value,
  });
  return [
    ev(0, 'invoke', 'write', '1'),
    ev(1, 'ok', 'write', '1'),
    ev(2, 'invoke', 'write', '2'),
    ev(3, 'ok', 'write', '2'),
    ev(4, 'invoke', 'read', null),
    ev(5, 'ok', 'read', '1'),
  ];
}

const generated = (): HistoryOp[] =>
  generateHistory(seededRng(3).next, { ops: 3000, clients: 16, keys: 4, values: 3, infoRate: 0.01 });

const completedOf = (h: HistoryOp[]): number => h.filter((e) => e.type === 'ok' || e.type === 'info').length;

describe.each(['worker', 'inline'] as const)('LiveCheck on the %s', (engine) => {
  it('a generated linearizable history: true, every completed operation counted, lag 0', async () => {
    const c = make(engine);
    const h = generated();
    for (const e of h) c.feed(e);
    // Nothing has reached the checker yet (it runs after this turn): all of it is lag.
    expect(c.verdict()).toMatchObject({ ops: completedOf(h), lagOps: completedOf(h) });
    const v = await c.settled(20_000);
    expect(c.engineKind).toBe(engine);
    expect(v).toMatchObject({ linearizable: true, ops: completedOf(h), keys: 4, lagOps: 0, violation: null });
  });

  it('a stale read: false, at the read’s completion, explained from the key’s whole history', async () => {
    const h = [...generated(), ...stale(100_000, 1e12)];
    const heard: CheckVerdict[] = [];
    const c = make(engine, {
      keyHistory: (key) => h.filter((e) => e.key === key),
      onChange: (v) => heard.push(v),
    });
    for (const e of h) c.feed(e);
    const v = await c.settled(20_000);
    expect(v.linearizable).toBe(false);
    expect(v.violation).toMatchObject({ key: 'x', culprit: 100_004, time: 1e12 + 5000 });
    await expect.poll(() => c.verdict().violation?.scope, { timeout: 10_000 }).toBe('key');
    expect(c.verdict().violation?.explanation).toBe('read x returned 1 after write x=2 had completed');
    expect(heard.at(-1)?.violation?.scope).toBe('key');
  });
});

describe('CheckCore', () => {
  it('reports what it has taken in but not checked as lag, and checks in slices of bounded time', () => {
    const core = new CheckCore();
    const h = generated();
    core.ingest(h);
    // Only reads that never answered count as checked at once (they constrain nothing).
    expect(core.report()).toMatchObject({ seen: completedOf(h), linearizable: true });
    expect(core.report().checked).toBeLessThan(completedOf(h) / 50);
    let slices = 0;
    let clock = 0;
    // A clock that moves 1 ms per read: a 5 ms slice ends after a few reads, however much is left.
    while (core.step(5, () => clock++)) slices++;
    expect(slices).toBeGreaterThan(1);
    expect(core.report()).toMatchObject({ seen: completedOf(h), checked: completedOf(h), keys: 4 });
  });
});

describe('CheckPump', () => {
  it('holds new events back while a search is under way (they would restart it), then checks them at once', async () => {
    const ingested: number[][] = [];
    let slices = 0;
    let busyFor = 3; // the first search needs three slices
    const core = {
      pending: true,
      ingest: (evs: readonly HistoryOp[]) => void ingested.push(evs.map((e) => e.index)),
      step: () => {
        slices++;
        return --busyFor > 0;
      },
      report: () => ({ seen: 0, checked: 0, keys: 0, linearizable: true, violation: null, reason: null }),
    } as unknown as CheckCore;
    const h = stale(0, 0);
    let ingestedWhileBusy: number[][] | null = null;
    const pump = new CheckPump(core, 5, () => {
      // After the first slice the search is under way: two batches arrive.
      if (slices !== 1) return;
      pump.take(h.slice(2, 4));
      pump.take(h.slice(4, 6));
      ingestedWhileBusy = ingested.map((x) => [...x]);
    });
    pump.take(h.slice(0, 2));
    await expect.poll(() => ingested.length, { timeout: CHECK_DELAY_MS * 10 }).toBe(2);
    expect(ingestedWhileBusy).toEqual([[0, 1]]);
    expect(ingested[1]).toEqual([2, 3, 4, 5]);
    // Three slices for the search, then the held events were checked without waiting for more.
    await expect.poll(() => slices).toBe(4);
    pump.close();
  });
});

describe('LiveCheck fallback', () => {
  it('a worker that cannot start: the event loop checks, from the history so far', async () => {
    const h = generated();
    const fed: HistoryOp[] = [];
    const c = make('worker', {
      workerUrl: new URL('./no-such-worker.mjs', import.meta.url),
      backlog: () => fed,
    });
    for (const e of h.slice(0, 1000)) {
      fed.push(e);
      c.feed(e);
    }
    await expect.poll(() => c.engineKind, { timeout: 10_000 }).toBe('inline');
    expect(c.failure).not.toBeNull();
    for (const e of h.slice(1000)) {
      fed.push(e);
      c.feed(e);
    }
    const v = await c.settled(20_000);
    expect(v).toMatchObject({ linearizable: true, ops: completedOf(h), lagOps: 0 });
  });

  it('without the history so far, the verdict after a fallback is unknown, and says why', async () => {
    const c = make('worker', { workerUrl: new URL('./no-such-worker.mjs', import.meta.url), backlog: () => null });
    for (const e of stale(0, 0)) c.feed(e);
    await expect.poll(() => c.engineKind, { timeout: 10_000 }).toBe('inline');
    const v = c.verdict();
    expect(v.linearizable).toBeNull();
    expect(v.reason).toMatch(/checker restarted .* no longer in memory/);
    // What comes next is not judged alone: a read of a value written before the cut would look stale.
    for (const e of stale(6, 6000).slice(2)) c.feed(e);
    await new Promise((r) => setTimeout(r, 200));
    expect(await c.settled(1000)).toMatchObject({ linearizable: null, ops: 5, reason: v.reason });
  });
});

describe('announcements', () => {
  it('are throttled while green, and a turn to red is announced at once', async () => {
    const heard: CheckVerdict[] = [];
    const c = make('inline', { onChange: (v) => heard.push(v) });
    const h = generated();
    for (const e of h) c.feed(e);
    await c.settled(20_000);
    await new Promise((r) => setTimeout(r, 300));
    // Thousands of operations, a handful of announcements.
    expect(heard.length).toBeGreaterThan(0);
    expect(heard.length).toBeLessThan(20);
    expect(heard.at(-1)).toMatchObject({ linearizable: true, lagOps: 0 });
    const before = heard.length;
    for (const e of stale(100_000, 1e12)) c.feed(e);
    await expect.poll(() => heard.slice(before).some((v) => v.linearizable === false), { timeout: 200 }).toBe(true);
  });
});
