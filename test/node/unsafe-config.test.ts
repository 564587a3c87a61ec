/**
 * A node's launch config carries the cluster's unsafe modes: absent is safe, a partial
 * object is completed, a bad value or a rule the protocol lacks stops the node with the
 * field named (a node never runs with a setting it misread).
 */
import { describe, expect, it } from 'vitest';
import { UNSAFE_DEFAULTS } from '../../src-main/core/unsafe';
import { validateNodeConfig } from '../../src-main/node/config';

const good = {
  id: 'n2',
  peers: ['n1', 'n2', 'n3'],
  protocol: 'raft',
  dataFile: '/tmp/n2.db',
  routerPort: 4000,
  token: 's',
};

describe('node config: unsafe', () => {
  it('is absent unless given, and completed when given', () => {
    expect(validateNodeConfig(good)).not.toHaveProperty('unsafe');
    expect(validateNodeConfig({ ...good, unsafe: { fsync: false } })).toMatchObject({
      unsafe: { ...UNSAFE_DEFAULTS, fsync: false },
    });
  });

  it('names a bad value, an unknown mode, or a rule the protocol lacks', () => {
    expect(validateNodeConfig({ ...good, unsafe: { reads: 'fast' } })).toMatch(/^unsafe\.reads must be one of/);
    expect(validateNodeConfig({ ...good, unsafe: { x: 1 } })).toBe("unsafe: unknown field 'x'");
    expect(validateNodeConfig({ ...good, unsafe: { adoptHighestAccepted: false } })).toMatch(
      /adoptHighestAccepted applies to Multi-Paxos only/,
    );
  });
});
