/**
 * check.json of an exported run: the linearizability section over the lab's own history
 * shape (with locks, tokens and fenced writes as LabService records them), and the
 * read-back check's understanding of fenced writes.
 */
import { describe, expect, it } from 'vitest';
import type { HistoryOp } from '../../src-main/api/contract';
import { checkHistory } from '../../src-main/check/check';
import { exportCheck, finalCandidates, linearizability } from '../../src-main/lab/check';
import { historyShape } from '../../src-main/check/history';
import type { KvOp } from '../../src-main/core/kv/types';

/** labHistory records ops the way LabService.send does: invoke, then ok with the value (a read's result, a lock's token). */
function labHistory(
  steps: { op: KvOp; type?: 'ok' | 'fail' | 'info'; read?: string | null; token?: number }[],
): HistoryOp[] {
  const out: HistoryOp[] = [];
  steps.forEach((s, i) => {
    const { f, key, value } = historyShape(s.op);
    out.push({ index: out.length, time: out.length * 10, process: i, type: 'invoke', f, key, value });
    const type = s.type ?? 'ok';
    const result =
      s.op.op === 'get' && type === 'ok'
        ? (s.read ?? null)
        : s.token !== undefined
          ? { ...(value as object), token: s.token }
          : value;
    out.push({ index: out.length, time: out.length * 10, process: i, type, f, key, value: result });
  });
  return out;
}

describe('the lab history', () => {
  it('puts, cas, deletes, locks and fenced writes check together', () => {
    const h = labHistory([
      { op: { op: 'put', key: 'a', value: '1' } },
      { op: { op: 'cas', key: 'a', expected: '1', value: '2' } },
      { op: { op: 'cas', key: 'a', expected: '9', value: '3' }, type: 'fail' },
      { op: { op: 'get', key: 'a' }, read: '2' },
      { op: { op: 'delete', key: 'a' } },
      { op: { op: 'get', key: 'a' }, read: null },
      { op: { op: 'lock', name: 'L', owner: 'me', ttlMs: 1000 }, token: 7 },
      { op: { op: 'renew', name: 'L', owner: 'me', token: 7, ttlMs: 1000 } },
      { op: { op: 'fencedPut', key: 'res', value: 'x', token: 7 } },
      { op: { op: 'fencedPut', key: 'res', value: 'y', token: 3 }, type: 'fail' },
      { op: { op: 'get', key: 'res' }, read: 'x' },
      { op: { op: 'unlock', name: 'L', token: 7 } },
    ]);
    const r = checkHistory(h);
    expect(r.linearizable).toBe(true);
    expect(r.keys).toBe(3);
    const s = linearizability(h);
    expect(s.linearizable).toBe(true);
    expect(s.summary).toMatch(/^linearizable: 10 operations on 3 keys$/);
  });

  it('a stale fenced write that was accepted is reported', () => {
    const h = labHistory([
      { op: { op: 'fencedPut', key: 'res', value: 'x', token: 7 } },
      { op: { op: 'fencedPut', key: 'res', value: 'y', token: 3 } },
    ]);
    const s = linearizability(h);
    expect(s.linearizable).toBe(false);
    expect(s.summary).toBe(
      'not linearizable: fenced-write res=y with token 3 was accepted after fenced-write res=x with token 7 had been accepted',
    );
  });

  it('a history that cannot be paired is unknown with the reason, not a crash', () => {
    const h = labHistory([{ op: { op: 'put', key: 'a', value: '1' } }]).slice(1);
    const s = linearizability(h);
    expect(s.linearizable).toBeNull();
    expect(s.summary).toMatch(/never invoked/);
  });
});

describe('read-back check', () => {
  it('an accepted fenced write is a candidate last value; a refused one is not', () => {
    const h = labHistory([
      { op: { op: 'put', key: 'res', value: 'p' } },
      { op: { op: 'fencedPut', key: 'res', value: 'x', token: 7 } },
      { op: { op: 'fencedPut', key: 'res', value: 'y', token: 3 }, type: 'fail' },
    ]);
    expect(finalCandidates(h).get('res')?.values).toEqual(['x']);
  });

  it('check.json carries both checks; ok needs both', async () => {
    const h = labHistory([{ op: { op: 'put', key: 'a', value: '1' } }, { op: { op: 'get', key: 'a' }, read: '0' }]);
    const read = async () => ({ outcome: 'ok' as const, result: { ok: true, value: '1' } });
    const c = await exportCheck(h, read);
    expect(c.keysChecked).toBe(1);
    expect(c.violations).toEqual([]);
    expect(c.linearizability.linearizable).toBe(false);
    expect(c.ok).toBe(false);
    expect(c.summary).toMatch(/; not linearizable: read a returned 0/);
  });
});
