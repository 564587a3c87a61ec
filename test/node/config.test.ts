import { describe, expect, it } from 'vitest';
import { DEFAULTS, nodeNumber, parseConfigArgs, validateNodeConfig } from '../../src-main/node/config';
import { validateHostToNode } from '../../src-main/node/ipc';

const good = {
  id: 'n2',
  peers: ['n1', 'n2', 'n3'],
  protocol: 'raft',
  dataFile: '/tmp/n2.db',
  routerPort: 4000,
  token: 'secret',
};

describe('node config', () => {
  it('fills defaults (etcd heartbeat 100 ms, election 1000 ms) for fields a host leaves out', () => {
    const c = validateNodeConfig(good);
    expect(c).toMatchObject({
      ...good,
      heartbeatMs: 100,
      electionMs: 1000,
      tickMs: DEFAULTS.tickMs,
      clientPort: 0,
      routerHost: '127.0.0.1',
    });
  });

  it('names the first bad field', () => {
    expect(validateNodeConfig({ ...good, protocol: 'zab' })).toMatch(/protocol must be one of raft, paxos/);
    expect(validateNodeConfig({ ...good, peers: ['n1', 'n3'] })).toMatch(/must include the node's own id n2/);
    expect(validateNodeConfig({ ...good, peers: ['n1', 'n2', 'n2'] })).toMatch(/must not repeat/);
    expect(validateNodeConfig({ ...good, routerPort: 70000 })).toMatch(/routerPort/);
    expect(validateNodeConfig({ ...good, timeScale: 0 })).toMatch(/timeScale/);
    expect(validateNodeConfig({ ...good, heartbeatMs: 600, electionMs: 1000 })).toMatch(/twice heartbeatMs/);
    expect(validateNodeConfig({ ...good, id: '../etc' })).toMatch(/id must be an id matching/);
    expect(validateNodeConfig([])).toMatch(/JSON object/);
  });

  it('parses --config, completes it with the token from IPC, and reports JSON errors', () => {
    const { token: _t, ...launch } = good;
    expect(parseConfigArgs(['--config', JSON.stringify(launch)], 'from-ipc')).toMatchObject({
      id: 'n2',
      token: 'from-ipc',
    });
    expect(parseConfigArgs(['--config', '{oops'], 'x')).toMatch(/not valid JSON/);
    expect(parseConfigArgs([], 'x')).toMatch(/usage/);
  });

  it('refuses a token on the command line (every local user can read argv)', () => {
    expect(parseConfigArgs(['--config', JSON.stringify(good)], 'from-ipc')).toMatch(
      /token must not be on the command line/,
    );
  });

  it('spreads the seed by node number', () => {
    expect(nodeNumber('n3', ['n1', 'n3'])).toBe(3);
    expect(nodeNumber('alpha', ['beta', 'alpha'])).toBe(2);
  });
});

describe('host-to-node IPC validation', () => {
  it('accepts the contract messages and refuses anything else', () => {
    expect(validateHostToNode({ t: 'inspect', reqId: 1, lastN: 20 })).toEqual({ t: 'inspect', reqId: 1, lastN: 20 });
    expect(validateHostToNode({ t: 'time-scale', scale: 0.1 })).toEqual({ t: 'time-scale', scale: 0.1 });
    expect(validateHostToNode({ t: 'shutdown' })).toEqual({ t: 'shutdown' });
    expect(validateHostToNode({ t: 'token', token: 'abc' })).toEqual({ t: 'token', token: 'abc' });
    expect(validateHostToNode({ t: 'token', token: '' })).toMatch(/token/);
    expect(validateHostToNode({ t: 'token', token: 'x'.repeat(257) })).toMatch(/token/);
    expect(validateHostToNode({ t: 'inspect', reqId: 1, lastN: 1e9 })).toMatch(/lastN/);
    // Explain reads entries from an index on: a positive integer, nothing else.
    expect(validateHostToNode({ t: 'inspect', reqId: 2, lastN: 16, from: 7 })).toEqual({
      t: 'inspect',
      reqId: 2,
      lastN: 16,
      from: 7,
    });
    for (const from of [0, -1, 1.5, '7', null])
      expect(validateHostToNode({ t: 'inspect', reqId: 2, lastN: 1, from })).toBe(
        'inspect: from must be a positive integer',
      );
    expect(validateHostToNode({ t: 'time-scale', scale: -1 })).toMatch(/scale/);
    expect(validateHostToNode({ t: 'rm -rf' })).toMatch(/unknown ipc message/);
    expect(validateHostToNode('shutdown')).toMatch(/object/);
  });
});
