/**
 * HostLoop's appliedEarly: with applyWhileHeld a Ready's committed entries are applied —
 * their clients answered — before its write, and the host is told so right after the last
 * of them, before that write starts. The node process lets the answers leave then
 * (ClientPort.flushAnswers); until it did, they stayed corked to the end of the pass and so
 * waited for the write they were applied ahead of (a leader's commit-index write, on every
 * put with one client).
 */
import { describe, expect, it } from 'vitest';
import { HostLoop } from '../../src-main/core/host';
import { RaftNode, type RaftMessage } from '../../src-main/core/raft';
import { seededRng } from '../../src-main/core/types';
import { ListMachine } from './list-machine';

/** run elects a single-node Raft leader, commits three proposals and returns what the loop did, in order. */
function run(applyWhileHeld: boolean): string[] {
  const steps: string[] = [];
  const core = new RaftNode({
    id: 'n1',
    peers: ['n1'],
    electionTicks: 10,
    heartbeatTicks: 1,
    maxInflight: 64,
    maxEntriesPerMsg: 64,
    preVote: false,
    checkQuorum: false,
    rng: seededRng(1),
    restore: null,
  });
  const loop = new HostLoop<RaftMessage, null>({
    core,
    storage: {
      save: (w) => steps.push(`save${w.entries.length > 0 ? ' entries' : ''}`),
      compact: () => undefined,
    },
    sm: new ListMachine('n1'),
    applyWhileHeld,
    hooks: {
      send: () => undefined,
      applied: (e) => steps.push(`applied ${e.index}`),
      appliedEarly: () => steps.push('early'),
    },
  });
  for (let i = 0; i < 30 && core.status().role !== 'leader'; i++) {
    core.tick();
    loop.pump();
  }
  expect(core.status().role).toBe('leader');
  for (const v of ['a', 'b', 'c']) {
    expect(core.propose(v).ok).toBe(true);
    loop.pump();
  }
  return steps;
}

describe('HostLoop appliedEarly', () => {
  it('tells the host after a Ready’s entries are applied and before its write', () => {
    const steps = run(true);
    const early = steps.flatMap((s, i) => (s === 'early' ? [i] : []));
    // The leader's no-op and the three proposals: each applied by a Ready of its own.
    expect(early.length).toBeGreaterThanOrEqual(4);
    for (const i of early) {
      expect(steps[i - 1], steps.join(', ')).toMatch(/^applied \d+$/);
      // The Ready's write comes after the host was told, never between its applies and the telling.
      expect(steps.slice(i + 1).find((s) => s.startsWith('save') || s === 'early') ?? 'save', steps.join(', ')).toMatch(
        /^save/,
      );
    }
    expect(steps.filter((s) => s.startsWith('applied'))).toEqual(['applied 1', 'applied 2', 'applied 3', 'applied 4']);
  });

  it('says nothing when entries are applied after the write (applyWhileHeld off) or a Ready applies none', () => {
    expect(run(false)).not.toContain('early');
    const steps = run(true);
    // Every "early" follows an apply: none for a Ready that only wrote entries.
    expect(steps.filter((s, i) => s === 'early' && !steps[i - 1]!.startsWith('applied'))).toEqual([]);
  });
});
