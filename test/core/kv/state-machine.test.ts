import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../../src-main/core/kv/codec';
import { KvStateMachine } from '../../../src-main/core/kv/state-machine';
import type { KvOp, KvResult } from '../../../src-main/core/kv/types';

/** Drives a machine like a host: each call is the next log index. */
function driver(sm = new KvStateMachine()) {
  let index = sm.appliedIndex;
  return {
    sm,
    run(cmd: KvOp, client = '', seq = 0, now = 0): KvResult {
      index++;
      return sm.apply(index, encodeCommand({ client, seq, now, cmd }));
    },
    raw(data: string): KvResult {
      index++;
      return sm.apply(index, data);
    },
    get index() {
      return index;
    },
  };
}

describe('KvStateMachine: key-value ops', () => {
  it('put, get, delete return the previous value and change the store', () => {
    const d = driver();
    expect(d.run({ op: 'get', key: 'a' })).toEqual({ ok: true, value: null });
    expect(d.run({ op: 'put', key: 'a', value: '1' })).toEqual({ ok: true, value: null });
    expect(d.run({ op: 'put', key: 'a', value: '2' })).toEqual({ ok: true, value: '1' });
    expect(d.run({ op: 'get', key: 'a' })).toEqual({ ok: true, value: '2' });
    expect(d.sm.get('a')).toBe('2');
    expect(d.sm.size()).toBe(1);
    expect(d.run({ op: 'delete', key: 'a' })).toEqual({ ok: true, value: '2' });
    expect(d.sm.get('a')).toBeNull();
    expect(d.run({ op: 'delete', key: 'a' })).toEqual({ ok: true, value: null });
    expect(d.sm.size()).toBe(0);
    expect(d.sm.appliedIndex).toBe(6);
  });

  it('cas sets only when the current value equals expected; expected null means absent', () => {
    const d = driver();
    expect(d.run({ op: 'cas', key: 'k', expected: 'x', value: 'v1' })).toEqual({
      ok: false,
      error: 'cas-mismatch',
      value: null,
    });
    expect(d.sm.get('k')).toBeNull();
    expect(d.run({ op: 'cas', key: 'k', expected: null, value: 'v1' })).toEqual({ ok: true, value: null });
    expect(d.sm.get('k')).toBe('v1');
    expect(d.run({ op: 'cas', key: 'k', expected: null, value: 'v2' })).toEqual({
      ok: false,
      error: 'cas-mismatch',
      value: 'v1',
    });
    expect(d.run({ op: 'cas', key: 'k', expected: 'v1', value: 'v2' })).toEqual({ ok: true, value: 'v1' });
    expect(d.sm.get('k')).toBe('v2');
    // The empty string is a value, not absence.
    d.run({ op: 'put', key: 'e', value: '' });
    expect(d.run({ op: 'cas', key: 'e', expected: null, value: 'x' }).ok).toBe(false);
    expect(d.run({ op: 'cas', key: 'e', expected: '', value: 'x' }).ok).toBe(true);
  });

  it('a malformed entry returns bad-command, changes nothing but appliedIndex, and never throws', () => {
    const d = driver();
    d.run({ op: 'put', key: 'a', value: '1' });
    const before = d.sm.digest();
    for (const bad of [
      '',
      'not json',
      '{}',
      'null',
      '[1,2]',
      '{"client":"c","seq":1,"now":0,"cmd":{"op":"put","key":"","value":"x"}}',
      '{"client":"c","seq":1,"now":0,"cmd":{"op":"drop","key":"a"}}',
      '{"client":"c","seq":-1,"now":0,"cmd":{"op":"get","key":"a"}}',
      '{"client":"c","seq":1,"now":"soon","cmd":{"op":"get","key":"a"}}',
    ]) {
      const i = d.index + 1;
      expect(d.raw(bad)).toEqual({ ok: false, error: 'bad-command' });
      expect(d.sm.appliedIndex).toBe(i);
    }
    expect(d.sm.digest()).toBe(before);
    expect(d.sm.get('a')).toBe('1');
  });

  it('refuses to apply an index twice or out of order (the replicas would diverge)', () => {
    const sm = new KvStateMachine();
    sm.apply(5, encodeCommand({ client: '', seq: 0, now: 0, cmd: { op: 'put', key: 'a', value: '1' } }));
    expect(() => sm.apply(5, '{}')).toThrow(/out of order/);
    expect(() => sm.apply(3, '{}')).toThrow(/out of order/);
    sm.skipTo(9);
    expect(sm.appliedIndex).toBe(9);
    expect(() => sm.skipTo(9)).toThrow(/out of order/);
  });
});

