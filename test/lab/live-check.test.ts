/**
 * The live consistency verdict on a real 3-node lab: every client operation is fed to the
 * checker as it completes (GET /api/check); a clean run is linearizable with the right op
 * count; a stale read written into the run's history turns it red with the key, the time
 * and the sentence; a 64-client load on 8 keys keeps it green and the lag returns to 0.
 * Also the windowed GET /api/history the history view reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckVerdict, HistoryOp } from '../../src-main/api/contract';
import { startLab, waitFor, waitLeader, type TestLab } from './helpers';

let t: TestLab;

beforeAll(async () => {
  t = await startLab({ nodes: 3 });
  await waitLeader(t);
});

afterAll(async () => {
  await t?.stop();
});

const check = async (): Promise<CheckVerdict> => {
  const r = await t.api<CheckVerdict>('GET', '/api/check');
  expect(r.status).toBe(200);
  return r.body;
};

/** settled polls GET /api/check until the checker has covered every completed operation. */
const settled = (what: string): Promise<CheckVerdict> =>
  waitFor(
    async () => {
      const v = await check();
      return v.lagOps === 0 ? v : null;
    },
    15_000,
    what,
  );

describe('the live verdict (GET /api/check)', () => {
  it('a clean run is linearizable and counts every completed operation', async () => {
    expect(t.lab.checkEngine).toBe('worker');
    const ops: [string, Record<string, unknown>][] = [
      ['/api/kv', { op: 'put', key: 'x', value: '1' }],
      ['/api/kv', { op: 'get', key: 'x' }],
      ['/api/kv', { op: 'cas', key: 'x', expected: '1', value: '2' }],
      ['/api/kv', { op: 'cas', key: 'x', expected: '1', value: '3' }], // fails: certainly did not happen
      ['/api/kv', { op: 'put', key: 'y', value: 'a' }],
      ['/api/kv', { op: 'delete', key: 'y' }],
      ['/api/kv', { op: 'get', key: 'y' }],
      ['/api/lock', { name: 'L', ttlMs: 5000, owner: 'alice' }],
    ];
    let done = 0;
    for (const [path, body] of ops) {
      const r = await t.api('POST', path, body);
      if (r.body.outcome !== 'fail') done++;
    }
    expect(done).toBe(7);
    const v = await settled('the checker to catch up');
    expect(v).toMatchObject({ linearizable: true, ops: 7, keys: 3, lagOps: 0, violation: null, reason: null });
  });

  it('the windowed history: one key, a time range, a limit', async () => {
    const all = (await t.api<HistoryOp[]>('GET', '/api/history')).body;
    expect(all.length).toBe(16); // eight operations, invoke and completion each
    const x = (await t.api<HistoryOp[]>('GET', '/api/history?key=x')).body;
    expect(x.map((e) => `${e.type} ${e.f}`)).toEqual([
      'invoke write',
      'ok write',
      'invoke read',
      'ok read',
      'invoke cas',
      'ok cas',
      'invoke cas',
      'fail cas',
    ]);
    // From the middle of the get's span: the get (still running then) and what followed.
    const get = x[2]!;
    const done = x[3]!;
    const mid = (get.time + done.time) / 2;
    const w = (await t.api<HistoryOp[]>('GET', `/api/history?key=x&from=${mid}&limit=2`)).body;
    expect(w.map((e) => e.index)).toEqual([get.index, done.index, x[4]!.index, x[5]!.index]);
    const bad = await t.api('GET', '/api/history?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('limit must be an integer in 1..20000');
  });

  it('a stale read in the history makes the verdict false, with the key, the time and the sentence', async () => {
    const rec = t.lab.runRecorder!;
    const events: unknown[] = [];
    t.lab.on((e) => {
      if (e.type === 'check') events.push(e.check);
    });
    expect((await t.api('POST', '/api/kv', { op: 'put', key: 's', value: '1' })).body.outcome).toBe('ok');
    expect((await t.api('POST', '/api/kv', { op: 'put', key: 's', value: '2' })).body.outcome).toBe('ok');
    // A read of s that began after put s=2 had completed, yet returned 1.
    const h = rec.invoke('read', 's', null);
    rec.complete(h, 'ok', 'read', 's', '1');
    const stale = rec.history().at(-1)!;
    const v = await waitFor(
      async () => {
        const c = await check();
        return c.linearizable === false && c.violation?.scope === 'key' ? c : null;
      },
      15_000,
      'a red verdict',
    );
    expect(v.violation).toMatchObject({
      key: 's',
      culprit: stale.index - 1,
      time: stale.time,
      explanation: 'read s returned 1 after write s=2 had completed',
    });
    const read = v.violation!.window.find((w) => w.index === stale.index - 1)!;
    expect(read.couldHaveSeen).toHaveLength(1);
    // The header hears of it without asking.
    await waitFor(async () => events.some((e) => (e as CheckVerdict).linearizable === false), 2000, 'a check event');
  });
});

describe('a 64-client load on 8 keys', () => {
  it('stays linearizable and the lag returns to 0', async () => {
    // A fresh run: the stale read above is part of the old one.
    await t.api('POST', '/api/cluster', { nodes: 3 });
    await waitLeader(t);
    expect((await check()).ops).toBe(0);
    const seen: CheckVerdict[] = [];
    let running = true;
    const watch = (async () => {
      while (running) {
        seen.push(await check());
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const load = await t.api('POST', '/api/load', { op: 'put', count: 1500, clients: 64, keys: 8, valueBytes: 16 });
    running = false;
    await watch;
    expect(load.status).toBe(200);
    const completed = load.body.ok + load.body.unknown;
    expect(seen.length).toBeGreaterThan(2);
    expect(seen.every((v) => v.linearizable === true)).toBe(true);
    const v = await settled('the checker to catch up after the load');
    expect(v).toMatchObject({ linearizable: true, ops: completed, keys: 8, lagOps: 0 });
  });
});
