/**
 * Every bench entry point that takes flags answers `--help` with its usage (naming every flag
 * it takes) and exit 0, and refuses an unknown flag or a bad value with one plain line and
 * exit 2, before it starts anything (a mistyped flag must never start a profiling run).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..');

/** FLAGS: each entry point and the flags its usage must name. */
const FLAGS: Record<string, string[]> = {
  'profile.ts': ['--seconds', '--clients', '--cpu', '--strace', '--help'],
  'trace-put.ts': ['--puts', '--warmup', '--slow-ms', '--keep', '--from', '--base', '--rounds', '--help'],
  'storage-stall.ts': ['--readies', '--entries', '--rounds', '--snapshot-every', '--help'],
  'compact-stall.ts': ['--puts', '--entries', '--snapshot-every', '--help'],
  'compact-tail.ts': ['--seconds', '--clients', '--window', '--root', '--help'],
  'host-cost.ts': ['--part', '--root', '--requests', '--clients', '--help'],
  'http-lean-cost.ts': ['--rounds', '--requests', '--clients', '--hold', '--help'],
  'host-ab.ts': ['--base', '--rounds', '--clients', '--warm', '--seconds', '--rate', '--only', '--perf', '--help'],
  'perf-summary.ts': ['--data', '--puts', '--top', '--hz', '--help'],
  'sim-same.ts': ['--baseline', '--seeds', '--help'],
  'sim-instructions.ts': ['--baseline', '--mode', '--seeds', '--rounds', '--help'],
  'shards.ts': ['--seconds', '--clients', '--groups', '--moves', '--out', '--help'],
  'shards-snapshots.ts': ['--runs', '--seconds', '--clients', '--snapshot-every', '--help'],
  'soak.ts': ['--ops', '--step', '--clients', '--keys', '--out', '--help'],
  'failover-reads.ts': ['--rounds', '--protocol', '--keep', '--help'],
  'reads.ts': ['--base', '--clients', '--seconds', '--rounds', '--protocol', '--to', '--warmup', '--help'],
  'run.ts': [
    '--seconds',
    '--clients',
    '--warmup',
    '--trials',
    '--only',
    '--protocol',
    '--rows',
    '--out',
    '--shards',
    '--moves',
    '--help',
  ],
};

/** BAD_VALUE: a known flag with a value each entry point refuses. */
const BAD_VALUE: Record<string, [string[], RegExp]> = {
  'profile.ts': [['--seconds', '0'], /--seconds must be 1\.\.600, got 0/],
  'trace-put.ts': [['--puts', 'many'], /--puts must be a whole number/],
  'storage-stall.ts': [['--rounds', '0'], /--rounds must be 1\.\.1000/],
  'compact-stall.ts': [['--entries', '0'], /--entries must be 1\.\.10000/],
  'compact-tail.ts': [['--window', '0'], /--window must be 1\.\.10000/],
  'host-cost.ts': [['--part', 'router'], /--part must be one of http, gateway/],
  'http-lean-cost.ts': [['--hold', '5000'], /--hold must be 0\.\.1000, got 5000/],
  'host-ab.ts': [['--base', '.', '--rounds', '0'], /--rounds must be 1\.\.20, got 0/],
  'perf-summary.ts': [['--data', 'x.data', '--puts', '0'], /--puts must be 1\.\.1000000000, got 0/],
  'sim-same.ts': [['--seeds', '3'], /--baseline DIR is required/],
  'sim-instructions.ts': [['--baseline', '.', '--rounds', '0'], /--rounds must be 1\.\.20, got 0/],
  'shards.ts': [['--groups', '1,9'], /--groups must list 1\.\.7/],
  'shards-snapshots.ts': [['--snapshot-every', '10'], /--snapshot-every must be 100\.\.1000000, got 10/],
  'soak.ts': [['--clients', '-1'], /--clients must be 1\.\.256, got -1/],
  'failover-reads.ts': [['--protocol', 'zab'], /--protocol must be one of raft, paxos/],
  'reads.ts': [
    ['--to', 'any,primary'],
    /--to takes a comma-separated list of any, leader, follower, rotate; got 'primary'/,
  ],
  'run.ts': [['--warmup', '500'], /--warmup must be 0\.\.120, got 500/],
};

function run(file: string, args: string[]): { code: number | null; out: string; err: string } {
  // A bench that ignored the flag would start its run; the timeout ends it and the test fails.
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', file), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 30_000,
    killSignal: 'SIGKILL',
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe.each(Object.keys(FLAGS))('bench/%s', (file) => {
  it('answers --help with a usage naming every flag, and exit 0', () => {
    const r = run(file, ['--help']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^usage: /);
    for (const flag of FLAGS[file]!) expect(r.out).toContain(flag);
  });

  it('refuses an unknown flag with a clear error and exit 2', () => {
    const r = run(file, ['--bogus-flag']);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown option '--bogus-flag'");
    expect(r.err).toContain('usage: ');
    expect(r.out).toBe('');
  });

  it('refuses a bad value with a clear error and exit 2', () => {
    const [args, msg] = BAD_VALUE[file]!;
    const r = run(file, args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(msg);
  });
});
