/**
 * The shared command-line reader: unknown options, missing values, ranges and negative
 * numbers each get one plain line, the same for every subcommand.
 */
import { describe, expect, it } from 'vitest';
import { intOpt, numOpt, oneOfOpt, parseCli, stringOpt, flagOpt, UsageError } from '../src-main/cli-args';

const OPTS = { n: { type: 'string' }, x: { type: 'string' }, v: { type: 'boolean' } } as const;

describe('parseCli', () => {
  it('reads values, flags and --name=value', () => {
    const p = parseCli(['--n', '5', '--x=hi', '--v'], OPTS);
    expect(intOpt(p, 'n', 1, 9, 3)).toBe(5);
    expect(stringOpt(p, 'x', 'd')).toBe('hi');
    expect(flagOpt(p, 'v')).toBe(true);
    expect(intOpt(parseCli([], OPTS), 'n', 1, 9, 3)).toBe(3);
  });

  it.each([
    [['--bogus'], /unknown option '--bogus'/],
    [['--n'], /--n needs a value/],
    [['--v=1'], /--v takes no value/],
    [['stray'], /unexpected argument 'stray'/],
  ])('%j is refused: %s', (argv, msg) => {
    expect(() => parseCli(argv, OPTS)).toThrow(UsageError);
    expect(() => parseCli(argv, OPTS)).toThrow(msg);
  });

  it('checks ranges and kinds, and takes a negative number as the value it is', () => {
    expect(() => intOpt(parseCli(['--n', '12'], OPTS), 'n', 1, 9, 3)).toThrow(/--n must be 1\.\.9, got 12/);
    expect(() => intOpt(parseCli(['--n', '1.5'], OPTS), 'n', 1, 9, 3)).toThrow(/whole number/);
    expect(() => numOpt(parseCli(['--n', '-1'], OPTS), 'n', 0, 9, 3)).toThrow(/--n must be 0\.\.9, got -1/);
    expect(() => oneOfOpt(parseCli(['--x', 'zab'], OPTS), 'x', ['raft', 'paxos'], 'raft')).toThrow(
      /--x must be one of raft, paxos, got 'zab'/,
    );
  });
});
