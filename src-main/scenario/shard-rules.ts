/**
 * What a scenario may say about a sharded cluster, and what it may not: a sharded setup
 * fits the lab's process budget; shard steps (move, join, leave), the shard conditions and
 * `g2:leader` references need one; and in one, what means "the one group" (the cluster's
 * leader, a follower, a single-leader check, churn, a request pinned to a node, a lock) is
 * refused with what to write instead. Pure.
 */
import { DEFAULT_SHARDS, type ShardSettings } from '../api/shards';
import { at, fail } from '../core/validate';
import { shardedSizeError } from '../lab/shard-layout';
import type { Check, Condition, Setup, ShardSetup, Step } from './types';

/** ShardRules checks one scenario's references against its setup (see the file comment). */
export interface ShardRules {
  /** nodes: how many node ids the cluster has (every group's and the controller's, when sharded). */
  readonly nodes: number;
  /** ref checks `leader`, `follower` and `g2:leader` references. */
  ref(ref: string, path: string): void;
  step(st: Step, path: string): void;
  condition(c: Condition, path: string): void;
  check(c: Check, path: string): void;
}

/** shardSettingsOf turns a scenario's shard setup into the lab's ShardSettings. */
export function shardSettingsOf(s: ShardSetup): ShardSettings {
  const shards = s.shards ?? DEFAULT_SHARDS;
  const scheme =
    s.scheme === 'ring'
      ? { kind: 'ring' as const, shards, vnodes: s.vnodes ?? 64 }
      : { kind: 'range' as const, shards };
  return { groups: s.groups, ...(s.spare ? { spare: s.spare } : {}), scheme };
}

/** shardSetup is the `shards` field a lab target's setup takes ({} for one group). */
export function shardSetup(setup: Setup): { shards?: ShardSettings } {
  return setup.shards ? { shards: shardSettingsOf(setup.shards) } : {};
}

/** ONE_GROUP_SIM says why a one-group simulated cluster refuses a shard step. */
export const ONE_GROUP_SIM =
  'this simulated cluster is one consensus group: shard steps need a sharded setup (setup.shards)';

/** shardedSetupError says why a sharded setup cannot be made (null: it can, or the setup is not sharded). */
export function shardedSetupError(setup: Setup): string | null {
  const s = setup.shards;
  if (!s) return null;
  if (s.vnodes !== undefined && s.scheme !== 'ring') return 'setup.shards.vnodes needs scheme "ring"';
  const size = shardedSizeError(shardSettingsOf(s), setup.nodes);
  return size ? `setup.shards: ${size}` : null;
}

/** ONE_GROUP_CHECKS are checks about the one leader of a one-group cluster. */
const ONE_GROUP_CHECKS = new Set(['leader-within', 'leader-stable', 'split-vote', 'contested', 'term-stable']);
/** ONE_GROUP_CONDITIONS are conditions about the one group (a condition with a node names it and is fine). */
const ONE_GROUP_CONDITIONS = new Set(['no-leader', 'converged']);
const INSTEAD = 'name a group\'s leader (g1:leader) or wait for { "is": "settled" }';

/** shardRules builds the checks for a setup (see the file comment). */
export function shardRules(setup: Setup): ShardRules {
  const s = setup.shards;
  const groups = s ? s.groups + (s.spare ?? 0) : 0;
  const shards = s ? (s.shards ?? DEFAULT_SHARDS) : 0;
  const need = (path: string, what: string): never => fail(`${path}: ${what} needs a sharded cluster (setup.shards)`);
  const group = (g: string, path: string): void => {
    if (!s) need(path, g);
    if (Number(g.slice(1)) > groups)
      fail(`${path} names ${g}, but the cluster has g1..g${groups} (setup.shards.groups + spare)`);
  };
  return {
    nodes: s ? (groups + 1) * setup.nodes : setup.nodes,
    ref(ref, path) {
      if (ref.includes(':')) return group(ref.split(':')[0] ?? '', path);
      if (s) fail(`${path}: "${ref}" means the one group's ${ref}; in a sharded cluster ${INSTEAD}`);
    },
    step(st, path) {
      if (st.do === 'move') {
        group(st.group, at(path, 'group'));
        if (st.shard >= shards)
          fail(`${at(path, 'shard')} is ${st.shard}, but the cluster has shards 0..${shards - 1}`);
      } else if (st.do === 'join' || st.do === 'leave') group(st.group, at(path, 'group'));
      if (!s) return;
      if (['add', 'balance', 'spread', 'trace'].includes(st.do))
        fail(`${path}: a ${st.do} step acts on one group; a sharded cluster does not offer it`);
      if (st.do === 'churn')
        fail(`${path}: churn keeps a majority of one group running; a sharded cluster has a majority per group`);
      if (st.do === 'partition' && st.preset === 'isolate-leader')
        fail(`${path}: isolate-leader means the one group's leader; in a sharded cluster isolate g1:leader`);
      const reqs = st.do === 'request' ? [st] : st.do === 'requests' ? st.requests : [];
      reqs.forEach((r, i) => {
        const p = st.do === 'requests' ? at(at(path, 'requests'), i) : path;
        if (r.node !== undefined) fail(`${at(p, 'node')}: in a sharded cluster the key decides the group; no pinning`);
        if (r.request.op === 'lock' || r.request.op === 'fenced')
          fail(`${at(p, 'request')}: locks and fenced writes are not offered in a sharded cluster`);
      });
    },
    condition(c, path) {
      if (c.is === 'shard') {
        group(c.group, at(path, 'group'));
        if (c.shard >= shards) fail(`${at(path, 'shard')} is ${c.shard}, but the cluster has shards 0..${shards - 1}`);
      } else if (c.is === 'settled') {
        if (!s) need(path, 'settled');
      } else if (s && (ONE_GROUP_CONDITIONS.has(c.is) || (c.is === 'leader' && c.node === undefined)))
        fail(`${path}: "${c.is}" is about the one group; in a sharded cluster ${INSTEAD}`);
    },
    check(c, path) {
      if (s && ONE_GROUP_CHECKS.has(c.check))
        fail(`${path}: ${c.check} is about the one group's leader; a sharded cluster has one per group`);
    },
  };
}
