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
