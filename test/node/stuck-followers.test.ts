import { expect, it } from 'vitest';
import type { FollowerProgress, NodeStatus } from '../../src-main/core/types';
import { StuckFollowers } from '../../src-main/node/stuck-followers';

const status = (progress: FollowerProgress[] | null, role: NodeStatus['role'] = 'leader'): NodeStatus => ({
  id: 'n1',
  role,
  term: 2,
  vote: 'n1',
  leader: 'n1',
  commitIndex: 50,
  lastIndex: 50,
  lastTerm: 2,
  firstIndex: 1,
  conf: { voters: ['n1', 'n2', 'n3'], learners: [], votersOutgoing: [] },
  progress,
});
const pr = (id: string, match: number, state: FollowerProgress['state'], recentActive = true): FollowerProgress => ({
  id,
  match,
  next: match + 1,
  state,
  inflight: 0,
  recentActive,
});

it('reports a follower probed without progress for the whole period, once per episode', () => {
  const s = new StuckFollowers();
  const st = status([pr('n1', 50, 'replicate'), pr('n2', 30, 'probe'), pr('n3', 50, 'replicate')]);
  expect(s.check(st, 0, 1000)).toBeNull();
  expect(s.check(st, 999, 1000)).toBeNull();
  expect(s.check(st, 1000, 1000)).toBe('n2');
  expect(s.check(st, 1001, 1000)).toBeNull(); // a new episode starts now
});

it('does not report a follower that moves, answers nothing, replicates, or when not leading', () => {
  const s = new StuckFollowers();
  expect(s.check(status([pr('n2', 30, 'probe')]), 0, 1000)).toBeNull();
  expect(s.check(status([pr('n2', 31, 'probe')]), 1500, 1000)).toBeNull(); // match moved: the clock restarts
  expect(s.check(status([pr('n2', 31, 'probe', false)]), 3000, 1000)).toBeNull(); // silent (down or cut off)
  expect(s.check(status([pr('n2', 31, 'replicate')]), 5000, 1000)).toBeNull();
  expect(s.check(status(null, 'follower'), 9000, 1000)).toBeNull();
});