describe('KvStateMachine: client sessions (exactly-once)', () => {
  it('a retried command returns the cached result and is not applied again', () => {
    const d = driver();
    expect(d.run({ op: 'put', key: 'n', value: '1' }, 'c1', 1)).toEqual({ ok: true, value: null });
    // Another client changes the key in between; c1's retry must not overwrite it.
    d.run({ op: 'put', key: 'n', value: '2' }, 'c2', 1);
    expect(d.run({ op: 'put', key: 'n', value: '1' }, 'c1', 1)).toEqual({ ok: true, value: null });
    expect(d.sm.get('n')).toBe('2');
    // A retried cas that succeeded the first time still reports success, not a mismatch.
    expect(d.run({ op: 'cas', key: 'n', expected: '2', value: '3' }, 'c1', 2)).toEqual({ ok: true, value: '2' });
    expect(d.run({ op: 'cas', key: 'n', expected: '2', value: '3' }, 'c1', 2)).toEqual({ ok: true, value: '2' });
    expect(d.sm.get('n')).toBe('3');
    // A delayed copy of an older command is refused and changes nothing.
    expect(d.run({ op: 'put', key: 'n', value: 'old' }, 'c1', 1)).toEqual({ ok: false, error: 'stale-seq' });
    expect(d.sm.get('n')).toBe('3');
  });

  it('without a session (seq 0) a command applies every time', () => {
    const d = driver();
    d.run({ op: 'put', key: 'n', value: '1' }, 'c1', 0);
    d.run({ op: 'delete', key: 'n' }, 'c2', 0);
    d.run({ op: 'put', key: 'n', value: '1' }, 'c1', 0);
    expect(d.sm.get('n')).toBe('1');
    expect(d.sm.sessionCount()).toBe(0);
  });

  it('keeps one session per client and evicts the least recently used / idle ones deterministically', () => {
    const d = driver(new KvStateMachine({ maxSessions: 3, sessionIdleEntries: 50 }));
    for (let seq = 1; seq <= 5; seq++) d.run({ op: 'put', key: 'k', value: String(seq) }, 'a', seq);
    expect(d.sm.sessionCount()).toBe(1);
    d.run({ op: 'get', key: 'k' }, 'b', 1);
    d.run({ op: 'get', key: 'k' }, 'c', 1);
    d.run({ op: 'get', key: 'k' }, 'a', 6); // a is now the most recent
    d.run({ op: 'get', key: 'k' }, 'd', 1); // evicts b, the least recently used
    expect(d.sm.sessionCount()).toBe(3);
    const snap = JSON.parse(d.sm.snapshot()) as { sessions: [string][] };
    expect(snap.sessions.map((s) => s[0])).toEqual(['c', 'a', 'd']);
    // 50 entries without a session command: every session is idle and goes at the next tracked command.
    for (let i = 0; i < 50; i++) d.run({ op: 'get', key: 'k' });
    d.run({ op: 'get', key: 'k' }, 'e', 1);
    expect(d.sm.sessionCount()).toBe(1);
  });

  it('a retry after the session was evicted is refused (session-expired), never applied twice (§6.3)', () => {
    const d = driver(new KvStateMachine({ maxSessions: 2 }));
    expect(d.run({ op: 'cas', key: 'n', expected: null, value: '1' }, 'a', 1)).toEqual({ ok: true, value: null });
    expect(d.run({ op: 'put', key: 'n', value: '5' }, 'a', 2)).toEqual({ ok: true, value: '1' });
    // Two other clients push a's session out.
    d.run({ op: 'get', key: 'n' }, 'b', 1);
    d.run({ op: 'get', key: 'n' }, 'c', 1);
    expect(d.sm.sessionCount()).toBe(2);
    d.run({ op: 'put', key: 'n', value: '7' }, 'b', 2);
    // A delayed copy of a's seq 2 arrives: applying it would write 5 over 7 a second time.
    expect(d.run({ op: 'put', key: 'n', value: '5' }, 'a', 2)).toEqual({ ok: false, error: 'session-expired' });
    expect(d.sm.get('n')).toBe('7');
    // A new session (seq 1) starts afresh.
    expect(d.run({ op: 'put', key: 'n', value: '8' }, 'a2', 1)).toEqual({ ok: true, value: '7' });
  });

  it('many clients keep memory bounded at the session limit', () => {
    const d = driver(new KvStateMachine({ maxSessions: 100 }));
    for (let i = 0; i < 1000; i++) d.run({ op: 'put', key: `k${i % 7}`, value: 'v' }, `client-${i}`, 1);
    expect(d.sm.sessionCount()).toBe(100);
  });
});

