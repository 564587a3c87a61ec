/**
 * Scenarios the scenario tests share: written once here, run by the runner in the
 * simulator (pieces.test.ts) and on real processes (lab-smoke.test.ts).
 */

/** DAMAGED_FOLLOWER: a follower crashed, its store's log tail damaged, restarted; it recovers from its peers and nothing is lost. */
export const DAMAGED_FOLLOWER = {
  name: 'damaged-follower',
  title: 'Damaged follower',
  teaches: 'a damaged store recovers from its peers',
  setup: { nodes: 3, heartbeatMs: 50, electionMs: 500 },
  steps: [
    { do: 'wait', until: { is: 'leader' }, withinMs: 10000 },
    { do: 'request', request: { op: 'put', key: 'a', value: '1' }, expect: 'ok' },
    { do: 'crash', node: 'follower', as: 'f' },
    { do: 'damage', node: '@f', damage: 'log-tail' },
    { do: 'restart', node: '@f' },
    { do: 'request', request: { op: 'put', key: 'b', value: '2' }, expect: 'ok' },
    { do: 'wait', until: { is: 'converged' }, withinMs: 15000 },
    { do: 'check', checks: [{ check: 'durable' }, { check: 'linearizable' }] },
  ],
};

/** BAD_MOVE: a sharded cluster with a spare group; a move to the spare is refused (it has not joined), a join brings it in. */
export const BAD_MOVE = {
  name: 'bad-move',
  title: 'A move to nowhere',
  teaches: 'refusals',
  setup: { nodes: 1, heartbeatMs: 50, electionMs: 500, shards: { groups: 1, spare: 1, shards: 2 } },
  steps: [
    { do: 'wait', until: { is: 'settled' }, withinMs: 30000 },
    { do: 'move', shard: 0, group: 'g2' },
    { do: 'join', group: 'g2' },
    { do: 'wait', until: { is: 'settled' }, withinMs: 30000 },
    { do: 'check', checks: [{ check: 'holds', condition: { is: 'shard', shard: 1, group: 'g2' } }] },
  ],
};
