/**
 * The state machine's byte limit: a flood of large puts (the attack that exhausted a
 * node's heap) is refused with 'store-full' once the store holds maxBytes, nothing
 * changes on a refused write, room comes back when keys are deleted, and the accounting
 * is deterministic — the same on every replica and after a snapshot round trip.
 */
import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../../src-main/core/kv/codec';
import { DEFAULT_MAX_STORE_BYTES, ENTRY_OVERHEAD_BYTES, KvStateMachine } from '../../../src-main/core/kv/state-machine';
import type { KvOp, KvResult } from '../../../src-main/core/kv/types';

const MiB = 1024 * 1024;

function driver(sm: KvStateMachine) {
  let index = sm.appliedIndex;
  return {
    sm,
    run(cmd: KvOp, client = '', seq = 0, now = 0): KvResult {
      index++;
      return sm.apply(index, encodeCommand({ client, seq, now, cmd }));
    },
  };
}

const big = (c: string, n = MiB): string => c.repeat(n);

describe('KvStateMachine: the store byte limit', () => {
  it('defaults to 256 MiB', () => {
    expect(DEFAULT_MAX_STORE_BYTES).toBe(256 * MiB);
    expect(new KvStateMachine().byteLimit).toBe(256 * MiB);
  });

  it('refuses a flood of 1 MiB puts with store-full once full; a refused put changes nothing', () => {
    const d = driver(new KvStateMachine({ maxBytes: 8 * MiB }));
    const outcomes: (string | undefined)[] = [];
    for (let i = 0; i < 40; i++) outcomes.push(d.run({ op: 'put', key: `k${i}`, value: big('x') }).error);
    const stored = outcomes.filter((e) => e === undefined).length;
    expect(stored).toBe(7); // 8 MiB minus per-entry overhead holds seven 1 MiB values
    expect(outcomes.slice(stored).every((e) => e === 'store-full')).toBe(true);
    expect(d.sm.size()).toBe(7);
    expect(d.sm.bytes).toBeLessThanOrEqual(8 * MiB);
    expect(d.sm.get('k7')).toBeNull();
    expect(d.run({ op: 'put', key: 'k8', value: big('y') })).toEqual({ ok: false, error: 'store-full' });
    expect(d.run({ op: 'get', key: 'k8' })).toEqual({ ok: true, value: null });
    // Reads, deletes and writes that shrink the store still pass.
    expect(d.run({ op: 'put', key: 'k0', value: 'small' }).ok).toBe(true);
    expect(d.run({ op: 'put', key: 'k0', value: big('z') }).ok).toBe(true);
    expect(d.run({ op: 'delete', key: 'k1' }).ok).toBe(true);
    expect(d.run({ op: 'put', key: 'k8', value: big('y') })).toEqual({ ok: true, value: null });
    expect(d.sm.bytes).toBeLessThanOrEqual(8 * MiB);
  });

  it('cas and fencedPut refuse to grow a full store; their other checks still come first', () => {
    const d = driver(new KvStateMachine({ maxBytes: 4 * MiB }));
    for (let i = 0; i < 3; i++) expect(d.run({ op: 'put', key: `k${i}`, value: big('x') }).ok).toBe(true);
    expect(d.run({ op: 'cas', key: 'new', expected: 'nope', value: big('a') }).error).toBe('cas-mismatch');
    expect(d.run({ op: 'cas', key: 'new', expected: null, value: big('a') })).toEqual({
      ok: false,
      error: 'store-full',
    });
    expect(d.run({ op: 'fencedPut', key: 'f', value: big('b'), token: 9 })).toEqual({ ok: false, error: 'store-full' });
    // The refused fencedPut did not raise the fence: an older token is still accepted once there is room.
    expect(d.run({ op: 'delete', key: 'k0' }).ok).toBe(true);
    expect(d.run({ op: 'fencedPut', key: 'f', value: 'v', token: 3 })).toMatchObject({ ok: true, token: 3 });
  });

  it('a new lock grant counts too: store-full when full, an unlock frees its room', () => {
    const limit = 2 * MiB;
    const d = driver(new KvStateMachine({ maxBytes: limit }));
    // Two values leave 200 bytes: room for one lock grant (64 + 60 + 1 bytes), not two.
    expect(d.run({ op: 'put', key: 'k1', value: big('x') }).ok).toBe(true);
    expect(d.run({ op: 'put', key: 'k2', value: big('x', MiB - 332) }).ok).toBe(true);
    expect(limit - d.sm.bytes).toBe(200);
    const l1 = d.run({ op: 'lock', name: 'a'.repeat(60), owner: 'o', ttlMs: 10_000 });
    expect(l1.ok).toBe(true);
    const l2 = d.run({ op: 'lock', name: 'b'.repeat(60), owner: 'o', ttlMs: 10_000 });
    expect(l2).toEqual({ ok: false, error: 'store-full' });
    expect(d.run({ op: 'unlock', name: 'a'.repeat(60), token: l1.token! }).ok).toBe(true);
    expect(d.run({ op: 'lock', name: 'b'.repeat(60), owner: 'o', ttlMs: 10_000 }).ok).toBe(true);
  });

  it('a retried store-full put answers store-full again (exactly once), and is not applied later', () => {
    const d = driver(new KvStateMachine({ maxBytes: 2 * MiB }));
    expect(d.run({ op: 'put', key: 'a', value: big('x') }, 'c1', 1).ok).toBe(true);
    expect(d.run({ op: 'put', key: 'b', value: big('y') }, 'c1', 2).error).toBe('store-full');
    expect(d.run({ op: 'delete', key: 'a' }, 'c2', 1).ok).toBe(true);
    expect(d.run({ op: 'put', key: 'b', value: big('y') }, 'c1', 2).error).toBe('store-full');
    expect(d.sm.get('b')).toBeNull();
  });

  it('counts the answers cached for sessions, so many clients cannot hold unbounded memory', () => {
    const d = driver(new KvStateMachine({ maxBytes: 3 * MiB }));
    expect(d.run({ op: 'put', key: 'a', value: big('x') }).ok).toBe(true);
    // Overwriting returns the old 1 MiB value, which the session keeps for a retry.
    expect(d.run({ op: 'put', key: 'a', value: big('y') }, 'c1', 1).value).toHaveLength(MiB);
    expect(d.sm.bytes).toBeGreaterThan(2 * MiB);
    expect(d.run({ op: 'put', key: 'b', value: big('z') }).error).toBe('store-full');
  });

  it('a failing command whose answer would not fit in the sessions is store-full, so answers cannot fill memory', () => {
    const limit = 3 * MiB + 4096; // room for the two values and one cached copy of 'a'
    const d = driver(new KvStateMachine({ maxBytes: limit }));
    expect(d.run({ op: 'put', key: 'a', value: big('x') }).ok).toBe(true);
    expect(d.run({ op: 'put', key: 'b', value: big('y') }).ok).toBe(true);
    const errors: (string | undefined)[] = [];
    // Each cas-mismatch answer carries the 1 MiB current value, which a session keeps for retries.
    for (let i = 0; i < 20; i++)
      errors.push(d.run({ op: 'cas', key: 'a', expected: 'no', value: 'v' }, `c${i}`, 1).error);
    expect(errors[0]).toBe('cas-mismatch');
    expect(errors.slice(1).every((e) => e === 'store-full')).toBe(true);
    expect(d.sm.bytes).toBeLessThanOrEqual(limit);
    expect(d.sm.get('a')).toBe(big('x'));
  });

  it('replicas applying the same log agree on every answer and on bytes; a snapshot restores the same bytes', () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const opts = { maxBytes: 40 * 1024, maxSessions: 5, sessionIdleEntries: 50 };
    const a = driver(new KvStateMachine(opts));
    const b = driver(new KvStateMachine(opts));
    let full = 0;
    for (let i = 0; i < 3000; i++) {
      const key = `k${rand(40)}`;
      const value = 'v'.repeat(rand(3000));
      const ops: KvOp[] = [
        { op: 'put', key, value },
        { op: 'delete', key },
        { op: 'cas', key, expected: null, value },
        { op: 'fencedPut', key: `f${rand(10)}`, value, token: rand(100) },
        { op: 'lock', name: `l${rand(10)}`, owner: `o${rand(3)}`, ttlMs: 1 + rand(50) },
      ];
      const op = ops[rand(ops.length)]!;
      const client = rand(3) === 0 ? '' : `c${rand(8)}`;
      const ra = a.run(op, client, client ? i + 1 : 0, i);
      const rb = b.run(op, client, client ? i + 1 : 0, i);
      expect(rb).toEqual(ra);
      if (ra.error === 'store-full') full++;
      expect(a.sm.bytes).toBe(b.sm.bytes);
      // Past the limit only by small session entries of deletes/unlocks (see the memory rule).
      expect(a.sm.bytes).toBeLessThanOrEqual(opts.maxBytes + opts.maxSessions * (ENTRY_OVERHEAD_BYTES + 2));
      if (i % 100 === 0) {
        const r = new KvStateMachine(opts);
        r.restore(a.sm.snapshot());
        expect(r.bytes, `after entry ${i}`).toBe(a.sm.bytes);
      }
    }
    expect(full).toBeGreaterThan(10);
    expect(a.sm.digest()).toBe(b.sm.digest());
  });

  it('charges a session for its latest answer only: bytes match a snapshot round trip as sessions answer again and again', () => {
    const opts = { maxSessions: 4, sessionIdleEntries: 200 };
    const d = driver(new KvStateMachine(opts));
    const seqs = new Map<string, number>();
    for (let i = 0; i < 600; i++) {
      const client = `client-${i % 6}`; // more clients than sessions: evictions too
      const seq = (seqs.get(client) ?? 0) + 1;
      const r = d.run({ op: 'put', key: `k${i % 7}`, value: 'v'.repeat(i % 300) }, client, seq, i);
      // An evicted session's next command is refused: the client starts a new session.
      seqs.set(client, r.error === 'session-expired' ? 0 : seq);
      if (i % 50 === 49) {
        const fresh = new KvStateMachine(opts);
        fresh.restore(d.sm.snapshot());
        expect(d.sm.bytes, `after entry ${i + 1}`).toBe(fresh.bytes);
      }
    }
    expect(d.sm.sessionCount()).toBe(4);
  });

  it("a session's next answer needs room only beyond the answer it replaces, so a near-full store still answers it", () => {
    const d = driver(new KvStateMachine({ maxBytes: 4 * MiB }));
    expect(d.run({ op: 'put', key: 'big', value: big('x') }).ok).toBe(true);
    // The session keeps this answer (1 MiB) for retries.
    expect(d.run({ op: 'get', key: 'big' }, 'c', 1).value).toHaveLength(MiB);
    expect(d.run({ op: 'put', key: 'k1', value: big('y') }).ok).toBe(true);
    // Less than 1 MiB is free now; the next answer is as large as the one it replaces.
    expect(4 * MiB - d.sm.bytes).toBeLessThan(MiB);
    const again = d.run({ op: 'get', key: 'big' }, 'c', 2);
    expect(again.error).toBeUndefined();
    expect(again.value).toHaveLength(MiB);
    expect(d.sm.bytes).toBeLessThanOrEqual(4 * MiB);
    // A new session's 1 MiB answer has no old answer to replace: that one does not fit.
    expect(d.run({ op: 'get', key: 'big' }, 'd', 1)).toEqual({ ok: false, error: 'store-full' });
  });

  it('charges a per-entry overhead, so a flood of tiny keys is bounded too', () => {
    const d = driver(new KvStateMachine({ maxBytes: 100 * ENTRY_OVERHEAD_BYTES }));
    let ok = 0;
    for (let i = 0; i < 500; i++) if (d.run({ op: 'put', key: `${i}`, value: '' }).ok) ok++;
    expect(ok).toBeLessThan(100);
    expect(ok).toBeGreaterThan(80);
  });
});
