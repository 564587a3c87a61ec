/**
 * The coordinator's decisions (core/shard/coordinator.ts), which the lab and the simulator
 * both act on, and the shard session pool (core/shard/sessions.ts) they both route with.
 */
import { describe, expect, it } from 'vitest';
import { installedAt, planGroup } from '../../../src-main/core/shard/coordinator';
import type { GroupShardStatus } from '../../../src-main/core/shard/group';
import { ShardSessions } from '../../../src-main/core/shard/sessions';

const status = (config: number, shards: GroupShardStatus['shards']): GroupShardStatus => ({
  group: 'g1',
  config,
  shards,
});

describe('planGroup', () => {
  it('a settled group behind the newest configuration takes the next one, one at a time', () => {
    const st = status(2, [{ shard: 0, status: 'serving', config: 1, keys: 3 }]);
    expect(planGroup(st, 5)).toEqual([{ a: 'config', num: 3 }]);
    expect(planGroup(st, 2)).toEqual([]);
  });

  it('an unsettled group pulls what it waits for and collects what it froze, and takes no configuration', () => {
    const st = status(3, [
      { shard: 0, status: 'serving', config: 1, keys: 3 },
      { shard: 1, status: 'pulling', config: 3, from: 'g2', keys: 0 },
      { shard: 2, status: 'frozen', config: 3, keys: 4 },
    ]);
    expect(planGroup(st, 9)).toEqual([
      { a: 'pull', shard: 1, config: 3, from: 'g2' },
      { a: 'collect', shard: 2, config: 3 },
    ]);
  });
});

describe('installedAt', () => {
  it('only the new owner at or past the configuration, no longer pulling the shard, confirms the install', () => {
    expect(installedAt(undefined, 1, 3)).toBe(false);
    expect(installedAt(status(2, []), 1, 3)).toBe(false);
    expect(installedAt(status(3, [{ shard: 1, status: 'pulling', config: 3, from: 'g2', keys: 0 }]), 1, 3)).toBe(false);
    expect(installedAt(status(3, [{ shard: 1, status: 'serving', config: 3, keys: 5 }]), 1, 3)).toBe(true);
    // It moved on since (and may even have frozen it again): the install at 3 happened.
    expect(installedAt(status(5, [{ shard: 1, status: 'pulling', config: 5, from: 'g3', keys: 0 }]), 1, 3)).toBe(true);
  });
});

describe('ShardSessions', () => {
  it('lends per shard, keeps the seq of a command that may have reached a log, retires one that may still apply', () => {
    const s = new ShardSessions('x', 3);
    const a = s.take(0)!;
    expect(a).toEqual({ client: 'xs0-1', seq: 0 });
    s.giveBack(0, a, 1, 'ok', { ok: true, value: null });
    expect(s.take(0)).toEqual({ client: 'xs0-1', seq: 1 });
    // A wrong-group answer did not touch the session: its seq does not count.
    s.giveBack(0, a, 2, 'fail', { ok: false, error: 'wrong-group' });
    expect(s.take(0)?.seq).toBe(1);
    // A cas refused by the state machine did reach the log: it counts.
    s.giveBack(0, a, 2, 'fail', { ok: false, error: 'cas-mismatch', value: 'v' });
    expect(s.take(0)?.seq).toBe(2);
    // Unknown: retired, never lent again.
    s.giveBack(0, a, 3, 'unknown', null);
    expect(s.take(0)?.client).toBe('xs0-2');
    expect(s.take(1)?.client).toBe('xs1-3');
    expect(s.take(1)).toBeNull();
  });
});
