/**
 * Every simulated replica decodes a command through its cluster's cache: what it answers
 * must be exactly what decodeCommand answers, for good and bad data alike, and no state
 * machine may change a decoded command that the others share.
 */
import { describe, expect, it } from 'vitest';
import { MAX_CLIENT_BYTES, decodeCommand, encodeCommand } from '../../src-main/core/kv/codec';
import { KvStateMachine } from '../../src-main/core/kv/state-machine';
import type { KvCommand } from '../../src-main/core/kv/types';
import { seededRng } from '../../src-main/core/types';
import { DecodeCache, cachingDecoder } from '../../src-main/sim/decode-cache';

const cmds: KvCommand[] = [
  { client: 'c1', seq: 1, now: 10, cmd: { op: 'put', key: 'a', value: '1' } },
  { client: 'c1', seq: 2, now: 11, cmd: { op: 'cas', key: 'a', expected: '1', value: '2' } },
  { client: 'c2', seq: 1, now: 12, cmd: { op: 'lock', name: 'l', owner: 'c2', ttlMs: 100 } },
  { client: 'c2', seq: 2, now: 13, cmd: { op: 'fencedPut', key: 'f', value: 'x', token: 3 } },
  { client: '', seq: 0, now: 14, cmd: { op: 'get', key: 'a' } },
];
const bad = ['', 'null', '{"client":"c","seq":1,"now":0,"cmd":{"op":"nope"}}', '{"a":[[[[[[1]]]]]]}', '{'];

describe('cachingDecoder', () => {
  it('answers what decodeCommand answers, the first time and every time after', () => {
    const decode = cachingDecoder();
    const data = [...cmds.map(encodeCommand), ...bad];
    for (let round = 0; round < 3; round++) {
      for (const d of data) expect(decode(d)).toEqual(decodeCommand(d));
    }
  });

  it('still answers correctly once it has started afresh past its bound', () => {
    const decode = cachingDecoder(4);
    for (let i = 0; i < 50; i++) {
      const d = encodeCommand({
        client: `c${i % 7}`,
        seq: i + 1,
        now: i,
        cmd: { op: 'put', key: `k${i % 5}`, value: `${i}` },
      });
      expect(decode(d)).toEqual(decodeCommand(d));
    }
  });

  it('answers what decodeCommand answers when given log indexes, right or wrong, past its bound too', () => {
    const decode = cachingDecoder(8);
    const data = [...cmds.map(encodeCommand), ...bad];
    const check = (d: string, index: number): void => {
      expect(decode(d, index)).toEqual(decodeCommand(d));
    };
    for (let round = 0; round < 3; round++) {
      // As replicas do: every index with its own data, several times.
      data.forEach((d, i) => check(d, i + 1));
      // Another entry at an index the cache holds (divergent replicas), and indexes past the bound.
      data.forEach((d, i) => check(d, data.length - i));
      data.forEach((d, i) => check(d, 8 * (i + 1) + 1));
    }
    check(data[0]!, 0);
    check(data[1]!, 1e6);
  });

  it('answers for what a request layer proposed what decodeCommand answers, and decodes other data at that index', () => {
    const cache = new DecodeCache(8);
    const long = { client: 'c'.repeat(MAX_CLIENT_BYTES + 1), seq: 1, now: 1, cmd: { op: 'get' as const, key: 'a' } };
    const proposed = [...cmds, long];
    proposed.forEach((c, i) => cache.remember(i + 1, encodeCommand(c), c));
    for (let round = 0; round < 2; round++) {
      proposed.forEach((c, i) => {
        const d = encodeCommand(c);
        expect(cache.decode(d, i + 1)).toEqual(decodeCommand(d));
      });
    }
    // The over-long client is refused in the same words as a decode of its data.
    expect(typeof cache.decode(encodeCommand(long), proposed.length)).toBe('string');
    // Another entry won index 1 (the proposer lost its term): its own data is decoded.
    const other = encodeCommand(cmds[4]!);
    expect(cache.decode(other, 1)).toEqual(decodeCommand(other));
    // What was handed over is shared, so no one may change it, nor the object the proposer holds.
    const mine = { ...cmds[0]!, cmd: { ...cmds[0]!.cmd } };
    cache.remember(20, encodeCommand(mine), mine);
    const c = cache.decode(encodeCommand(mine), 20) as KvCommand;
    expect(c).not.toBe(mine);
    expect(Object.isFrozen(c) && Object.isFrozen(c.cmd)).toBe(true);
    expect(Object.isFrozen(mine)).toBe(false);
  });

  it('hands out commands no one can change', () => {
    const decode = cachingDecoder();
    const d = encodeCommand(cmds[0]!);
    const c = decode(d, 1) as KvCommand;
    expect(() => {
      (c as { seq: number }).seq = 99;
    }).toThrow(TypeError);
    expect(() => {
      (c.cmd as { key: string }).key = 'other';
    }).toThrow(TypeError);
    expect(decode(d)).toEqual(decodeCommand(d));
  });

  it('state machines sharing one cache end in the same state and answers as ones that decode alone', () => {
    const rng = seededRng(3);
    const decode = cachingDecoder();
    const shared = [new KvStateMachine({ decode }), new KvStateMachine({ decode })];
    const alone = new KvStateMachine();
    for (let i = 1; i <= 400; i++) {
      const client = `c${rng.int(1, 4)}`;
      const key = `k${rng.int(1, 3)}`;
      const ops: KvCommand['cmd'][] = [
        { op: 'put', key, value: `${i}` },
        { op: 'get', key },
        { op: 'delete', key },
        { op: 'cas', key, expected: `${i - 1}`, value: `${i}` },
        { op: 'lock', name: key, owner: client, ttlMs: 50 },
      ];
      // Retries (the same seq again) are part of it: their answers come from the sessions.
      const data = encodeCommand({ client, seq: Math.ceil(i / 2), now: i, cmd: ops[rng.int(0, ops.length - 1)]! });
      const want = alone.apply(i, data);
      for (const sm of shared) expect(sm.apply(i, data)).toEqual(want);
    }
    for (const sm of shared) expect(sm.digest()).toBe(alone.digest());
  });
});
