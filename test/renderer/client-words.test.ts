/**
 * A client operation in the timeline says what the user asked and what came back, in the
 * console's words (put/get, "→ ok (n2, 3.10 ms)"), not the checker's ("write k done"):
 * every outcome, every operation, a run log without the value, and a saved run's odd record.
 */
import { describe, expect, it } from 'vitest';
import type { RunLogRecord } from '../../src-main/api/contract';
import { ABSENT_NOTE, clientText } from '../../src-renderer/src/model/client-words';
import { RunModel } from '../../src-renderer/src/model/run-model';

const done = (fields: Record<string, unknown>): RunLogRecord => ({
  t: 1e9,
  seq: 1,
  kind: 'client-complete',
  process: 0,
  ...fields,
});
const text = (fields: Record<string, unknown>): string => clientText(done(fields)).text;

describe('a client operation in the timeline', () => {
  it('says a console put and get the way the console typed and answered them', () => {
    expect(text({ f: 'write', key: 'k', preview: 'v', type: 'ok', node: 'n2', latencyMs: 3.1 })).toBe(
      'put k = v → ok (n2, 3.10 ms)',
    );
    expect(text({ f: 'read', key: 'k', preview: 'v', type: 'ok', node: 'n1', latencyMs: 37.4 })).toBe(
      'get k → v (n1, 37 ms)',
    );
    expect(text({ f: 'read', key: 'k', preview: null, type: 'ok', node: 'n1', latencyMs: 1 })).toBe(
      'get k → absent (nil) (n1, 1.00 ms)',
    );
    expect(text({ f: 'write', key: 'g', preview: 'hello world', type: 'ok' })).toBe('put g = "hello world" → ok');
    // The whole story in one row: what a row read through a run model says, too.
    const m = new RunModel();
    m.ingest(done({ f: 'write', key: 'a', preview: '1', type: 'ok', node: 'n5', latencyMs: 37 }));
    expect(m.rows.view(['client']).at(0)?.text).toBe('put a = 1 → ok (n5, 37 ms)');
  });

  it('says a refusal did not take effect, and an unknown outcome why and that it may have', () => {
    expect(
      text({ f: 'write', key: 'k', preview: 'v', type: 'fail', node: 'n2', latencyMs: 3, error: 'store-full' }),
    ).toBe('put k = v → failed (n2, 3.00 ms): store-full — it did not take effect');
    expect(
      text({ f: 'write', key: 'k', preview: 'v', type: 'info', node: 'n2', latencyMs: 5000, error: 'timeout' }),
    ).toBe('put k = v → unknown (n2, 5000 ms): no answer before the deadline — it may or may not have applied');
    expect(text({ f: 'read', key: 'k', preview: null, type: 'info', node: 'n3', error: 'connection closed' })).toBe(
      'get k → unknown (n3): n3 died before answering — a read changes nothing',
    );
    expect(clientText(done({ f: 'write', key: 'k', type: 'info' })).outcome).toBe('unknown');
  });

  it('names every operation as the console does', () => {
    expect(text({ f: 'delete', key: 'k', preview: null, type: 'ok' })).toBe('del k → deleted');
    expect(text({ f: 'cas', key: 'k', preview: [null, '2'], type: 'ok' })).toBe('cas k nil→2 → swapped');
    expect(text({ f: 'cas', key: 'k', preview: ['1', '2'], type: 'fail', error: 'cas-mismatch' })).toBe(
      'cas k 1→2 → failed: cas-mismatch — it did not take effect',
    );
    expect(text({ f: 'lock', key: 'L', preview: { owner: 'alice', ttlMs: 5000, token: 12 }, type: 'ok' })).toBe(
      'lock L for alice → locked, token 12',
    );
    expect(text({ f: 'unlock', key: 'L', preview: { token: 12 }, type: 'ok' })).toBe('unlock L → unlocked');
    expect(text({ f: 'fenced-write', key: 'k', preview: { value: 'v', token: 3 }, type: 'ok' })).toBe(
      'fenced k = v → ok',
    );
  });

  it('says what "absent" means on a get that found no value, in the row’s tooltip and details', () => {
    // A load's gets of keys it has not written yet: "get load-0 → absent (nil)", sixty times.
    const m = new RunModel();
    m.ingest(done({ f: 'read', key: 'load-0', preview: null, type: 'ok', node: 'n4', latencyMs: 19 }));
    m.ingest({ ...done({ f: 'read', key: 'load-0', preview: 'v', type: 'ok', node: 'n4', latencyMs: 19 }), seq: 2 });
    m.ingest({ ...done({ f: 'write', key: 'k', preview: null, type: 'ok' }), seq: 3 });
    const [absent, found, put] = m.rows.view(['client']).slice(0, 3);
    expect(absent!.text).toBe('get load-0 → absent (nil) (n4, 19 ms)');
    expect(absent!.note).toBe(ABSENT_NOTE);
    expect(ABSENT_NOTE).toMatch(/^absent \(nil\): the key has no value yet/);
    // Only there: a value found, or a put, needs no word explained.
    expect(found!.note).toBeUndefined();
    expect(put!.note).toBeUndefined();
    expect(
      clientText(done({ f: 'read', key: 'k', preview: null, type: 'info', error: 'timeout' })).note,
    ).toBeUndefined();
  });

  it('reads a run log without values (an older run, the simulator) and odd records safely', () => {
    expect(text({ f: 'write', key: 'k', type: 'ok', node: 'n1' })).toBe('put k → ok (n1)');
    expect(text({ f: 'read', key: 'k', type: 'ok' })).toBe('get k → ok');
    const long = text({ f: 'write', key: 'k', preview: 'x'.repeat(10_000), type: 'ok' });
    expect(long.length).toBeLessThan(100);
    expect(text({ f: 'write', key: 'k', preview: { deep: { deeper: 1 } }, type: 'ok' })).toBe('put k = ? → ok');
    expect(text({ f: 'cas', key: 'k', preview: 'not a pair', type: 'ok' })).toBe('cas k → swapped');
  });
});
