import { describe, expect, it } from 'vitest';
import { seededRng } from '../../../src-main/core/types';
import { encodeCommand } from '../../../src-main/core/kv/codec';
import {
  parseState,
  serializeState,
  SessionRows,
  type KvState,
  type Session,
} from '../../../src-main/core/kv/snapshot';
import { KvStateMachine } from '../../../src-main/core/kv/state-machine';
import type { KvOp, KvResult } from '../../../src-main/core/kv/types';

/** reference is the serialization as it was written before the session rows were cached: one JSON.stringify. */
function reference(s: KvState, canonical: boolean): string {
  const sorted = <V>(m: Map<string, V>): [string, V][] => {
    const a = [...m];
    if (canonical) a.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    return a;
  };
  const ordered = (r: KvResult): KvResult => {
    const out: KvResult = { ok: r.ok };
    if (r.value !== undefined) out.value = r.value;
    if (r.error !== undefined) out.error = r.error;
    if (r.token !== undefined) out.token = r.token;
    if (r.holder !== undefined) out.holder = r.holder;
    if (r.expiresAt !== undefined) out.expiresAt = r.expiresAt;
    return out;
  };
  return JSON.stringify({
    v: 1,
    appliedIndex: canonical ? undefined : s.appliedIndex,
    clock: s.clock,
    data: sorted(s.data),
    sessions: [...s.sessions].map(([c, x]) => [c, x.seq, x.lastIndex, ordered(x.result)]),
    locks: sorted(s.locks).map(([n, l]) => [n, l.owner, l.token, l.expiresAt]),
    fences: sorted(s.fences),
  });
}

function state(): KvState {
  return {
    appliedIndex: 7,
    clock: 1234.5,
    data: new Map([
      ['b', 'two "quoted"'],
      ['a', 'ü€😀'],
    ]),
    sessions: new Map<string, Session>([
      ['c2', { seq: 3, lastIndex: 5, result: { expiresAt: 9, ok: true, token: 4 } }],
      ['c1', { seq: 1, lastIndex: 6, result: { ok: false, error: 'cas-mismatch', value: null } }],
    ]),
    locks: new Map([['l1', { owner: 'c2', token: 4, expiresAt: 9 }]]),
    fences: new Map([['fence-l1', 4]]),
  };
}

describe('serializeState', () => {
  it('writes what one JSON.stringify of the state wrote, canonical or not, with or without kept rows', () => {
    const s = state();
    const rows = new SessionRows();
    for (const canonical of [false, true]) {
      expect(serializeState(s, canonical)).toBe(reference(s, canonical));
      expect(serializeState(s, canonical, rows)).toBe(reference(s, canonical));
      expect(serializeState(s, canonical, rows)).toBe(reference(s, canonical));
    }
    expect(parseState(serializeState(s, false, rows))).toEqual(s);
    const empty: KvState = { ...s, data: new Map(), sessions: new Map(), locks: new Map(), fences: new Map() };
    expect(serializeState(empty, false, rows)).toBe(reference(empty, false));
    expect(serializeState(s, false, rows)).toBe(reference(s, false));
  });

  it('a kept row follows its session: replaced, moved, re-keyed, evicted, or a field written in place', () => {
    const s = state();
    const rows = new SessionRows();
    const same = (): void => expect(serializeState(s, false, rows)).toBe(reference(s, false));
    const first = serializeState(s, false, rows);
    for (let i = 3; i <= 8; i++) s.sessions.set(`c${i}`, { seq: i, lastIndex: 10 + i, result: { ok: true } });
    same();
    // Replaced (what the state machine does when its client applies again), moved to the end.
    s.sessions.delete('c2');
    s.sessions.set('c2', { seq: 4, lastIndex: 8, result: { ok: true, value: 'x' } });
    same();
    expect(serializeState(s, false, rows)).not.toBe(first);
    // One in the middle replaced where it stands.
    s.sessions.set('c5', { seq: 6, lastIndex: 30, result: { ok: true, value: 'y' } });
    same();
    // Evicted from the front, from the middle, from the end.
    s.sessions.delete('c1');
    same();
    s.sessions.delete('c6');
    same();
    s.sessions.delete('c2');
    same();
    // The same object under another client.
    const c3 = s.sessions.get('c3')!;
    s.sessions.delete('c3');
    s.sessions.set('c9', c3);
    same();
    // Fields written in place (the state machine does not, but a row must not outlive them).
    const c4 = s.sessions.get('c4')!;
    c4.seq = 10;
    same();
    c4.lastIndex = 11;
    same();
    c4.result = { ok: true, value: 'z' };
    same();
    s.sessions.clear();
    same();
    s.sessions.set('c1', { seq: 1, lastIndex: 1, result: { ok: true } });
    same();
  });
});