describe('KvStateMachine: snapshot, restore, digest', () => {
  function busy(): ReturnType<typeof driver> {
    const d = driver();
    for (let i = 0; i < 40; i++)
      d.run({ op: 'put', key: `k${i % 9}`, value: `v${i}` }, `c${i % 4}`, Math.floor(i / 4) + 1, 1000 + i);
    d.run({ op: 'delete', key: 'k3' }, 'c9', 1, 1100);
    d.run({ op: 'lock', name: 'L', owner: 'alice', ttlMs: 5000 }, 'c8', 1, 1200);
    d.run({ op: 'fencedPut', key: 'res', value: 'x', token: 42 }, 'c7', 1, 1300);
    // Every kind of cached result, so the snapshot carries each shape.
    d.run({ op: 'cas', key: 'k1', expected: 'nope', value: 'x' }, 'c10', 1, 1310);
    d.run({ op: 'lock', name: 'L', owner: 'bob', ttlMs: 5000 }, 'c11', 1, 1320);
    d.run({ op: 'fencedPut', key: 'res', value: 'y', token: 1 }, 'c12', 1, 1330);
    d.run({ op: 'unlock', name: 'L', token: 999 }, 'c13', 1, 1340);
    d.run({ op: 'put', key: 'bad' } as unknown as KvOp, 'c14', 1, 1350);
    return d;
  }

  it('restore(snapshot()) reproduces the state: same digest, same answers, same future', () => {
    const a = busy();
    const b = new KvStateMachine();
    b.restore(a.sm.snapshot());
    expect(b.digest()).toBe(a.sm.digest());
    expect(b.appliedIndex).toBe(a.sm.appliedIndex);
    expect(b.clock).toBe(a.sm.clock);
    expect(b.locks()).toEqual(a.sm.locks());
    expect(b.size()).toBe(a.sm.size());
    for (let i = 0; i < 9; i++) expect(b.get(`k${i}`)).toBe(a.sm.get(`k${i}`));
    // Both continue identically, including the session cache and the fence.
    const db = driver(b);
    const ops: [KvOp, string, number][] = [
      [{ op: 'put', key: 'k1', value: 'again' }, 'c1', 38], // a retry: cached
      [{ op: 'fencedPut', key: 'res', value: 'y', token: 41 }, 'c5', 1],
      [{ op: 'lock', name: 'L', owner: 'bob', ttlMs: 10 }, 'c6', 1],
    ];
    for (const [op, c, s] of ops) expect(db.run(op, c, s, 1400)).toEqual(a.run(op, c, s, 1400));
    expect(b.digest()).toBe(a.sm.digest());
  });

  it('digest differs when the state differs and does not depend on key insertion order', () => {
    const x = driver();
    const y = driver();
    x.run({ op: 'put', key: 'a', value: '1' });
    x.run({ op: 'put', key: 'b', value: '2' });
    y.run({ op: 'put', key: 'b', value: '2' });
    y.run({ op: 'put', key: 'a', value: '1' });
    expect(x.sm.digest()).toBe(y.sm.digest());
    y.run({ op: 'put', key: 'a', value: '9' });
    expect(x.sm.digest()).not.toBe(y.sm.digest());
    const z = driver();
    z.run({ op: 'put', key: 'a', value: '1' });
    z.run({ op: 'put', key: 'b', value: '2' }, 'c', 1);
    expect(z.sm.digest()).not.toBe(x.sm.digest()); // the session is state too
  });

  it('restore with the Snapshot index lifts appliedIndex over trailing command-less entries', () => {
    const a = busy();
    const b = new KvStateMachine();
    b.restore(a.sm.snapshot(), a.sm.appliedIndex + 3);
    expect(b.appliedIndex).toBe(a.sm.appliedIndex + 3);
    expect(b.digest()).toBe(a.sm.digest());
    expect(() => b.apply(a.sm.appliedIndex + 1, '{}')).toThrow(/out of order/);
  });

  it('a malformed snapshot is refused with a clear error and the state is kept', () => {
    const a = busy();
    const d = a.sm.digest();
    for (const bad of [
      'nope',
      '{}',
      '{"v":2}',
      JSON.stringify({ v: 1, appliedIndex: 1, clock: 0, data: [[1, 2]], sessions: [], locks: [], fences: [] }),
    ]) {
      expect(() => a.sm.restore(bad)).toThrow(/bad state-machine snapshot/);
    }
    expect(a.sm.digest()).toBe(d);
  });
});
