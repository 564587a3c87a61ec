/**
 * The models on hand-made histories: what is and is not linearizable for a register, a
 * key-value store (cas, delete, fenced writes), the lab's lease locks with fencing tokens,
 * indeterminate operations, and the witness a violation comes with.
 */
import { describe, expect, it } from 'vitest';
import { checkHistory } from '../../src-main/check/check';
import { hist, seq, type Ev } from './helpers';

const kv = (evs: Ev[]) => checkHistory(hist(evs), { model: 'kv' });
const reg = (evs: Ev[]) => checkHistory(hist(evs), { model: 'register' });

describe('register', () => {
  it('a read sees the last completed write', () => {
    expect(reg([...seq(0, 'write', '', 1), ...seq(1, 'read', '', null, 1)]).linearizable).toBe(true);
    expect(
      reg([...seq(0, 'write', '', 1), ...seq(0, 'write', '', 2), ...seq(1, 'read', '', null, 1)]).linearizable,
    ).toBe(false);
  });

  it('a read concurrent with a write may see either value', () => {
    const h: Ev[] = [
      [0, 'invoke', 'write', '', 1],
      [1, 'invoke', 'write', '', 2],
      [0, 'ok', 'write', '', 1],
      [2, 'invoke', 'read', '', null],
      [2, 'ok', 'read', '', 2],
      [1, 'ok', 'write', '', 2],
    ];
    expect(reg(h).linearizable).toBe(true);
    // Two sequential reads in opposite orders of two concurrent writes cannot both be.
    const bad: Ev[] = [
      [0, 'invoke', 'write', '', 1],
      [1, 'invoke', 'write', '', 2],
      [2, 'invoke', 'read', '', null],
      [2, 'ok', 'read', '', 1],
      [2, 'invoke', 'read', '', null],
      [2, 'ok', 'read', '', 2],
      [2, 'invoke', 'read', '', null],
      [2, 'ok', 'read', '', 1],
      [0, 'ok', 'write', '', 1],
      [1, 'ok', 'write', '', 2],
    ];
    expect(reg(bad).linearizable).toBe(false);
  });

  it('nil is the initial value; reading nil after a write is stale', () => {
    expect(reg(seq(0, 'read', '', null, null)).linearizable).toBe(true);
    expect(reg([...seq(0, 'write', '', 3), ...seq(1, 'read', '', null, null)]).linearizable).toBe(false);
  });

  it('an ok cas swaps; a failed cas is left out; an ok cas from the wrong value is a violation', () => {
    expect(
      reg([...seq(0, 'write', '', 1), ...seq(1, 'cas', '', [1, 2]), ...seq(2, 'read', '', null, 2)]).linearizable,
    ).toBe(true);
    const failed = [
      ...seq(0, 'write', '', 1),
      ...seq(1, 'cas', '', [1, 2], [1, 2], 'fail'),
      ...seq(2, 'read', '', null, 1),
    ];
    expect(reg(failed).linearizable).toBe(true);
    expect(
      reg([...seq(0, 'write', '', 1), ...seq(1, 'cas', '', [5, 2]), ...seq(2, 'read', '', null, 2)]).linearizable,
    ).toBe(false);
  });

  it('an indeterminate write may take effect long after it was invoked, or never', () => {
    const late: Ev[] = [
      [0, 'invoke', 'write', '', 7],
      [0, 'info', 'write', '', ':timed-out'],
      ...seq(1, 'write', '', 1),
      ...seq(2, 'read', '', null, 1),
      ...seq(2, 'read', '', null, 7), // the lost write landed only now
    ];
    expect(reg(late).linearizable).toBe(true);
    const never: Ev[] = [
      [0, 'invoke', 'write', '', 7],
      [0, 'info', 'write', '', null],
      ...seq(1, 'read', '', null, null),
    ];
    expect(reg(never).linearizable).toBe(true);
    // An invoke that never completed is indeterminate too.
    expect(reg([[0, 'invoke', 'write', '', 7], ...seq(1, 'read', '', null, 7)]).linearizable).toBe(true);
  });

  it('an indeterminate write takes effect at most once, and not before it was invoked', () => {
    const twice: Ev[] = [
      [0, 'invoke', 'write', '', 7],
      [0, 'info', 'write', '', null],
      ...seq(1, 'read', '', null, 7),
      ...seq(1, 'write', '', 1),
      ...seq(1, 'read', '', null, 7),
    ];
    expect(reg(twice).linearizable).toBe(false);
    const early: Ev[] = [...seq(1, 'read', '', null, 7), [0, 'invoke', 'write', '', 7], [0, 'info', 'write', '', null]];
    expect(reg(early).linearizable).toBe(false);
  });

  it('refuses a history with several keys', () => {
    expect(() => reg([...seq(0, 'write', 'a', 1), ...seq(0, 'write', 'b', 1)])).toThrow(/one register.*2 keys/);
  });
});

