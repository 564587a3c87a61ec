import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../src-main/web/serve';

describe('serve --groups: a sharded cluster from the command line', () => {
  it('reads --groups, --shards, --scheme and --vnodes into the shards setting', () => {
    expect(parseServeArgs(['--groups', '3', '--nodes', '3'], {})).toMatchObject({
      settings: { nodes: 3, shards: { groups: 3, scheme: { kind: 'range', shards: 12 } } },
    });
    expect(parseServeArgs(['--groups', '2', '--scheme', 'ring', '--shards', '8', '--vnodes', '16'], {})).toMatchObject({
      settings: { shards: { groups: 2, scheme: { kind: 'ring', shards: 8, vnodes: 16 } } },
    });
    expect(parseServeArgs(['--groups', '3', '--spare-groups', '1'], {})).toMatchObject({
      settings: { shards: { groups: 3, spare: 1 } },
    });
    expect(parseServeArgs([], {})).toMatchObject({ settings: {} });
  });

  it.each([
    [['--shards', '4'], '--shards needs --groups G (a sharded cluster)'],
    [['--scheme', 'ring'], '--scheme needs --groups G'],
    [['--groups', '8'], 'shards.groups must be an integer in 1..7, got 8'],
    [['--groups', '2', '--scheme', 'hash'], 'shards.scheme must be one of range, ring'],
    [['--groups', '2', '--vnodes', '4'], '--vnodes needs --scheme ring'],
    [['--groups', '2', '--shards', '65'], 'shards.shards must be an integer in 1..64'],
    [['--groups', 'x'], "--groups must be a whole number, got 'x'"],
    [['--spare-groups', '1'], '--spare-groups needs --groups G'],
    [['--groups', '6', '--spare-groups', '2'], 'shards.spare must be an integer in 0..1'],
  ])('%j is refused: %s', (argv, error) => {
    expect(parseServeArgs(argv, {})).toEqual(expect.stringContaining(error));
  });
});
