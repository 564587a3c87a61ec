import { describe, expect, it } from 'vitest';
import { encodeCommand } from '../../../src-main/core/kv/codec';
import { KvStateMachine } from '../../../src-main/core/kv/state-machine';
import type { KvOp, KvResult } from '../../../src-main/core/kv/types';
import { seededRng } from '../../../src-main/core/types';

function driver() {
  const sm = new KvStateMachine();
  let index = 0;
  return {
    sm,
    at(now: number, cmd: KvOp): KvResult {
      index++;
      return sm.apply(index, encodeCommand({ client: '', seq: 0, now, cmd }));
    },
  };
}

describe('locks with fencing tokens', () => {
  it('grants a free lock with the log index as token, refuses it while held, grants again after expiry', () => {
    const d = driver();
    d.at(0, { op: 'put', key: 'x', value: '1' }); // index 1
    const a = d.at(1000, { op: 'lock', name: 'L', owner: 'alice', ttlMs: 500 }); // index 2
    expect(a).toEqual({ ok: true, token: 2, expiresAt: 1500 });
    expect(d.sm.locks()).toEqual([{ name: 'L', owner: 'alice', token: 2, expiresAt: 1500 }]);
    expect(d.at(1499, { op: 'lock', name: 'L', owner: 'bob', ttlMs: 500 })).toEqual({
      ok: false,
      error: 'lock-held',
      holder: 'alice',
      token: 2,
      expiresAt: 1500,
    });
    // Expiry is on the state machine's clock: at 1500 the grant has lapsed.
    const b = d.at(1500, { op: 'lock', name: 'L', owner: 'bob', ttlMs: 500 });
    expect(b).toEqual({ ok: true, token: 4, expiresAt: 2000 });
    expect(d.sm.locks()).toEqual([{ name: 'L', owner: 'bob', token: 4, expiresAt: 2000 }]);
    // A different lock name is independent.
    expect(d.at(1600, { op: 'lock', name: 'M', owner: 'alice', ttlMs: 100 }).ok).toBe(true);
  });

  it('renew extends only the current grant of its holder, and not after expiry', () => {
    const d = driver();
    const t = d.at(0, { op: 'lock', name: 'L', owner: 'alice', ttlMs: 100 }).token!;
    expect(d.at(90, { op: 'renew', name: 'L', owner: 'alice', token: t, ttlMs: 100 })).toEqual({
      ok: true,
      token: t,
      expiresAt: 190,
    });
    expect(d.at(150, { op: 'lock', name: 'L', owner: 'bob', ttlMs: 100 }).ok).toBe(false); // renewed, so still held
    expect(d.at(160, { op: 'renew', name: 'L', owner: 'alice', token: t + 1, ttlMs: 100 })).toEqual({
      ok: false,
      error: 'lock-not-held',
      holder: 'alice',
    });
    expect(d.at(160, { op: 'renew', name: 'L', owner: 'bob', token: t, ttlMs: 100 }).error).toBe('lock-not-held');
    // Past expiry the holder may not renew, even though nobody took the lock meanwhile.
    expect(d.at(190, { op: 'renew', name: 'L', owner: 'alice', token: t, ttlMs: 100 })).toEqual({
      ok: false,
      error: 'lock-not-held',
    });
    expect(d.sm.locks()).toEqual([]);
  });

  it('unlock needs the current token; a wrong or old token is refused and the lock stays held', () => {
    const d = driver();
    const t = d.at(0, { op: 'lock', name: 'L', owner: 'alice', ttlMs: 1000 }).token!;
    expect(d.at(10, { op: 'unlock', name: 'L', token: t + 7 })).toEqual({
      ok: false,
      error: 'lock-not-held',
      holder: 'alice',
    });
    expect(d.sm.locks()).toHaveLength(1);
    expect(d.at(20, { op: 'unlock', name: 'L', token: t })).toEqual({ ok: true, token: t });
    expect(d.sm.locks()).toEqual([]);
    expect(d.at(30, { op: 'unlock', name: 'L', token: t })).toEqual({ ok: false, error: 'lock-not-held' });
    const t2 = d.at(40, { op: 'lock', name: 'L', owner: 'bob', ttlMs: 1000 }).token!;
    expect(t2).toBeGreaterThan(t);
    expect(d.at(50, { op: 'unlock', name: 'L', token: t }).ok).toBe(false); // alice's old token cannot free bob's lock
  });

  it('the holder asking again gets the same grant (same token), extended', () => {
    const d = driver();
    const a = d.at(0, { op: 'lock', name: 'L', owner: 'alice', ttlMs: 100 });
    expect(d.at(50, { op: 'lock', name: 'L', owner: 'alice', ttlMs: 100 })).toEqual({
      ok: true,
      token: a.token,
      expiresAt: 150,
    });
  });

  it('the clock never runs backwards: a new leader with a slower clock cannot revive an expired grant', () => {
    const d = driver();
    d.at(1000, { op: 'lock', name: 'L', owner: 'alice', ttlMs: 100 });
    const b = d.at(1200, { op: 'lock', name: 'L', owner: 'bob', ttlMs: 100 }); // alice's lapsed at 1100
    expect(b.ok).toBe(true);
    // The next leader's clock says 1050: bob's grant (until 1300) is still live; alice's stays dead.
    expect(d.at(1050, { op: 'lock', name: 'L', owner: 'alice', ttlMs: 100 })).toMatchObject({
      ok: false,
      holder: 'bob',
    });
    expect(d.sm.clock).toBe(1200);
    expect(d.sm.locks()).toEqual([{ name: 'L', owner: 'bob', token: b.token, expiresAt: 1300 }]);
  });

  it("Kleppmann's pause: A's write with the older token is refused after B wrote with a newer one", () => {
    const d = driver();
    const t1 = d.at(0, { op: 'lock', name: 'file', owner: 'A', ttlMs: 1000 }).token!;
    // A pauses (GC, SIGSTOP) past its TTL without renewing; B takes the lock.
    const b = d.at(1500, { op: 'lock', name: 'file', owner: 'B', ttlMs: 1000 });
    expect(b.ok).toBe(true);
    const t2 = b.token!;
    expect(t2).toBeGreaterThan(t1);
    expect(d.at(1600, { op: 'fencedPut', key: 'storage', value: 'from B', token: t2 })).toEqual({
      ok: true,
      value: null,
      token: t2,
    });
    // A wakes up still believing it holds the lock.
    expect(d.at(1700, { op: 'fencedPut', key: 'storage', value: 'from A', token: t1 })).toEqual({
      ok: false,
      error: 'stale-token',
      token: t2,
    });
    expect(d.sm.get('storage')).toBe('from B');
    // B may write again with its token; the fence is per key.
    expect(d.at(1800, { op: 'fencedPut', key: 'storage', value: 'B again', token: t2 }).ok).toBe(true);
    expect(d.at(1900, { op: 'fencedPut', key: 'other', value: 'A', token: t1 }).ok).toBe(true);
  });

  it('mutual exclusion and growing tokens over a random history of 3,000 lock operations', () => {
    const rng = seededRng(7);
    const d = driver();
    const owners = ['a', 'b', 'c', 'd'];
    const names = ['L1', 'L2'];
    // Each grant: its lock, token, owner, start, and end (moved by renew, cut short by unlock).
    const grants: { name: string; token: number; owner: string; start: number; end: number }[] = [];
    const held = new Map<string, { owner: string; token: number }>(); // what each owner believes (may be stale)
    const grantOf = (name: string, token: number, owner: string) =>
      [...grants].reverse().find((x) => x.name === name && x.token === token && x.owner === owner);
    let now = 0;
    let lastToken = 0;
    for (let i = 0; i < 3000; i++) {
      now += rng.int(0, 40);
      const name = names[rng.int(0, 1)]!;
      const owner = owners[rng.int(0, 3)]!;
      const mine = held.get(`${name}/${owner}`);
      const roll = rng.next();
      if (roll < 0.5 || !mine) {
        const r = d.at(now, { op: 'lock', name, owner, ttlMs: rng.int(20, 120) });
        if (r.ok) {
          // Asking again while holding returns the same grant; a token handed to a second owner is a new grant (and must fail below).
          const g = grantOf(name, r.token!, owner);
          if (g) g.end = r.expiresAt!;
          else {
            expect(r.token!).toBeGreaterThan(lastToken);
            lastToken = r.token!;
            grants.push({ name, token: r.token!, owner, start: now, end: r.expiresAt! });
          }
          held.set(`${name}/${owner}`, { owner, token: r.token! });
        }
      } else if (roll < 0.8) {
        const r = d.at(now, { op: 'renew', name, owner, token: mine.token, ttlMs: rng.int(20, 120) });
        if (r.ok) grantOf(name, mine.token, owner)!.end = r.expiresAt!;
      } else {
        const r = d.at(now, { op: 'unlock', name, token: mine.token });
        if (r.ok) grantOf(name, mine.token, owner)!.end = now;
        held.delete(`${name}/${owner}`);
      }
    }
    expect(grants.length).toBeGreaterThan(200);
    for (const name of names) {
      const g = grants.filter((x) => x.name === name).sort((x, y) => x.start - y.start);
      for (let i = 1; i < g.length; i++) {
        // The next grant starts only once the previous one has ended (expired or unlocked).
        expect(g[i]!.start, `${name} grant ${g[i]!.token} overlaps ${g[i - 1]!.token}`).toBeGreaterThanOrEqual(
          g[i - 1]!.end,
        );
      }
    }
  });
});