describe('key-value', () => {
  it('keys are independent: a violation on one key is found among many', () => {
    const h = [
      ...seq(0, 'write', 'a', '1'),
      ...seq(0, 'write', 'b', '2'),
      ...seq(1, 'read', 'a', null, '1'),
      ...seq(1, 'read', 'b', null, '1'),
    ];
    const r = kv(h);
    expect(r.linearizable).toBe(false);
    expect(r.keys).toBe(2);
    expect(r.violation?.key).toBe('b');
  });

  it('delete makes a key absent (read → null); cas with null expects absence', () => {
    expect(
      kv([...seq(0, 'write', 'x', '1'), ...seq(0, 'delete', 'x', null), ...seq(1, 'read', 'x', null, null)])
        .linearizable,
    ).toBe(true);
    expect(
      kv([...seq(0, 'write', 'x', '1'), ...seq(0, 'delete', 'x', null), ...seq(1, 'read', 'x', null, '1')])
        .linearizable,
    ).toBe(false);
    expect(kv([...seq(0, 'cas', 'x', [null, 'a']), ...seq(1, 'read', 'x', null, 'a')]).linearizable).toBe(true);
    expect(
      kv([...seq(0, 'write', 'x', '1'), ...seq(0, 'cas', 'x', [null, 'a']), ...seq(1, 'read', 'x', null, 'a')])
        .linearizable,
    ).toBe(false);
  });

  it('the empty string is a value, not absence (unless the history is Porcupine’s)', () => {
    const h = hist([...seq(0, 'write', 'x', ''), ...seq(1, 'read', 'x', null, null)]);
    expect(checkHistory(h, { model: 'kv' }).linearizable).toBe(false);
    expect(checkHistory(h, { model: 'kv', emptyIsAbsent: true }).linearizable).toBe(true);
  });

  it('append concatenates in linearization order', () => {
    const h = hist([...seq(0, 'append', 'x', 'a'), ...seq(0, 'append', 'x', 'b'), ...seq(1, 'get', 'x', null, 'ab')]);
    expect(checkHistory(h, { model: 'kv' }).linearizable).toBe(true);
    const bad = hist([...seq(0, 'append', 'x', 'a'), ...seq(0, 'append', 'x', 'b'), ...seq(1, 'get', 'x', null, 'ba')]);
    expect(checkHistory(bad, { model: 'kv' }).linearizable).toBe(false);
  });

  it('an indeterminate cas may have swapped or not', () => {
    const h: Ev[] = [
      ...seq(0, 'write', 'x', '1'),
      [1, 'invoke', 'cas', 'x', ['1', '2']],
      [1, 'info', 'cas', 'x', null],
      ...seq(2, 'read', 'x', null, '2'),
    ];
    expect(kv(h).linearizable).toBe(true);
    const h2: Ev[] = [
      ...seq(0, 'write', 'x', '1'),
      [1, 'invoke', 'cas', 'x', ['1', '2']],
      [1, 'info', 'cas', 'x', null],
      ...seq(2, 'read', 'x', null, '1'),
    ];
    expect(kv(h2).linearizable).toBe(true);
    // It could only have swapped from 1: after 3 was written it cannot produce 2.
    const h3: Ev[] = [
      ...seq(0, 'write', 'x', '3'),
      [1, 'invoke', 'cas', 'x', ['1', '2']],
      [1, 'info', 'cas', 'x', null],
      ...seq(2, 'read', 'x', null, '2'),
    ];
    expect(kv(h3).linearizable).toBe(false);
  });

  it('fenced writes: accepted tokens never go down; a plain read sees the fenced value', () => {
    const ok = [
      ...seq(0, 'fenced-write', 'r', { value: 'a', token: 5 }),
      ...seq(1, 'fenced-write', 'r', { value: 'b', token: 9 }),
      ...seq(2, 'read', 'r', null, 'b'),
    ];
    expect(kv(ok).linearizable).toBe(true);
    // The same token again is accepted (the state machine refuses only older ones).
    expect(
      kv([
        ...seq(0, 'fenced-write', 'r', { value: 'a', token: 5 }),
        ...seq(1, 'fenced-write', 'r', { value: 'b', token: 5 }),
      ]).linearizable,
    ).toBe(true);
    const stale = [
      ...seq(0, 'fenced-write', 'r', { value: 'a', token: 9 }),
      ...seq(1, 'fenced-write', 'r', { value: 'b', token: 5 }),
    ];
    const r = kv(stale);
    expect(r.linearizable).toBe(false);
    expect(r.violation?.explanation).toBe(
      'fenced-write r=b with token 5 was accepted after fenced-write r=a with token 9 had been accepted',
    );
    // Refused (stale-token) writes completed fail: left out.
    expect(
      kv([
        ...seq(0, 'fenced-write', 'r', { value: 'a', token: 9 }),
        ...seq(1, 'fenced-write', 'r', { value: 'b', token: 5 }, null, 'fail'),
      ]).linearizable,
    ).toBe(true);
  });

  it('an indeterminate fenced write may have been refused', () => {
    const h: Ev[] = [
      ...seq(0, 'fenced-write', 'r', { value: 'a', token: 9 }),
      [1, 'invoke', 'fenced-write', 'r', { value: 'b', token: 5 }],
      [1, 'info', 'fenced-write', 'r', null],
      ...seq(2, 'read', 'r', null, 'a'),
    ];
    expect(kv(h).linearizable).toBe(true);
    const h2: Ev[] = [...h.slice(0, 4), ...seq(2, 'read', 'r', null, 'b')];
    expect(kv(h2).linearizable).toBe(false);
  });
});