describe('KvStateMachine snapshots', () => {
  it('a machine snapshotted after every command and one snapshotted only at the end write the same bytes', () => {
    const rng = seededRng(7);
    const opts = { maxSessions: 6, sessionIdleEntries: 40 };
    const a = new KvStateMachine(opts);
    const b = new KvStateMachine(opts);
    const seqs = new Map<string, number>();
    for (let i = 1; i <= 600; i++) {
      const client = `c${Math.floor(rng.next() * 12)}`;
      // Now and then a retry (the same seq again) or an old seq.
      const r = rng.next();
      const last = seqs.get(client) ?? 0;
      const seq = r < 0.1 && last > 0 ? last : r < 0.13 && last > 1 ? last - 1 : last + 1;
      seqs.set(client, Math.max(seq, last));
      const key = `k${Math.floor(rng.next() * 4)}`;
      const k = rng.next();
      const cmd: KvOp =
        k < 0.4
          ? { op: 'put', key, value: `${client}-${seq}` }
          : k < 0.55
            ? { op: 'delete', key }
            : k < 0.7
              ? { op: 'cas', key, expected: null, value: 'v' }
              : k < 0.85
                ? { op: 'lock', name: 'l', owner: client, ttlMs: 50 }
                : { op: 'get', key };
      const data = encodeCommand({ client, seq, now: i * 3, cmd });
      expect(a.apply(i, data)).toEqual(b.apply(i, data));
      const snap = a.snapshot();
      if (i % 50 === 0) {
        // A fresh machine restored from it writes it again, byte for byte.
        const c = new KvStateMachine(opts);
        c.restore(snap);
        expect(c.snapshot()).toBe(snap);
        expect(c.digest()).toBe(a.digest());
      }
    }
    expect(a.sessionCount()).toBeGreaterThan(0);
    expect(a.snapshot()).toBe(b.snapshot());
    expect(a.digest()).toBe(b.digest());
  });
});

describe('KvStateMachine session eviction', () => {
  /** sessionsOf lists a machine's sessions (client and lastIndex) in eviction order, from its snapshot. */
  const sessionsOf = (sm: KvStateMachine): [string, number][] =>
    (JSON.parse(sm.snapshot()) as { sessions: [string, number, number][] }).sessions.map((r) => [r[0], r[2]]);

  /** model is the eviction rule spelt out: LRU order, the idle ones and those past the limit leave from the front. */
  function model(sessions: [string, number][], client: string, index: number, max: number, idle: number) {
    const out = sessions.filter(([c]) => c !== client);
    out.push([client, index]);
    while (out.length > 0 && (out.length > max || out[0]![1] <= index - idle)) out.shift();
    return out;
  }

  it('evicts exactly what the rule says and keeps the order, also after restoring sessions out of order', () => {
    const rng = seededRng(11);
    for (const [max, idle] of [
      [4, 9],
      [50, 6],
      [3, 1000],
      [64, 100_000],
    ] as const) {
      const sm = new KvStateMachine({ maxSessions: max, sessionIdleEntries: idle });
      let expected: [string, number][] = [];
      const seqs = new Map<string, number>();
      for (let i = 1; i <= 400; i++) {
        if (i === 200) {
          // A snapshot whose sessions are not in lastIndex order (no state machine writes
          // one, but a peer could send it): the front, a busy client, is the newest, so
          // once it is used again an older one behind it is the front.
          const snap = JSON.parse(sm.snapshot()) as { sessions: [string, number, number, unknown][] };
          const at = snap.sessions.findIndex((row) => row[0] === 'busy0');
          const [busy] = snap.sessions.splice(at, 1);
          snap.sessions.unshift([busy![0], busy![1], i - 1, busy![3]]);
          snap.sessions.push(['late', 1, i - 1, { ok: true }], ['early', 1, i - 3, { ok: true }]);
          sm.restore(JSON.stringify(snap));
          expected = snap.sessions.map((r) => [r[0], r[2]]);
          seqs.set('late', 1);
          seqs.set('early', 1);
        }
        // Mostly a few busy clients, now and then an idle one or a new one.
        const r = rng.next();
        const client =
          r < 0.7 ? `busy${Math.floor(rng.next() * 3)}` : r < 0.9 ? `idle${Math.floor(rng.next() * 8)}` : `new${i}`;
        const last = seqs.get(client);
        // A client whose session was evicted starts a new one at seq 1.
        const alive = expected.some(([c]) => c === client);
        const seq = alive && last !== undefined ? last + 1 : 1;
        seqs.set(client, seq);
        sm.apply(i, encodeCommand({ client, seq, now: i, cmd: { op: 'put', key: 'k', value: `${i}` } }));
        expected = model(expected, client, i, max, idle);
        // Now and then, so that the order's moves pile up in between (KvStateMachine.order).
        if (i % 7 === 0 || i === 199) expect(sessionsOf(sm), `after entry ${i}`).toEqual(expected);
      }
    }
  });
});
