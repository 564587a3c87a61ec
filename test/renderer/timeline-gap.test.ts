/**
 * The live stream may skip run-log records: the host stops sending them to a page that has
 * fallen more than a few MiB behind (web/http-host.ts, WS_HIGH_WATER). Records are numbered
 * without a break, so the page notices the jump, fetches what it missed from the lab
 * (GET /api/log?since=) and shows it in order; what the lab no longer holds is counted and
 * said ("· N lost" in the timeline's header), never silently dropped.
 */
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { setLabClient } from '../../src-renderer/src/api/lab-client';
import { useConnectionStore } from '../../src-renderer/src/stores/connection';
import { useTimelineStore } from '../../src-renderer/src/stores/timeline';
import { FakeLabClient } from './fake-client';

let fake: FakeLabClient;

beforeEach(() => {
  setActivePinia(createPinia());
  fake = new FakeLabClient(3);
  setLabClient(fake);
});
afterEach(() => setLabClient(null));

/** crash is a run-log record that makes one timeline row ("n2 crashed"), told apart by node. */
const crash = (seq: number): RunLogRecord => ({ t: seq * 1e6, seq, kind: 'crash', node: `n${seq}` });
const range = (lo: number, hi: number): RunLogRecord[] => Array.from({ length: hi - lo + 1 }, (_, k) => crash(lo + k));

/** shown lists the seqs of the timeline's rows (their node names), oldest first. */
function shown(): number[] {
  const tl = useTimelineStore();
  tl.flush();
  const rows = tl.rows;
  return rows.slice(0, rows.count).map((r) => Number(/n(\d+)/.exec(r.text)?.[1]));
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const logCalls = (): unknown[] => fake.calls.filter((c) => c.method === 'log').map((c) => c.args);

describe('the timeline follows the run log without a break', () => {
  it('fetches the records the live stream skipped and shows them in order', async () => {
    fake.backlog = range(1, 3);
    await useConnectionStore().connect();
    fake.backlog = range(1, 10);
    for (const r of [crash(4), crash(8), crash(9)]) fake.emit({ type: 'log', record: r });
    useTimelineStore().flush();
    // 8 and 9 wait for 5..7: nothing after a gap is shown before the gap is filled.
    expect(shown()).toEqual([1, 2, 3, 4]);
    await settle();
    expect(shown()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(logCalls()).toContainEqual([4, 3]);
    // Records that came while the gap was fetched follow it; no gap, no fetch.
    fake.emit({ type: 'log', record: crash(10) });
    expect(shown()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(logCalls()).toHaveLength(2);
    expect(useTimelineStore().lost).toBe(0);
  });

  it('counts what the lab no longer holds as lost, and goes on', async () => {
    await useConnectionStore().connect();
    fake.emit({ type: 'log', record: crash(1) });
    // The lab's memory kept 4 but no longer 2 and 3.
    fake.backlog = [crash(1), crash(4), crash(5)];
    fake.emit({ type: 'log', record: crash(5) });
    useTimelineStore().flush();
    await settle();
    expect(shown()).toEqual([1, 4, 5]);
    expect(useTimelineStore().lost).toBe(2);
  });

  it('a new run starts counting again: its first records are no gap', async () => {
    fake.backlog = range(1, 50);
    await useConnectionStore().connect();
    useTimelineStore().reset();
    fake.backlog = range(1, 2);
    for (const r of range(1, 2)) fake.emit({ type: 'log', record: r });
    expect(shown()).toEqual([1, 2]);
    expect(logCalls()).toHaveLength(1);
  });

  it('a failed fetch counts the gap as lost and shows what came after', async () => {
    fake.backlog = range(1, 2);
    await useConnectionStore().connect();
    fake.log = () => Promise.reject(new Error('lab gone'));
    fake.emit({ type: 'log', record: crash(6) });
    useTimelineStore().flush();
    await settle();
    expect(shown()).toEqual([1, 2, 6]);
    expect(useTimelineStore().lost).toBe(3);
  });
});