describe('locks with fencing tokens', () => {
  const lock = (
    p: number,
    name: string,
    owner: string,
    token: number | null,
    type: 'ok' | 'fail' | 'info' = 'ok',
  ): Ev[] => [
    [p, 'invoke', 'lock', name, { owner, ttlMs: 1000 }],
    [p, type, 'lock', name, token === null ? { owner, ttlMs: 1000 } : { owner, ttlMs: 1000, token }],
  ];
  const renew = (p: number, name: string, owner: string, token: number, type: 'ok' | 'fail' = 'ok') =>
    seq(p, 'renew', name, { owner, token, ttlMs: 1000 }, { owner, token, ttlMs: 1000 }, type);
  const unlock = (p: number, name: string, token: number) => seq(p, 'unlock', name, { token });

  it('grant, renew, unlock, grant again with a larger token', () => {
    const h = [
      ...lock(0, 'L', 'a', 5),
      ...renew(0, 'L', 'a', 5),
      ...unlock(0, 'L', 5),
      ...lock(1, 'L', 'b', 9),
      ...renew(1, 'L', 'b', 9),
    ];
    expect(kv(h).linearizable).toBe(true);
  });

  it('a lease may expire: a new grant while the old was never unlocked is not provably wrong', () => {
    expect(kv([...lock(0, 'L', 'a', 5), ...lock(1, 'L', 'b', 9)]).linearizable).toBe(true);
  });

  it('the old holder renewing after a new grant means two holders at once', () => {
    const r = kv([...lock(0, 'L', 'a', 5), ...lock(1, 'L', 'b', 9), ...renew(0, 'L', 'a', 5)]);
    expect(r.linearizable).toBe(false);
    expect(r.violation?.model).toBe('lock');
    expect(r.violation?.explanation).toBe(
      'renew L by a with token 5 succeeded after L had been granted to b with token 9',
    );
  });

  it('tokens only grow, a token belongs to one owner, and an unlocked grant is gone', () => {
    expect(kv([...lock(0, 'L', 'a', 9), ...unlock(0, 'L', 9), ...lock(1, 'L', 'b', 5)]).linearizable).toBe(false);
    expect(kv([...lock(0, 'L', 'a', 5), ...lock(1, 'L', 'b', 5)]).linearizable).toBe(false);
    expect(kv([...lock(0, 'L', 'a', 5), ...unlock(0, 'L', 5), ...unlock(1, 'L', 5)]).linearizable).toBe(false);
    expect(kv([...lock(0, 'L', 'a', 5), ...unlock(0, 'L', 5), ...renew(0, 'L', 'a', 5)]).linearizable).toBe(false);
  });

  it('the holder asking again gets its own token back', () => {
    expect(kv([...lock(0, 'L', 'a', 5), ...lock(0, 'L', 'a', 5), ...renew(0, 'L', 'a', 5)]).linearizable).toBe(true);
  });

  it('locks and data are separate namespaces; locks of different names are separate', () => {
    const h = [
      ...lock(0, 'x', 'a', 5),
      ...seq(1, 'write', 'x', '1'),
      ...seq(1, 'read', 'x', null, '1'),
      ...lock(2, 'y', 'b', 3),
    ];
    const r = kv(h);
    expect(r.linearizable).toBe(true);
    expect(r.keys).toBe(3);
  });

  it('a grant with an unknown token (indeterminate) may be the one a later renew names', () => {
    const h = [...lock(0, 'L', 'a', 5), ...lock(1, 'L', 'b', null, 'info'), ...renew(1, 'L', 'b', 8)];
    expect(kv(h).linearizable).toBe(true);
    // …but only for its own owner, and only with a token above every earlier one.
    expect(
      kv([...lock(0, 'L', 'a', 5), ...lock(1, 'L', 'b', null, 'info'), ...renew(1, 'L', 'c', 8)]).linearizable,
    ).toBe(false);
    expect(
      kv([...lock(0, 'L', 'a', 5), ...lock(1, 'L', 'b', null, 'info'), ...renew(1, 'L', 'b', 4)]).linearizable,
    ).toBe(false);
  });

  it('a failed lock or renew is left out', () => {
    expect(
      kv([
        ...lock(0, 'L', 'a', 5),
        ...lock(1, 'L', 'b', null, 'fail'),
        ...renew(1, 'L', 'b', 5, 'fail'),
        ...renew(0, 'L', 'a', 5),
      ]).linearizable,
    ).toBe(true);
  });
});

describe('witness', () => {
  it('a stale read: the sentence, the culprit, and a window of only what proves it', () => {
    const h: Ev[] = [
      ...seq(0, 'write', 'x', '0'), // 0,1 — unrelated history before
      ...seq(1, 'read', 'x', null, '0'), // 2,3
      ...seq(0, 'write', 'x', '1'), // 4,5
      ...seq(0, 'write', 'x', '2'), // 6,7
      ...seq(2, 'read', 'x', null, '2'), // 8,9
      ...seq(1, 'read', 'x', null, '1'), // 10,11 — stale
      ...seq(0, 'write', 'x', '3'), // 12,13 — after the violation
    ];
    const r = kv(h);
    expect(r.linearizable).toBe(false);
    const v = r.violation!;
    expect(v.explanation).toBe('read x returned 1 after write x=2 had completed');
    expect(v.culprit).toBe(10);
    expect(v.minimised).toBe(true);
    expect(v.window.map((w) => w.description)).toEqual(['write x=1', 'write x=2', 'read x → 1']);
    const read = v.window.find((w) => w.index === 10)!;
    expect(read.couldHaveSeen).toEqual([4]);
    expect(read.initialCouldExplain).toBe(false);
    expect(v.longestOrder).toEqual([4, 6]);
  });

  it('a read of a value never written', () => {
    const r = kv([...seq(0, 'write', 'x', '1'), ...seq(1, 'read', 'x', null, '9')]);
    expect(r.violation?.explanation).toBe('read x returned 9, but no write of 9 to x had begun by then');
    expect(r.violation?.window.map((w) => w.index)).toEqual([2]);
  });

  it('a read going back in time after another read saw the newer value', () => {
    const h: Ev[] = [
      ...seq(0, 'write', 'x', '1'),
      [0, 'invoke', 'write', 'x', '2'],
      ...seq(1, 'read', 'x', null, '2'),
      ...seq(2, 'read', 'x', null, '1'),
      [0, 'ok', 'write', 'x', '2'],
    ];
    const r = kv(h);
    expect(r.linearizable).toBe(false);
    expect(r.violation?.explanation).toBe('read x returned 1 after read x → 2 had already completed');
  });

  it('operations still running when the culprit returned are marked so', () => {
    const h: Ev[] = [
      [3, 'invoke', 'write', 'x', '5'],
      ...seq(1, 'read', 'x', null, '5'),
      ...seq(1, 'read', 'x', null, null),
      [3, 'ok', 'write', 'x', '5'],
    ];
    const v = kv(h).violation!;
    expect(v.explanation).toBe('read x returned nothing after read x → 5 had already completed');
    expect(v.window.map((w) => [w.description, w.stillRunning])).toEqual([
      ['write x=5', true],
      ['read x → 5', false],
      ['read x → nothing', false],
    ]);
  });

  it('is plain data (JSON round-trips)', () => {
    const r = kv([...seq(0, 'write', 'x', '1'), ...seq(0, 'write', 'x', '2'), ...seq(1, 'read', 'x', null, '1')]);
    expect(JSON.parse(JSON.stringify(r.violation))).toEqual(r.violation);
  });
});
